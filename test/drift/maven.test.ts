import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, deals } from '../../db/schema.ts';
import { getDriftReport } from '../../src/usecases/drift-report.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const dir = fileURLToPath(new URL('../../../shared/data/maven-crm/', import.meta.url));
const present = existsSync(`${dir}sales_pipeline.csv`) && existsSync(`${dir}accounts.csv`);
if (!present && process.env.CI) throw new Error(`Maven CRM data missing at ${dir} (needed in CI)`);

type Row = Record<string, string>;
const read = (f: string): Row[] => parse(readFileSync(`${dir}${f}`), { columns: true, skip_empty_lines: true });

/** A deterministic test-only tier rule by sector (note the data set's own spelling "technolgy"). */
const tierBySector: Record<string, string | null> = {
  software: 'tier1',
  technolgy: 'tier1',
  telecommunications: 'tier2',
  finance: 'tier2',
  medical: 'tier3',
  services: 'tier3',
  marketing: 'tier3',
  retail: 'no_fit',
  entertainment: 'no_fit',
  employment: null,
};
const fitOf = (t: string | null | undefined) =>
  t === 'tier1' || t === 'tier2' ? 'fit' : t === 'tier3' || t === 'no_fit' ? 'non_fit' : null;
const shift = (iso: string, days: number) =>
  new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10) + days)).toISOString().slice(0, 10);

describe.skipIf(!present)(`drift report on the Maven CRM data (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let pipeline: Row[];
  let sectorOf: Map<string, string>;
  beforeAll(async () => {
    t = await createTestDb();
    const accRows = read('accounts.csv');
    pipeline = read('sales_pipeline.csv');
    sectorOf = new Map(accRows.map((a) => [a.account!, a.sector!]));
    const inserted = await t.db
      .insert(accounts)
      .values(
        accRows.map((a) => ({
          teamId: 'maven',
          externalId: a.account!,
          source: 'maven',
          name: a.account!,
          normalizedName: a.account!.toLowerCase(),
          industry: a.sector!,
          tier: tierBySector[a.sector!] ?? null,
        })),
      )
      .returning({ id: accounts.id, externalId: accounts.externalId });
    const idOf = new Map(inserted.map((r) => [r.externalId, r.id]));
    const values = pipeline.map((p) => ({
      teamId: 'maven',
      externalId: p.opportunity_id!,
      source: 'maven',
      accountId: p.account ? (idOf.get(p.account) ?? null) : null,
      accountName: p.account || null,
      outcome: p.deal_stage === 'Won' ? 'won' : p.deal_stage === 'Lost' ? 'lost' : 'open',
      stage: p.deal_stage!,
      amount: p.close_value ? Number(p.close_value) : null,
      createdOn: p.engage_date || null,
      closedOn: p.close_date || null,
    }));
    for (let i = 0; i < values.length; i += 1000) await t.db.insert(deals).values(values.slice(i, i + 1000));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reads all 8,800 opportunities', () => {
    expect(pipeline).toHaveLength(8800);
  });

  for (const asOf of ['2017-12-31', '2017-09-30', '2017-06-30']) {
    it(`reports per-tier win rates equal to those computed from the CSV rows, the as-of day included (as of ${asOf})`, async () => {
      const recentStart = shift(asOf, -89);
      const baselineStart = shift(recentStart, -365);
      const expected = new Map<string, { won: number; decided: number }>();
      const bump = (key: string, won: boolean) => {
        const e = expected.get(key) ?? { won: 0, decided: 0 };
        e.decided++;
        if (won) e.won++;
        expected.set(key, e);
      };
      for (const p of pipeline) {
        if (p.deal_stage !== 'Won' && p.deal_stage !== 'Lost') continue;
        const c = p.close_date!;
        const win =
          c >= recentStart && c <= asOf ? 'recent' : c >= baselineStart && c < recentStart ? 'baseline' : null;
        if (!win) continue;
        const tier = p.account ? tierBySector[sectorOf.get(p.account)!] : null;
        const won = p.deal_stage === 'Won';
        bump(`${tier ?? 'unscored'}/${win}`, won);
        const fit = fitOf(tier);
        if (fit) bump(`${fit}/${win}`, won);
        bump(`all/${win}`, won);
      }
      const report = await getDriftReport(t.db, { teamId: 'maven', asOf });
      for (const seg of ['tier1', 'tier2', 'tier3', 'no_fit', 'fit', 'non_fit', 'all', 'unscored'] as const) {
        for (const win of ['recent', 'baseline'] as const) {
          const e = expected.get(`${seg}/${win}`) ?? { won: 0, decided: 0 };
          const got = report.segments[seg].winRate[win];
          expect(got.n, `${seg} ${win} n`).toBe(e.decided);
          expect(got.value, `${seg} ${win} rate`).toBe(e.decided ? e.won / e.decided : null);
        }
      }
      expect(report.segments.all.winRate.recent.n + report.segments.all.winRate.baseline.n).toBeGreaterThan(0);
    });
  }

  it('reports the median Tier 1 sales cycle and deal size computed from the CSV rows', async () => {
    const asOf = '2017-12-31';
    const recentStart = shift(asOf, -89);
    const cycles: number[] = [];
    const amounts: number[] = [];
    for (const p of pipeline) {
      if (p.deal_stage !== 'Won' || !p.account || tierBySector[sectorOf.get(p.account)!] !== 'tier1') continue;
      if (p.close_date! < recentStart || p.close_date! > asOf) continue;
      cycles.push((Date.parse(p.close_date!) - Date.parse(p.engage_date!)) / 86_400_000);
      amounts.push(Number(p.close_value));
    }
    const med = (v: number[]) => {
      const s = [...v].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    };
    const report = await getDriftReport(t.db, { teamId: 'maven', asOf });
    expect(report.segments.tier1.salesCycleDays.recent).toMatchObject({ value: med(cycles), n: cycles.length });
    expect(report.segments.tier1.dealSize.recent.value).toBeCloseTo(med(amounts), 9);
    expect(report.segments.tier1.dealSize.recent.mean).toBeCloseTo(
      amounts.reduce((a, b) => a + b, 0) / amounts.length,
      6,
    );
    expect(report.summary.length).toBeGreaterThanOrEqual(2);
    expect(report.summary.length).toBeLessThanOrEqual(3);
    console.info(report.summary.join('\n'));
  });

  it('says "no churn data" for churn, since Maven has no churn file, and tests no churn at all', async () => {
    const report = await getDriftReport(t.db, { teamId: 'maven', asOf: '2017-12-31' });
    expect(report.hasChurnData).toBe(false);
    for (const seg of ['tier1', 'tier2', 'tier3', 'no_fit', 'fit', 'non_fit', 'all', 'unscored'] as const) {
      const churn = report.segments[seg].churnRate;
      expect(churn.verdict).toBe('no_data');
      expect(churn.note).toBe('No churn data: import churn events to see it.');
      expect(churn.pValue).toBeUndefined();
      expect(churn.recent.value).toBeNull();
    }
    // Only tiers' win rates are primary: churn adds nothing to the family.
    expect(report.segments.tier1.winRate.familySize).toBe(4);
  });

  it('makes no drift claim on a baseline the file mostly does not cover (as of 2017-06-30)', async () => {
    const first = pipeline
      .filter((p) => p.deal_stage === 'Won' || p.deal_stage === 'Lost')
      .map((p) => p.close_date!)
      .sort()[0]!;
    const report = await getDriftReport(t.db, { teamId: 'maven', asOf: '2017-06-30' });
    const covered = report.segments.tier1.winRate.baseline.coverage!;
    // The baseline is 2016-04-02..2017-04-01 (365 days); the file's first close date is in March 2017.
    expect(report.windows.baseline).toEqual({ start: '2016-04-02', end: '2017-04-01' });
    expect(covered.of).toBe(365);
    expect(covered.days).toBe(Math.round((Date.parse('2017-04-01') - Date.parse(first)) / 86_400_000) + 1);
    expect(covered.days).toBeLessThan(365 / 2);
    expect(report.driftDetected).toBe(false);
    expect(report.comparisons).toBe(0);
    expect(report.segments.tier1.winRate.verdict).toBe('not_enough_data');
    expect(report.segments.tier1.winRate.note).toContain(
      `Only ${covered.days} of the 365 days of the baseline have data`,
    );
    expect(report.summary[0]).toMatch(/^Not enough data to tell whether the ICP drifted/);
  });
});
