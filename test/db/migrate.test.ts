import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDb } from '../../db/migrate.ts';
import { queryRows } from '../../db/raw.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

describe(`database (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.close();
  });

  it('applies the migrations and has pg_trgm available', async () => {
    const [row] = await queryRows<{ s: number }>(t.db, sql`select similarity('acme corporation', 'acme corp') as s`);
    expect(Number(row?.s)).toBeGreaterThan(0.4);
  });

  it('re-running the migrations is a no-op', async () => {
    await migrateDb(t);
    const [row] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from accounts`);
    expect(row?.n).toBe(0);
  });
});
