import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection, updateCrmCredentials } from '../../db/queries/crm.ts';
import { accounts, crmConnections, deals } from '../../db/schema.ts';
import { loadConfig } from '../../src/config.ts';
import { openCredentials, sealCredentials } from '../../src/crm/credentials.ts';
import { mintJwt, salesforceApi } from '../../src/crm/salesforce.ts';
import { salesforceSource } from '../../src/crm/salesforce-source.ts';
import { createLogger } from '../../src/logger.ts';
import { confirmMapping } from '../../src/usecases/crm-mapping.ts';
import { authorizeUrl, completeOAuth, disconnectCrm } from '../../src/usecases/crm-oauth.ts';
import { connectSalesforce } from '../../src/usecases/crm-salesforce.ts';
import { CURSOR_OVERLAP_MS, syncCrm } from '../../src/usecases/crm-sync.ts';
import { type FakeSalesforce, sfTime, startFakeSalesforce } from '../fakes/salesforce.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T1 = 'T0SFDC001';
const USER = 'integration@acme.example';
const key = randomBytes(32).toString('base64');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const day = (d: string) => new Date(`${d}T12:00:00Z`);
/** 18-character ids with the objects' key prefixes (001 Account, 006 Opportunity). */
const acc = (i: number) => `001${String(i).padStart(12, '0')}AAA`;
const opp = (i: number) => `006${String(i).padStart(12, '0')}AAA`;

const std = (names: string[], type = 'string') => names.map((name) => ({ name, type }));

function seedOrg(fake: FakeSalesforce) {
  fake.users.set(USER, { userId: '0055g00000ABCDEAAA', cannotRead: new Set() });
  fake.fields.Account = [
    ...std(['Name', 'Website', 'Industry', 'BillingCountry', 'BillingCity']),
    { name: 'NumberOfEmployees', type: 'int' },
    { name: 'AnnualRevenue', type: 'currency' },
    { name: 'BillingAddress', type: 'address' },
    { name: 'Business_Model__c', type: 'picklist', custom: true },
  ];
  fake.fields.Opportunity = [
    ...std(['Name', 'StageName']),
    { name: 'AccountId', type: 'reference' },
    ...std(['IsWon', 'IsClosed'], 'boolean'),
    { name: 'Amount', type: 'currency' },
    { name: 'CreatedDate', type: 'datetime' },
    { name: 'CloseDate', type: 'date' },
    { name: 'OwnerId', type: 'reference' },
    { name: 'Lead_Source_Detail__c', type: 'string', custom: true },
  ];
  fake.stages.push(
    { ApiName: 'Prospecting', MasterLabel: 'Prospecting', IsClosed: false, IsWon: false, IsActive: true },
    { ApiName: 'Closed Won', MasterLabel: 'Closed Won', IsClosed: true, IsWon: true, IsActive: true },
    { ApiName: 'Lost to Competitor', MasterLabel: 'Lost to Competitor', IsClosed: true, IsWon: false, IsActive: true },
    { ApiName: 'Old Stage', MasterLabel: 'Old Stage', IsClosed: false, IsWon: false, IsActive: false },
  );
  // 450 accounts: three query pages of 200.
  fake.batchSize.value = 200;
  for (let i = 1; i <= 450; i++) {
    fake.upsert(
      'Account',
      acc(i),
      {
        Name: `Account ${i}`,
        Website: `https://account${i}.example`,
        Industry: i % 2 ? 'Technology' : 'Retail',
        NumberOfEmployees: 10 * i,
        AnnualRevenue: 100_000 * i,
        BillingCountry: 'Germany',
        Business_Model__c: i % 3 ? 'B2B' : 'B2C',
        MasterRecordId: null,
      },
      new Date(day('2024-01-10').getTime() + i),
    );
  }
  const stages = [
    { StageName: 'Closed Won', IsWon: true, IsClosed: true },
    // A renamed stage: Salesforce's flags still say what it means.
    { StageName: 'Lost to Competitor', IsWon: false, IsClosed: true },
    { StageName: 'Prospecting', IsWon: false, IsClosed: false },
  ];
  for (let i = 1; i <= 120; i++) {
    fake.upsert(
      'Opportunity',
      opp(i),
      {
        Name: `Opportunity ${i}`,
        AccountId: acc(i),
        Amount: 1000 * i,
        CreatedDate: sfTime(day('2024-01-15')),
        CloseDate: '2024-02-01',
        OwnerId: '0055g00000OWNERAAA',
        Lead_Source_Detail__c: 'webinar',
        ...stages[i % 3],
      },
      day('2024-02-01'),
    );
  }
}

describe(`Salesforce sync (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeSalesforce;
  const quiet = createLogger({ level: 'error', write: () => {} });
  let bulkThreshold = '0';
  const deps = () => ({
    db: t.db,
    logger: quiet,
    config: loadConfig({
      CRM_ENCRYPTION_KEY: key,
      SALESFORCE_LOGIN_URL: fake.url,
      SALESFORCE_CLIENT_ID: fake.app.clientId,
      SALESFORCE_CLIENT_SECRET: fake.app.clientSecret,
      SALESFORCE_REDIRECT_URI: fake.app.redirectUri,
      SALESFORCE_JWT_PRIVATE_KEY: PEM,
      SALESFORCE_BULK_THRESHOLD: bulkThreshold,
    }),
  });
  // Connected, and the proposal confirmed as it stands (syncs wait for an owner's confirmation).
  const confirmed = async <R>(r: R) => {
    await confirmMapping(deps(), { teamId: T1, userId: 'U0OWNER' });
    return r;
  };
  const connectJwt = async () =>
    confirmed(await connectSalesforce(deps(), { teamId: T1, userId: 'U0OWNER', jwtUsername: USER }));
  const connectOAuth = async () =>
    confirmed(await connectSalesforce(deps(), { teamId: T1, userId: 'U0OWNER', code: fake.issueCode(USER) }));
  const account = async (externalId: string) =>
    (
      await t.db
        .select()
        .from(accounts)
        .where(and(eq(accounts.teamId, T1), eq(accounts.externalId, externalId)))
    )[0];
  const deal = async (externalId: string) =>
    (
      await t.db
        .select()
        .from(deals)
        .where(and(eq(deals.teamId, T1), eq(deals.externalId, externalId)))
    )[0];
  const stored = async () => {
    const row = await getCrmConnection(t.db, T1);
    return openCredentials(deps().config.crm.encryptionKey, T1, row!.tokenEncrypted);
  };

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    bulkThreshold = '0';
    await t.truncateAll();
    fake = await startFakeSalesforce({ jwtPublicKey: PUBLIC });
    seedOrg(fake);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('JWT connect: signs the assertion, stores the token sealed, proposes the mapping from the CSV aliases', async () => {
    const r = await connectJwt();
    expect(r).toMatchObject({ provider: 'salesforce', flow: 'jwt', instanceUrl: fake.url });
    expect(fake.requests('/services/oauth2/token')).toHaveLength(1);
    expect(r.mapping.companies.mapped).toEqual({
      Id: 'externalId',
      Name: 'name',
      Website: 'website',
      Industry: 'industry',
      NumberOfEmployees: 'employees',
      AnnualRevenue: 'revenue',
      BillingCountry: 'country',
      Business_Model__c: 'attributes.business_model_c',
    });
    expect(r.mapping.stages.map((st) => [st.stage, st.outcome])).toEqual([
      ['Prospecting', 'open'],
      ['Closed Won', 'won'],
      ['Lost to Competitor', 'lost'],
    ]);
    expect(r.mapping.deals.mapped).toMatchObject({
      StageName: 'stage',
      IsWon: 'isWon',
      IsClosed: 'isClosed',
      CloseDate: 'closedOn',
      OwnerId: 'owner',
      Lead_Source_Detail__c: 'attributes.lead_source_detail_c',
    });
    const [row] = await t.db.select().from(crmConnections).where(eq(crmConnections.teamId, T1));
    expect(row?.provider).toBe('salesforce');
    expect(row?.tokenEncrypted).toMatch(/^v1\./);
    const creds = await stored();
    expect(creds).toMatchObject({ kind: 'jwt', username: USER, instanceUrl: fake.url });
    expect(JSON.stringify(row)).not.toContain(creds.kind === 'jwt' ? creds.accessToken : '?');
  });

  it('web-server flow through the OAuth callback: a signed state, then the code exchanged for a refresh token', async () => {
    const u = new URL(authorizeUrl(deps(), 'salesforce', T1, 'U0OWNER'));
    expect(`${u.origin}${u.pathname}`).toBe(`${fake.url}/services/oauth2/authorize`);
    expect(Object.fromEntries(u.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: fake.app.clientId,
      redirect_uri: fake.app.redirectUri,
      scope: 'api refresh_token',
    });
    const answer = await completeOAuth(deps(), {
      state: u.searchParams.get('state') ?? '',
      code: fake.issueCode(USER),
    });
    expect(answer).toMatchObject({ status: 200, ok: true, title: 'Connected to Salesforce' });
    expect(answer.sentence).toContain(new URL(fake.url).host);
    const row = await getCrmConnection(t.db, T1);
    expect(row).toMatchObject({ provider: 'salesforce', createdBy: 'U0OWNER', scopes: ['refresh_token', 'api'] });
    const creds = await stored();
    expect(creds.kind).toBe('oauth');
    expect(creds.kind === 'oauth' && creds.refreshToken).toMatch(/^5Aep861/);
  });

  it('refuses to connect when the user cannot read what the sync needs, naming it, and revokes the token', async () => {
    fake.users.get(USER)!.cannotRead = new Set(['Opportunity', 'Account.MasterRecordId']);
    await expect(connectOAuth()).rejects.toThrow(
      'Salesforce accepted the login, but the Salesforce user who allowed access cannot read Account.MasterRecordId and Opportunity: ' +
        'give that user Read access to them (a permission set with object and field-level security), then connect again.',
    );
    expect(await getCrmConnection(t.db, T1)).toBeNull();
    expect(fake.requests('/services/oauth2/revoke')).toHaveLength(1);
  });

  it('says which settings are missing before calling Salesforce', async () => {
    const bare = { ...deps(), config: loadConfig({ CRM_ENCRYPTION_KEY: key, SALESFORCE_LOGIN_URL: fake.url }) };
    await expect(connectSalesforce(bare, { teamId: T1, userId: 'U1', jwtUsername: USER })).rejects.toThrow(
      /set SALESFORCE_CLIENT_ID \(the consumer key\), SALESFORCE_JWT_PRIVATE_KEY or SALESFORCE_JWT_PRIVATE_KEY_FILE/,
    );
    expect(fake.requests()).toHaveLength(0);
  });

  it('an unknown JWT user is refused with Salesforce’s reason', async () => {
    await expect(
      connectSalesforce(deps(), { teamId: T1, userId: 'U1', jwtUsername: 'nobody@acme.example' }),
    ).rejects.toThrow(/Salesforce refused the signed JWT \(invalid_grant: user hasn't approved this consumer\)/);
  });

  it('first sync pages by nextRecordsUrl, maps outcomes from IsWon/IsClosed and links opportunities to accounts', async () => {
    await connectJwt();
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r).toMatchObject({
      mode: 'full',
      status: 'ok',
      counts: { companies: 450, deals: 120, deleted: 0, merged: 0 },
    });
    const accountQueries = fake
      .requests('/query')
      .filter((q) => q.path.endsWith('/query') && /FROM Account/.test(q.query.get('q') ?? ''));
    expect(accountQueries).toHaveLength(1);
    expect(accountQueries[0]?.query.get('q')).not.toContain('WHERE');
    // The two further pages of accounts came through nextRecordsUrl.
    expect(fake.requests('/query/01g').length).toBeGreaterThanOrEqual(2);
    const a = await account(acc(7));
    expect(a).toMatchObject({ name: 'Account 7', employees: 70, country: 'DE', source: 'salesforce' });
    expect(a?.attributes).toMatchObject({ business_model_c: 'B2B' });
    expect(await deal(opp(3))).toMatchObject({ outcome: 'won', accountId: (await account(acc(3)))?.id });
    expect(await deal(opp(4))).toMatchObject({ outcome: 'lost', stage: 'Lost to Competitor' });
    expect(await deal(opp(5))).toMatchObject({ outcome: 'open' });
    expect((await deal(opp(5)))?.attributes).toMatchObject({ lead_source_detail_c: 'webinar' });
    const conn = await getCrmConnection(t.db, T1);
    expect(conn?.syncCursors).toEqual({
      companies: new Date(day('2024-01-10').getTime() + 450).toISOString(),
      deals: day('2024-02-01').toISOString(),
    });
  });

  it('a large first sync reads through one Bulk API 2.0 query job, counted first; the next one pages by SOQL', async () => {
    bulkThreshold = '400';
    fake.bulkResultsPage.value = 200;
    await connectJwt();
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r).toMatchObject({ mode: 'full', status: 'ok', counts: { companies: 450, deals: 120 } });
    const counts = fake
      .requests('/query')
      .map((q) => q.query.get('q') ?? '')
      .filter((q) => q.startsWith('SELECT COUNT()'));
    expect(counts).toEqual(['SELECT COUNT() FROM Account', 'SELECT COUNT() FROM Opportunity']);
    // Accounts (450 ≥ 400) through one job, its results in three CSV pages; opportunities (120) by SOQL.
    const created = fake.requests('/jobs/query').filter((q) => q.method === 'POST');
    expect(created).toHaveLength(1);
    expect(JSON.parse(created[0]!.body)).toMatchObject({ operation: 'query' });
    expect(JSON.parse(created[0]!.body).query).toMatch(/^SELECT Id, Name, .* FROM Account$/);
    expect(fake.requests('/results')).toHaveLength(3);
    expect(
      fake.requests('/query').filter((q) => /FROM Opportunity ORDER BY/.test(q.query.get('q') ?? '')),
    ).toHaveLength(1);
    const a = await account(acc(7));
    expect(a).toMatchObject({ name: 'Account 7', employees: 70, revenue: 700_000, source: 'salesforce' });
    expect(a?.attributes).toMatchObject({ business_model_c: 'B2B' });
    expect(await deal(opp(7))).toMatchObject({ accountId: a?.id });
    expect((await getCrmConnection(t.db, T1))?.syncCursors).toMatchObject({
      companies: new Date(day('2024-01-10').getTime() + 450).toISOString(),
    });
    fake.upsert('Account', acc(9), { Name: 'Account Nine Renamed' }, day('2024-03-01'));
    const jobsBefore = fake.requests('/jobs/query').length;
    expect((await syncCrm(deps(), { teamId: T1 })).counts.companies).toBe(1);
    expect(fake.requests('/jobs/query')).toHaveLength(jobsBefore);
    expect((await account(acc(9)))?.name).toBe('Account Nine Renamed');
  });

  it('a Bulk API 2.0 job still running at the poll timeout is left, and the records are paged by SOQL', async () => {
    fake.bulkState.value = 'InProgress';
    const t0 = await mintJwt(deps().config.crm.salesforce, USER);
    const session = { accessToken: t0.accessToken, instanceUrl: t0.instanceUrl };
    const api = salesforceApi({
      session: async () => session,
      refresh: async () => session,
      bulkPoll: { intervalMs: 50, timeoutMs: 300 },
    });
    expect(await api.bulkQuery('SELECT Id FROM Account')).toBeNull();
    const pages = [];
    for await (const page of salesforceSource(api, { bulkThreshold: 1 }).pages('companies', ['Id', 'Name'], null)) {
      pages.push(page.records.length);
    }
    expect(pages).toEqual([200, 200, 50]);
    expect(fake.requests('/jobs/query').filter((q) => q.method === 'POST')).toHaveLength(2);
    // Each job left behind was aborted.
    expect(fake.requests('/jobs/query').filter((q) => q.method === 'PATCH' && q.body.includes('Aborted'))).toHaveLength(
      2,
    );
  });

  it('incremental sync asks only for records whose SystemModstamp is after the cursor', async () => {
    await connectJwt();
    await syncCrm(deps(), { teamId: T1 });
    const before = fake.requests().length;
    fake.upsert('Account', acc(2), { Name: 'Account Two Renamed' }, day('2024-03-01'));
    fake.upsert('Opportunity', opp(10), { StageName: 'Closed Won', IsWon: true, IsClosed: true }, day('2024-03-02'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r).toMatchObject({ mode: 'incremental', status: 'ok', counts: { companies: 1, deals: 1 } });
    const soql = fake
      .requests()
      .slice(before)
      .map((q) => q.query.get('q'))
      .filter(Boolean);
    // From CURSOR_OVERLAP_MS before the cursor (the newest SystemModstamp read, 2024-01-10T12:00:00.450Z).
    const from = new Date(Date.parse('2024-01-10T12:00:00.450Z') - CURSOR_OVERLAP_MS).toISOString();
    expect(soql.filter((q) => q!.includes(`FROM Account WHERE SystemModstamp > ${from}`))).toHaveLength(1);
    expect((await account(acc(2)))?.name).toBe('Account Two Renamed');
    expect((await deal(opp(10)))?.outcome).toBe('won');
  });

  it('a merge folds the merged account into its master, with its opportunities', async () => {
    await connectJwt();
    await syncCrm(deps(), { teamId: T1 });
    fake.merge(acc(1), acc(4), day('2024-03-05'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.counts.merged).toBe(1);
    expect(await account(acc(4))).toBeUndefined();
    const master = await account(acc(1));
    expect((await deal(opp(4)))?.accountId).toBe(master?.id);
    expect((await deal(opp(4)))?.attributes).toMatchObject({ account_external_id: acc(1) });
    const deletedQueries = fake.requests('/queryAll').map((q) => q.query.get('q'));
    expect(deletedQueries.some((q) => /IsDeleted = true AND SystemModstamp > /.test(q ?? ''))).toBe(true);
  });

  it('a delete removes the account and opportunity Salesforce deleted', async () => {
    await connectJwt();
    await syncCrm(deps(), { teamId: T1 });
    fake.remove('Account', acc(50), day('2024-03-06'));
    fake.remove('Opportunity', opp(60), day('2024-03-06'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.counts.deleted).toBe(2);
    expect(await account(acc(50))).toBeUndefined();
    expect(await deal(opp(60))).toBeUndefined();
    expect(await account(acc(51))).toBeDefined();
  });

  it('an expired session is refreshed once with the refresh token, stored, and the sync completes', async () => {
    await connectOAuth();
    await syncCrm(deps(), { teamId: T1 });
    const before = await stored();
    fake.expireSessions();
    fake.upsert('Account', acc(3), { Name: 'Account Three Again' }, day('2024-03-07'));
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.status).toBe('ok');
    expect(fake.requests().filter((q) => q.status === 401)).toHaveLength(1);
    expect(
      fake.requests('/services/oauth2/token').filter((q) => q.body.includes('grant_type=refresh_token')),
    ).toHaveLength(1);
    const after = await stored();
    expect(after.kind === 'oauth' && after.accessToken).not.toBe(before.kind === 'oauth' && before.accessToken);
    expect(after.kind === 'oauth' && after.refreshToken).toBe(before.kind === 'oauth' && before.refreshToken);
    expect((await account(acc(3)))?.name).toBe('Account Three Again');
  });

  it('a JWT token about to expire is replaced by a newly signed one before the sync calls Salesforce', async () => {
    await connectJwt();
    const creds = await stored();
    await updateCrmCredentials(t.db, {
      teamId: T1,
      provider: 'salesforce',
      tokenEncrypted: sealCredentials(deps().config.crm.encryptionKey, T1, {
        ...creds,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      } as typeof creds),
    });
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.status).toBe('ok');
    expect(fake.requests('/services/oauth2/token')).toHaveLength(2);
    expect(fake.requests().filter((q) => q.status === 401)).toHaveLength(0);
    const after = await stored();
    expect(after.kind === 'jwt' && new Date(after.expiresAt!).getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
  });

  it('a revoked connection fails the sync with a sentence, and the cursor stays', async () => {
    await connectOAuth();
    await syncCrm(deps(), { teamId: T1 });
    const cursor = (await getCrmConnection(t.db, T1))?.syncCursor;
    const creds = await stored();
    fake.revoked.add(creds.kind === 'oauth' ? creds.refreshToken! : '');
    fake.expireSessions();
    await expect(syncCrm(deps(), { teamId: T1 })).rejects.toThrow(
      /Salesforce refused the refresh token \(invalid_grant/,
    );
    const conn = await getCrmConnection(t.db, T1);
    expect(conn?.lastSyncStatus).toBe('failed');
    expect(conn?.syncCursor).toEqual(cursor);
  });

  it('completes through a 503 with jsforce’s own retry', async () => {
    await connectJwt();
    fake.fail('/query', 503, 1);
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r).toMatchObject({ status: 'ok', counts: { companies: 450 } });
    expect(fake.requests().filter((q) => q.status === 503)).toHaveLength(1);
  });

  it('keeps records the import refuses as problems, and writes the rest', async () => {
    fake.upsert('Account', acc(20), { Name: '' }, day('2024-01-11'));
    await connectJwt();
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r.status).toBe('partial');
    expect(r.counts.companies).toBe(449);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.every((p) => p.object === 'companies' && p.id === acc(20))).toBe(true);
  });

  it('without the stages readable, outcomes come from each opportunity’s IsWon and IsClosed', async () => {
    fake.users.get(USER)!.cannotRead.add('OpportunityStage');
    const r = await connectJwt();
    expect(r.mapping.stages).toEqual([]);
    await syncCrm(deps(), { teamId: T1 });
    expect(await deal(opp(3))).toMatchObject({ outcome: 'won' });
    expect(await deal(opp(4))).toMatchObject({ outcome: 'lost' });
    expect(await deal(opp(5))).toMatchObject({ outcome: 'open' });
  });

  it('disconnect deletes the connection and revokes the refresh token', async () => {
    await connectOAuth();
    const creds = await stored();
    expect(await disconnectCrm(deps(), T1)).toEqual({ removed: true, provider: 'salesforce', revoke: 'revoked' });
    expect(fake.revoked.has(creds.kind === 'oauth' ? creds.refreshToken! : '')).toBe(true);
    expect(await t.db.select().from(crmConnections)).toHaveLength(0);
  });
});
