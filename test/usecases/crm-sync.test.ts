import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { accounts, crmConnections, deals } from '../../db/schema.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { confirmMapping } from '../../src/usecases/crm-mapping.ts';
import { disconnectCrm } from '../../src/usecases/crm-oauth.ts';
import { CURSOR_OVERLAP_MS, connectHubSpot, syncCrm } from '../../src/usecases/crm-sync.ts';
import { type FakeHubSpot, startFakeHubSpot } from '../fakes/hubspot.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T1 = 'T0CRM0001';
const T2 = 'T0CRM0002';
const TOKEN = 'pat-na1-0f0e0d0c-1111-2222-3333-444455556666';
const READ_BOTH = ['crm.objects.companies.read', 'crm.objects.deals.read', 'oauth'];
const key = randomBytes(32).toString('base64');
const day = (d: string) => new Date(`${d}T12:00:00Z`);

const STANDARD = (names: string[]) =>
  names.map((name) => ({ name, label: name, type: 'string', hubspotDefined: true }));

function seedCrm(fake: FakeHubSpot) {
  fake.tokens.set(TOKEN, READ_BOTH);
  fake.properties.companies = [
    ...STANDARD(['name', 'domain', 'industry', 'numberofemployees', 'annualrevenue', 'country', 'city']),
    { name: 'business_model', label: 'Business model', type: 'enumeration', hubspotDefined: false },
  ];
  fake.properties.deals = [
    ...STANDARD(['dealname', 'dealstage', 'hs_is_closed_won', 'hs_is_closed', 'amount', 'closedate', 'pipeline']),
    { name: 'lead_source_detail', label: 'Lead source detail', type: 'string', hubspotDefined: false },
  ];
  // 250 companies: three pages of the list endpoint.
  for (let i = 1; i <= 250; i++) {
    fake.upsert(
      'companies',
      String(1000 + i),
      {
        name: `Company ${i}`,
        domain: `company${i}.example`,
        industry: i % 2 ? 'Software' : 'Retail',
        numberofemployees: String(10 * i),
        country: 'Germany',
        business_model: i % 3 ? 'B2B' : 'B2C',
      },
      day('2024-01-10'),
    );
  }
  const stages = [
    { dealstage: 'closedwon', hs_is_closed_won: 'true', hs_is_closed: 'true' },
    // A renamed stage: HubSpot's flags still say what it means.
    { dealstage: '98765432', hs_is_closed_won: 'false', hs_is_closed: 'true' },
    { dealstage: 'appointmentscheduled', hs_is_closed_won: 'false', hs_is_closed: 'false' },
  ];
  for (let i = 1; i <= 120; i++) {
    fake.upsert(
      'deals',
      String(5000 + i),
      {
        dealname: `Deal ${i}`,
        amount: String(1000 * i),
        closedate: '2024-02-01T00:00:00.000Z',
        lead_source_detail: 'webinar',
        ...stages[i % 3],
      },
      day('2024-02-01'),
    );
    fake.associate(String(5000 + i), String(1000 + i));
  }
}

describe(`HubSpot sync (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeHubSpot;
  // Unpaced but in the pacing test: the fake answers at once.
  let pace = '0';
  const quiet = createLogger({ level: 'error', write: () => {} });
  const deps = () => ({
    db: t.db,
    logger: quiet,
    config: loadConfig({
      CRM_ENCRYPTION_KEY: key,
      HUBSPOT_API_URL: fake.url,
      HUBSPOT_API_RETRIES: '6',
      HUBSPOT_MAX_REQUESTS_PER_SECOND: pace,
    }),
  });
  // Connected and the proposal confirmed as it stands (tests/usecases/crm-mapping.test.ts changes it).
  const connect = async (teamId = T1) => {
    const r = await connectHubSpot(deps(), { teamId, userId: 'U0OWNER', token: TOKEN });
    await confirmMapping(deps(), { teamId, userId: 'U0OWNER' });
    return r;
  };
  const account = async (externalId: string, teamId = T1) =>
    (
      await t.db
        .select()
        .from(accounts)
        .where(and(eq(accounts.teamId, teamId), eq(accounts.externalId, externalId)))
    )[0];
  const deal = async (externalId: string) =>
    (
      await t.db
        .select()
        .from(deals)
        .where(and(eq(deals.teamId, T1), eq(deals.externalId, externalId)))
    )[0];

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    pace = '0';
    await t.truncateAll();
    fake = await startFakeHubSpot();
    seedCrm(fake);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('stores the token encrypted: the plaintext never appears in the row', async () => {
    const r = await connect();
    expect(r.scopes).toEqual(READ_BOTH);
    const [row] = await t.db.select().from(crmConnections).where(eq(crmConnections.teamId, T1));
    expect(JSON.stringify(row)).not.toContain(TOKEN);
    expect(JSON.stringify(row)).not.toContain('0f0e0d0c');
    expect(row?.tokenEncrypted).toMatch(/^v1\./);
    expect(row?.createdBy).toBe('U0OWNER');
  });

  it('proposes the mapping from the CSV aliases and keeps custom properties as attributes', async () => {
    const { mapping } = await connect();
    expect(mapping.companies.mapped).toMatchObject({
      hs_object_id: 'externalId',
      name: 'name',
      numberofemployees: 'employees',
      business_model: 'attributes.business_model',
    });
    expect(mapping.companies.properties).not.toContain('city');
    expect(mapping.deals.mapped).toMatchObject({ hs_is_closed_won: 'isClosedWon', dealstage: 'stage' });
  });

  it('refuses to connect without CRM_ENCRYPTION_KEY, saying how to generate one, before calling HubSpot', async () => {
    const noKey = { ...deps(), config: loadConfig({ HUBSPOT_API_URL: fake.url }) };
    await expect(connectHubSpot(noKey, { teamId: T1, userId: 'U1', token: TOKEN })).rejects.toThrow(
      /CRM_ENCRYPTION_KEY.*openssl rand -base64 32/,
    );
    expect(fake.requests()).toHaveLength(0);
  });

  it('names the missing scope', async () => {
    fake.tokens.set(TOKEN, ['crm.objects.companies.read']);
    await expect(connect()).rejects.toThrow(/lacks the scope crm\.objects\.deals\.read/);
    expect(await getCrmConnection(t.db, T1)).toBeNull();
  });

  it('says the token was refused when HubSpot does not know it', async () => {
    fake.tokens.clear();
    await expect(connect()).rejects.toThrow(/HubSpot refused the token/);
  });

  it('first sync pages through companies and deals, maps outcomes and links deals to companies', async () => {
    await connect();
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r).toMatchObject({ mode: 'full', status: 'ok', counts: { companies: 250, deals: 120, deleted: 0 } });
    expect(fake.requests('/crm/v3/objects/companies').filter((q) => q.query.get('archived') !== 'true')).toHaveLength(
      3,
    );
    const a = await account('1007');
    expect(a).toMatchObject({ name: 'Company 7', domain: 'company7.example', employees: 70, source: 'hubspot' });
    expect(a?.attributes).toMatchObject({ business_model: 'B2B' });
    expect(await deal('5003')).toMatchObject({ outcome: 'won', accountId: (await account('1003'))?.id });
    expect(await deal('5004')).toMatchObject({ outcome: 'lost', stage: '98765432' });
    expect(await deal('5005')).toMatchObject({ outcome: 'open' });
    expect((await deal('5005'))?.attributes).toMatchObject({ lead_source_detail: 'webinar' });
    const conn = await getCrmConnection(t.db, T1);
    expect(conn).toMatchObject({ lastSyncStatus: 'ok', lastSyncCounts: { companies: 250, deals: 120 } });
    expect(conn?.syncCursors).toEqual({
      companies: day('2024-01-10').toISOString(),
      deals: day('2024-02-01').toISOString(),
    });
    expect(conn?.syncCursor?.toISOString()).toBe(day('2024-01-10').toISOString());
    // Another workspace sees nothing.
    expect(await account('1007', T2)).toBeUndefined();
  });

  it('incremental sync only fetches the records changed since the last one', async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    const before = fake.requests().length;
    fake.upsert('companies', '1002', { name: 'Company Two Renamed' }, day('2024-03-01'));
    fake.upsert(
      'deals',
      '5010',
      { hs_is_closed_won: 'true', hs_is_closed: 'true', dealstage: 'closedwon' },
      day('2024-03-02'),
    );
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r).toMatchObject({ mode: 'incremental', status: 'ok', counts: { companies: 1, deals: 1 } });
    const searches = fake
      .requests()
      .slice(before)
      .filter((q) => q.path.endsWith('/search'));
    expect([...new Set(searches.map((q) => q.path))]).toEqual([
      '/crm/v3/objects/companies/search',
      '/crm/v3/objects/deals/search',
    ]);
    // Each search starts CURSOR_OVERLAP_MS before its object's cursor (a change indexed late is read too);
    // what it reads again is written unchanged and not counted above.
    const from = (object: string) =>
      (
        searches.find((q) => q.path.includes(object) && !(q.body as { after?: string }).after)!.body as {
          filterGroups: { filters: { value: string }[] }[];
        }
      ).filterGroups[0]?.filters[0]?.value;
    expect(from('companies')).toBe(String(day('2024-01-10').getTime() - CURSOR_OVERLAP_MS));
    expect(from('deals')).toBe(String(day('2024-02-01').getTime() - CURSOR_OVERLAP_MS));
    expect(
      fake
        .requests()
        .slice(before)
        .filter((q) => q.query.get('archived') === 'false'),
    ).toHaveLength(0);
    expect((await account('1002'))?.name).toBe('Company Two Renamed');
    expect((await deal('5010'))?.outcome).toBe('won');
    expect((await getCrmConnection(t.db, T1))?.syncCursors).toEqual({
      companies: day('2024-03-01').toISOString(),
      deals: day('2024-03-02').toISOString(),
    });
  });

  it('reads a few minutes behind its cursor, so a change that became visible late is not skipped', async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    fake.upsert('companies', '1002', { name: 'Company Two Renamed' }, day('2024-03-01'));
    await syncCrm(deps(), { teamId: T1 });
    // Stamped two minutes before the newest record the last sync read, but not visible to it (HubSpot's
    // search index lags behind writes): the next sync must still find it.
    const late = new Date(day('2024-03-01').getTime() - 2 * 60_000);
    fake.upsert('companies', '1003', { name: 'Company Three, Indexed Late' }, late);
    const r = await syncCrm(deps(), { teamId: T1 });
    expect((await account('1003'))?.name).toBe('Company Three, Indexed Late');
    // Counted as changes: only what changed since the last sync's cursor (the re-read 1002 is not).
    expect(r.counts.companies).toBe(0);
    expect((await getCrmConnection(t.db, T1))?.syncCursors).toMatchObject({
      companies: day('2024-03-01').toISOString(),
    });
  });

  it('an incremental sync longer than one search query may page starts a new query from the newest record', async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    fake.searchLimit.value = 200;
    // 250 changes, each at its own millisecond: more than one query may page through.
    for (let i = 1; i <= 250; i++) {
      fake.upsert('companies', String(1000 + i), { industry: 'Fintech' }, new Date(Date.UTC(2024, 5, 1, 0, 0, 0, i)));
    }
    const r = await syncCrm(deps(), { teamId: T1, searchLimit: 200 });
    expect(r.counts.companies).toBeGreaterThanOrEqual(250);
    expect(fake.requests('/search').filter((q) => q.status === 400)).toHaveLength(0);
    const firstPages = fake.requests('/companies/search').filter((q) => !(q.body as { after?: string }).after);
    expect(firstPages.length).toBe(2);
    const [row] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(accounts)
      .where(and(eq(accounts.teamId, T1), eq(accounts.industry, 'Fintech')));
    expect(row?.n).toBe(250);
  });

  it('a merge folds the merged company into the survivor, with its deals', async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    fake.merge('1001', '1004', day('2024-03-05'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.counts.merged).toBe(1);
    expect(await account('1004')).toBeUndefined();
    const survivor = await account('1001');
    expect((await deal('5004'))?.accountId).toBe(survivor?.id);
    expect((await deal('5004'))?.attributes).toMatchObject({ account_external_id: '1001' });
    expect(survivor?.attributes).not.toHaveProperty('hs_merged_object_ids');
  });

  it('a deal merge removes the merged-away deal, so it is not counted twice', async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    const before = await deal('5005');
    expect(before).toBeDefined();
    fake.mergeDeals('5004', '5005', day('2024-03-05'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.counts.merged).toBe(1);
    expect(await deal('5005')).toBeUndefined();
    expect(await deal('5004')).toBeDefined();
    expect((await deal('5004'))?.attributes).not.toHaveProperty('hs_merged_object_ids');
  });

  it('a delete removes the archived company and deal', async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    fake.archive('companies', '1050', day('2024-03-06'));
    fake.archive('deals', '5050', day('2024-03-06'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.counts.deleted).toBe(2);
    expect(await account('1050')).toBeUndefined();
    expect(await deal('5050')).toBeUndefined();
    expect(await account('1051')).toBeDefined();
  });

  it('completes through a 429 storm and a 502 with the SDK’s own retries', { timeout: 30_000 }, async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    fake.upsert('companies', '1003', { name: 'Company Three Again' }, day('2024-03-07'));
    fake.fail('/search', { status: 429, kind: 'secondly' }, 3);
    fake.fail('/crm/v3/objects/deals', { status: 502 }, 1);
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.status).toBe('ok');
    expect(fake.requests('/search').filter((q) => q.status === 429)).toHaveLength(3);
    expect((await account('1003'))?.name).toBe('Company Three Again');
  });

  it('paces its calls with the SDK’s limiter, under HubSpot’s burst limit', async () => {
    pace = '10';
    await connect();
    const before = fake.requests().length;
    await syncCrm(deps(), { teamId: T1 });
    const times = fake
      .requests()
      .slice(before)
      .map((q) => q.at);
    expect(times.length).toBeGreaterThanOrEqual(9);
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    // 10 a second: each call of one sync starts ~100 ms after the one before (timer jitter allowed).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(90);
  });

  it('keeps records HubSpot holds but the import refuses as row-level errors, and writes the rest', async () => {
    await connect();
    fake.upsert('companies', '1020', { name: '', numberofemployees: 'about fifty' }, day('2024-01-11'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.status).toBe('partial');
    expect(r.counts.companies).toBe(249);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.every((p) => p.object === 'companies' && p.id === '1020')).toBe(true);
    const conn = await getCrmConnection(t.db, T1);
    expect(conn?.lastSyncStatus).toBe('partial');
    expect(conn?.lastSyncErrors).toEqual(r.problems);
  });

  it('an expired token fails the sync with a sentence, and the cursor stays', async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    fake.expire(TOKEN);
    await expect(syncCrm(deps(), { teamId: T1 })).rejects.toThrow(/HubSpot refused the token/);
    const conn = await getCrmConnection(t.db, T1);
    expect(conn?.lastSyncStatus).toBe('failed');
    expect(conn?.syncCursor?.toISOString()).toBe(day('2024-01-10').toISOString());
    expect(conn?.syncCursors).toMatchObject({ deals: day('2024-02-01').toISOString() });
  });

  it('a change to companies made while deals synced is not skipped: each object keeps its own cursor', async () => {
    await connect();
    await syncCrm(deps(), { teamId: T1 });
    // A deal changed later than a company: the company's change must still be read next time.
    fake.upsert('deals', '5001', { dealname: 'Deal One Renamed' }, day('2024-04-02'));
    await syncCrm(deps(), { teamId: T1 });
    fake.upsert('companies', '1009', { name: 'Company Nine Renamed' }, day('2024-04-01'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.counts).toMatchObject({ companies: 1, deals: 0 });
    expect((await account('1009'))?.name).toBe('Company Nine Renamed');
  });

  it('disconnect removes the token', async () => {
    await connect();
    expect(await disconnectCrm(deps(), T1)).toMatchObject({ removed: true, revoke: 'not-revocable' });
    expect(await t.db.select().from(crmConnections)).toHaveLength(0);
    await expect(syncCrm(deps(), { teamId: T1 })).rejects.toThrow(/No CRM is connected/);
    expect(await disconnectCrm(deps(), T1)).toMatchObject({ removed: false });
  });
});
