import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { applyIcp } from '../../db/queries/icp.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { confirmMapping } from '../../src/usecases/crm-mapping.ts';
import { connectSalesforce } from '../../src/usecases/crm-salesforce.ts';
import { syncCrm } from '../../src/usecases/crm-sync.ts';
import { enableWriteback, runWriteback } from '../../src/usecases/crm-writeback.ts';
import { type FakeSalesforce, startFakeSalesforce } from '../fakes/salesforce.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T1 = 'T0SFWB001';
const OWNER = 'U0OWNER01';
const USER = 'integration@acme.example';
const key = randomBytes(32).toString('base64');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const acc = (i: number) => `001${String(i).padStart(12, '0')}AAA`;
const N = 450;

const icpFile = (industries: string[]) => `
name: Salesforce write-back test ICP
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

/** The four fields as an admin creates them (describe's types: double, string, string, textarea). */
const ICP_FIELDS = [
  { name: 'ICP_Fit_Score__c', type: 'double', custom: true },
  { name: 'ICP_Tier__c', type: 'string', custom: true, length: 40 },
  { name: 'ICP_Version__c', type: 'string', custom: true, length: 20 },
  { name: 'ICP_Explanation__c', type: 'textarea', custom: true, length: 32_768 },
];

describe(`Salesforce write-back (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeSalesforce;
  const quiet = createLogger({ level: 'error', write: () => {} });
  const deps = () => ({
    db: t.db,
    logger: quiet,
    config: loadConfig({
      CRM_ENCRYPTION_KEY: key,
      SALESFORCE_LOGIN_URL: fake.url,
      SALESFORCE_CLIENT_ID: fake.app.clientId,
      SALESFORCE_JWT_PRIVATE_KEY: PEM,
      SALESFORCE_BULK_THRESHOLD: '0',
    }),
  });
  const updates = () => fake.requests('/composite/sobjects').filter((q) => q.method === 'PATCH');
  const sentIds = (from = 0) =>
    updates()
      .slice(from)
      .flatMap((q) => (JSON.parse(q.body) as { records: { id: string }[] }).records.map((r) => r.id));
  const field = (i: number, name: string) => fake.record('Account', acc(i))?.[name];

  /** Connected (JWT bearer), mapping confirmed, ICP v1 applied, synced. */
  async function connectedAndSynced() {
    await connectSalesforce(deps(), { teamId: T1, userId: OWNER, jwtUsername: USER });
    await confirmMapping(deps(), { teamId: T1, userId: OWNER });
    await applyIcp(t.db, { teamId: T1, source: icpFile(['Technology']), createdBy: OWNER });
    await syncCrm(deps(), { teamId: T1 });
  }
  const adminCreatesFields = () => {
    fake.fields.Account.push(...ICP_FIELDS);
  };

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
    fake = await startFakeSalesforce({ jwtPublicKey: PUBLIC });
    fake.users.set(USER, { userId: '0055g00000ABCDEAAA', cannotRead: new Set() });
    fake.fields.Account = [
      ...['Name', 'Website', 'Industry'].map((name) => ({ name, type: 'string' })),
      { name: 'NumberOfEmployees', type: 'int' },
    ];
    fake.fields.Opportunity = [
      ...['Name', 'StageName'].map((name) => ({ name, type: 'string' })),
      { name: 'AccountId', type: 'reference' },
      ...['IsWon', 'IsClosed'].map((name) => ({ name, type: 'boolean' })),
      { name: 'CloseDate', type: 'date' },
    ];
    fake.stages.push({ ApiName: 'Closed Won', MasterLabel: 'Closed Won', IsClosed: true, IsWon: true, IsActive: true });
    for (let i = 1; i <= N; i++) {
      fake.upsert(
        'Account',
        acc(i),
        {
          Name: `Account ${i}`,
          Website: `https://account${i}.example`,
          Industry: i % 2 ? 'Technology' : 'Retail',
          // Every tenth account without a size: its tier is unknown.
          NumberOfEmployees: i % 10 === 0 ? null : 10 * i,
          MasterRecordId: null,
        },
        new Date(Date.UTC(2024, 0, 10, 12) + i),
      );
    }
  });
  afterEach(async () => {
    await fake.close();
  });

  it('without the fields, consent names each one and how to create it, and nothing is written', async () => {
    await connectedAndSynced();
    await expect(enableWriteback(deps(), { teamId: T1, userId: OWNER })).rejects.toThrow(
      'Salesforce Accounts do not have the fields ICP Coach writes yet: ask an admin with “Customize Application” to create ' +
        'ICP_Fit_Score__c (Number, length 4, 1 decimal place), ICP_Tier__c (Text, length 40), ICP_Version__c (Text, length 20) ' +
        'and ICP_Explanation__c (Long Text Area, length 32,768) in Setup → Object Manager → Account → Fields & Relationships → New, ' +
        'visible and editable for the connected user, then run `icp writeback enable` again (nothing was written).',
    );
    expect((await getCrmConnection(t.db, T1))?.writebackEnabledAt).toBeNull();
    // Without consent a sync writes nothing either.
    adminCreatesFields();
    expect((await syncCrm(deps(), { teamId: T1 })).writeback).toEqual({ status: 'off' });
    expect(await runWriteback(deps(), { teamId: T1 })).toEqual({ status: 'off' });
    expect(updates()).toHaveLength(0);
  });

  it('refuses, naming the permission, when the connected user cannot edit the fields', async () => {
    await connectedAndSynced();
    fake.fields.Account.push(...ICP_FIELDS.map((f) => ({ ...f, updateable: f.name !== 'ICP_Tier__c' })));
    await expect(enableWriteback(deps(), { teamId: T1, userId: OWNER })).rejects.toThrow(
      'The connected Salesforce user cannot edit ICP_Tier__c (INSUFFICIENT_ACCESS): give it Edit access to it (field-level security, ' +
        'in a permission set assigned to that user), then run `icp writeback enable` again (nothing was written).',
    );
    expect((await getCrmConnection(t.db, T1))?.writebackEnabledAt).toBeNull();
    expect(updates()).toHaveLength(0);
  });

  it('consents once (a second enable changes nothing); the first run writes every account, 200 a call, the second none', async () => {
    await connectedAndSynced();
    adminCreatesFields();
    const enabled = await enableWriteback(deps(), { teamId: T1, userId: OWNER });
    expect(enabled).toEqual({
      provider: 'salesforce',
      created: [],
      properties: ['ICP_Fit_Score__c', 'ICP_Tier__c', 'ICP_Version__c', 'ICP_Explanation__c'],
    });
    expect((await enableWriteback(deps(), { teamId: T1, userId: OWNER })).created).toEqual([]);
    // Consent reads (describe) and writes nothing in Salesforce.
    expect(fake.requests().filter((q) => q.method !== 'GET' && !q.path.startsWith('/services/oauth2'))).toEqual([]);

    const first = await syncCrm(deps(), { teamId: T1 });
    expect(first.writeback).toMatchObject({
      status: 'ok',
      provider: 'salesforce',
      icpVersion: 1,
      written: N,
      unchanged: 0,
      refused: 0,
    });
    expect(updates().map((q) => (JSON.parse(q.body) as { records: unknown[] }).records.length)).toEqual([200, 200, 50]);
    expect(updates().every((q) => (JSON.parse(q.body) as { allOrNone: boolean }).allOrNone === false)).toBe(true);
    // Account 7: Technology, 70 employees → 100, Tier 1.
    expect(field(7, 'ICP_Fit_Score__c')).toBe(100);
    expect(field(7, 'ICP_Tier__c')).toBe('Tier 1');
    expect(field(7, 'ICP_Version__c')).toBe('1');
    expect(field(7, 'ICP_Explanation__c')).toBe(
      [
        'Tier 1 · score 100/100',
        '✓ Industry: Technology · 50/50 pts',
        '✓ Company size: 70 · 50/50 pts',
        'Data coverage 100%.',
        'Full card in Slack: /icp-check account7.example',
      ].join('\n'),
    );
    expect(field(20, 'ICP_Tier__c')).toBe('Tier unknown');

    // The write-back bumped SystemModstamp, so this sync reads every account again, and writes none.
    const second = await syncCrm(deps(), { teamId: T1 });
    expect(second.counts.companies).toBe(N);
    expect(second.writeback).toMatchObject({ status: 'ok', written: 0, unchanged: N });
    expect(updates()).toHaveLength(3);
  });

  it('a new ICP version rewrites only the accounts whose values it changed', async () => {
    await connectedAndSynced();
    adminCreatesFields();
    await enableWriteback(deps(), { teamId: T1, userId: OWNER });
    await runWriteback(deps(), { teamId: T1 });
    const before = updates().length;
    // v2 also counts Retail: only the Retail accounts (the even ones) change.
    await applyIcp(t.db, { teamId: T1, source: icpFile(['Technology', 'Retail']), createdBy: OWNER });
    const r = await runWriteback(deps(), { teamId: T1 });
    expect(r).toMatchObject({ status: 'ok', icpVersion: 2, written: N / 2, unchanged: N / 2 });
    const sent = sentIds(before);
    expect(sent).toHaveLength(N / 2);
    expect(sent.every((id) => Number(id.slice(3, 15)) % 2 === 0)).toBe(true);
    expect(field(8, 'ICP_Version__c')).toBe('2');
    expect(field(8, 'ICP_Explanation__c')).toContain('✓ Industry: Retail · 50/50 pts');
    expect(field(7, 'ICP_Version__c')).toBe('1');
  });

  it('lists each account Salesforce refuses, writes the rest, and tries the refused again next run', async () => {
    await connectedAndSynced();
    adminCreatesFields();
    await enableWriteback(deps(), { teamId: T1, userId: OWNER });
    fake.refuseUpdate.set(acc(33), {
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Accounts in review cannot be edited',
    });
    const r = await runWriteback(deps(), { teamId: T1 });
    expect(r).toMatchObject({ status: 'partial', written: N - 1, refused: 1 });
    if (r.status !== 'partial') throw new Error('expected partial');
    expect(r.problems).toEqual([
      {
        id: acc(33),
        name: 'Account 33',
        problem: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: Accounts in review cannot be edited',
      },
    ]);
    expect((await getCrmConnection(t.db, T1))?.lastWriteback).toMatchObject({ status: 'partial', refused: 1 });
    expect(field(33, 'ICP_Tier__c')).toBeUndefined();
    // Next run: only the refused account is tried again.
    fake.refuseUpdate.clear();
    const before = updates().length;
    const again = await runWriteback(deps(), { teamId: T1 });
    expect(again).toMatchObject({ status: 'ok', written: 1, unchanged: N - 1, refused: 0 });
    expect(sentIds(before)).toEqual([acc(33)]);
    expect(field(33, 'ICP_Tier__c')).toBe('Tier 1');
  });

  it('a whole call refused for want of access is said in words, and the next run writes everything', async () => {
    await connectedAndSynced();
    adminCreatesFields();
    await enableWriteback(deps(), { teamId: T1, userId: OWNER });
    fake.fail('/composite/sobjects', 403, 1, 'INSUFFICIENT_ACCESS');
    const synced = await syncCrm(deps(), { teamId: T1 });
    expect(synced.writeback).toEqual({
      status: 'failed',
      problem:
        'Salesforce refused to update Accounts (INSUFFICIENT_ACCESS): the connected user needs Edit on Account and on ' +
        'ICP_Fit_Score__c, ICP_Tier__c, ICP_Version__c and ICP_Explanation__c (a permission set assigned to that user); ' +
        'the write-back tries again next sync.',
    });
    expect((await getCrmConnection(t.db, T1))?.lastWriteback).toMatchObject({ status: 'failed' });
    expect(await runWriteback(deps(), { teamId: T1 })).toMatchObject({ status: 'ok', written: N, refused: 0 });
  });

  it('renews an expired session as the sync does, and fails in words when the fields went away', async () => {
    await connectedAndSynced();
    adminCreatesFields();
    await enableWriteback(deps(), { teamId: T1, userId: OWNER });
    fake.expireSessions();
    const r = await runWriteback(deps(), { teamId: T1 });
    expect(r).toMatchObject({ status: 'ok', written: N });
    expect(fake.requests('/services/oauth2/token').length).toBeGreaterThanOrEqual(2);
    // An admin deleted a field: the run after the sync fails in words, and the sync itself does not.
    fake.fields.Account = fake.fields.Account.filter((f) => f.name !== 'ICP_Version__c');
    const synced = await syncCrm(deps(), { teamId: T1 });
    expect(synced.status).toBe('ok');
    expect(synced.writeback).toMatchObject({ status: 'failed' });
    expect((synced.writeback as { problem: string }).problem).toContain(
      'Salesforce Accounts do not have the field ICP Coach writes yet: ask an admin with “Customize Application” to create ICP_Version__c (Text, length 20)',
    );
  });
});
