/**
 * Stored tiers under missing data: an account whose unknown data could move it across a tier line is
 * stored as 'unknown' with its range, exported as such, and counted outside every tier by drift reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDriftAggregates } from '../../db/queries/drift.ts';
import { listScores, rescoreAll } from '../../db/queries/scores.ts';
import { accounts, deals } from '../../db/schema.ts';
import { runCli } from '../../src/cli/icp.ts';
import { driftWindows } from '../../src/drift/windows.ts';
import { IcpProvider } from '../../src/usecases/icp-provider.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T = 'T_TIERS';
const full = {
  business_model: 'B2B',
  growth: 40,
  tech_stack: ['HubSpot'],
  funding_stage: 'Series B',
  recent_funding: 'yes',
  hiring_spike: 'yes',
};

describe(`rescore with missing data (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    const acc = (name: string, cols: Partial<typeof accounts.$inferInsert>) => ({
      teamId: T,
      externalId: name,
      name,
      normalizedName: name.toLowerCase(),
      ...cols,
    });
    const rows = await t.db
      .insert(accounts)
      .values([
        acc('Complete', { industry: 'Software', employees: 120, revenue: 9e6, country: 'SE', attributes: full }),
        acc('Sparse', { industry: 'Software', country: 'SE' }),
        acc('Government', { industry: 'Government' }),
        acc('Poor fit', {
          industry: 'Retail',
          employees: 4000,
          revenue: 9e8,
          country: 'US',
          attributes: {
            ...full,
            business_model: 'B2C',
            growth: 0,
            tech_stack: ['Excel'],
            funding_stage: 'Public',
            recent_funding: 'no',
            hiring_spike: 'no',
          },
        }),
      ])
      .returning({ id: accounts.id, name: accounts.name });
    const id = (n: string) => rows.find((r) => r.name === n)!.id;
    let k = 0;
    const deal = (name: string, outcome: string) => ({
      teamId: T,
      externalId: `D${++k}`,
      accountId: id(name),
      outcome,
      createdOn: '2026-09-01',
      closedOn: '2026-10-01',
    });
    await t.db
      .insert(deals)
      .values([deal('Complete', 'won'), deal('Sparse', 'won'), deal('Sparse', 'lost'), deal('Government', 'lost')]);
    const icp = await new IcpProvider(t.db).current(T);
    const r = await rescoreAll(t.db, T, icp.compiled);
    expect(r).toEqual({ accounts: 4, byTier: { tier1: 1, unknown: 1, no_fit: 2 } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores the tier as unknown with its range only when the missing data could cross a tier line', async () => {
    const rows = await listScores(t.db, T);
    const by = (n: string) => rows.find((r) => r.name === n)!;
    expect(by('Complete')).toMatchObject({ score: 100, tier: 'tier1', tierLow: 'tier1', tierHigh: 'tier1' });
    expect(by('Sparse')).toMatchObject({ score: 32, tier: 'unknown', tierLow: 'no_fit', tierHigh: 'tier1' });
    expect(by('Government')).toMatchObject({ tier: 'no_fit', tierLow: 'no_fit', tierHigh: 'no_fit' });
    expect(by('Poor fit')).toMatchObject({ tier: 'no_fit', tierHigh: 'no_fit' });
  });

  it('counts tier-unknown accounts with the unscored ones in drift reports, never as Not a fit', async () => {
    const agg = await getDriftAggregates(t.db, T, driftWindows('2026-12-01'));
    const row = (s: string) => agg.deals.find((r) => r.segment === s && r.window === 'recent');
    expect(row('unscored')).toMatchObject({ won: 1, decided: 2 });
    expect(row('no_fit')).toMatchObject({ won: 0, decided: 1 });
    expect(row('tier1')).toMatchObject({ won: 1, decided: 1 });
    expect(row('all')).toMatchObject({ won: 2, decided: 4 });
  });

  async function icp(...argv: string[]) {
    const out: string[] = [];
    const code = await runCli(argv, { DEFAULT_TEAM_ID: T }, { out: (x) => out.push(x), err: (x) => out.push(x) }, t);
    return { code, out: out.join('\n') };
  }

  it('says the same in the CLI: rescore summary, scores listing and CSV, check and check --json', async () => {
    expect((await icp('rescore')).out).toMatch(/Scored 4 accounts under ICP v1 in \d+ ms: .*Tier unknown 1/);
    expect((await icp('scores')).out).toMatch(/32 {2}Tier unknown: Not a fit to Tier 1 {2}Sparse/);
    const csv = (await icp('scores', '--csv')).out.split('\n');
    expect(csv[0]).toBe('external_id,name,domain,score,tier,tier_low,tier_high,icp_version');
    expect(csv).toContain('Sparse,Sparse,,32,Tier unknown,Not a fit,Tier 1,1');
    expect(csv).toContain('Government,Government,,0,Not a fit,Not a fit,Not a fit,1');
    const json = JSON.parse((await icp('check', 'Sparse', '--json')).out);
    expect(json).toMatchObject({ tier: 'no_fit', tierRange: { low: 'no_fit', high: 'tier1' }, score: 32 });
    expect((await icp('check', 'Complete', '--json')).out).toContain('"tierRange": null');
    const text = await icp('check', 'Sparse');
    expect(text.code).toBe(0);
    expect(text.out).toContain('Tier unknown: Not a fit to Tier 1, 32% of the data known');
  });
});
