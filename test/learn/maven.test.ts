import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IcpProvider } from '../../src/usecases/icp-provider.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { type IcpSuggestion, suggestIcp } from '../../src/usecases/suggest-icp.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const dir = fileURLToPath(new URL('../../../shared/data/maven-crm/', import.meta.url));
const present = existsSync(`${dir}sales_pipeline.csv`) && existsSync(`${dir}accounts.csv`);
if (!present && process.env.CI) throw new Error(`Maven CRM data missing at ${dir} (needed in CI)`);

type Row = Record<string, string>;
const read = (f: string): Row[] => parse(readFileSync(`${dir}${f}`), { columns: true, skip_empty_lines: true });

/** Pearson chi-square p-value of a won/lost table by group, computed here from the raw CSV. */
function chiSquare(groups: Map<string, { won: number; n: number }>): number {
  const all = [...groups.values()].filter((g) => g.n > 0);
  const W = all.reduce((s, g) => s + g.won, 0);
  const N = all.reduce((s, g) => s + g.n, 0);
  let stat = 0;
  for (const g of all) {
    const ew = (g.n * W) / N;
    const el = (g.n * (N - W)) / N;
    stat += (g.won - ew) ** 2 / ew + (g.n - g.won - el) ** 2 / el;
  }
  return 1 - chisquareCdf(stat, all.length - 1);
}

describe.skipIf(!present)(`icp suggest on the Maven CRM data (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let s: IcpSuggestion;
  const accounts = present ? read('accounts.csv') : [];
  const byName = new Map(accounts.map((a) => [a.account!, a]));
  const decided = (present ? read('sales_pipeline.csv') : []).filter(
    (d) => (d.deal_stage === 'Won' || d.deal_stage === 'Lost') && byName.has(d.account!),
  );

  beforeAll(async () => {
    t = await createTestDb();
    for (const [kind, file] of [
      ['accounts', 'accounts.csv'],
      ['deals', 'sales_pipeline.csv'],
    ] as const) {
      await importFile(t.db, { teamId: 'maven', kind, input: `${dir}${file}`, format: 'auto' });
    }
    s = await suggestIcp({ db: t.db, icp: new IcpProvider(t.db) }, { teamId: 'maven' });
  }, 600_000);
  afterAll(async () => {
    await t?.close();
  });

  it('finds no firmographic attribute that survives a multiple-comparison correction, as the raw CSV says', () => {
    const groupBy = (key: (a: Row) => string) => {
      const m = new Map<string, { won: number; n: number }>();
      for (const d of decided) {
        const k = key(byName.get(d.account!)!);
        const g = m.get(k) ?? { won: 0, n: 0 };
        g.n++;
        if (d.deal_stage === 'Won') g.won++;
        m.set(k, g);
      }
      return m;
    };
    const quartile = (col: string) => {
      const values = accounts.map((a) => Number(a[col])).sort((x, y) => x - y);
      const cuts = [0.25, 0.5, 0.75].map((q) => values[Math.floor(q * (values.length - 1))]!);
      return groupBy((a) => String(cuts.filter((c) => Number(a[col]) > c).length));
    };
    const pValues = [
      chiSquare(groupBy((a) => a.sector!.trim().toLowerCase())),
      chiSquare(groupBy((a) => a.office_location!)),
      chiSquare(quartile('employees')),
      chiSquare(quartile('revenue')),
      chiSquare(quartile('year_established')),
    ];
    expect(Math.min(...pValues) * pValues.length).toBeGreaterThan(0.05);
    expect(s.signal).toBe('none');
    expect(s.proposal).toBeNull();
    expect(s.attributes.filter((a) => a.significant)).toEqual([]);
  });

  it('says so in one sentence with the numbers recomputed from the raw CSV', () => {
    const sectors = new Map<string, { won: number; n: number }>();
    for (const d of decided) {
      const k = byName.get(d.account!)!.sector!.trim().toLowerCase();
      const g = sectors.get(k) ?? { won: 0, n: 0 };
      g.n++;
      if (d.deal_stage === 'Won') g.won++;
      sectors.set(k, g);
    }
    const rates = [...sectors.values()].map((g) => Math.round((100 * g.won) / g.n));
    expect(s.data.n).toBe(decided.length);
    expect(s.summary).toBe(
      `In ${decided.length.toLocaleString('en-US')} decided deals no attribute separates wins from losses: win rates range ${Math.min(...rates)}%–${Math.max(...rates)}% across industry groups (${s.attributes.length} attributes tested, none significant after false-discovery control).`,
    );
  });

  it('holds out the last quarter of decided deals by close date', () => {
    const dates = decided.map((d) => d.close_date!).sort();
    const cut = dates[Math.ceil(0.75 * dates.length) - 1]!;
    expect(s.data.holdoutFrom).toBe(cut);
    expect(s.data.holdoutN).toBe(dates.filter((d) => d >= cut).length);
    expect(s.data.trainN).toBe(dates.filter((d) => d < cut).length);
    expect(s.backtest.current.tiers.reduce((n, r) => n + r.n, 0)).toBe(s.data.holdoutN);
  });
});
