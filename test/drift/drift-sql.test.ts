import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDriftAggregates } from '../../db/queries/drift.ts';
import { driftWindows } from '../../src/drift/windows.ts';
import { getDriftReport, getDriftSeries } from '../../src/usecases/drift-report.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { insertFixture } from './fixtures.ts';

describe(`drift report SQL (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    await insertFixture(t.db);
  });
  afterAll(async () => {
    await t.close();
  });

  it('places the windows: the 90 days ending with the as-of day, the 365 days before, churn baseline 4 x 90 days', () => {
    expect(driftWindows(new Date('2017-12-31T10:00:00Z'))).toEqual({
      asOf: '2017-12-31',
      windowDays: 90,
      baselineDays: 365,
      recent: { start: '2017-10-03', end: '2017-12-31' },
      baseline: { start: '2016-10-03', end: '2017-10-02' },
      churnBaseline: { start: '2016-10-08', end: '2017-10-02', periods: 4, days: 360 },
    });
  });

  it('aggregates won/decided, medians and Mood counts per segment and window, for this team only', async () => {
    const agg = await getDriftAggregates(t.db, 't1', driftWindows('2017-12-31'));
    const row = (s: string, w: string) => agg.deals.find((r) => r.segment === s && r.window === w);
    expect(agg.deals).toHaveLength(12);
    expect(row('tier1', 'recent')).toEqual({
      segment: 'tier1',
      window: 'recent',
      won: 1,
      decided: 2,
      cycleMedian: 31,
      cycleN: 1,
      cycleAbove: 1,
      amountMedian: 1000,
      amountMean: 1000,
      amountN: 1,
      amountAbove: 1,
    });
    expect(row('tier1', 'baseline')).toMatchObject({
      won: 2,
      decided: 3,
      cycleMedian: 30,
      amountMedian: 400,
      cycleAbove: 0,
    });
    expect(row('tier3', 'recent')).toMatchObject({ won: 1, decided: 1 });
    expect(row('tier3', 'baseline')).toMatchObject({ won: 0, decided: 1, cycleMedian: null, amountN: 0 });
    expect(row('no_fit', 'baseline')).toMatchObject({ won: 0, decided: 1 });
    expect(row('tier2', 'recent')).toBeUndefined();
    expect(row('unscored', 'recent')).toMatchObject({ won: 1, decided: 2, cycleMedian: 10 });
    expect(row('fit', 'baseline')).toMatchObject({ won: 2, decided: 3 });
    expect(row('non_fit', 'recent')).toMatchObject({ won: 1, decided: 1 });
    expect(row('non_fit', 'baseline')).toMatchObject({ won: 0, decided: 2 });
    expect(row('all', 'recent')).toMatchObject({
      won: 3,
      decided: 5,
      cycleMedian: 30,
      amountMedian: 200,
      amountAbove: 1,
    });
    expect(row('all', 'recent')?.amountMean).toBeCloseTo(1250 / 3, 9);
    expect(row('all', 'baseline')).toMatchObject({ won: 2, decided: 5, amountAbove: 1, cycleAbove: 0 });
    const churn = (s: string, w: string) => agg.churn.find((r) => r.segment === s && r.window === w);
    expect(churn('tier1', 'recent')).toMatchObject({ active: 1, churned: 1 });
    expect(churn('tier1', 'baseline')).toMatchObject({ active: 5, churned: 1 });
    expect(churn('all', 'baseline')).toMatchObject({ active: 5, churned: 1 });
    expect(churn('tier3', 'recent')).toBeUndefined();
  });

  it('says not enough data for every figure when groups are below the minimum sample', async () => {
    const r = await getDriftReport(t.db, { teamId: 't1', asOf: '2017-12-31' });
    expect(r.segments.tier1.winRate).toMatchObject({
      recent: { value: 0.5, n: 2 },
      baseline: { n: 3 },
      test: null,
      verdict: 'not_enough_data',
      note: 'Not enough decided deals in Tier 1 in the last 90 days (n=2 < 30) to say anything about Tier 1 win rate.',
    });
    expect(r.driftDetected).toBe(false);
    expect(r.signals).toEqual([]);
    expect(r.summary[1]).toBe('Not enough decided deals in Tier 1 in the last 90 days (n=2 < 30) to say anything.');
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('tests, bounds and explains each figure once the minimum sample is met', async () => {
    const r = await getDriftReport(t.db, { teamId: 't1', asOf: '2017-12-31', minSample: 1 });
    const win = r.segments.tier1.winRate;
    expect(win.change).toBeCloseTo(-100 / 6, 9);
    expect(win.recent.ci?.[0]).toBeCloseTo(0.0945, 4);
    expect(win.test).toBe('fisher');
    expect(win.pValue).toBeCloseTo(1, 9);
    expect(win.verdict).toBe('stable');
    expect(win.note).toBe(
      'Tier 1 win rate went from 67% (n=3) to 50% (n=2): no drift detected (p=1 after correcting for 3 comparisons); these samples are too small to have shown a change of any size.',
    );
    // Churn n counts customers (A1 in all four baseline periods, A2 in the last: 2 customers, 5 periods).
    expect(r.segments.tier1.churnRate).toMatchObject({
      recent: { value: 1, n: 1, exposure: 1 },
      baseline: { value: 0.2, n: 2, exposure: 5 },
      change: 80,
    });
    expect(r.segments.tier1.churnRate.pValue).toBeCloseTo(1 / 3, 9);
    expect(r.segments.tier1.salesCycleDays).toMatchObject({
      recent: { value: 31, n: 1 },
      baseline: { value: 30 },
      change: 1,
    });
    expect(r.segments.tier1.dealSize).toMatchObject({
      recent: { value: 1000, mean: 1000 },
      baseline: { value: 400, mean: 400 },
    });
    expect(r.outsideIcpShare).toMatchObject({ recent: { value: 0.5, n: 2 }, baseline: { value: 0, n: 2 }, change: 50 });
    expect(r.lift.recent.value).toBeCloseTo(0.5, 12);
    expect(r.lift.baseline.value).toBeNull();
    expect(r.lift.verdict).toBe('not_enough_data');
  });

  it('treats tiers scored under an older ICP version as unscored', async () => {
    await t.db.execute(sql`INSERT INTO icp_versions (team_id, version, name, source, spec, origin, created_by)
      VALUES ('t1', 2, 'v2', '', '{}'::jsonb, 'apply', 'U1')`);
    await t.db.execute(sql`UPDATE accounts SET icp_version = 2 WHERE external_id IN ('A2', 'A3')`);
    const agg = await getDriftAggregates(t.db, 't1', driftWindows('2017-12-31'));
    await t.db.execute(sql`DELETE FROM icp_versions`);
    await t.db.execute(sql`UPDATE accounts SET icp_version = NULL`);
    expect(agg.icpVersion).toBe(2);
    const row = (s: string, w: string) => agg.deals.find((r) => r.segment === s && r.window === w);
    expect(row('tier1', 'recent')).toBeUndefined();
    expect(row('tier1', 'baseline')).toMatchObject({ won: 1, decided: 2 });
    expect(row('unscored', 'recent')).toMatchObject({ won: 2, decided: 4 });
    expect(row('no_fit', 'baseline')).toBeUndefined();
  });

  it('returns the monthly chart series with zero-filled months', async () => {
    const s = await getDriftSeries(t.db, { teamId: 't1', asOf: '2017-12-31', months: 12 });
    expect(s.months).toHaveLength(12);
    expect(s.months[0]).toBe('2017-01');
    expect(s.months[11]).toBe('2017-12');
    const m = (seg: 'tier1' | 'all', month: string) => s.winRate[seg].find((x) => x.month === month);
    expect(m('tier1', '2017-11')).toMatchObject({ won: 1, decided: 1, rate: 1 });
    expect(m('tier1', '2017-12')).toMatchObject({ won: 0, decided: 1, rate: 0 });
    expect(m('tier1', '2017-10')).toMatchObject({ won: 0, decided: 0, rate: null, ci: null });
    expect(m('all', '2017-11')).toMatchObject({ won: 2, decided: 3 });
    expect(s.churn.all.filter((x) => x.churned > 0)).toEqual([
      { month: '2017-08', churned: 1 },
      { month: '2017-12', churned: 1 },
    ]);
    expect(s.churn.tier1.reduce((a, x) => a + x.churned, 0)).toBe(2);
  });
});
