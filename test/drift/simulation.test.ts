import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftWindows, getDriftReport } from '../../db/queries/drift.ts';
import { accounts, deals } from '../../db/schema.ts';
import {
  buildDriftReport,
  type ChurnAggregate,
  type DealAggregate,
  type DriftAggregates,
  decideProportions,
  type Segment,
} from '../../src/drift/report.ts';
import { binomial, mulberry32 } from '../../src/drift/stats.ts';
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
const BASE_RATES = { tier1: 0.35, tier2: 0.3, tier3: 0.2, no_fit: 0.15 };

/** Simulated aggregates for a whole report: 300 decided deals per tier this quarter, 1,200 in the baseline. */
function simulateAggregates(rand: () => number, tier1Drop: number): DriftAggregates {
  const deals: DealAggregate[] = [];
  const churn: ChurnAggregate[] = [];
  const add = (
    segment: Segment,
    window: 'recent' | 'baseline',
    won: number,
    decided: number,
    active: number,
    churned: number,
  ) => {
    const cycleAbove = binomial(won, 0.5, rand);
    const amountAbove = binomial(won, 0.5, rand);
    deals.push({
      segment,
      window,
      won,
      decided,
      cycleMedian: 40,
      cycleN: won,
      cycleAbove,
      amountMedian: 1000,
      amountMean: 1100,
      amountN: won,
      amountAbove,
    });
    churn.push({ segment, window, active, churned });
  };
  for (const window of ['recent', 'baseline'] as const) {
    const n = window === 'recent' ? 300 : 1200;
    const active = window === 'recent' ? 200 : 800;
    const sums = { fit: [0, 0, 0, 0], non_fit: [0, 0, 0, 0], all: [0, 0, 0, 0] };
    for (const tier of TIERS) {
      const p = BASE_RATES[tier] - (tier === 'tier1' && window === 'recent' ? tier1Drop : 0);
      const row = [binomial(n, p, rand), n, active, binomial(active, 0.05, rand)];
      add(tier, window, row[0]!, row[1]!, row[2]!, row[3]!);
      for (const key of [tier === 'tier1' || tier === 'tier2' ? 'fit' : 'non_fit', 'all'] as const) {
        sums[key] = sums[key].map((v, i) => v + row[i]!);
      }
    }
    for (const key of ['fit', 'non_fit', 'all'] as const) {
      const s = sums[key];
      add(key, window, s[0]!, s[1]!, s[2]!, s[3]!);
    }
  }
  return { windows: driftWindows('2018-01-01'), icpVersion: 1, deals, churn };
}

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

  it('keeps the whole-report alarm (≈30 tests, Holm-corrected) at most 5% on stable data', () => {
    let alarms = 0;
    let rawAlarms = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const r = buildDriftReport(simulateAggregates(mulberry32(6_000 + seed), 0));
      if (r.driftDetected) alarms++;
      const all = Object.values(r.segments).flatMap((m) => Object.values(m));
      if ([...all, r.lift, r.outsideIcpShare].some((m) => m.verdict === 'drift_down' || m.verdict === 'drift_up'))
        rawAlarms++;
    }
    console.info(
      `whole report, stable: driftDetected ${((alarms / SEEDS) * 100).toFixed(1)}%, any uncorrected verdict ${((rawAlarms / SEEDS) * 100).toFixed(1)}%`,
    );
    expect(alarms / SEEDS).toBeLessThanOrEqual(0.05);
  });

  it('detects a 10-point Tier 1 drop at report level and names the signal', () => {
    let detected = 0;
    let verdicts = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const r = buildDriftReport(simulateAggregates(mulberry32(7_000 + seed), 0.1));
      if (r.segments.tier1.winRate.verdict === 'drift_down') verdicts++;
      if (r.driftDetected && r.signals.includes('tier1.winRate')) detected++;
    }
    console.info(
      `whole report, Tier 1 35% → 25%: verdict drift_down ${((verdicts / SEEDS) * 100).toFixed(1)}%, driftDetected with tier1.winRate ${((detected / SEEDS) * 100).toFixed(1)}%`,
    );
    expect(verdicts / SEEDS).toBeGreaterThanOrEqual(0.9);
    expect(detected / SEEDS).toBeGreaterThanOrEqual(0.5);
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
      const r = await getDriftReport(t.db, { teamId: 'sim', asOf: '2018-01-01' });
      const expected = decideProportions(counts.recent[0]!, 300, counts.baseline[0]!, 1200, thresholds);
      expect(r.segments.tier1.winRate.recent.n).toBe(300);
      expect(r.segments.tier1.winRate.baseline.n).toBe(1200);
      expect(r.segments.tier1.winRate.verdict).toBe(expected.verdict);
      expect(r.segments.tier1.winRate.pValue).toBeCloseTo(expected.pValue!, 12);
      expect(r.segments.tier1.winRate.recent.value).toBe(counts.recent[0]! / 300);
    });
  }
});
