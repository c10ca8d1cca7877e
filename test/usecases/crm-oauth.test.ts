import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { crmConnections } from '../../db/schema.ts';
import { loadConfig } from '../../src/config.ts';
import { openCredentials } from '../../src/crm/credentials.ts';
import { hubspotApi } from '../../src/crm/hubspot.ts';
import { STATE_TTL_MS, signState } from '../../src/crm/oauth-state.ts';
import { parseEncryptionKey } from '../../src/crm/secrets.ts';
import { createLogger } from '../../src/logger.ts';
import { hubspotSession } from '../../src/usecases/crm-credentials.ts';
import { confirmMapping } from '../../src/usecases/crm-mapping.ts';
import { authorizeUrl, completeOAuth, disconnectCrm } from '../../src/usecases/crm-oauth.ts';
import { connectHubSpot, syncCrm } from '../../src/usecases/crm-sync.ts';
import { FAKE_OAUTH_APP, type FakeHubSpot, startFakeHubSpot } from '../fakes/hubspot.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T1 = 'T0OAUTH01';
const U1 = 'U0OWNER01';
const SCOPES = ['oauth', 'crm.objects.companies.read', 'crm.objects.deals.read'];
const keyText = randomBytes(32).toString('base64');
const key = parseEncryptionKey(keyText)!;

describe(`HubSpot OAuth (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeHubSpot;
  const quiet = createLogger({ level: 'error', write: () => {} });
  const env = (extra: Record<string, string> = {}) => ({
    CRM_ENCRYPTION_KEY: keyText,
    HUBSPOT_API_URL: fake.url,
    HUBSPOT_API_RETRIES: '0',
    HUBSPOT_MAX_REQUESTS_PER_SECOND: '0',
    HUBSPOT_CLIENT_ID: FAKE_OAUTH_APP.clientId,
    HUBSPOT_CLIENT_SECRET: FAKE_OAUTH_APP.clientSecret,
    HUBSPOT_REDIRECT_URI: FAKE_OAUTH_APP.redirectUri,
    ...extra,
  });
  const deps = (extra: Record<string, string> = {}) => ({ db: t.db, logger: quiet, config: loadConfig(env(extra)) });
  const stateOf = (url: string) => new URL(url).searchParams.get('state')!;
  /** Asks for the authorize URL, lets the fake "user" allow it, and comes back to the callback. */
  const connectByOAuth = async (scopes = SCOPES) => {
    const url = authorizeUrl(deps(), 'hubspot', T1, U1);
    return completeOAuth(deps(), { state: stateOf(url), code: fake.issueCode(scopes) });
  };
  const stored = async () => {
    const conn = await getCrmConnection(t.db, T1);
    return conn ? openCredentials(key, T1, conn.tokenEncrypted) : null;
  };

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
    fake = await startFakeHubSpot();
    fake.properties.companies = [{ name: 'name', label: 'Name', type: 'string', hubspotDefined: true }];
    fake.properties.deals = [{ name: 'dealname', label: 'Deal', type: 'string', hubspotDefined: true }];
    for (let i = 1; i <= 150; i++) fake.upsert('companies', String(i), { name: `Co ${i}` }, new Date('2024-01-01'));
  });
  afterEach(async () => {
    await fake.close();
  });

  it('builds HubSpot’s authorize URL with the app, the scopes, the optional write-back scopes and a signed state', () => {
    const url = new URL(authorizeUrl(deps(), 'hubspot', T1, U1));
    expect(url.origin + url.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe(FAKE_OAUTH_APP.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(FAKE_OAUTH_APP.redirectUri);
    expect(url.searchParams.get('scope')).toBe(SCOPES.join(' '));
    expect(url.searchParams.get('optional_scope')).toBe('crm.schemas.companies.write crm.objects.companies.write');
    expect(url.searchParams.get('state')).toMatch(/^s1\.[\w-]+\.[\w-]+$/);
  });

  it('refuses the authorize URL when OAuth is not configured, or without CRM_ENCRYPTION_KEY', () => {
    const noOAuth = { config: loadConfig({ CRM_ENCRYPTION_KEY: keyText }) };
    expect(() => authorizeUrl(noOAuth, 'hubspot', T1, U1)).toThrow(/HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET/);
    const noKey = { config: loadConfig({ ...env(), CRM_ENCRYPTION_KEY: '' }) };
    expect(() => authorizeUrl(noKey, 'hubspot', T1, U1)).toThrow(/CRM_ENCRYPTION_KEY.*openssl rand/);
    expect(() => authorizeUrl(deps(), 'pipedrive', T1, U1)).toThrow(/not a CRM this bot connects/);
  });

  it('refuses a missing, malformed, forged, tampered or expired state, and calls HubSpot for none of them', async () => {
    const good = stateOf(authorizeUrl(deps(), 'hubspot', T1, U1));
    const [v, payload, mac] = good.split('.');
    const otherTeam = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), t: 'T0ATTACKER' }),
    ).toString('base64url');
    const cases: [string | undefined, RegExp][] = [
      [undefined, /not a CRM connection request/],
      ['hello', /not a CRM connection request/],
      [signState(randomBytes(32), { provider: 'hubspot', teamId: T1, userId: U1 }), /not signed by this bot/],
      [`${v}.${otherTeam}.${mac}`, /not signed by this bot/],
      [signState(key, { provider: 'hubspot', teamId: T1, userId: U1 }, Date.now() - STATE_TTL_MS - 1), /10 minutes/],
    ];
    for (const [state, sentence] of cases) {
      const a = await completeOAuth(deps(), { state, code: fake.issueCode(SCOPES) });
      expect(a).toMatchObject({ status: 400, ok: false });
      expect(a.sentence).toMatch(sentence);
    }
    expect(fake.requests()).toHaveLength(0);
    expect(await getCrmConnection(t.db, T1)).toBeNull();
  });

  it('exchanges the code and stores the connection with its tokens sealed; the code works once', async () => {
    const url = authorizeUrl(deps(), 'hubspot', T1, U1);
    const code = fake.issueCode(SCOPES);
    const a = await completeOAuth(deps(), { state: stateOf(url), code });
    expect(a).toMatchObject({ status: 200, ok: true, title: 'Connected to HubSpot' });
    expect(a.sentence).toContain('Connected to HubSpot (portal 9876543), you can close this tab.');
    // Nothing syncs before an owner confirms the mapping: the page says so, not "the first sync runs".
    expect(a.sentence).toContain('Nothing syncs until an owner confirms the field mapping');
    const grant = fake.requests('/oauth/v1/token')[0]!;
    expect(grant.body).toMatchObject({
      grant_type: 'authorization_code',
      code,
      redirect_uri: FAKE_OAUTH_APP.redirectUri,
    });
    const creds = await stored();
    expect(creds).toMatchObject({ kind: 'oauth', refreshToken: expect.stringMatching(/^na1-/) });
    if (creds?.kind !== 'oauth') throw new Error('not oauth');
    expect(Date.parse(creds.expiresAt!)).toBeGreaterThan(Date.now() + 1700_000);
    const [row] = await t.db.select().from(crmConnections).where(eq(crmConnections.teamId, T1));
    expect(row).toMatchObject({ provider: 'hubspot', createdBy: U1, scopes: SCOPES });
    expect(JSON.stringify(row)).not.toContain(creds.accessToken);
    expect(JSON.stringify(row)).not.toContain(creds.refreshToken!);
    // The same code again (a reload of the callback page): HubSpot refuses it, the connection stays.
    const again = await completeOAuth(deps(), { state: stateOf(url), code });
    expect(again).toMatchObject({ status: 400, ok: false });
    expect(again.sentence).toMatch(/already used, or it expired/);
    expect((await stored())?.kind === 'oauth' && (await stored())).toMatchObject({ refreshToken: creds.refreshToken });
  });

  it('names a scope the user did not grant, and stores nothing', async () => {
    const a = await connectByOAuth(['oauth', 'crm.objects.companies.read']);
    expect(a.ok).toBe(false);
    expect(a.sentence).toMatch(/lacks the scope crm\.objects\.deals\.read: add it to HUBSPOT_OAUTH_SCOPES/);
    expect(await getCrmConnection(t.db, T1)).toBeNull();
  });

  it('says so when the user refused in HubSpot, or HubSpot sent no code', async () => {
    const state = stateOf(authorizeUrl(deps(), 'hubspot', T1, U1));
    expect((await completeOAuth(deps(), { state, error: 'access_denied' })).sentence).toMatch(
      /HubSpot did not grant access \(access_denied\)/,
    );
    expect((await completeOAuth(deps(), { state })).sentence).toMatch(/no authorization code/);
    expect(await getCrmConnection(t.db, T1)).toBeNull();
  });

  it('refreshes a token about to expire before the sync’s first request, and stores the new one', async () => {
    // HubSpot grants 4-minute tokens here: within the 5-minute margin, so the sync must refresh first.
    fake.accessTokenTtl.seconds = 240;
    await connectByOAuth();
    await confirmMapping(deps(), { teamId: T1, userId: U1 });
    const before = (await stored()) as { accessToken: string; refreshToken: string; expiresAt: string };
    fake.accessTokenTtl.seconds = 1800;
    const from = fake.requests().length;
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r).toMatchObject({ status: 'ok', counts: { companies: 150 } });
    const sent = fake.requests().slice(from);
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/oauth/v1/token' });
    expect(sent[0]?.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: before.refreshToken });
    expect(sent.filter((q) => q.path === '/oauth/v1/token')).toHaveLength(1);
    const after = (await stored()) as { accessToken: string; refreshToken: string; expiresAt: string };
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toBe(before.refreshToken);
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.parse(before.expiresAt) + 1500_000);
    const crmCalls = sent.filter((q) => q.path.startsWith('/crm/'));
    expect(crmCalls.length).toBeGreaterThan(2);
    expect(crmCalls.every((q) => q.token === after.accessToken && q.status === 200)).toBe(true);
    // The cursors and mapping survived the credentials update.
    expect((await getCrmConnection(t.db, T1))?.lastSyncStatus).toBe('ok');
  });

  it('refreshes between pages when the token comes within the margin mid-sync', async () => {
    await connectByOAuth();
    const creds = (await stored()) as { accessToken: string; expiresAt: string };
    const conn = (await getCrmConnection(t.db, T1))!;
    let clock = Date.now();
    const d = deps();
    const api = hubspotSession(d, {
      teamId: T1,
      conn,
      now: () => clock,
      factory: (token) => hubspotApi({ token, basePath: fake.url, retries: 0, perSecond: 0 }),
    });
    const first = await api.listPage('companies', ['name']);
    expect(fake.requests('/oauth/v1/token')).toHaveLength(1); // the code grant only
    clock = Date.parse(creds.expiresAt) - 60_000;
    await api.listPage('companies', ['name'], first.after);
    const grants = fake.requests('/oauth/v1/token');
    expect(grants).toHaveLength(2);
    expect(grants[1]?.body).toMatchObject({ grant_type: 'refresh_token' });
    const pages = fake.requests('/crm/v3/objects/companies');
    expect(pages[0]?.token).toBe(creds.accessToken);
    expect(pages[1]?.token).toBe(((await stored()) as { accessToken: string }).accessToken);
    expect(pages[1]?.token).not.toBe(creds.accessToken);
  });

  it('an access token HubSpot refuses before its expiry is renewed once, and the sync completes', async () => {
    await connectByOAuth();
    await confirmMapping(deps(), { teamId: T1, userId: U1 });
    const before = (await stored()) as { accessToken: string };
    fake.expire(before.accessToken);
    const from = fake.requests().length;
    const r = await syncCrm(deps(), { teamId: T1 });
    expect(r).toMatchObject({ status: 'ok', counts: { companies: 150 } });
    const sent = fake.requests().slice(from);
    expect(sent[0]).toMatchObject({ path: '/crm/v3/objects/companies', status: 401, token: before.accessToken });
    expect(sent.filter((q) => q.path === '/oauth/v1/token')).toHaveLength(1);
    const after = (await stored()) as { accessToken: string };
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(sent.filter((q) => q.status === 401)).toHaveLength(1);
  });

  it('a private-app token HubSpot refuses is not retried: the sync fails with the sentence', async () => {
    fake.tokens.set('pat-na1-99998888-3333-4444-5555-666677778888', SCOPES);
    await connectHubSpot(deps(), { teamId: T1, userId: U1, token: 'pat-na1-99998888-3333-4444-5555-666677778888' });
    await confirmMapping(deps(), { teamId: T1, userId: U1 });
    fake.expire('pat-na1-99998888-3333-4444-5555-666677778888');
    await expect(syncCrm(deps(), { teamId: T1 })).rejects.toThrow(/HubSpot refused the token/);
    expect(fake.requests('/oauth/v1/token')).toHaveLength(0);
  });

  it('a refresh HubSpot refuses fails the sync with a sentence to connect again', async () => {
    fake.accessTokenTtl.seconds = 60;
    await connectByOAuth();
    await confirmMapping(deps(), { teamId: T1, userId: U1 });
    for (const r of fake.refreshTokens.values()) r.deleted = true;
    await expect(syncCrm(deps(), { teamId: T1 })).rejects.toThrow(/HubSpot refused to renew .* connect HubSpot again/);
    expect((await getCrmConnection(t.db, T1))?.lastSyncStatus).toBe('failed');
  });

  it('revokes the refresh token at HubSpot on disconnect', async () => {
    await connectByOAuth();
    const creds = (await stored()) as { refreshToken: string };
    const r = await disconnectCrm(deps(), T1);
    expect(r).toEqual({ removed: true, provider: 'hubspot', revoke: 'revoked' });
    expect(fake.refreshTokens.get(creds.refreshToken)?.deleted).toBe(true);
    const del = fake.requests('/oauth/v1/refresh-tokens/');
    expect(del).toHaveLength(1);
    expect(del[0]).toMatchObject({ method: 'DELETE', status: 204 });
    expect(await getCrmConnection(t.db, T1)).toBeNull();
    expect(await disconnectCrm(deps(), T1)).toEqual({ removed: false, provider: null, revoke: 'none' });
  });

  it('a private-app token cannot be revoked: disconnect says so and calls nothing', async () => {
    fake.tokens.set('pat-na1-11112222-3333-4444-5555-666677778888', SCOPES);
    await connectHubSpot(deps(), { teamId: T1, userId: U1, token: 'pat-na1-11112222-3333-4444-5555-666677778888' });
    const from = fake.requests().length;
    expect(await disconnectCrm(deps(), T1)).toMatchObject({ removed: true, revoke: 'not-revocable' });
    expect(fake.requests().slice(from)).toHaveLength(0);
  });

  it('a revoke HubSpot does not confirm still deletes the connection and says what to do by hand', async () => {
    await connectByOAuth();
    fake.fail('/oauth/v1/refresh-tokens/', { status: 502 }, 10);
    const r = await disconnectCrm(deps(), T1);
    expect(r).toMatchObject({ removed: true, revoke: 'failed' });
    expect(r.problem).toMatch(/deleted here, but HubSpot did not confirm revoking .*Connected Apps/);
    expect(await getCrmConnection(t.db, T1)).toBeNull();
  });
});
