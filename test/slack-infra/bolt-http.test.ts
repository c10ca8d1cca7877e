import type { App } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_BOT_TOKEN, type TestApp } from '../helpers/bolt.ts';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';
import {
  appHomeOpenedEnvelope,
  blockActionsPayload,
  buttonAction,
  urlVerificationBody,
  viewSubmissionPayload,
} from '../helpers/payloads.ts';
import {
  eventBody,
  interactivityBody,
  nowSeconds,
  postToApp,
  signSlackRequest,
  slashCommandBody,
} from '../helpers/slack-sign.ts';

const PATH = '/slack/events';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function register(app: App): void {
  app.command('/ping', async ({ ack, client, command, respond }) => {
    await ack();
    if (command.text === 'respond') {
      await respond({ response_type: 'ephemeral', text: 'pong via response_url' });
      return;
    }
    await client.chat.postMessage({
      channel: command.channel_id,
      text: 'pong',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*pong*' } }],
      metadata: { event_type: 'icp_ping', event_payload: { by: command.user_id } },
    });
  });
  app.action('icp_rescore_action', async ({ ack, respond, action }) => {
    await ack();
    await respond({ replace_original: false, text: `clicked ${'value' in action ? action.value : ''}` });
  });
  app.view('icp_edit_view', async ({ ack, view }) => {
    const name = view.state.values.name_block?.name_input?.value ?? '';
    if (name.length < 2) {
      await ack({ response_action: 'errors', errors: { name_block: 'Too short' } });
      return;
    }
    await ack();
  });
  app.event('app_home_opened', async ({ event, client }) => {
    await client.views.publish({
      user_id: event.user,
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Home' } }] },
    });
  });
}

describe('Bolt over HTTP against the fake Slack', () => {
  let fake: FakeSlack;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeSlack();
    t = await startTestApp(register, { slackApiUrl: fake.url });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  afterEach(() => {
    fake.reset();
  });

  const ping = (overrides: Record<string, string> = {}) =>
    slashCommandBody({
      command: '/ping',
      text: '',
      channel_id: 'C0PING',
      response_url: fake.responseUrl('cmd'),
      ...overrides,
    });

  it('acks a correctly signed slash command and posts through the Web API', async () => {
    const res = await postToApp(t.url, PATH, ping(), { secret: t.signingSecret });
    expect(res.status).toBe(200);
    const [call] = await fake.waitFor('chat.postMessage');
    expect(call?.body).toMatchObject({
      channel: 'C0PING',
      text: 'pong',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*pong*' } }],
      metadata: { event_type: 'icp_ping', event_payload: { by: 'U2147483697' } },
    });
    expect(call?.token).toBe(TEST_BOT_TOKEN);
    expect(JSON.stringify(call)).not.toContain(TEST_BOT_TOKEN);
    expect(fake.calls('auth.test')).toHaveLength(0);
  });

  it.each([
    ['a bad signature', { headers: { 'x-slack-signature': `v0=${'0'.repeat(64)}` } }],
    ['a wrong secret', { secret: 'not-the-secret' }],
    ['a stale timestamp', { timestamp: nowSeconds() - 5 * 60 - 10 }],
    ['no signature headers', { headers: { 'x-slack-signature': undefined, 'x-slack-request-timestamp': undefined } }],
    ['no signature', { headers: { 'x-slack-signature': undefined } }],
  ])('rejects %s with 401 and no side effect', async (_name, opts) => {
    const res = await postToApp(t.url, PATH, ping(), { secret: t.signingSecret, ...opts });
    expect(res.status).toBe(401);
    await sleep(100);
    expect(fake.calls()).toEqual([]);
  });

  it('rejects a body changed after signing', async () => {
    const headers = signSlackRequest(t.signingSecret, ping());
    const res = await fetch(`${t.url}${PATH}`, { method: 'POST', headers, body: ping({ text: 'tampered' }) });
    expect(res.status).toBe(401);
  });

  it('records respond() posts to the fake response_url', async () => {
    const res = await postToApp(t.url, PATH, ping({ text: 'respond' }), { secret: t.signingSecret });
    expect(res.status).toBe(200);
    await fake.waitFor('respond');
    expect(fake.responses('cmd')).toEqual([
      expect.objectContaining({ body: { response_type: 'ephemeral', text: 'pong via response_url' } }),
    ]);
  });

  it('retries a 429 after Retry-After', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const res = await postToApp(t.url, PATH, ping(), { secret: t.signingSecret });
    expect(res.status).toBe(200);
    const calls = await fake.waitFor('chat.postMessage', 2, 5000);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at.getTime() - calls[0]!.at.getTime()).toBeGreaterThanOrEqual(950);
    expect(fake.messages('C0PING')).toHaveLength(1);
  });

  it('routes a signed block_actions payload and its respond()', async () => {
    const payload = blockActionsPayload({
      actions: [buttonAction('icp_rescore_action', 'acme')],
      response_url: fake.responseUrl('action'),
    });
    const res = await postToApp(t.url, PATH, interactivityBody(payload), { secret: t.signingSecret });
    expect(res.status).toBe(200);
    await fake.waitFor('respond');
    expect(fake.responses('action')[0]?.body).toEqual({ replace_original: false, text: 'clicked acme' });
  });

  it('returns view_submission errors in the HTTP response', async () => {
    const payload = viewSubmissionPayload({
      callback_id: 'icp_edit_view',
      values: { name_block: { name_input: { type: 'plain_text_input', value: 'x' } } },
    });
    const res = await postToApp(t.url, PATH, interactivityBody(payload), { secret: t.signingSecret });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { name_block: 'Too short' } });
  });

  it('handles app_home_opened events and URL verification', async () => {
    const res = await postToApp(t.url, PATH, eventBody(appHomeOpenedEnvelope({ user: 'U0HOME' })), {
      secret: t.signingSecret,
    });
    expect(res.status).toBe(200);
    const [call] = await fake.waitFor('views.publish');
    expect(call?.body).toMatchObject({ user_id: 'U0HOME', view: { type: 'home' } });

    const challenge = await postToApp(t.url, PATH, eventBody(urlVerificationBody()), { secret: t.signingSecret });
    expect(challenge.json).toEqual({ challenge: urlVerificationBody().challenge });
  });
});
