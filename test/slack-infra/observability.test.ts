import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, redact } from '../../src/logger.ts';
import { createSlackApp } from '../../src/slack/create-app.ts';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID } from '../helpers/fake-slack.ts';
import { type HttpSuite, startHttpSuite } from '../helpers/http-suite.ts';

describe('logging', () => {
  it('removes secrets from the lines web-api writes at debug (OAuth bodies) and from structured data', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    logger.debug(
      'http request body: {"client_id":"123.456","client_secret":"3f2a9c0d1e","code":"c0de","redirect_uri":"x"}',
    );
    logger.info('installed', { bot: { token: 'xoxb-99-secret' }, signingSecret: 'sss-signing' });
    logger.error('start-up failed', 'postgres://icp:hunter2@db:5432/icp', new Error(`bad token ${TEST_BOT_TOKEN}`));
    const all = lines.join('\n');
    for (const secret of ['3f2a9c0d1e', 'xoxb-99-secret', 'sss-signing', 'hunter2', TEST_BOT_TOKEN]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain('client_id');
    expect(redact('{\\"client_secret\\":\\"abc\\"}')).not.toContain('abc');
  });

  it('removes Salesforce tokens: an access token anywhere, a refresh token or JWT assertion by name', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    const session = '00D5g000000FAKEEAA!AQ4AQGm9sB1C3kEXAMPLEsessionTOKENvalue';
    logger.error('Salesforce said', new Error(`Bearer ${session} refused`));
    logger.debug('token body: grant_type=refresh_token&refresh_token=5Aep861RefreshSecret&client_id=x');
    logger.info('refreshed', { refreshToken: '5Aep861Other', assertion: 'eyJhbGciOiJSUzI1NiJ9.e30.sig' });
    const all = lines.join('\n');
    for (const secret of ['EXAMPLEsessionTOKEN', '5Aep861RefreshSecret', '5Aep861Other', 'eyJhbGciOiJSUzI1NiJ9']) {
      expect(all).not.toContain(secret);
    }
  });

  it('writes JSON lines with level names in production', () => {
    const lines: string[] = [];
    createLogger({ json: true, write: (l) => lines.push(l) }).warn('careful', { teamId: 'T1' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', msg: 'careful', teamId: 'T1' });
  });

  it('passes LOG_LEVEL to Bolt, so debug stays debug (Bolt resets a custom logger to INFO otherwise)', async () => {
    for (const level of ['debug', 'warn'] as const) {
      const logger = createLogger({ level, write: () => undefined });
      const config = loadConfig({
        SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
        SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        PORT: '0',
        LOG_LEVEL: level,
      });
      await createSlackApp(buildDeps(config, { db: {} } as never, logger), {
        botIdentity: { botId: FAKE_BOT_ID, botUserId: FAKE_BOT_USER_ID },
      });
      expect(logger.getLevel()).toBe(level);
    }
  });
});

describe('/metrics', () => {
  let suite: HttpSuite | undefined;

  beforeAll(async () => {
    suite = await startHttpSuite();
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('counts requests by surface and outcome and times the answers, in Prometheus format, beside /healthz', async () => {
    const before = await (await fetch(`${suite!.app.url}/metrics`)).text();
    const count = (text: string) =>
      Number(/icp_requests_total\{surface="command",outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
    await suite!.app.command('help');
    const res = await fetch(`${suite!.app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(count(text)).toBe(count(before) + 1);
    expect(text).toMatch(/icp_answer_seconds_bucket\{le="3",surface="command"\} \d+/);
    expect(text).toContain('# TYPE icp_reminders_total counter');
    expect(text).toContain('# TYPE icp_import_rows_total counter');
    expect((await fetch(`${suite!.app.url}/healthz`)).status).toBe(200);
  });
});
