/**
 * The two Slack modes besides plain HTTP, end to end through the real composition:
 * - Socket Mode: the real app asks the fake Web API for a WebSocket URL (apps.connections.open), connects
 *   to a local WebSocket server playing Slack's side, and answers envelopes over it.
 * - OAuth distribution: a workspace installs through /slack/install and /slack/oauth_redirect (the code
 *   exchanged on the fake Web API), its installation lands in the database, and its requests then run
 *   with its own bot token; a workspace that never installed gets nothing.
 */

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { registerCommands } from '../../commands/index.ts';
import { insertAccounts } from '../../db/queries/accounts.ts';
import { checks, installations } from '../../db/schema.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createSlackApp, type SlackApp } from '../../src/slack/create-app.ts';
import { assertValidHome, assertValidMessage } from '../helpers/blockkit.ts';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';
import { mrkdwnTexts, NORTHWIND, waitForResponses } from '../helpers/http-suite.ts';
import { appHomeOpenedEnvelope, slashCommandFields } from '../helpers/payloads.ts';
import { postToApp, slashCommandBody } from '../helpers/slack-sign.ts';

type Json = Record<string, unknown>;
type Msg = { text: string; blocks: Json[]; response_type?: string };

const APP_TOKEN = 'xapp-1-A0FAKEAPP-0000-fake-app-token';

/** Slack's side of Socket Mode: greets each connection with `hello`, sends envelopes, collects acks. */
async function startSocketServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const acks = new Map<string, Json>();
  const waiting = new Map<string, (ack: Json) => void>();
  let socket: WebSocket | undefined;
  const connected = new Promise<void>((resolve) => {
    wss.on('connection', (ws) => {
      socket = ws;
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id: string; payload?: Json };
        acks.set(msg.envelope_id, msg.payload ?? {});
        waiting.get(msg.envelope_id)?.(msg.payload ?? {});
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake', approximate_connection_time: 3600 },
          connection_info: { app_id: 'A0FAKEAPP' },
        }),
      );
      resolve();
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link/?ticket=fake`,
    connected,
    /** Sends one envelope and resolves with the app's ack payload. */
    send(type: string, payload: Json, acceptsResponsePayload = true): Promise<Json> {
      const id = randomBytes(8).toString('hex');
      const acked = new Promise<Json>((resolve, reject) => {
        waiting.set(id, resolve);
        setTimeout(() => reject(new Error(`no ack for ${type} ${id}`)), 5_000).unref();
      });
      if (!socket) throw new Error('the app is not connected');
      socket.send(
        JSON.stringify({
          envelope_id: id,
          type,
          payload,
          accepts_response_payload: acceptsResponsePayload,
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
      return acked;
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

async function seed(db: TestDb, teamId: string) {
  await insertAccounts(db.db, teamId, [NORTHWIND]);
}

describe(`Socket Mode end to end (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDb;
  let fake: FakeSlack;
  let ws: Awaited<ReturnType<typeof startSocketServer>>;
  let slack: SlackApp;
  const logs: string[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    fake = await startFakeSlack();
    ws = await startSocketServer();
    fake.setHandler('apps.connections.open', () => ({ url: ws.url }));
    const config = loadConfig({ SLACK_BOT_TOKEN: TEST_BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.url });
    expect(config.slack.mode).toBe('socket');
    const logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
    const deps = buildDeps(config, db, logger);
    slack = await createSlackApp(deps, {
      botIdentity: { botId: FAKE_BOT_ID, botUserId: FAKE_BOT_USER_ID },
      clientOptions: { retryConfig: { retries: 0 } },
    });
    registerCommands(slack.app, deps);
    await slack.start();
    await ws.connected;
  });
  afterAll(async () => {
    await slack?.stop();
    await ws?.close();
    await fake?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await db.truncateAll();
    await seed(db, 'T0001');
  });

  it('connects with the app-level token, never the bot token', () => {
    const opens = fake.calls('apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(opens[0]?.token).toBe(APP_TOKEN);
    expect(logs.join('\n')).not.toContain(APP_TOKEN);
    expect(logs.join('\n')).not.toContain(TEST_BOT_TOKEN);
  });

  it('answers /icp-check in the envelope ack, with the same card as over HTTP', async () => {
    const ack = (await ws.send(
      'slash_commands',
      slashCommandFields({
        command: '/icp-check',
        text: 'northwind-analytics.se',
        team_id: 'T0001',
        response_url: fake.responseUrl('socket'),
      }) as unknown as Json,
    )) as unknown as Msg;
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('Northwind Analytics AB');
    expect(JSON.stringify(ack.blocks)).toContain('Tier');
    assertValidMessage(ack);
  });

  it('acks a button at once and answers through response_url', async () => {
    const card = (await ws.send(
      'slash_commands',
      slashCommandFields({
        command: '/icp-check',
        text: 'northwind-analytics.se',
        team_id: 'T0001',
      }) as unknown as Json,
    )) as unknown as Msg;
    const actions = card.blocks.find((b) => b.type === 'actions') as { elements: Json[] };
    const share = actions.elements.find((e) => e.action_id === 'icp_share_action') as Json;
    const ack = await ws.send('interactive', {
      type: 'block_actions',
      team: { id: 'T0001', domain: 'fake' },
      user: { id: 'U2147483697', username: 'rep', team_id: 'T0001' },
      api_app_id: 'A0FAKEAPP',
      token: 'x',
      container: { type: 'message', message_ts: '1.2', channel_id: 'C0001', is_ephemeral: true },
      trigger_id: '1.2.3',
      channel: { id: 'C0001', name: 'deals' },
      response_url: fake.responseUrl('share'),
      actions: [{ ...share, block_id: 'icp_check_actions', type: 'button', action_ts: '1.3' }],
    });
    expect(ack).toEqual({});
    const [posted] = await waitForResponses(fake, 'share', 1);
    const msg = posted!.body as unknown as Msg;
    expect(msg.response_type).toBe('in_channel');
    expect(JSON.stringify(msg.blocks)).toContain('<@U2147483697>');
    assertValidMessage(msg);
  });

  it('publishes App Home for an events_api envelope, with the bot token', async () => {
    const envelope = appHomeOpenedEnvelope({ team_id: 'T0001', user: 'U0HOME' });
    await ws.send('events_api', envelope, false);
    const [publish] = await fake.waitFor('views.publish');
    expect(publish?.body.user_id).toBe('U0HOME');
    expect(publish?.token).toBe(TEST_BOT_TOKEN);
    assertValidHome(publish?.body.view);
  });

  it('answers text it cannot use with a friendly message, over the socket too', async () => {
    const ack = (await ws.send(
      'slash_commands',
      slashCommandFields({ command: '/icp-check', text: '<!channel> ::: ', team_id: 'T0001' }) as unknown as Json,
    )) as unknown as Msg;
    assertValidMessage(ack);
    // Rendered text is escaped (button values are data, never rendered).
    expect(ack.text).not.toContain('<!channel>');
    expect(mrkdwnTexts(ack).join('\n')).not.toContain('<!channel>');
    expect(mrkdwnTexts(ack).join('\n')).toContain('&lt;!channel&gt;');
  });
});

describe(`OAuth installs end to end (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  const CLIENT_ID = '1234567890.0987654321';
  const CLIENT_SECRET = 'fake-client-secret-0123456789';
  const INSTALLED = 'T0INSTALLED';
  const INSTALLED_TOKEN = 'xoxb-installed-workspace-token';
  let db: TestDb;
  let fake: FakeSlack;
  let slack: SlackApp;
  let url: string;
  const logs: string[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    fake = await startFakeSlack();
    const config = loadConfig({
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_CLIENT_ID: CLIENT_ID,
      SLACK_CLIENT_SECRET: CLIENT_SECRET,
      SLACK_STATE_SECRET: 'fake-state-secret-0123456789',
      SLACK_API_URL: fake.url,
      PORT: '0',
    });
    expect(config.slack.mode).toBe('oauth');
    const logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
    const deps = buildDeps(config, db, logger);
    slack = await createSlackApp(deps, {
      clientOptions: { retryConfig: { retries: 0 } },
      host: '127.0.0.1',
    });
    registerCommands(slack.app, deps);
    url = `http://127.0.0.1:${await slack.start()}`;
  });
  afterAll(async () => {
    await slack?.stop();
    await fake?.close();
    await db?.close();
  });
  afterEach(() => fake.reset());

  /** The browser's side: open the install link, come back from Slack with a code. */
  async function install(): Promise<Response> {
    const start = await fetch(`${url}/slack/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('https://slack.com/oauth/v2/authorize');
    expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(location.searchParams.get('scope')?.split(',')).toContain('commands');
    const state = location.searchParams.get('state') ?? '';
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    fake.setHandler('oauth.v2.access', () => ({
      access_token: INSTALLED_TOKEN,
      token_type: 'bot',
      scope: 'commands,chat:write',
      bot_user_id: 'U0INSTALLEDBOT',
      app_id: 'A0FAKEAPP',
      team: { id: INSTALLED, name: 'Installed Co' },
      enterprise: null,
      is_enterprise_install: false,
      authed_user: { id: 'U0ADMIN' },
    }));
    fake.setHandler('auth.test', () => ({
      team_id: INSTALLED,
      user_id: 'U0INSTALLEDBOT',
      bot_id: 'B0INSTALLED',
      is_enterprise_install: false,
    }));
    return fetch(`${url}/slack/oauth_redirect?code=fake-code&state=${encodeURIComponent(state)}`, {
      headers: { cookie },
      redirect: 'manual',
    });
  }

  it('installs a workspace: the code is exchanged, the tokens are stored, never logged', async () => {
    const done = await install();
    expect(done.status).toBeLessThan(400);
    const [exchange] = fake.calls('oauth.v2.access');
    expect(exchange?.body.code).toBe('fake-code');
    expect(exchange?.body.client_id).toBe(CLIENT_ID);
    const rows = await db.db.select().from(installations);
    expect(rows.map((r) => r.teamId)).toEqual([INSTALLED]);
    expect(JSON.stringify(rows[0]?.data)).toContain(INSTALLED_TOKEN);
    expect(logs.join('\n')).not.toContain(INSTALLED_TOKEN);
    expect(logs.join('\n')).not.toContain(CLIENT_SECRET);
  });

  it('refuses a callback whose state was not issued to this browser', async () => {
    const forged = await fetch(`${url}/slack/oauth_redirect?code=fake-code&state=forged`, { redirect: 'manual' });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(fake.calls('oauth.v2.access')).toHaveLength(0);
  });

  it('serves an installed workspace with its own token, and nothing to a workspace that never installed', async () => {
    if ((await db.db.select().from(installations)).length === 0) await install();
    await seed(db, INSTALLED);
    fake.reset();

    const res = await postToApp(
      url,
      '/slack/events',
      slashCommandBody({ command: '/icp-check', text: 'northwind-analytics.se', team_id: INSTALLED }),
      { secret: TEST_SIGNING_SECRET },
    );
    expect(res.status).toBe(200);
    const card = res.json as Msg;
    expect(card.text).toContain('Northwind Analytics AB');
    assertValidMessage(card);

    const home = JSON.stringify(appHomeOpenedEnvelope({ team_id: INSTALLED, user: 'U0HOME' }));
    expect((await postToApp(url, '/slack/events', home, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
    const [publish] = await fake.waitFor('views.publish');
    expect(publish?.token).toBe(INSTALLED_TOKEN);

    // Same signature, a workspace with no installation: no listener runs, no check is answered.
    const stranger = await postToApp(
      url,
      '/slack/events',
      slashCommandBody({ command: '/icp-check', text: 'northwind-analytics.se', team_id: 'T0STRANGER' }),
      { secret: TEST_SIGNING_SECRET },
    );
    // Bolt acknowledges (Slack would retry otherwise) and runs no listener: an empty answer, nothing logged.
    expect(stranger.status).toBe(200);
    expect(stranger.text).toBe('');
    expect((await db.db.select().from(checks)).map((c) => c.teamId)).toEqual([INSTALLED]);
  });

  it('tells a user in a workspace without an installation, in a sentence, instead of logging an unhandled error', async () => {
    logs.length = 0;
    const res = await postToApp(
      url,
      '/slack/events',
      slashCommandBody({
        command: '/icp-check',
        text: 'northwind-analytics.se',
        team_id: 'T0STRANGER',
        response_url: fake.responseUrl('stranger'),
      }),
      { secret: TEST_SIGNING_SECRET },
    );
    expect(res.status).toBe(200);
    const [told] = await waitForResponses(fake, 'stranger', 1);
    const msg = told!.body as unknown as Msg;
    assertValidMessage(msg);
    expect(msg.text).toContain('not installed in this workspace');
    expect(logs.join('\n')).not.toContain('unhandled error');
    expect(logs.join('\n')).toContain('not installed');
  });

  it('refuses a callback without a code', async () => {
    const res = await fetch(`${url}/slack/oauth_redirect`, { redirect: 'manual' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(fake.calls('oauth.v2.access')).toHaveLength(0);
  });
});
