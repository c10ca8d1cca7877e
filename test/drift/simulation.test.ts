import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, deals } from '../../db/schema.ts';
import {
  buildDriftReport,
  type ChurnAggregate,
  type DealAggregate,
  type DriftAggregates,
  type DriftReport,
  decideProportions,
  type MetricComparison,
  type Segment,
} from '../../src/drift/report.ts';
import { binomial, mulberry32 } from '../../src/drift/stats.ts';
import { driftWindows } from '../../src/drift/windows.ts';
import { driftDetailsMessage, driftReportText } from '../../src/slack/blocks/review.ts';
import { getDriftReport } from '../../src/usecases/drift-report.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const SEEDS = 200;
const thresholds = { minSample: 30, minEffectPoints: 5, alpha: 0.05 };

/** Share of seeds whose win-rate verdict is a drift, for recent nR at pR against baseline nB at pB. */
function alarmRate(nR: number, pR: number, nB: number, pB: number, seedBase: number, seeds = SEEDS): number {
  let alarms = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const rand = mulberry32(seedBase + seed);
    const d = decideProportions(binomial(nR, pR, rand), nR, binomial(nB, pB, rand), nB, thresholds);
    if (d.verdict === 'drift_down' || d.verdict === 'drift_up') alarms++;
  }
  return alarms / seeds;
}

const TIERS = ['tier1', 'tier2', 'tier3', 'no_fit'] as const;
const BASE_RATES = { tier1: 0.4, tier2: 0.3, tier3: 0.2, no_fit: 0.15 };

/**
 * Simulated aggregates for a whole report: every tier with `nRecent` decided deals in the 90-day window
 * and `nBase` in the baseline, churn for every tier (so the primary family holds eight tests, the most a
 * report has), and sales cycle / deal size Mood counts with no change. Tier 1's win rate drops by `drop`.
 */
function simulateAggregates(rand: () => number, drop: number, nRecent = 300, nBase = 1200): DriftAggregates {
  const deals: DealAggregate[] = [];
  const churn: ChurnAggregate[] = [];
  type Row = [won: number, decided: number, active: number, churned: number];
  const add = (segment: Segment, window: 'recent' | 'baseline', [won, decided, active, churned]: Row) => {
    const n = Math.round(won * 0.8);
    deals.push({
      segment,
      window,
      won,
      decided,
      cycleMedian: 40,
      cycleN: n,
      cycleAbove: binomial(n, 0.5, rand),
      amountMedian: 1000,
      amountMean: 1100,
      amountN: n,
      amountAbove: binomial(n, 0.5, rand),
    });
    churn.push({ segment, window, active, customers: window === 'recent' ? active : active / 4, churned });
  };
  for (const window of ['recent', 'baseline'] as const) {
    const n = window === 'recent' ? nRecent : nBase;
    const active = window === 'recent' ? 200 : 800;
    const sums = { fit: [0, 0, 0, 0] as Row, non_fit: [0, 0, 0, 0] as Row, all: [0, 0, 0, 0] as Row };
    for (const tier of TIERS) {
      const p = BASE_RATES[tier] - (tier === 'tier1' && window === 'recent' ? drop : 0);
      const row: Row = [binomial(n, p, rand), n, active, binomial(active, 0.05, rand)];
      add(tier, window, row);
      for (const key of [tier === 'tier1' || tier === 'tier2' ? 'fit' : 'non_fit', 'all'] as const) {
        sums[key] = sums[key].map((v, i) => v + row[i]!) as Row;
      }
    }
    for (const key of ['fit', 'non_fit', 'all'] as const) add(key, window, sums[key]);
  }
  return { windows: driftWindows('2017-12-31'), icpVersion: 1, deals, churn, churnEvents: 1 };
}

const DATA_SETS = 1_000;
const allMetrics = (r: DriftReport) => [
  ...Object.values(r.segments).flatMap((m) => Object.values(m)),
  r.lift,
  r.outsideIcpShare,
];
const isDrift = (m: MetricComparison) => m.verdict === 'drift_down' || m.verdict === 'drift_up';

/** Any drift claim anywhere a reader looks: the flag, a row's verdict, the rendered table, Details, the summary. */
function claimsDrift(r: DriftReport): boolean {
  const rendered = `${driftReportText(r)}\n${JSON.stringify(driftDetailsMessage(r).blocks)}`;
  return (
    r.driftDetected ||
    allMetrics(r).some(isDrift) ||
    /[▼▲] drift/.test(rendered) ||
    /small_red_triangle/.test(rendered) ||
    r.summary.some((s) => / (fell|rose|shortened|lengthened|shrank|grew) from /.test(s))
  );
}

/** Share of data sets (seeded, `DATA_SETS` of them) for which `hit` holds. */
function share(seed: number, make: (rand: () => number) => DriftAggregates, hit: (r: DriftReport) => boolean) {
  let k = 0;
  for (let i = 0; i < DATA_SETS; i++) if (hit(buildDriftReport(make(mulberry32(seed + i))))) k++;
  return k / DATA_SETS;
}

describe(`whole drift reports on simulated data (${DATA_SETS.toLocaleString('en-US')} data sets per scenario)`, () => {
  it('reports a 10-point Tier 1 drop (40% → 30%, 300 recent / 1,200 baseline) in at least 65% of data sets, consistently', () => {
    let inconsistent = 0;
    const power = share(
      10_000,
      (rand) => simulateAggregates(rand, 0.1),
      (r) => {
        const row = r.segments.tier1.winRate;
        const seen = row.verdict === 'drift_down' && r.signals.includes('tier1.winRate');
        // Row, signal list, summary and rendered table say the same thing.
        const said =
          r.summary.some((x) => x === row.note && x.startsWith('Tier 1 win rate fell from')) &&
          /Tier 1 +\S+ +\S+ +\S+ pts +300\/1200 +▼ drift/.test(driftReportText(r));
        if (seen !== said || (seen && !r.driftDetected)) inconsistent++;
        return seen;
      },
    );
    console.info(`STAT drop 40→30, n=300/1200: reported in ${(power * 100).toFixed(1)}% of data sets`);
    expect(power).toBeGreaterThanOrEqual(0.65);
    expect(inconsistent).toBe(0);
  });

  it('makes no drift claim of any kind (summary, rows or Details) in more than 5% of data sets with no change', () => {
    const falseAlarm = share(20_000, (rand) => simulateAggregates(rand, 0), claimsDrift);
    console.info(`STAT no change, n=300/1200: any drift claim in ${(falseAlarm * 100).toFixed(1)}% of data sets`);
    expect(falseAlarm).toBeLessThanOrEqual(0.05);
  });

  it('makes no tier-level claim below 30 decided deals, even for a 25-point drop', () => {
    const claims = share(
      30_000,
      (rand) => simulateAggregates(rand, 0.25, 25, 100),
      (r) => TIERS.some((s) => isDrift(r.segments[s].winRate) || r.segments[s].winRate.verdict !== 'not_enough_data'),
    );
    console.info(`STAT n=25/100: tier-level win-rate claims in ${(claims * 100).toFixed(1)}% of data sets`);
    expect(claims).toBe(0);
  });

  it('reports the figure for 300 decided deals in both windows (no bound: a single test reaches 73% there)', () => {
    const power = share(
      40_000,
      (rand) => simulateAggregates(rand, 0.1, 300, 300),
      (r) => r.signals.includes('tier1.winRate'),
    );
    console.info(`STAT drop 40→30, n=300/300: reported in ${(power * 100).toFixed(1)}% of data sets`);
    expect(power).toBeGreaterThan(0);
  });
});

describe('drift decisions on simulated data (200 seeds each)', () => {
  it('flags a 10-point win-rate drop (30% → 20%, 300 recent vs 1,200 baseline decided deals) in ≥ 90% of seeds', () => {
    const power = alarmRate(300, 0.2, 1200, 0.3, 1_000);
    console.info(`power, 300 vs 1200 decided deals, 30% → 20%: ${(power * 100).toFixed(1)}%`);
    expect(power).toBeGreaterThanOrEqual(0.9);
  });

  it('still flags most 10-point drops when both windows hold only 300 decided deals', () => {
    const power = alarmRate(300, 0.2, 300, 0.3, 2_000);
    console.info(`power, 300 vs 300 decided deals, 30% → 20%: ${(power * 100).toFixed(1)}%`);
    expect(power).toBeGreaterThanOrEqual(0.7);
  });

  it('raises a per-metric false alarm on stable win rates at about alpha (5%), 2,000 seeds each', () => {
    // The per-metric verdict is a 5% test by design; 2,000 seeds estimate its size to ±1 point (2 SE).
    const a = alarmRate(300, 0.3, 1200, 0.3, 3_000, 2_000);
    const b = alarmRate(300, 0.3, 300, 0.3, 4_000, 2_000);
    const c = alarmRate(40, 0.3, 160, 0.3, 5_000, 2_000);
    console.info(
      `per-metric false alarms on stable data: ${[a, b, c].map((x) => `${(x * 100).toFixed(1)}%`).join(', ')}`,
    );
    expect(Math.max(a, b, c)).toBeLessThanOrEqual(0.06);
  });
});

describe(`drift decisions on simulated deals through SQL (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.close();
  });

  const cases = [
    { seed: 11, recentRate: 0.2 },
    { seed: 12, recentRate: 0.2 },
    { seed: 13, recentRate: 0.3 },
    { seed: 14, recentRate: 0.3 },
  ];
  for (const c of cases) {
    it(`seed ${c.seed}: Tier 1 ${c.recentRate * 100}% this quarter vs 30% before gives the verdict of the pure rule`, async () => {
      await t.truncateAll();
      const rand = mulberry32(c.seed);
      const [a] = await t.db
        .insert(accounts)
        .values({ teamId: 'sim', externalId: 'a1', name: 'a1', normalizedName: 'a1', tier: 'tier1' })
        .returning({ id: accounts.id });
      const rows: (typeof deals.$inferInsert)[] = [];
      const counts = { recent: [0, 0], baseline: [0, 0] };
      const day = (iso: string, add: number) =>
        new Date(Date.parse(`${iso}T00:00:00Z`) + add * 86_400_000).toISOString().slice(0, 10);
      for (let i = 0; i < 1500; i++) {
        const recent = i < 300;
        const closedOn = recent
          ? day('2017-10-03', Math.floor(rand() * 90))
          : day('2016-10-03', Math.floor(rand() * 365));
        const won = rand() < (recent ? c.recentRate : 0.3);
        const k = recent ? counts.recent : counts.baseline;
        k[1]!++;
        if (won) k[0]!++;
        rows.push({
          teamId: 'sim',
          externalId: `d${i}`,
          accountId: a!.id,
          outcome: won ? 'won' : 'lost',
          createdOn: day(closedOn, -30),
          closedOn,
          amount: 1000,
        });
      }
      for (let i = 0; i < rows.length; i += 500) await t.db.insert(deals).values(rows.slice(i, i + 500));
      const r = await getDriftReport(t.db, { teamId: 'sim', asOf: '2017-12-31' });
      const expected = decideProportions(counts.recent[0]!, 300, counts.baseline[0]!, 1200, thresholds);
      expect(r.segments.tier1.winRate.recent.n).toBe(300);
      expect(r.segments.tier1.winRate.baseline.n).toBe(1200);
      expect(r.segments.tier1.winRate.verdict).toBe(expected.verdict);
      expect(r.segments.tier1.winRate.pValue).toBeCloseTo(expected.pValue!, 12);
      expect(r.segments.tier1.winRate.recent.value).toBe(counts.recent[0]! / 300);
    });
  }
});
