import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDb } from '../../db/migrate.ts';
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
    const r = await t.db.execute(sql`select similarity('acme corporation', 'acme corp') as s`);
    expect(Number((r.rows[0] as { s: number }).s)).toBeGreaterThan(0.4);
  });

  it('re-running the migrations is a no-op', async () => {
    await migrateDb(t);
    const r = await t.db.execute(sql`select count(*)::int as n from accounts`);
    expect((r.rows[0] as { n: number }).n).toBe(0);
  });
});
