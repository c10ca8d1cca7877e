import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultHoldoutFrom, learnAccounts } from '../../db/queries/learn.ts';
import { accounts, churnEvents, deals } from '../../db/schema.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

describe(`learn repository (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
    const acc = (teamId: string, name: string, industry: string) => ({
      teamId,
      externalId: name,
      name,
      normalizedName: name.toLowerCase(),
      industry,
      employees: 120,
      attributes: { plan: 'Pro' },
    });
    const [a1, a2, b1] = await t.db
      .insert(accounts)
      .values([acc('TA', 'Alpha', 'Software'), acc('TA', 'Beta', 'Retail'), acc('TB', 'Gamma', 'Software')])
      .returning({ id: accounts.id });
    const deal = (teamId: string, id: string, accountId: number | null, outcome: string, closedOn: string | null) => ({
      teamId,
      externalId: id,
      accountId,
      outcome,
      closedOn,
    });
    await t.db
      .insert(deals)
      .values([
        deal('TA', 'd1', a1!.id, 'won', '2024-01-10'),
        deal('TA', 'd2', a1!.id, 'lost', '2024-02-10'),
        deal('TA', 'd3', a1!.id, 'won', '2024-06-10'),
        deal('TA', 'd4', a2!.id, 'lost', '2024-06-20'),
        deal('TA', 'd5', a2!.id, 'open', null),
        deal('TA', 'd6', null, 'won', '2024-03-01'),
        deal('TB', 'd7', b1!.id, 'won', '2024-01-01'),
      ]);
    await t.db
      .insert(churnEvents)
      .values({ teamId: 'TA', externalId: 'c1', accountId: a1!.id, churnedOn: '2024-09-01' });
  });

  it('counts won and lost deals per account before and from the holdout date, for one team only', async () => {
    const rows = await learnAccounts(t.db, { teamId: 'TA', outcome: 'win', holdoutFrom: '2024-06-01' });
    expect(rows.map((r) => [r.name, r.trainWon, r.trainLost, r.holdWon, r.holdLost])).toEqual([
      ['Alpha', 1, 1, 1, 0],
      ['Beta', 0, 0, 0, 1],
    ]);
    expect(rows[0]).toMatchObject({ industry: 'Software', employees: 120, attributes: { plan: 'Pro' } });
    const all = await learnAccounts(t.db, { teamId: 'TA', outcome: 'win', holdoutFrom: null });
    expect(all.map((r) => [r.trainWon, r.trainLost, r.holdWon, r.holdLost])).toEqual([
      [2, 1, 0, 0],
      [0, 1, 0, 0],
    ]);
  });

  it('puts the last quarter of decided deals in the holdout by default', async () => {
    expect(await defaultHoldoutFrom(t.db, 'TA', 'win')).toBe('2024-06-10');
    expect(await defaultHoldoutFrom(t.db, 'TB', 'win')).toBe('2024-01-01');
    expect(await defaultHoldoutFrom(t.db, 'TC', 'win')).toBeNull();
  });

  it('counts customers who stayed or churned for the churn outcome', async () => {
    const rows = await learnAccounts(t.db, { teamId: 'TA', outcome: 'churn', holdoutFrom: null });
    expect(rows.map((r) => [r.name, r.trainWon, r.trainLost])).toEqual([['Alpha', 0, 1]]);
    expect(await defaultHoldoutFrom(t.db, 'TA', 'churn')).toBe('2024-01-10');
  });

  it('counts each customer spell once, as the drift report defines customers: reactivation, customer-since', async () => {
    const [back, since, never] = await t.db
      .insert(accounts)
      .values(
        ['Back', 'Since', 'Never'].map((name) => ({
          teamId: 'TD',
          externalId: name,
          name,
          normalizedName: name.toLowerCase(),
          customerSince: name === 'Since' ? '2024-02-01' : null,
        })),
      )
      .returning({ id: accounts.id });
    const won = (id: string, closedOn: string) => ({
      teamId: 'TD',
      externalId: id,
      accountId: back!.id,
      outcome: 'won',
      closedOn,
    });
    await t.db
      .insert(deals)
      .values([won('w1', '2024-01-01'), won('w2', '2024-02-01'), won('w3', '2024-05-01'), won('w4', '2024-08-01')]);
    const churn = (id: string, accountId: number, churnedOn: string) => ({
      teamId: 'TD',
      externalId: id,
      accountId,
      churnedOn,
    });
    await t.db
      .insert(churnEvents)
      .values([
        churn('c1', back!.id, '2024-03-01'),
        churn('c2', back!.id, '2024-03-15'),
        churn('c3', back!.id, '2024-07-01'),
        churn('c4', since!.id, '2024-04-01'),
        churn('c5', never!.id, '2024-04-01'),
      ]);
    // Back: won (a second win continues it), churned; won again, churned; won again, still a customer. A second
    // churn with no start between counts nothing. Never: a churn event but never a customer.
    const rows = await learnAccounts(t.db, { teamId: 'TD', outcome: 'churn', holdoutFrom: '2024-06-01' });
    expect(rows.map((r) => [r.name, r.trainWon, r.trainLost, r.holdWon, r.holdLost])).toEqual([
      ['Back', 0, 2, 1, 0],
      ['Since', 0, 1, 0, 0],
    ]);
    expect(await defaultHoldoutFrom(t.db, 'TD', 'churn')).toBe('2024-05-01');
  });
});
