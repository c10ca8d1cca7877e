/**
 * accounts.first_won_on (when an account became a customer; drift churn denominators) is kept by
 * statement triggers on deals (migration 0008), whatever writes the deals. Checked against the
 * definition, min(close date of won deals), after every kind of write, on both drivers.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertAccounts } from '../../db/queries/accounts.ts';
import { queryRows } from '../../db/raw.ts';
import { deals } from '../../db/schema.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

describe(`accounts.first_won_on triggers (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let a: number;
  let b: number;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
    [a, b] = (await insertAccounts(t.db, 'T1', [{ name: 'Acme' }, { name: 'Globex' }])) as [number, number];
  });

  /** first_won_on as stored, and as the definition computes it from the deals, per account. */
  async function firstWon() {
    const rows = await queryRows<{ id: number; stored: string | null; computed: string | null }>(
      t.db,
      sql`select a.id, a.first_won_on::text as stored,
            (select min(d.closed_on) from deals d where d.account_id = a.id and d.outcome = 'won')::text as computed
          from accounts a order by a.id`,
    );
    for (const r of rows) expect(r.stored, `account ${r.id}`).toBe(r.computed);
    return Object.fromEntries(rows.map((r) => [r.id === a ? 'a' : 'b', r.stored]));
  }

  const deal = (externalId: string, accountId: number | null, outcome: string, closedOn: string) => ({
    teamId: 'T1',
    externalId,
    accountId,
    outcome,
    closedOn,
  });

  it('follows inserts, updates, relinks, deletes and truncation', async () => {
    await t.db
      .insert(deals)
      .values([
        deal('d1', a, 'won', '2020-05-01'),
        deal('d2', a, 'won', '2020-03-01'),
        deal('d3', a, 'lost', '2019-01-01'),
        deal('d4', b, 'lost', '2019-06-01'),
        deal('d5', null, 'won', '2018-01-01'),
      ]);
    expect(await firstWon()).toEqual({ a: '2020-03-01', b: null });

    await t.db.execute(sql`update deals set outcome = 'lost' where external_id = 'd2'`);
    expect(await firstWon()).toEqual({ a: '2020-05-01', b: null });

    await t.db.execute(sql`update deals set account_id = ${b} where external_id = 'd1'`); // relinked
    expect(await firstWon()).toEqual({ a: null, b: '2020-05-01' });

    await t.db.execute(sql`update deals set account_id = ${a} where external_id = 'd5'`); // linked later
    expect(await firstWon()).toEqual({ a: '2018-01-01', b: '2020-05-01' });

    await t.db.execute(sql`delete from deals where external_id = 'd1'`);
    expect(await firstWon()).toEqual({ a: '2018-01-01', b: null });

    await t.db.execute(sql`truncate deals`);
    expect(await firstWon()).toEqual({ a: null, b: null });
  });

  it('follows an upsert that moves close dates (re-import)', async () => {
    await t.db.insert(deals).values([deal('d1', a, 'won', '2020-05-01'), deal('d2', b, 'won', '2021-01-01')]);
    await t.db.execute(sql`
      insert into deals (team_id, external_id, account_id, outcome, closed_on)
      values ('T1', 'd1', ${a}, 'won', '2022-02-02'), ('T1', 'd2', ${b}, 'won', '2019-09-09'),
             ('T1', 'd3', ${a}, 'won', '2023-03-03')
      on conflict (team_id, external_id) do update set closed_on = excluded.closed_on`);
    expect(await firstWon()).toEqual({ a: '2022-02-02', b: '2019-09-09' });
  });

  it('clears when the account is deleted and its deals are unlinked', async () => {
    await t.db.insert(deals).values([deal('d1', a, 'won', '2020-05-01'), deal('d2', b, 'won', '2021-01-01')]);
    await t.db.execute(sql`delete from accounts where id = ${a}`);
    const [row] = await queryRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from deals where account_id is null`,
    );
    expect(row?.n).toBe(1);
    const rows = await queryRows<{ first_won_on: string | null }>(
      t.db,
      sql`select first_won_on::text from accounts where id = ${b}`,
    );
    expect(rows).toEqual([{ first_won_on: '2021-01-01' }]);
  });
});
