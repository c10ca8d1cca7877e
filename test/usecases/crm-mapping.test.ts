import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { accounts, deals } from '../../db/schema.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { confirmMapping, editMapping, loadMapping } from '../../src/usecases/crm-mapping.ts';
import { connectHubSpot, syncCrm } from '../../src/usecases/crm-sync.ts';
import { DEFAULT_PIPELINE, type FakeHubSpot, startFakeHubSpot } from '../fakes/hubspot.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T = 'T0CRMMAP1';
const OWNER = 'U0OWNER01';
const TOKEN = 'pat-na1-12345678-aaaa-bbbb-cccc-ddddeeeeffff';
const day = (d: string) => new Date(`${d}T12:00:00Z`);
const std = (names: string[]) => names.map((name) => ({ name, label: name, type: 'string', hubspotDefined: true }));

function seed(fake: FakeHubSpot) {
  fake.tokens.set(TOKEN, ['crm.objects.companies.read', 'crm.objects.deals.read']);
  fake.properties.companies = [
    ...std(['name', 'domain', 'industry', 'city']),
    { name: 'business_model', label: 'Business model', type: 'enumeration', hubspotDefined: false },
    { name: 'segment', label: 'Segment', type: 'string', hubspotDefined: false },
  ];
  fake.properties.deals = std(['dealname', 'dealstage', 'hs_is_closed_won', 'hs_is_closed', 'amount', 'pipeline']);
  // A second pipeline whose closed stages are named nothing like won or lost: the metadata says.
  fake.pipelines.push({
    id: '7001',
    label: 'Renewals',
    stages: [
      { id: '7001001', label: 'Up for renewal', isClosed: false, probability: 0.5 },
      { id: '7001002', label: 'Signed', isClosed: true, probability: 1 },
      { id: '7001003', label: 'Went dark', isClosed: true, probability: 0 },
    ],
  });
  for (let i = 1; i <= 3; i++) {
    fake.upsert(
      'companies',
      String(100 + i),
      { name: `Co ${i}`, industry: 'Software', city: 'Berlin', business_model: 'B2B', segment: 'Mid-market' },
      day('2024-01-10'),
    );
  }
  // Contract sent: HubSpot's flags say open; the owner will say it counts as won.
  fake.upsert(
    'deals',
    '201',
    { dealname: 'D1', dealstage: 'contractsent', hs_is_closed_won: 'false', hs_is_closed: 'false', amount: '10' },
    day('2024-02-01'),
  );
  fake.upsert(
    'deals',
    '202',
    { dealname: 'D2', dealstage: '7001002', hs_is_closed_won: 'true', hs_is_closed: 'true', amount: '20' },
    day('2024-02-01'),
  );
  fake.associate('201', '101');
  fake.associate('202', '102');
}

describe(`the owner confirms the CRM mapping (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeHubSpot;
  const key = randomBytes(32).toString('base64');
  const deps = () => ({
    db: t.db,
    logger: createLogger({ level: 'error', write: () => {} }),
    config: loadConfig({ CRM_ENCRYPTION_KEY: key, HUBSPOT_API_URL: fake.url, HUBSPOT_MAX_REQUESTS_PER_SECOND: '0' }),
  });
  const account = async (id: string) =>
    (
      await t.db
        .select()
        .from(accounts)
        .where(and(eq(accounts.teamId, T), eq(accounts.externalId, id)))
    )[0];
  const deal = async (id: string) =>
    (
      await t.db
        .select()
        .from(deals)
        .where(and(eq(deals.teamId, T), eq(deals.externalId, id)))
    )[0];

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
    fake = await startFakeHubSpot();
    seed(fake);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('proposes each pipeline’s stages from HubSpot’s metadata, and nothing syncs until it is confirmed', async () => {
    const { mapping } = await connectHubSpot(deps(), { teamId: T, userId: OWNER, token: TOKEN });
    expect(fake.requests('/crm/v3/pipelines/deals')).toHaveLength(1);
    const outcome = (stage: string) => mapping.stages.find((s) => s.stage === stage)?.outcome;
    expect(mapping.stages).toHaveLength(DEFAULT_PIPELINE.stages.length + 3);
    expect([outcome('closedwon'), outcome('closedlost'), outcome('contractsent')]).toEqual(['won', 'lost', 'open']);
    expect([outcome('7001001'), outcome('7001002'), outcome('7001003')]).toEqual(['open', 'won', 'lost']);
    expect(mapping.stages.find((s) => s.stage === '7001003')).toMatchObject({
      pipeline: 'Renewals',
      label: 'Went dark',
    });
    expect(mapping.churn).toEqual({ kind: 'none' });

    expect((await loadMapping(deps(), T)).status).toBe('proposed');
    const before = fake.requests().length;
    await expect(syncCrm(deps(), { teamId: T })).rejects.toThrow(/waits for an ICP owner.*icp crm mapping --confirm/);
    expect(fake.requests().length).toBe(before);
    expect(await account('101')).toBeUndefined();
  });

  it('syncs what the owner confirmed: their stage meanings over HubSpot’s flags, their fields and attributes', async () => {
    await connectHubSpot(deps(), { teamId: T, userId: OWNER, token: TOKEN });
    const edited = await editMapping(deps(), {
      teamId: T,
      edits: {
        set: ['city=attribute', 'business_model=ignore', 'segment=industry'],
        stages: ['contractsent=won', 'Went dark=open'],
      },
    });
    expect(edited.notes).toEqual(['industry filled industry before: it is now kept as an attribute.']);
    expect(edited.status).toBe('proposed');
    const confirmed = await confirmMapping(deps(), { teamId: T, userId: OWNER });
    expect(confirmed).toMatchObject({ status: 'confirmed', confirmedBy: OWNER, resync: false });
    expect(confirmed.confirmedAt).toBeInstanceOf(Date);

    const r = await syncCrm(deps(), { teamId: T });
    expect(r).toMatchObject({ status: 'ok', counts: { companies: 3, deals: 2 } });
    const a = await account('101');
    expect(a).toMatchObject({ industry: 'Mid-market' });
    expect(a?.attributes).toMatchObject({ city: 'Berlin', industry: 'Software' });
    expect(a?.attributes).not.toHaveProperty('business_model');
    expect(await deal('201')).toMatchObject({ outcome: 'won', stage: 'contractsent' });
    expect(await deal('202')).toMatchObject({ outcome: 'won', stage: '7001002' });
  });

  it('an edit after confirmation waits for its own confirmation; confirming it makes the next sync full', async () => {
    await connectHubSpot(deps(), { teamId: T, userId: OWNER, token: TOKEN });
    await confirmMapping(deps(), { teamId: T, userId: OWNER });
    await syncCrm(deps(), { teamId: T });
    expect((await deal('201'))?.outcome).toBe('open');

    const edited = await editMapping(deps(), { teamId: T, edits: { stages: ['contractsent=won'] } });
    expect(edited.status).toBe('changed');
    // Syncs keep the confirmed mapping meanwhile.
    expect((await syncCrm(deps(), { teamId: T })).mode).toBe('incremental');
    expect((await deal('201'))?.outcome).toBe('open');

    const again = await confirmMapping(deps(), { teamId: T, userId: 'U0OWNER02' });
    expect(again).toMatchObject({ status: 'confirmed', confirmedBy: 'U0OWNER02', resync: true });
    expect((await getCrmConnection(t.db, T))?.syncCursor).toBeNull();
    const r = await syncCrm(deps(), { teamId: T });
    expect(r.mode).toBe('full');
    expect((await deal('201'))?.outcome).toBe('won');
    // Confirming the same mapping again changes nothing.
    expect((await confirmMapping(deps(), { teamId: T, userId: OWNER })).resync).toBe(false);
  });

  it('refuses edits it cannot read, naming what to write instead', async () => {
    await connectHubSpot(deps(), { teamId: T, userId: OWNER, token: TOKEN });
    const edit = (edits: Parameters<typeof editMapping>[1]['edits']) => editMapping(deps(), { teamId: T, edits });
    await expect(edit({ set: ['city=banana'] })).rejects.toThrow(/not a company field: choose one of/);
    await expect(edit({ set: ['companies.hs_object_id=name'] })).rejects.toThrow(/cannot be remapped/);
    await expect(edit({ set: ['nowhere=attribute'] })).rejects.toThrow(/No company or deal property/);
    await expect(edit({ stages: ['closedwon=maybe'] })).rejects.toThrow(/won, lost or open/);
    await expect(edit({ churn: 'city' })).rejects.toThrow(/churn needs a date/);
    await expect(edit({ set: ['city'] })).rejects.toThrow(/takes name=value/);
    expect((await loadMapping(deps(), T)).status).toBe('proposed');
  });
});
