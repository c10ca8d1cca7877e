import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDriftAggregates } from '../../db/queries/drift.ts';
import { accounts, churnEvents, deals, subscriptions } from '../../db/schema.ts';
import { driftWindows } from '../../src/drift/windows.ts';
import { getDriftSeries } from '../../src/usecases/drift-report.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

// As of 2017-12-31: recent window from 2017-10-03; churn baseline periods start 2017-07-05, 2017-04-06,
// 2017-01-06 and 2016-10-08 (the last ends 2017-01-05).
const w = driftWindows('2017-12-31');

describe(`who is a customer, and who churned (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    const acc = (externalId: string, tier: string, customerSince: string | null = null) => ({
      teamId: 't1',
      externalId,
      name: externalId,
      normalizedName: externalId.toLowerCase(),
      tier,
      customerSince,
    });
    const rows = await t.db
      .insert(accounts)
      .values([
        // Subscription 2017-01-01, still running; churned 2017-11-15: a customer at the recent start, churned.
        acc('S1', 'tier1'),
        // A won deal 2017-02-01 takes precedence over its 2016 subscription: a customer from 2017-02-01.
        acc('S2', 'tier1'),
        // Its only subscription ended 2017-05-01 (no churn event): no customer once it ended.
        acc('S3', 'tier1'),
        // Customer-since 2016-06-01, but a subscription file speaks for it: a customer from 2017-09-01 only.
        acc('S4', 'tier1', '2016-06-01'),
        // Subscribed 2016-09-01; churned 2017-03-01; back with a new subscription 2017-06-01; churned again
        // 2017-11-01: churned in the baseline period from 2017-01-06 and again in the recent window.
        acc('R1', 'tier2'),
        // Won 2016-05-01, churned 2017-02-01, won again 2017-08-01 (a reactivation), churned 2017-12-01.
        acc('R2', 'tier2'),
        // Customer-since only: churned 2017-02-01 and 2017-11-01; nothing brought it back, so the
        // second churn is not a churn of a customer.
        acc('R3', 'tier3', '2016-01-01'),
      ])
      .returning({ id: accounts.id, externalId: accounts.externalId });
    const id = (x: string) => rows.find((r) => r.externalId === x)!.id;
    const sub = (externalId: string, a: string, startedOn: string, endedOn: string | null = null) => ({
      teamId: 't1',
      externalId,
      accountId: id(a),
      accountExternalId: a,
      startedOn,
      endedOn,
    });
    await t.db
      .insert(subscriptions)
      .values([
        sub('s1', 'S1', '2017-01-01'),
        sub('s2', 'S2', '2016-01-01'),
        sub('s3', 'S3', '2016-01-01', '2017-05-01'),
        sub('s4', 'S4', '2017-09-01'),
        sub('r1a', 'R1', '2016-09-01'),
        sub('r1b', 'R1', '2017-06-01'),
      ]);
    const won = (externalId: string, a: string, closedOn: string) => ({
      teamId: 't1',
      externalId,
      accountId: id(a),
      outcome: 'won',
      closedOn,
    });
    await t.db
      .insert(deals)
      .values([won('d1', 'S2', '2017-02-01'), won('d2', 'R2', '2016-05-01'), won('d3', 'R2', '2017-08-01')]);
    const churn = (externalId: string, a: string, churnedOn: string) => ({
      teamId: 't1',
      externalId,
      accountId: id(a),
      churnedOn,
    });
    await t.db
      .insert(churnEvents)
      .values([
        churn('c1', 'S1', '2017-11-15'),
        churn('c2', 'R1', '2017-03-01'),
        churn('c3', 'R1', '2017-11-01'),
        churn('c4', 'R2', '2017-02-01'),
        churn('c5', 'R2', '2017-12-01'),
        churn('c6', 'R3', '2017-02-01'),
        churn('c7', 'R3', '2017-11-01'),
      ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts customers by source precedence and each churn of a customer, reactivations included', async () => {
    const agg = await getDriftAggregates(t.db, 't1', w);
    const churn = (s: string, win: string) => agg.churn.find((r) => r.segment === s && r.window === win);
    // Recent (customers at 2017-10-03): S1, S2, S4 (tier 1); R1, R2 (tier 2). All of them but S2, S4 churned.
    expect(churn('tier1', 'recent')).toMatchObject({ active: 3, customers: 3, churned: 1 });
    expect(churn('tier2', 'recent')).toMatchObject({ active: 2, customers: 2, churned: 2 });
    expect(churn('tier3', 'recent')).toBeUndefined();
    // Baseline periods (starts 2016-10-08, 2017-01-06, 2017-04-06, 2017-07-05):
    // S1 -, yes, yes, yes; S2 -, -, yes, yes; S3 yes, yes, yes (its subscription runs until 2017-05-01), -;
    // S4 none.
    expect(churn('tier1', 'baseline')).toMatchObject({ active: 8, customers: 3, churned: 0 });
    // R1 yes (churn 2017-03-01 in the second period), yes, -, yes; R2 yes, yes (churned 2017-02-01), -, -.
    expect(churn('tier2', 'baseline')).toMatchObject({ active: 5, customers: 2, churned: 2 });
    // R3 yes, yes (churned 2017-02-01), then never a customer again.
    expect(churn('tier3', 'baseline')).toMatchObject({ active: 2, customers: 1, churned: 1 });
    expect(churn('all', 'recent')).toMatchObject({ active: 5, churned: 3 });
    expect(churn('all', 'baseline')).toMatchObject({ active: 15, customers: 6, churned: 3 });
  });

  it("charts each month's churns of customers, as the report counts them", async () => {
    const s = await getDriftSeries(t.db, { teamId: 't1', asOf: '2017-12-31' });
    const months = (seg: 'tier1' | 'tier2' | 'tier3') =>
      s.churn[seg].filter((c) => c.churned > 0).map((c) => [c.month, c.churned]);
    expect(months('tier1')).toEqual([['2017-11', 1]]);
    expect(months('tier2')).toEqual([
      ['2017-02', 1],
      ['2017-03', 1],
      ['2017-11', 1],
      ['2017-12', 1],
    ]);
    // R3's second churn (2017-11-01) follows no new start: not the churn of a customer.
    expect(months('tier3')).toEqual([['2017-02', 1]]);
  });
});

describe(`customers that never churned (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    const acc = (externalId: string, tier: string, customerSince: string | null = null) => ({
      teamId: 't2',
      externalId,
      name: externalId,
      normalizedName: externalId.toLowerCase(),
      tier,
      customerSince,
    });
    const rows = await t.db
      .insert(accounts)
      .values([
        // Won 2016-03-01 and again 2017-09-01, never churned: a customer at every checkpoint.
        acc('P1', 'tier1'),
        // Customer-since 2017-05-01 only: a customer from the period starting 2017-07-05 on.
        acc('P2', 'tier1', '2017-05-01'),
        // Customer-since 2016-01-01, but its subscription file starts it after the recent start: never.
        acc('P3', 'tier2', '2016-01-01'),
        // First won after the recent start: not a customer at any checkpoint.
        acc('P4', 'tier2'),
      ])
      .returning({ id: accounts.id, externalId: accounts.externalId });
    const id = (x: string) => rows.find((r) => r.externalId === x)!.id;
    await t.db
      .insert(subscriptions)
      .values([
        { teamId: 't2', externalId: 'p3', accountId: id('P3'), accountExternalId: 'P3', startedOn: '2017-12-01' },
      ]);
    const won = (externalId: string, a: string, closedOn: string) => ({
      teamId: 't2',
      externalId,
      accountId: id(a),
      outcome: 'won',
      closedOn,
    });
    await t.db
      .insert(deals)
      .values([won('w1', 'P1', '2016-03-01'), won('w2', 'P1', '2017-09-01'), won('w3', 'P4', '2017-11-01')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts each from its first start, and none that only starts later', async () => {
    const agg = await getDriftAggregates(t.db, 't2', w);
    const churn = (s: string, win: string) => agg.churn.find((r) => r.segment === s && r.window === win);
    expect(churn('tier1', 'recent')).toMatchObject({ active: 2, customers: 2, churned: 0 });
    // P1 in all four baseline periods, P2 in the last one.
    expect(churn('tier1', 'baseline')).toMatchObject({ active: 5, customers: 2, churned: 0 });
    expect(churn('tier2', 'recent')).toBeUndefined();
    expect(churn('tier2', 'baseline')).toBeUndefined();
  });
});
