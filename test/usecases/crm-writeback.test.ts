import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { applyIcp } from '../../db/queries/icp.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { confirmMapping } from '../../src/usecases/crm-mapping.ts';
import { connectHubSpot, syncCrm } from '../../src/usecases/crm-sync.ts';
import { enableWriteback, runWriteback } from '../../src/usecases/crm-writeback.ts';
import { type FakeHubSpot, startFakeHubSpot } from '../fakes/hubspot.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T1 = 'T0WRITE01';
const OWNER = 'U0OWNER01';
const TOKEN = 'pat-na1-7a7a7a7a-1111-2222-3333-444455556666';
const READ = ['crm.objects.companies.read', 'crm.objects.deals.read'];
const WRITE = ['crm.schemas.companies.write', 'crm.objects.companies.write'];
const key = randomBytes(32).toString('base64');
const day = new Date('2024-01-10T12:00:00Z');

const icpFile = (industries: string[]) => `
name: Write-back test ICP
owners: [${OWNER}]
review_every: 180d
currency: USD
tiers: { tier1: 75, tier2: 55, tier3: 35 }
criteria:
  - id: industry
    label: Industry
    kind: category
    field: industry
    weight: 50
    values: [${industries.join(', ')}]
  - id: company_size
    label: Company size
    kind: range
    field: employees
    unit: employees
    weight: 50
    ideal: { min: 50, max: 1000 }
`;

describe(`HubSpot write-back (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeHubSpot;
  const quiet = createLogger({ level: 'error', write: () => {} });
  const deps = () => ({
    db: t.db,
    logger: quiet,
    config: loadConfig({
      CRM_ENCRYPTION_KEY: key,
      HUBSPOT_API_URL: fake.url,
      HUBSPOT_API_RETRIES: '0',
      HUBSPOT_MAX_REQUESTS_PER_SECOND: '0',
    }),
  });
  const updates = () => fake.requests('/crm/v3/objects/companies/batch/update');
  const prop = (id: string, name: string) => fake.company(id)?.properties[name];

  /** 250 companies (half Software), connected, mapping confirmed, synced, ICP v1 applied. */
  async function connectedAndSynced(scopes = [...READ, ...WRITE]) {
    fake.tokens.set(TOKEN, scopes);
    await connectHubSpot(deps(), { teamId: T1, userId: OWNER, token: TOKEN });
    await confirmMapping(deps(), { teamId: T1, userId: OWNER });
    await applyIcp(t.db, { teamId: T1, source: icpFile(['Software']), createdBy: OWNER });
    await syncCrm(deps(), { teamId: T1 });
  }

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
    fake = await startFakeHubSpot();
    fake.properties.companies = ['name', 'domain', 'industry', 'numberofemployees'].map((name) => ({
      name,
      label: name,
      type: name === 'numberofemployees' ? 'number' : 'string',
      hubspotDefined: true,
    }));
    for (let i = 1; i <= 250; i++) {
      fake.upsert(
        'companies',
        String(1000 + i),
        {
          name: `Company ${i}`,
          domain: `company${i}.example`,
          industry: i % 2 ? 'Software' : 'Retail',
          // Every tenth company without a size: its tier is unknown.
          numberofemployees: i % 10 === 0 ? null : String(10 * i),
        },
        day,
      );
    }
  });
  afterEach(async () => {
    await fake.close();
  });

  it('refuses to enable without the write scopes, naming them, and creates nothing', async () => {
    await connectedAndSynced(READ);
    const before = fake.requests().length;
    await expect(enableWriteback(deps(), { teamId: T1, userId: OWNER })).rejects.toThrow(
      /needs the scopes crm\.schemas\.companies\.write and crm\.objects\.companies\.write, which this connection lacks: add them to the private app/,
    );
    expect(
      fake
        .requests()
        .slice(before)
        .filter((q) => q.method !== 'GET' && !q.path.includes('access-token-info')),
    ).toEqual([]);
    expect(fake.companyGroups.map((g) => g.name)).not.toContain('icp_coach');
    expect((await getCrmConnection(t.db, T1))?.writebackEnabledAt).toBeNull();
  });

  it('writes nothing without consent: the sync says the write-back is off', async () => {
    await connectedAndSynced();
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.writeback).toEqual({ status: 'off' });
    expect(updates()).toHaveLength(0);
    expect(await runWriteback(deps(), { teamId: T1 })).toEqual({ status: 'off' });
  });

  it('creates the properties once; the first write-back writes every company, the second nothing', async () => {
    await connectedAndSynced();
    const enabled = await enableWriteback(deps(), { teamId: T1, userId: OWNER });
    expect(enabled.created).toEqual(['icp_fit_score', 'icp_tier', 'icp_version', 'icp_explanation']);
    expect(fake.companyGroups.map((g) => g.name)).toContain('icp_coach');
    expect((await enableWriteback(deps(), { teamId: T1, userId: OWNER })).created).toEqual([]);
    expect(fake.requests('/crm/v3/properties/companies').filter((q) => q.method === 'POST')).toHaveLength(5);

    // The next sync writes back: 250 companies in batches of 100.
    const first = await syncCrm(deps(), { teamId: T1 });
    expect(first.writeback).toMatchObject({ status: 'ok', icpVersion: 1, written: 250, unchanged: 0, refused: 0 });
    expect(updates().map((q) => (q.body as { inputs: unknown[] }).inputs.length)).toEqual([100, 100, 50]);
    // Company 7: Software, 70 employees → both criteria → 100, Tier 1.
    expect(prop('1007', 'icp_fit_score')).toBe('100');
    expect(prop('1007', 'icp_tier')).toBe('tier1');
    expect(prop('1007', 'icp_version')).toBe('1');
    expect(prop('1007', 'icp_explanation')).toBe(
      [
        'Tier 1 · score 100/100',
        '✓ Industry: Software · 50/50 pts',
        '✓ Company size: 70 · 50/50 pts',
        'Data coverage 100%.',
        'Full card in Slack: /icp-check company7.example',
      ].join('\n'),
    );
    // Company 20: Retail, size unknown → the tier is unknown (never "Not a fit" for lack of data).
    expect(prop('1020', 'icp_tier')).toBe('unknown');
    expect(prop('1020', 'icp_explanation')).toContain('? Company size: unknown · 0/50 pts');

    // The write-back modified the companies, so this sync reads them again, and writes nothing.
    const second = await syncCrm(deps(), { teamId: T1 });
    expect(second.counts.companies).toBe(250);
    expect(second.writeback).toMatchObject({ status: 'ok', written: 0, unchanged: 250 });
    expect(updates()).toHaveLength(3);
    expect((await getCrmConnection(t.db, T1))?.lastWriteback).toMatchObject({ written: 0, unchanged: 250 });
  });

  it('a new ICP version rewrites only the companies whose values it changed', async () => {
    await connectedAndSynced();
    await enableWriteback(deps(), { teamId: T1, userId: OWNER });
    await runWriteback(deps(), { teamId: T1 });
    const before = updates().length;
    // v2 also counts Retail: only the Retail companies (the even ones) change.
    await applyIcp(t.db, { teamId: T1, source: icpFile(['Software', 'Retail']), createdBy: OWNER });
    const r = await runWriteback(deps(), { teamId: T1 });
    expect(r).toMatchObject({ status: 'ok', icpVersion: 2, written: 125, unchanged: 125 });
    const sent = updates()
      .slice(before)
      .flatMap((q) => (q.body as { inputs: { id: string }[] }).inputs.map((i) => Number(i.id)));
    expect(sent).toHaveLength(125);
    expect(sent.every((id) => id % 2 === 0)).toBe(true);
    expect(prop('1008', 'icp_version')).toBe('2');
    expect(prop('1008', 'icp_explanation')).toContain('✓ Industry: Retail · 50/50 pts');
    expect(prop('1007', 'icp_version')).toBe('1');
    expect((await runWriteback(deps(), { teamId: T1 })).status === 'ok' && updates().length).toBe(before + 2);
  });

  it('lists the companies HubSpot refuses, writes the rest, and tries the refused again next run', async () => {
    await connectedAndSynced();
    await enableWriteback(deps(), { teamId: T1, userId: OWNER });
    // Deleted in HubSpot since the sync: the batch answers 207 naming it.
    fake.archive('companies', '1133', new Date());
    // Someone removed the "Tier 1" option in HubSpot: a batch carrying a tier1 value is refused whole
    // (400), and the bot writes that batch one by one to name each refused company.
    const tier = fake.properties.companies.find((p) => p.name === 'icp_tier')!;
    tier.options = tier.options!.filter((o) => o.value !== 'tier1');
    const r = await runWriteback(deps(), { teamId: T1 });
    if (r.status !== 'partial') throw new Error(`expected partial, got ${r.status}`);
    const refusedIds = r.problems.map((p) => p.id);
    expect(refusedIds).toContain('1133');
    expect(r.problems.find((p) => p.id === '1133')).toMatchObject({ name: 'Company 133' });
    expect(r.problems.find((p) => p.id === '1133')?.problem).toMatch(/Could not get some COMPANY objects/);
    const tier1 = r.problems.filter((p) => /tier1 was not one of the allowed options/.test(p.problem));
    expect(tier1.length).toBeGreaterThan(0);
    expect(r.refused).toBe(r.problems.length);
    expect(r.written + r.refused).toBe(250);
    expect(prop('1007', 'icp_tier')).toBeUndefined(); // a tier1 company: refused
    expect(prop('1008', 'icp_tier')).toBeDefined();
    // Next run: only the refused ones are tried again.
    tier.options!.push({ value: 'tier1', label: 'Tier 1' });
    const again = await runWriteback(deps(), { teamId: T1 });
    expect(again).toMatchObject({ written: r.refused - 1, refused: 1, unchanged: r.written });
  });
});
