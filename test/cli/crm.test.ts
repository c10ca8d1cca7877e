import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/icp.ts';
import { FAKE_OAUTH_APP, type FakeHubSpot, startFakeHubSpot } from '../fakes/hubspot.ts';
import { type FakeSalesforce, startFakeSalesforce } from '../fakes/salesforce.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const TOKEN = 'pat-eu1-aaaabbbb-cccc-dddd-eeee-ffff00001111';

describe(`icp connect / sync / disconnect (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeHubSpot;
  let env: NodeJS.ProcessEnv;
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, env, { out: (s) => out.push(s), err: (s) => err.push(s) }, t);
    return { code, out: out.join('\n'), err: err.join('\n') };
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
    fake.tokens.set(TOKEN, ['crm.objects.companies.read', 'crm.objects.deals.read']);
    fake.properties.companies = [{ name: 'name', label: 'Name', type: 'string', hubspotDefined: true }];
    fake.upsert('companies', '1', { name: 'Initech' }, new Date('2024-01-01T00:00:00Z'));
    env = { CRM_ENCRYPTION_KEY: randomBytes(32).toString('base64'), HUBSPOT_API_URL: fake.url };
  });
  afterEach(async () => {
    await fake.close();
  });

  it('connects, syncs and disconnects, never printing the token', async () => {
    const connected = await run('connect', 'hubspot', '--token', TOKEN);
    expect(connected).toMatchObject({ code: 0 });
    expect(connected.out).toContain('name → name');
    expect(connected.out).toContain('icp crm mapping --confirm');
    // The first sync waits for an owner's confirmation, and says what to run.
    const waiting = await run('sync');
    expect(waiting.code).toBe(2);
    expect(waiting.err).toContain('icp crm mapping --confirm');
    const confirmed = await run('crm', 'mapping', '--confirm', '--user', 'U0OWNER01');
    expect(confirmed).toMatchObject({ code: 0 });
    expect(confirmed.out).toContain('Confirmed by U0OWNER01');
    const synced = await run('sync');
    expect(synced).toMatchObject({ code: 0 });
    expect(synced.out).toContain('Full sync: 1 companies, 0 deals written');
    expect((await run('sync', '--json')).out).toContain('"mode": "incremental"');
    expect((await run('disconnect')).out).toContain('Disconnected');
    for (const r of [connected, synced]) expect(`${r.out}${r.err}`).not.toContain(TOKEN);
  });

  it('shows the proposal, changes a property, a stage and the churn signal, then confirms', async () => {
    fake.properties.companies.push(
      { name: 'churned_on', label: 'Churned on', type: 'date', hubspotDefined: false },
      { name: 'city', label: 'City', type: 'string', hubspotDefined: true },
    );
    await run('connect', 'hubspot', '--token', TOKEN);
    const shown = await run('crm', 'mapping');
    expect(shown.out).toContain('Proposed mapping, not confirmed yet');
    expect(shown.out).toContain('Sales Pipeline:');
    expect(shown.out).toContain('closedwon (Closed Won) → won');
    expect(shown.out).toContain('contractsent (Contract Sent) → open');
    expect(shown.out).toContain('Churn: the company date property churned_on');
    const edited = await run(
      'crm',
      'mapping',
      '--set',
      'city=attribute',
      '--stage',
      'contractsent=won',
      '--churn',
      'none',
    );
    expect(edited).toMatchObject({ code: 0 });
    expect(edited.out).toContain('city → attribute city');
    expect(edited.out).toContain('contractsent (Contract Sent) → won');
    expect(edited.out).toContain('Churn: none');
    expect((await run('crm', 'mapping', '--set', 'city=banana')).err).toContain('is not a company field');
    expect((await run('crm', 'mapping', '--stage', 'nowhere=won')).err).toContain('No deal stage');
    const json = JSON.parse((await run('crm', 'mapping', '--confirm', '--json')).out) as { status: string };
    expect(json.status).toBe('confirmed');
  });

  it('refuses to connect without CRM_ENCRYPTION_KEY and says how to make one', async () => {
    env = { HUBSPOT_API_URL: fake.url };
    const r = await run('connect', 'hubspot', '--token', TOKEN);
    expect(r.code).toBe(2);
    expect(r.err).toContain('openssl rand -base64 32');
  });

  it('asks for a token, and refuses a CRM it does not know', async () => {
    expect((await run('connect', 'hubspot')).err).toContain('--token');
    expect((await run('connect', 'pipedrive', '--token', 'x')).err).toContain('HubSpot or Salesforce');
    expect((await run('connect', 'salesforce', '--token', 'x')).err).toContain('not with a token');
  });

  it('prints the OAuth authorize URL when HubSpot OAuth is configured and no token is given', async () => {
    env = {
      ...env,
      HUBSPOT_CLIENT_ID: FAKE_OAUTH_APP.clientId,
      HUBSPOT_CLIENT_SECRET: FAKE_OAUTH_APP.clientSecret,
      HUBSPOT_REDIRECT_URI: FAKE_OAUTH_APP.redirectUri,
    };
    const r = await run('connect', 'hubspot');
    expect(r.code).toBe(0);
    const url = new URL(/https:\/\/app\.hubspot\.com\/oauth\/authorize\S+/.exec(r.out)![0]);
    expect(url.searchParams.get('client_id')).toBe(FAKE_OAUTH_APP.clientId);
    expect(url.searchParams.get('state')).toMatch(/^s1\./);
    expect(r.out).toContain('within 10 minutes');
    expect(r.out).not.toContain(FAKE_OAUTH_APP.clientSecret);
    // A token given still connects with the token.
    expect((await run('connect', 'hubspot', '--token', TOKEN)).code).toBe(0);
  });

  it('writeback: off until enabled, names the scopes it lacks, then creates the properties', async () => {
    await run('connect', 'hubspot', '--token', TOKEN);
    const off = await run('writeback', 'run');
    expect(off.code).toBe(2);
    expect(off.err).toContain('Write-back is off: an owner turns it on with `icp writeback enable`');
    const refused = await run('writeback', 'enable');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('needs the scopes crm.schemas.companies.write and crm.objects.companies.write');
    fake.tokens.set(TOKEN, [
      'crm.objects.companies.read',
      'crm.objects.deals.read',
      'crm.schemas.companies.write',
      'crm.objects.companies.write',
    ]);
    const on = await run('writeback', 'enable');
    expect(on).toMatchObject({ code: 0 });
    expect(on.out).toContain('Created on HubSpot companies (group “ICP Coach”): icp_fit_score, icp_tier');
    expect((await run('writeback', 'run')).out).toContain('no ICP is applied yet, so nothing was written');
    expect((await run('writeback', 'disable')).out).toContain('Write-back is off');
  });

  it('says a private-app token stays valid in HubSpot after disconnect', async () => {
    await run('connect', 'hubspot', '--token', TOKEN);
    const r = await run('disconnect');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('stays valid in HubSpot until you rotate or delete the app there');
  });
});

describe('icp connect hubspot --token - (a separate process)', () => {
  it('reads the token from standard input, so it never sits in the arguments', { timeout: 60_000 }, async () => {
    const fake = await startFakeHubSpot();
    fake.tokens.set(TOKEN, ['crm.objects.companies.read', 'crm.objects.deals.read']);
    const dir = mkdtempSync(join(tmpdir(), 'icp-crm-'));
    try {
      // Asynchronously: the fake HubSpot answers from this process.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/icp.ts', 'connect', 'hubspot', '--token', '-'],
        {
          env: {
            PATH: process.env.PATH,
            DATA_DIR: dir,
            CRM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
            HUBSPOT_API_URL: fake.url,
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
      });
      child.stdin.end(`${TOKEN}\n`);
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      const r = { status, stdout, stderr };
      expect(r.stderr).not.toContain(TOKEN);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Connected HubSpot');
      expect(fake.requests('access-token-info').map((q) => q.body)).toEqual([{ tokenKey: TOKEN }]);
    } finally {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(`icp connect salesforce (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeSalesforce;
  let env: NodeJS.ProcessEnv;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, env, { out: (s) => out.push(s), err: (s) => err.push(s) }, t);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
    fake = await startFakeSalesforce({ jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    fake.users.set('ops@acme.example', { userId: '0055g00000ABCDEAAA', cannotRead: new Set() });
    fake.fields.Account = [{ name: 'Name', type: 'string' }];
    fake.fields.Opportunity = ['Name', 'AccountId', 'StageName', 'IsWon', 'IsClosed', 'CloseDate'].map((name) => ({
      name,
      type: 'string',
    }));
    fake.upsert('Account', '001000000000001AAA', { Name: 'Initech' }, new Date('2024-01-01T00:00:00Z'));
    env = {
      CRM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SALESFORCE_LOGIN_URL: fake.url,
      SALESFORCE_CLIENT_ID: fake.app.clientId,
      SALESFORCE_CLIENT_SECRET: fake.app.clientSecret,
      SALESFORCE_REDIRECT_URI: fake.app.redirectUri,
      // A PEM in one environment line, its newlines written as \n.
      SALESFORCE_JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, '\\n'),
    };
  });
  afterEach(async () => {
    await fake.close();
  });

  it('prints the URL that allows access, then takes the address Salesforce redirected to', async () => {
    const first = await run('connect', 'salesforce');
    expect(first.code).toBe(0);
    expect(first.out).toContain(`${fake.url}/services/oauth2/authorize?`);
    expect(first.out).toContain('--code -');
    const redirect = `${fake.app.redirectUri}?code=${encodeURIComponent(fake.issueCode('ops@acme.example'))}`;
    const connected = await run('connect', 'salesforce', '--code', redirect);
    expect(connected).toMatchObject({ code: 0 });
    expect(connected.out).toContain('OAuth with a refresh token');
    expect(connected.out).toContain('Name → name');
    expect((await run('crm', 'mapping', '--confirm')).code).toBe(0);
    expect((await run('sync')).out).toContain('Full sync: 1 companies, 0 deals written');
    expect((await run('disconnect')).out).toContain('the token is revoked at the CRM');
    expect(fake.revoked.size).toBeGreaterThan(0);
  });

  it('connects with JWT bearer for a username, and asks for the username', async () => {
    const r = await run('connect', 'salesforce', '--jwt', '--username', 'ops@acme.example');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('JWT bearer');
    expect((await run('connect', 'salesforce', '--jwt')).err).toContain('--username');
  });

  it('names the settings the web-server flow still needs', async () => {
    env = { CRM_ENCRYPTION_KEY: env.CRM_ENCRYPTION_KEY, SALESFORCE_LOGIN_URL: fake.url };
    const r = await run('connect', 'salesforce');
    expect(r.err).toContain('set SALESFORCE_CLIENT_ID (the consumer key), SALESFORCE_CLIENT_SECRET');
  });
});
