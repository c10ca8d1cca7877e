/**
 * The CRM OAuth callback on the app's own HTTP server (beside /healthz), with the real SDK against the
 * fake HubSpot: a good round trip, refusals as escaped HTML, and the token revoked on uninstall.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { openCredentials } from '../../src/crm/credentials.ts';
import { parseEncryptionKey } from '../../src/crm/secrets.ts';
import { authorizeUrl } from '../../src/usecases/crm-oauth.ts';
import { FAKE_OAUTH_APP, type FakeHubSpot, startFakeHubSpot } from '../fakes/hubspot.ts';
import { TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { usingRealPostgres } from '../helpers/db.ts';
import { type HttpSuite, startHttpSuite } from '../helpers/http-suite.ts';
import { eventEnvelope } from '../helpers/payloads.ts';
import { postToApp } from '../helpers/slack-sign.ts';

const T1 = 'T0OAUTHHTTP';
const SCOPES = ['oauth', 'crm.objects.companies.read', 'crm.objects.deals.read'];
const keyText = randomBytes(32).toString('base64');

describe(`GET /crm/oauth/callback (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let suite: HttpSuite;
  let fake: FakeHubSpot;
  const callback = (q: Record<string, string>) =>
    fetch(`${suite.app.url}/crm/oauth/callback?${new URLSearchParams(q)}`);
  const stateFor = (teamId = T1) =>
    new URL(authorizeUrl(suite.app.deps, 'hubspot', teamId, 'U0OWNER01')).searchParams.get('state')!;

  beforeAll(async () => {
    fake = await startFakeHubSpot();
    suite = await startHttpSuite({
      env: {
        CRM_ENCRYPTION_KEY: keyText,
        HUBSPOT_API_URL: fake.url,
        HUBSPOT_API_RETRIES: '0',
        HUBSPOT_MAX_REQUESTS_PER_SECOND: '0',
        HUBSPOT_CLIENT_ID: FAKE_OAUTH_APP.clientId,
        HUBSPOT_CLIENT_SECRET: FAKE_OAUTH_APP.clientSecret,
        HUBSPOT_REDIRECT_URI: FAKE_OAUTH_APP.redirectUri,
      },
    });
  });
  afterAll(async () => {
    await suite?.close();
    await fake?.close();
  });
  beforeEach(async () => {
    await suite.reset();
  });

  it('connects: the page says so, the tokens are stored sealed, and the page is not cached', async () => {
    const res = await callback({ state: stateFor(), code: fake.issueCode(SCOPES) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('<h1 class="ok">Connected to HubSpot</h1>');
    expect(html).toContain('you can close this tab');
    const conn = await getCrmConnection(suite.db.db, T1);
    const creds = openCredentials(parseEncryptionKey(keyText)!, T1, conn!.tokenEncrypted);
    expect(creds.kind).toBe('oauth');
  });

  it('refuses a forged state with a sentence, and escapes what HubSpot (or anyone) put in the URL', async () => {
    const forged = await callback({ state: 's1.e30.AAAA', code: 'x' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('not signed by this bot, so nothing was connected');
    const denied = await callback({ state: stateFor(), error: '<script>alert("x")</script>' });
    expect(denied.status).toBe(400);
    const html = await denied.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(await getCrmConnection(suite.db.db, T1)).toBeNull();
  });

  it('revokes the workspace’s HubSpot refresh token when the app is uninstalled', async () => {
    expect((await callback({ state: stateFor(), code: fake.issueCode(SCOPES) })).status).toBe(200);
    const refresh = [...fake.refreshTokens.keys()].at(-1);
    expect(refresh).toBeDefined();
    const body = JSON.stringify(eventEnvelope({ type: 'app_uninstalled' }, { team_id: T1, event_id: 'EvOAuth1' }));
    expect((await postToApp(suite.app.url, '/slack/events', body, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
    await expect.poll(() => fake.refreshTokens.get(refresh!)?.deleted).toBe(true);
    expect(await getCrmConnection(suite.db.db, T1)).toBeNull();
  });
});
