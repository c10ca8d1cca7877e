import { webApi } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_BOT_USER_ID, type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';
import {
  appHomeOpenedEnvelope,
  blockActionsPayload,
  slashCommandFields,
  slashCommandRaw,
  viewSubmissionPayload,
} from '../helpers/payloads.ts';
import { signSlackRequest, slackSignature, slashCommandBody } from '../helpers/slack-sign.ts';

const { WebClient, ErrorCode } = webApi;

describe('fake Slack Web API', () => {
  let fake: FakeSlack;
  let client: InstanceType<typeof WebClient>;

  beforeAll(async () => {
    fake = await startFakeSlack();
    client = new WebClient('xoxb-fake', {
      slackApiUrl: fake.url,
      retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 1 },
    });
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => {
    fake.reset();
  });

  it('answers chat.postMessage with increasing ts and parses form-encoded JSON fields back', async () => {
    const a = await client.chat.postMessage({ channel: 'C1', text: 'a', blocks: [{ type: 'divider' }] });
    const b = await client.chat.postMessage({ channel: 'C1', text: 'b' });
    expect(a.ok).toBe(true);
    expect(a.channel).toBe('C1');
    expect(a.message?.user).toBe(FAKE_BOT_USER_ID);
    expect(String(b.ts) > String(a.ts)).toBe(true);
    expect(fake.calls('chat.postMessage')[0]?.body.blocks).toEqual([{ type: 'divider' }]);
    expect(fake.url.endsWith('/api/')).toBe(true);
  });

  it('returns earlier posts with their metadata from conversations.history for reconciliation', async () => {
    const metadata = { event_type: 'icp_digest', event_payload: { job_id: 'job-42' } };
    const posted = await client.chat.postMessage({ channel: 'C2', text: 'digest', metadata });
    await client.chat.postMessage({ channel: 'C3', text: 'elsewhere' });
    const history = await client.conversations.history({ channel: 'C2', include_all_metadata: true, limit: 10 });
    expect(history.messages).toHaveLength(1);
    expect(history.messages?.[0]).toMatchObject({ ts: posted.ts, text: 'digest', metadata });
    const bare = await client.conversations.history({ channel: 'C2' });
    expect(bare.messages?.[0]?.metadata).toBeUndefined();
  });

  it('updates and deletes stored messages', async () => {
    const posted = await client.chat.postMessage({ channel: 'C4', text: 'v1' });
    const ts = String(posted.ts);
    await client.chat.update({ channel: 'C4', ts, text: 'v2' });
    expect(fake.messages('C4')[0]?.text).toBe('v2');
    await client.chat.delete({ channel: 'C4', ts });
    expect(fake.messages('C4')).toEqual([]);
    await expect(client.chat.update({ channel: 'C4', ts, text: 'v3' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('fails on demand with a platform error, then answers normally', async () => {
    fake.failNext('conversations.info', { error: 'channel_not_found' });
    await expect(client.conversations.info({ channel: 'C9' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
    const ok = await client.conversations.info({ channel: 'C9' });
    expect(ok.channel?.id).toBe('C9');
  });

  it('answers 500 until retries run out', async () => {
    fake.failNext('users.info', { status: 500 }, 3);
    await expect(client.users.info({ user: 'U1' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 500,
    });
    expect(fake.calls('users.info').map((c) => c.status)).toEqual([500, 500, 500]);
    const user = await client.users.info({ user: 'U1' });
    expect(user.user?.tz).toBe('Europe/Berlin');
  });

  it('takes files.uploadV2 through getUploadURLExternal, the upload URL and completeUploadExternal', async () => {
    const res = await client.filesUploadV2({
      channel_id: 'C5',
      file: Buffer.from('PNGDATA'),
      filename: 'chart.png',
      title: 'ICP fit',
      initial_comment: 'Monthly fit',
    });
    expect(res.ok).toBe(true);
    expect(fake.calls().map((c) => c.method)).toEqual([
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    expect(fake.calls('files.getUploadURLExternal')[0]?.body).toMatchObject({ filename: 'chart.png', length: '7' });
    const upload = fake.calls('upload')[0]?.body.body as { bytes: Buffer };
    expect(upload.bytes.toString()).toBe('PNGDATA');
    expect(fake.calls('files.completeUploadExternal')[0]?.body).toMatchObject({
      channel_id: 'C5',
      initial_comment: 'Monthly fit',
      files: [{ id: expect.stringMatching(/^F/), title: 'ICP fit' }],
    });
  });

  it('accepts JSON bodies and records the bearer token without exposing it', async () => {
    const res = await fetch(`${fake.url}views.publish`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-secret', 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ user_id: 'U1', view: { type: 'home', blocks: [] } }),
    });
    expect(await res.json()).toMatchObject({ ok: true, view: { type: 'home', id: expect.stringMatching(/^V/) } });
    const [call] = fake.calls('views.publish');
    expect(call?.token).toBe('xoxb-secret');
    expect(JSON.stringify(fake.calls())).not.toContain('xoxb-secret');
    expect(Object.keys(call ?? {})).not.toContain('token');
  });

  it('records unknown methods and answers ok', async () => {
    const res = await client.apiCall('reactions.add', { channel: 'C1', name: 'eyes', timestamp: '1.2' });
    expect(res.ok).toBe(true);
    expect(fake.calls('reactions.add')[0]?.body).toMatchObject({ name: 'eyes' });
  });

  it('waits for calls and explains a timeout', async () => {
    await expect(fake.waitFor('chat.postMessage', 1, 50)).rejects.toThrow(/expected 1 chat.postMessage/);
  });
});

describe('payload and signing helpers', () => {
  it('signs like Slack: v0 HMAC-SHA256 over v0:ts:body', () => {
    // Slack's documented example (docs.slack.dev "Verifying requests from Slack").
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
    const headers = signSlackRequest('s', '{"a":1}', 100);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-slack-request-timestamp']).toBe('100');
  });

  it('builds slash command bodies from the documented example', () => {
    expect(slashCommandFields()).toMatchObject({
      command: '/weather',
      text: '94070',
      enterprise_name: 'Globular Construct Inc',
    });
    expect(slashCommandRaw()).toContain('command=/weather');
    const fields = Object.fromEntries(
      new URLSearchParams(slashCommandBody({ command: '/icp-check', text: 'acme & co' })),
    );
    expect(fields).toMatchObject({ command: '/icp-check', text: 'acme & co', team_id: 'T0001' });
  });

  it('overrides interactivity and event payloads', () => {
    const actions = blockActionsPayload({ team: 'T9', user: 'U9', source: 'home' });
    expect(actions).toMatchObject({ type: 'block_actions', team: { id: 'T9' }, user: { id: 'U9', team_id: 'T9' } });
    expect((actions.view as { type: string }).type).toBe('home');
    const submission = viewSubmissionPayload({ callback_id: 'cb', private_metadata: '{"v":1}', values: {} });
    expect(submission).toMatchObject({
      type: 'view_submission',
      api_app_id: expect.any(String),
      view: { callback_id: 'cb', private_metadata: '{"v":1}', state: { values: {} } },
    });
    const home = appHomeOpenedEnvelope({ team_id: 'T7', user: 'U7' });
    expect(home).toMatchObject({
      type: 'event_callback',
      team_id: 'T7',
      authorizations: [{ team_id: 'T7' }],
      event: { type: 'app_home_opened', user: 'U7', view: { team_id: 'T7' } },
    });
  });
});
