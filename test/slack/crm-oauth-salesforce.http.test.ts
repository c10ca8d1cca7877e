/**
 * Salesforce's web-server flow through the bot's own callback (GET /crm/oauth/callback, the registry of
 * src/usecases/crm-oauth.ts), with the real jsforce against the fake Salesforce; uninstalling the Slack
 * app revokes the Salesforce refresh token.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { openCredentials } from '../../src/crm/credentials.ts';
import { parseEncryptionKey } from '../../src/crm/secrets.ts';
import { authorizeUrl } from '../../src/usecases/crm-oauth.ts';
import { type FakeSalesforce, startFakeSalesforce } from '../fakes/salesforce.ts';
import { TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { usingRealPostgres } from '../helpers/db.ts';
import { type HttpSuite, startHttpSuite } from '../helpers/http-suite.ts';
import { eventEnvelope } from '../helpers/payloads.ts';
import { postToApp } from '../helpers/slack-sign.ts';

const T1 = 'T0SFHTTP01';
const USER = 'ops@acme.example';
const keyText = randomBytes(32).toString('base64');

describe(`GET /crm/oauth/callback for Salesforce (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let suite: HttpSuite;
  let fake: FakeSalesforce;
  const callback = (q: Record<string, string>) =>
    fetch(`${suite.app.url}/crm/oauth/callback?${new URLSearchParams(q)}`);

  beforeAll(async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fake = await startFakeSalesforce({ jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    fake.users.set(USER, { userId: '0055g00000ABCDEAAA', cannotRead: new Set() });
    fake.fields.Account = [{ name: 'Name', type: 'string' }];
    fake.fields.Opportunity = ['Name', 'AccountId', 'StageName', 'IsWon', 'IsClosed', 'CloseDate'].map((name) => ({
      name,
      type: 'string',
    }));
    suite = await startHttpSuite({
      env: {
        CRM_ENCRYPTION_KEY: keyText,
        SALESFORCE_LOGIN_URL: fake.url,
        SALESFORCE_CLIENT_ID: fake.app.clientId,
        SALESFORCE_CLIENT_SECRET: fake.app.clientSecret,
        SALESFORCE_REDIRECT_URI: fake.app.redirectUri,
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

  it('connects from the signed state and the code, then revokes the refresh token on uninstall', async () => {
    const url = new URL(authorizeUrl(suite.app.deps, 'salesforce', T1, 'U0OWNER01'));
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/services/oauth2/authorize`);
    const res = await callback({ state: url.searchParams.get('state')!, code: fake.issueCode(USER) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Connected to Salesforce');
    const conn = await getCrmConnection(suite.db.db, T1);
    expect(conn).toMatchObject({ provider: 'salesforce', createdBy: 'U0OWNER01' });
    const creds = openCredentials(parseEncryptionKey(keyText)!, T1, conn!.tokenEncrypted);
    const refresh = creds.kind === 'oauth' ? creds.refreshToken : null;
    expect(refresh).toMatch(/^5Aep861/);

    const body = JSON.stringify(eventEnvelope({ type: 'app_uninstalled' }, { team_id: T1, event_id: 'EvSfOAuth1' }));
    expect((await postToApp(suite.app.url, '/slack/events', body, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
    await expect.poll(() => fake.revoked.has(refresh!)).toBe(true);
    expect(await getCrmConnection(suite.db.db, T1)).toBeNull();
  });
});
