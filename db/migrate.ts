/**
 * Applies the committed migrations in db/migrations. Used at start-up and by `npm run db:migrate`.
 *
 * drizzle's migrator always starts with `CREATE SCHEMA IF NOT EXISTS "drizzle"`, which needs the CREATE
 * privilege even when the schema exists. So we first read what is applied and skip the migrator when
 * nothing is pending: a role without CREATE privilege can run the bot once an owner has migrated.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { DbHandle, Schema } from './client.ts';

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** How many committed migrations the database has not applied yet (all of them on an empty database). */
export async function pendingMigrations(handle: DbHandle): Promise<number> {
  const local = readMigrationFiles({ migrationsFolder });
  const result = (await handle.db.execute(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as "exists"`,
  )) as unknown as { rows: { exists: boolean }[] };
  if (!result.rows[0]?.exists) return local.length;
  // The same rule as drizzle's migrator: a migration is applied when one at least as new is recorded.
  const last = (await handle.db.execute(
    sql`select coalesce(max(created_at), 0)::text as last from drizzle.__drizzle_migrations`,
  )) as unknown as { rows: { last: string }[] };
  const lastApplied = Number(last.rows[0]?.last ?? 0);
  return local.filter((m) => m.folderMillis > lastApplied).length;
}

export async function migrateDb(handle: DbHandle): Promise<void> {
  if ((await pendingMigrations(handle)) === 0) return;
  if (handle.driver === 'postgres') {
    await migratePg(handle.db as unknown as NodePgDatabase<Schema>, { migrationsFolder });
  } else {
    await migratePglite(handle.db as unknown as PgliteDatabase<Schema>, { migrationsFolder });
  }
}
