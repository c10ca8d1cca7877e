import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/raw.ts';
import {
  DEMO_LAST_DAY,
  type DemoLoaded,
  demoFiles,
  demoShiftDays,
  loadDemoData,
} from '../../src/usecases/demo-data.ts';
import { getDriftReport } from '../../src/usecases/drift-report.ts';
import { IcpProvider } from '../../src/usecases/icp-provider.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { suggestIcp } from '../../src/usecases/suggest-icp.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const PLANTED = ['industry', 'employees', 'country'];
const NOISE = [
  'business_model',
  'funding_stage',
  'channel',
  'year_founded',
  'growth',
  'tech_stack',
  'recent_funding',
  'hiring_spike',
];

describe(`the demo data set (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let icp: IcpProvider;
  beforeAll(async () => {
    t = await createTestDb();
    icp = new IcpProvider(t.db);
    for (const kind of ['accounts', 'deals', 'churn'] as const) {
      await importFile(t.db, { teamId: 'T_RAW', kind, input: demoFiles[kind] });
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('imports as it is: every deal and churn event tied to an account', async () => {
    const [row] = await queryRows<{ deals: number; unlinked: number; churn: number }>(
      t.db,
      sql`SELECT (SELECT count(*)::int FROM deals WHERE team_id = 'T_RAW') AS deals,
        (SELECT count(*)::int FROM deals WHERE team_id = 'T_RAW' AND account_id IS NULL) AS unlinked,
        (SELECT count(*)::int FROM churn_events WHERE team_id = 'T_RAW' AND account_id IS NOT NULL) AS churn`,
    );
    expect(row!.deals).toBeGreaterThan(3000);
    expect(row!.unlinked).toBe(0);
    expect(row!.churn).toBeGreaterThan(50);
  });

  it('shows its planted win-rate patterns to icp suggest, and none of its noise columns', async () => {
    const s = await suggestIcp({ db: t.db, icp }, { teamId: 'T_RAW' });
    expect(s.signal).toBe('found');
    const significant = s.attributes.filter((a) => a.significant).map((a) => a.field);
    expect(significant).toEqual(expect.arrayContaining(PLANTED));
    expect(significant.filter((f) => NOISE.includes(f))).toEqual([]);
    // Revenue follows head-count in the data, so it may rank with the planted three, but nothing else does.
    const top = [...s.attributes].sort((a, b) => b.iv - a.iv).slice(0, 4);
    expect(top.map((a) => a.field).sort()).toEqual([...PLANTED, 'revenue'].sort());
    const industry = s.attributes.find((a) => a.field === 'industry')!;
    const rate = (label: string) => industry.groups.find((g) => g.label === label)!.rate;
    expect(Math.min(rate('Fintech'), rate('Healthcare'))).toBeGreaterThan(
      Math.max(rate('Retail'), rate('Education')) + 0.2,
    );
    expect(s.proposal?.spec.criteria.map((c) => c.field)).toEqual(expect.arrayContaining(PLANTED));
    const proposed = s.backtest.proposed!;
    expect(proposed.auc).toBeGreaterThan((s.backtest.current.auc ?? 0.5) + 0.1);
  });

  it('shows its planted churn segment: Media customers stay less', async () => {
    const s = await suggestIcp({ db: t.db, icp }, { teamId: 'T_RAW', outcome: 'churn' });
    expect(s.signal).toBe('found');
    const industry = s.attributes.find((a) => a.field === 'industry')!;
    expect(industry.significant).toBe(true);
    const media = industry.groups.find((g) => g.label === 'Media')!;
    expect(Math.min(...industry.groups.map((g) => g.rate))).toBe(media.rate);
  });

  describe('loaded on first start', () => {
    const today = new Date('2027-03-15T09:30:00Z');
    let loaded: DemoLoaded | null;
    beforeAll(async () => {
      loaded = await loadDemoData({ db: t.db, icp }, { teamId: 'T_DEMO', today });
    });

    it('moves every date so the data ends today, and loads nothing into a workspace that has accounts', async () => {
      expect(loaded).toMatchObject({ accounts: 1200, shiftedDays: demoShiftDays(today) });
      expect(demoShiftDays(today)).toBe(105);
      const [row] = await queryRows<{ last: string; churn: string }>(
        t.db,
        sql`SELECT (SELECT max(closed_on)::text FROM deals WHERE team_id = 'T_DEMO') AS last,
          (SELECT max(churned_on)::text FROM churn_events WHERE team_id = 'T_DEMO') AS churn`,
      );
      expect(row!.last).toBe('2027-03-15');
      expect(row!.churn <= '2027-03-15').toBe(true);
      expect(await loadDemoData({ db: t.db, icp }, { teamId: 'T_DEMO', today })).toBeNull();
      expect(DEMO_LAST_DAY).toBe('2026-11-30');
    });

    it('runs on the ICP suggested from its data (version 2), with every account scored under it', async () => {
      expect(loaded!.suggestion.signal).toBe('found');
      expect(loaded!.icpVersion).toBe(2);
      const current = (await icp.current('T_DEMO')).version;
      expect(current.name).toBe('Demo: proposed from the demo data');
      expect(current.spec.criteria).toEqual(loaded!.suggestion.proposal!.spec.criteria);
      expect(current.spec.tiers).toEqual(loaded!.suggestion.proposal!.spec.tiers);
      const tiers = await queryRows<{ tier: string; n: number }>(
        t.db,
        sql`SELECT tier, count(*)::int AS n FROM accounts WHERE team_id = 'T_DEMO' AND icp_version = 2
          GROUP BY tier ORDER BY tier`,
      );
      expect(tiers.map((r) => r.tier)).toEqual(expect.arrayContaining(['tier1', 'tier2', 'tier3', 'no_fit']));
      expect(tiers.reduce((s, r) => s + r.n, 0)).toBe(1200);
    });

    it("has a drift report to show: Tier 1's win rate fell in the last 90 days", async () => {
      const report = await getDriftReport(t.db, { teamId: 'T_DEMO', asOf: today });
      expect(report.icpVersion).toBe(2);
      expect(report.signals).toContain('tier1.winRate');
      expect(report.segments.tier1.winRate).toMatchObject({ verdict: 'drift_down', direction: 'worse' });
    });
  });
});
