/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a throw-away database
 * on the real PostgreSQL server named by TEST_DATABASE_URL. Every database test uses this, so the
 * suite runs on both drivers (`.ci/run` runs it twice).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createDb, type DbHandle } from '../../db/client.ts';
import { migrateDb } from '../../db/migrate.ts';

export interface TestDb extends DbHandle {
  /** Empties every table (cheap reset between tests in one file). */
  truncateAll(): Promise<void>;
  /** Connection string of the throw-away database (real PostgreSQL only). */
  url: string | undefined;
}

export const usingRealPostgres = Boolean(process.env.TEST_DATABASE_URL);

export async function createTestDb(): Promise<TestDb> {
  const base = process.env.TEST_DATABASE_URL;
  let handle: DbHandle;
  let url: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (base) {
    const name = `icp_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    url = u.toString();
    handle = await createDb({ databaseUrl: url, poolMax: 5 });
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    handle = await createDb({ dataDir: 'memory://' });
  }
  await migrateDb(handle);
  return {
    ...handle,
    url,
    async truncateAll() {
      await handle.db.execute(
        sql.raw(`TRUNCATE icp_versions, accounts, deals, churn_events, subscriptions, persona_versions, checks, tier_feedback,
          icp_reviews, review_settings, reminder_occurrences, slack_installations, processed_events, icp_suggestions,
          crm_connections, crm_writebacks, starter_suggestions
          RESTART IDENTITY CASCADE`),
      );
    },
    async close() {
      await handle.close();
      await dropDatabase?.();
    },
  };
}
