import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('starts the local console with the embedded database when nothing is set', () => {
    const c = loadConfig({}, '/srv/bot');
    expect(c.slack.mode).toBe('console');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe('/srv/bot/.data/pglite');
    expect(c.openai).toBeUndefined();
    expect(c.port).toBe(3000);
  });

  it('picks HTTP, Socket Mode or OAuth from the variables given', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).slack.mode).toBe('http');
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack.mode).toBe('socket');
    expect(
      loadConfig({
        SLACK_CLIENT_ID: 'id',
        SLACK_CLIENT_SECRET: 'cs',
        SLACK_STATE_SECRET: 'st',
        SLACK_SIGNING_SECRET: 's',
      }).slack.mode,
    ).toBe('oauth');
  });

  it('names a missing variable and what it is for', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      /SLACK_SIGNING_SECRET is required in HTTP mode \(signing secret from the Slack app’s Basic Information page\)/,
    );
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xapp-1' })).toThrow(/SLACK_BOT_TOKEN is required in Socket Mode/);
  });

  it('asks the command line for no secret that only receiving Slack requests needs', () => {
    const cli = { receivesSlackRequests: false };
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }, '/srv/bot', cli).slack).toMatchObject({
      mode: 'http',
      botToken: 'xoxb-1',
    });
    expect(loadConfig({ SLACK_CLIENT_ID: 'id', SLACK_CLIENT_SECRET: 'cs' }, '/srv/bot', cli).slack.mode).toBe('oauth');
    expect(() => loadConfig({ SLACK_CLIENT_ID: 'id' }, '/srv/bot', cli)).toThrow(/SLACK_CLIENT_SECRET is required/);
  });

  it('names a malformed variable in one readable line', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a whole number from 0 to 65535 \(HTTP port/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must start with postgres:\/\//);
    expect(() => loadConfig({ SLACK_SOCKET_MODE: 'maybe', SLACK_APP_TOKEN: 'x', SLACK_BOT_TOKEN: 'y' })).toThrow(
      /SLACK_SOCKET_MODE must be true or false/,
    );
  });

  it('turns AI on only with a key, with an OpenAI-compatible base URL', () => {
    const c = loadConfig({
      OPENAI_API_KEY: 'sk-1',
      OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1',
      OPENAI_MODEL: 'local',
    });
    expect(c.openai).toMatchObject({ apiKey: 'sk-1', baseUrl: 'http://127.0.0.1:1234/v1', model: 'local' });
  });

  it('reads HubSpot OAuth as all three settings or none, with the callback path and the scopes', () => {
    const app = {
      HUBSPOT_CLIENT_ID: 'cid',
      HUBSPOT_CLIENT_SECRET: 'cs',
      HUBSPOT_REDIRECT_URI: 'https://bot.example.com/crm/oauth/callback',
    };
    expect(loadConfig({}).crm.hubspotOAuth).toBeUndefined();
    expect(loadConfig(app).crm.hubspotOAuth).toEqual({
      clientId: 'cid',
      clientSecret: 'cs',
      redirectUri: 'https://bot.example.com/crm/oauth/callback',
      scopes: ['oauth', 'crm.objects.companies.read', 'crm.objects.deals.read'],
      optionalScopes: ['crm.schemas.companies.write', 'crm.objects.companies.write'],
    });
    expect(
      loadConfig({
        ...app,
        HUBSPOT_OAUTH_SCOPES: 'oauth crm.objects.companies.read',
        HUBSPOT_OAUTH_OPTIONAL_SCOPES: '',
      }).crm.hubspotOAuth,
    ).toMatchObject({ scopes: ['oauth', 'crm.objects.companies.read'], optionalScopes: [] });
    expect(() => loadConfig({ HUBSPOT_CLIENT_ID: 'cid' })).toThrow(
      /HUBSPOT_CLIENT_SECRET is required for HubSpot OAuth connections.*HUBSPOT_REDIRECT_URI is required/,
    );
    expect(() => loadConfig({ ...app, HUBSPOT_REDIRECT_URI: 'https://bot.example.com/oauth' })).toThrow(
      /HUBSPOT_REDIRECT_URI must be an http\(s\) URL whose path is \/crm\/oauth\/callback/,
    );
  });

  it('reads the Salesforce connected app, its JWT key from the variable or a file, and refuses a key that is not one', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(loadConfig({}).crm.salesforce).toEqual({
      loginUrl: 'https://login.salesforce.com',
      clientId: undefined,
      clientSecret: undefined,
      redirectUri: undefined,
      jwtPrivateKey: undefined,
      bulkThreshold: 50_000,
    });
    const dir = mkdtempSync(join(tmpdir(), 'icp-sf-'));
    try {
      writeFileSync(join(dir, 'server.key'), pem);
      const c = loadConfig(
        { SALESFORCE_LOGIN_URL: 'https://test.salesforce.com/', SALESFORCE_JWT_PRIVATE_KEY_FILE: 'server.key' },
        dir,
      );
      expect(c.crm.salesforce).toMatchObject({ loginUrl: 'https://test.salesforce.com', jwtPrivateKey: pem });
      expect(loadConfig({ SALESFORCE_JWT_PRIVATE_KEY: pem.replace(/\n/g, '\\n') }).crm.salesforce.jwtPrivateKey).toBe(
        pem,
      );
      expect(() => loadConfig({ SALESFORCE_JWT_PRIVATE_KEY_FILE: 'missing.key' }, dir)).toThrow(
        /SALESFORCE_JWT_PRIVATE_KEY_FILE cannot be read/,
      );
      expect(() => loadConfig({ SALESFORCE_JWT_PRIVATE_KEY: 'not a key' })).toThrow(
        /SALESFORCE_JWT_PRIVATE_KEY is not a PEM private key/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
