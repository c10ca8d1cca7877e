import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client.ts';
import { claimOccurrence, getOccurrence, listOccurrences, markSending } from '../../db/queries/reminders.ts';
import { recordReview } from '../../db/queries/reviews.ts';
import { reviewSettings } from '../../db/schema.ts';
import { buildDeps } from '../../src/app.ts';
import { runCli } from '../../src/cli/icp.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { type DriftReport, SEGMENTS } from '../../src/drift/report.ts';
import type { DriftSeries } from '../../src/drift/series.ts';
import { createLogger } from '../../src/logger.ts';
import { addDays } from '../../src/review/calendar.ts';
import { createReminderScheduler, type ReminderScheduler } from '../../src/usecases/reminders/cron.ts';
import type { Composer } from '../../src/usecases/reminders/outbox.ts';
import { type ReminderSchedulerOptions, sendDueReminders } from '../../src/usecases/reminders/pass.ts';
import { createReminderClient, REMINDER_EVENT_TYPE } from '../../src/usecases/reminders/poster.ts';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';

const DRIVER = usingRealPostgres ? 'PostgreSQL' : 'PGlite';
const FIRST = '2026-06-01'; // first reminder date of every test team (UTC, 09:00)
const at = (iso: string) => new Date(iso);
const minutes = (d: Date, n: number) => new Date(d.getTime() + n * 60_000);
const NINE = at(`${FIRST}T09:00:00Z`);
// Leases run on the database's clock: the take-over tests wait one out, kept short through configuration.
const LEASE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function emptySeries(): DriftSeries {
  const winRate = {} as DriftSeries['winRate'];
  const churn = {} as DriftSeries['churn'];
  for (const s of SEGMENTS) {
    winRate[s] = [{ month: '2026-05', won: 0, decided: 0, rate: null, ci: null }];
    churn[s] = [{ month: '2026-05', churned: 0 }];
  }
  return { months: ['2026-05'], winRate, churn };
}

const stubCompose: Composer = async (_deps, teamId, { kind }) => ({
  message: {
    text: `ICP review (${kind}) for ${teamId}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `ICP review (${kind})` } }],
  },
  series: emptySeries(),
});

const DUE_AT_ONCE = 60;
// Production: posts up to Slack's 30 s client timeout, a 2-minute lease, 12–28 s posts seen. Here the same
// proportions shrunk through configuration so the test takes seconds: a 2.5 s client timeout, a 3 s
// lease; one replica's posts take 1.5–2 s (a slow path to Slack), the other two's 0.1–0.3 s. The slow
// replica's pass runs well past the lease while the fast ones are already ticking again.
const SLOW_SLACK_TIMEOUT_MS = 2500;
const SLOW_LEASE_MS = 3000;
const POST_MS: [number, number][] = [
  [1500, 2000],
  [100, 300],
  [100, 300],
];

/** Slack that takes its time: the post lands (and shows in history) only when the answer comes. */
const slowPosts =
  ([min, max]: [number, number]): typeof fetch =>
  async (input, init) => {
    if (String(input).endsWith('/chat.postMessage')) await sleep(min + Math.random() * (max - min));
    return fetch(input, init);
  };

/** A fetch that lets the fake post the message, then loses the answer (500 or a reset connection). */
function lossyFetch(state: { lose: number; mode: '500' | 'reset' }): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (String(input).endsWith('/chat.postMessage') && state.lose > 0) {
      state.lose--;
      await res.text();
      if (state.mode === 'reset') {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
        });
      }
      return new Response('upstream connect error', { status: 500, headers: { 'content-type': 'text/plain' } });
    }
    return res;
  };
}

describe(`review reminders, exactly once (${DRIVER})`, () => {
  let t: TestDb;
  let fake: FakeSlack;
  const logs: string[] = [];

  beforeAll(async () => {
    [t, fake] = await Promise.all([createTestDb(), startFakeSlack()]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), fake?.close()]);
  });
  beforeEach(async () => {
    await t.truncateAll();
    fake.reset();
    logs.length = 0;
  });

  function depsFor(handle: DbHandle): Deps {
    const config = loadConfig({
      SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: fake.url,
    });
    return buildDeps(config, handle, createLogger({ level: 'warn', write: (l) => logs.push(l) }));
  }

  function scheduler(
    handle: DbHandle,
    instanceId: string,
    over: Partial<ReminderSchedulerOptions> & { fetch?: typeof fetch } = {},
  ): ReminderScheduler {
    const { fetch: fetchFn, ...rest } = over;
    return createReminderScheduler(depsFor(handle), {
      client: createReminderClient(TEST_BOT_TOKEN, {
        slackApiUrl: fake.url,
        ...(fetchFn ? { fetch: fetchFn } : {}),
        ...(rest.slackTimeoutMs ? { timeout: rest.slackTimeoutMs } : {}),
      }),
      instanceId,
      compose: stubCompose,
      renderChart: null,
      evaluateDrift: async () => ({ driftDetected: false, signals: [], icpVersion: 1 }),
      ...rest,
    });
  }

  /** A workspace whose first reminder is `first` (FIRST) at `timeOfDay` (09:00) UTC, posting to `channel`. */
  async function team(teamId: string, channelId = `C${teamId.slice(1)}`, first = FIRST, timeOfDay = '09:00') {
    await t.db.insert(reviewSettings).values({ teamId, channelId, timeOfDay, timezone: 'UTC' });
    const icp = await depsFor(t).icp.current(teamId);
    await recordReview(t.db, {
      teamId,
      reviewedBy: 'U0OWNER01',
      note: null,
      icpChanged: false,
      icpVersion: icp.version.version,
      drift: null,
      reviewedAt: at(`${addDays(first, -166)}T12:00:00Z`),
    });
    return channelId;
  }

  const okPosts = (channel?: string) =>
    fake.calls('chat.postMessage').filter((c) => c.status === 200 && (!channel || c.body.channel === channel));

  it('posts a due reminder once, with its occurrence key in the metadata, and the chart in its thread', async () => {
    const channel = await team('T0ONE');
    const s = scheduler(t, 'a', { renderChart: undefined });
    expect((await s.tick(minutes(NINE, -1))).posted).toEqual([]);
    const r = await s.tick(NINE);
    expect(r.posted).toEqual(['due:2026-06-15:0']);
    for (let m = 1; m <= 30; m += 7) await s.tick(minutes(NINE, m));
    await s.tick(at('2026-06-05T12:00:00Z'));

    const [post] = okPosts();
    expect(okPosts()).toHaveLength(1);
    expect(post!.body.metadata).toEqual({
      event_type: REMINDER_EVENT_TYPE,
      event_payload: { occurrence_key: 'due:2026-06-15:0', kind: 'due', team_id: 'T0ONE' },
    });
    const [msg] = fake.messages(channel);
    const row = await getOccurrence(t.db, 'T0ONE', 'due:2026-06-15:0');
    expect(row).toMatchObject({ status: 'sent', attempts: 1, messageTs: msg!.ts, claimedBy: 'a' });

    const [complete] = fake.calls('files.completeUploadExternal');
    expect(complete!.body).toMatchObject({ channel_id: channel, thread_ts: msg!.ts });
    expect(fake.calls('upload')).toHaveLength(1);
  });

  it('posts the real composed reminder (Block Kit with buttons) through the default composer', async () => {
    const channel = await team('T0REAL');
    const s = scheduler(t, 'a', { compose: undefined });
    expect((await s.tick(NINE)).posted).toEqual(['due:2026-06-15:0']);
    const [msg] = fake.messages(channel);
    expect(msg!.text).toBeTruthy();
    expect(JSON.stringify(msg!.blocks)).toContain('button');
  });

  it('catches up once after downtime, at the time of day, and not once per missed tick', async () => {
    const channel = await team('T0DOWN');
    const s = scheduler(t, 'a');
    await s.tick(at('2026-05-31T20:00:00Z'));
    // Down from 2026-05-31 20:00 until 2026-06-03 07:00 (before 09:00): nothing yet.
    expect((await s.tick(at('2026-06-03T07:00:00Z'))).posted).toEqual([]);
    for (let h = 0; h < 48; h += 3) await s.tick(at(`2026-06-03T${String(9 + (h % 12)).padStart(2, '0')}:00:00Z`));
    expect(fake.messages(channel)).toHaveLength(1);
    // A restarted instance (fresh memory) does not post it again either.
    await scheduler(t, 'b').tick(at('2026-06-04T10:00:00Z'));
    expect(fake.messages(channel)).toHaveLength(1);
    // The next week is a new occurrence.
    expect((await s.tick(at('2026-06-08T09:00:00Z'))).posted).toEqual(['due:2026-06-15:1']);
    expect(fake.messages(channel)).toHaveLength(2);
  });

  it('`icp remind --now` posts what is due today before the time of day, and the scheduler does not repeat it', async () => {
    const channel = await team('T0CLI');
    const client = createReminderClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url });
    const early = at(`${FIRST}T06:00:00Z`);
    const r = await sendDueReminders(depsFor(t), client, { now: early, compose: stubCompose });
    expect(r.posted).toEqual(['due:2026-06-15:0']);
    expect((await sendDueReminders(depsFor(t), client, { now: early, compose: stubCompose })).posted).toEqual([]);
    await scheduler(t, 'a').tick(NINE);
    expect(fake.messages(channel)).toHaveLength(1);
  });

  it('`icp remind --now` runs with the bot token alone (no signing secret: it receives nothing from Slack)', async () => {
    const channel = await team('T0CLI');
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    const env = { SLACK_BOT_TOKEN: TEST_BOT_TOKEN, SLACK_API_URL: fake.url, DEFAULT_TEAM_ID: 'T0CLI' };
    expect(await runCli(['remind', '--now'], env, io, t)).toBe(0);
    expect(err.join('\n')).toBe('');
    expect(out.join('\n')).toContain('Posted 1');
    expect(fake.messages(channel)).toHaveLength(1);
    expect(await runCli(['remind', '--now'], { DEFAULT_TEAM_ID: 'T0CLI' }, io, t)).toBe(2);
    expect(err.join('\n')).toContain('set SLACK_BOT_TOKEN');
  });

  it('retries after a 429 no sooner than Retry-After, and posts once', async () => {
    const channel = await team('T0RATE');
    const s = scheduler(t, 'a');
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 300 });
    expect((await s.tick(NINE)).retrying).toEqual(['due:2026-06-15:0']);
    const row = await getOccurrence(t.db, 'T0RATE', 'due:2026-06-15:0');
    expect(row).toMatchObject({ status: 'retry', attempts: 1 });
    expect(row!.nextAttemptAt!.getTime()).toBe(NINE.getTime() + 300_000);
    expect(row!.lastError).toMatch(/rate limited/);

    await s.tick(minutes(NINE, 2));
    expect(fake.calls('chat.postMessage')).toHaveLength(1);
    expect((await s.tick(minutes(NINE, 5))).posted).toEqual(['due:2026-06-15:0']);
    await s.tick(minutes(NINE, 10));
    expect(fake.messages(channel)).toHaveLength(1);
    expect(fake.calls('chat.postMessage')).toHaveLength(2);
    expect(await getOccurrence(t.db, 'T0RATE', 'due:2026-06-15:0')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('retries after a 500, reconciling first (nothing found), and posts once', async () => {
    const channel = await team('T0FIVE');
    const s = scheduler(t, 'a');
    fake.failNext('chat.postMessage', { status: 500 });
    expect((await s.tick(NINE)).retrying).toEqual(['due:2026-06-15:0']);
    expect((await getOccurrence(t.db, 'T0FIVE', 'due:2026-06-15:0'))!.lastError).toMatch(/ambiguous: HTTP 500/);
    expect((await s.tick(minutes(NINE, 1))).posted).toEqual(['due:2026-06-15:0']);
    expect(fake.calls('conversations.history')).toHaveLength(1);
    expect(fake.calls('conversations.history')[0]!.body).toMatchObject({ channel, include_all_metadata: 'true' });
    expect(fake.messages(channel)).toHaveLength(1);
  });

  for (const mode of ['500', 'reset'] as const) {
    it(`reconciles an ambiguous failure (${mode === '500' ? '500 after the message was posted' : 'connection reset after sending'}) instead of posting twice`, async () => {
      const channel = await team('T0AMB');
      const s = scheduler(t, 'a', { fetch: lossyFetch({ lose: 1, mode }) });
      expect((await s.tick(NINE)).retrying).toEqual(['due:2026-06-15:0']);
      expect(fake.messages(channel)).toHaveLength(1);
      const r = await s.tick(minutes(NINE, 1));
      expect(r).toMatchObject({ posted: [], reconciled: ['due:2026-06-15:0'] });
      await s.tick(minutes(NINE, 30));
      expect(fake.calls('chat.postMessage')).toHaveLength(1);
      expect(fake.messages(channel)).toHaveLength(1);
      const row = await getOccurrence(t.db, 'T0AMB', 'due:2026-06-15:0');
      expect(row).toMatchObject({ status: 'sent', messageTs: fake.messages(channel)[0]!.ts });
    });
  }

  it("takes over a dead instance's 'sending' row only after the lease (database clock), and reconciles it", async () => {
    const channel = await team('T0DEAD');
    const key = 'due:2026-06-15:0';
    // Instance "dead" claimed, marked sending, posted, and crashed before recording the ts.
    const claimed = await claimOccurrence(t.db, {
      teamId: 'T0DEAD',
      occurrenceKey: key,
      kind: 'due',
      channelId: channel,
      instanceId: 'dead',
    });
    await markSending(t.db, claimed!.id, 'dead');
    await createReminderClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url }).chat.postMessage({
      channel,
      text: 'ICP review (due)',
      metadata: { event_type: REMINDER_EVENT_TYPE, event_payload: { occurrence_key: key } },
    });
    expect(() => scheduler(t, 'b', { leaseMs: LEASE_MS, slackTimeoutMs: LEASE_MS })).toThrow(
      /lease \(2000 ms\) must be longer than the Slack timeout/,
    );
    const s = scheduler(t, 'b', { leaseMs: LEASE_MS, slackTimeoutMs: LEASE_MS / 2 });
    expect(await s.tick(minutes(NINE, 1))).toMatchObject({ posted: [], reconciled: [] });
    // The pass's clock moving on does not expire a lease; the database's clock does.
    expect(await s.tick(minutes(NINE, 60))).toMatchObject({ posted: [], reconciled: [] });
    expect((await getOccurrence(t.db, 'T0DEAD', key))!.status).toBe('sending');
    await sleep(LEASE_MS + 100);
    expect((await s.tick(minutes(NINE, 61))).reconciled).toEqual([key]);
    expect(fake.messages(channel)).toHaveLength(1);
    expect(await getOccurrence(t.db, 'T0DEAD', key)).toMatchObject({ status: 'sent', claimedBy: 'b' });
  });

  it("resends a dead instance's 'sending' row once when the message is not in the channel", async () => {
    const channel = await team('T0LOST');
    const key = 'due:2026-06-15:0';
    const claimed = await claimOccurrence(t.db, {
      teamId: 'T0LOST',
      occurrenceKey: key,
      kind: 'due',
      channelId: channel,
      instanceId: 'dead',
    });
    await markSending(t.db, claimed!.id, 'dead');
    const s = scheduler(t, 'b', { leaseMs: LEASE_MS, slackTimeoutMs: LEASE_MS / 2 });
    await sleep(LEASE_MS + 100);
    expect((await s.tick(minutes(NINE, 3))).posted).toEqual([key]);
    await s.tick(minutes(NINE, 10));
    expect(fake.messages(channel)).toHaveLength(1);
    expect(await getOccurrence(t.db, 'T0LOST', key)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('gives up after the last attempt, with the error recorded', async () => {
    const channel = await team('T0FAIL');
    const s = scheduler(t, 'a', { maxAttempts: 3 });
    fake.failNext('chat.postMessage', { status: 500 }, 10);
    for (let m = 0; m < 120; m += 5) await s.tick(minutes(NINE, m));
    expect(fake.calls('chat.postMessage')).toHaveLength(3);
    expect(fake.messages(channel)).toHaveLength(0);
    const row = await getOccurrence(t.db, 'T0FAIL', 'due:2026-06-15:0');
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(row!.lastError).toMatch(/HTTP 500.*attempt 3 of 3/);
    expect(logs.some((l) => l.includes('failed'))).toBe(true);
  });

  it('does not retry an error a retry cannot fix (channel_not_found)', async () => {
    await team('T0GONE');
    const s = scheduler(t, 'a');
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    expect((await s.tick(NINE)).failed).toEqual(['due:2026-06-15:0']);
    await s.tick(minutes(NINE, 30));
    expect(fake.calls('chat.postMessage')).toHaveLength(1);
  });

  it('keeps the reminder when the chart upload fails', async () => {
    const channel = await team('T0CHART');
    const s = scheduler(t, 'a', { renderChart: async () => Buffer.from('not really a png') });
    fake.failNext('files.getUploadURLExternal', { status: 500 });
    expect((await s.tick(NINE)).posted).toEqual(['due:2026-06-15:0']);
    expect(fake.messages(channel)).toHaveLength(1);
    expect((await getOccurrence(t.db, 'T0CHART', 'due:2026-06-15:0'))!.status).toBe('sent');
    expect(logs.some((l) => l.includes('chart upload failed'))).toBe(true);
  });

  it('posts an early-review reminder once per drift episode', async () => {
    const channel = await team('T0DRIFT');
    let signals = ['tier1.winRate'];
    const s = scheduler(t, 'a', {
      evaluateDrift: async () => ({ driftDetected: signals.length > 0, signals, icpVersion: 1 }),
    });
    const kinds = () => fake.messages(channel).map((m) => m.text);
    expect((await s.tick(at('2026-05-10T09:00:00Z'))).posted).toEqual([expect.stringMatching(/^drift:/)]);
    await s.tick(at('2026-05-11T09:00:00Z'));
    await scheduler(t, 'b', { evaluateDrift: async () => ({ driftDetected: true, signals, icpVersion: 1 }) }).tick(
      at('2026-05-12T09:30:00Z'),
    );
    expect(kinds()).toEqual(['ICP review (drift) for T0DRIFT']);
    signals = ['tier1.winRate', 'lift'];
    await s.tick(at('2026-05-13T09:00:00Z'));
    expect(kinds()).toHaveLength(2);
    signals = [];
    await s.tick(at('2026-05-14T09:00:00Z'));
    expect(kinds()).toHaveLength(2);
  });

  it('composes an early-review reminder from the drift report planning computed (one report per post)', async () => {
    await team('T0ONCE');
    const report = {
      driftDetected: true,
      signals: ['tier1.winRate'],
      icpVersion: 1,
      segments: {},
      windows: {},
    } as unknown as DriftReport;
    let evaluations = 0;
    const given: unknown[] = [];
    const s = scheduler(t, 'a', {
      evaluateDrift: async () => {
        evaluations++;
        return report;
      },
      compose: async (deps, teamId, opts) => {
        given.push(opts.report);
        return stubCompose(deps, teamId, opts);
      },
    });
    expect((await s.tick(at('2026-05-10T09:00:00Z'))).posted).toEqual([expect.stringMatching(/^drift:/)]);
    expect(evaluations).toBe(1);
    expect(given).toHaveLength(1);
    expect(given[0]).toBe(report);
  });

  it(`three instances ticking concurrently post each occurrence exactly once (${usingRealPostgres ? 'three pools on one PostgreSQL database' : 'one PGlite database'})`, async () => {
    const teams = ['T0R1', 'T0R2', 'T0R3', 'T0R4', 'T0R5', 'T0R6'];
    const channels = [];
    for (const id of teams) channels.push(await team(id));
    const handles: DbHandle[] = usingRealPostgres
      ? await Promise.all([1, 2, 3].map(() => createDb({ databaseUrl: t.url, poolMax: 4 })))
      : [t, t, t];
    try {
      const lossy = { lose: 1, mode: '500' as const };
      const instances = handles.map((h, i) =>
        scheduler(h, `replica-${i + 1}`, i === 0 ? { fetch: lossyFetch(lossy) } : {}),
      );
      fake.failNext('chat.postMessage', { status: 429, retryAfter: 60 });
      fake.failNext('chat.postMessage', { status: 500 }, 2);
      for (let m = 0; m < 20; m++) {
        await Promise.all(instances.map((s) => s.tick(minutes(NINE, m))));
      }
      // A week later: the next occurrence, again once.
      for (let m = 0; m < 5; m++) {
        await Promise.all(instances.map((s) => s.tick(minutes(at('2026-06-08T09:00:00Z'), m))));
      }
      for (const channel of channels) {
        const keys = fake
          .messages(channel)
          .map((msg) => (msg.metadata as { event_payload: { occurrence_key: string } }).event_payload.occurrence_key);
        expect(keys, channel).toEqual(['due:2026-06-15:0', 'due:2026-06-15:1']);
      }
      const rows = await listOccurrences(t.db);
      expect(rows).toHaveLength(teams.length * 2);
      expect(rows.every((r) => r.status === 'sent' && r.messageTs)).toBe(true);
      expect(new Set(rows.map((r) => r.claimedBy)).size).toBeGreaterThan(usingRealPostgres ? 1 : 0);
      expect(okPosts()).toHaveLength(teams.length * 2);
    } finally {
      if (usingRealPostgres) await Promise.all(handles.map((h) => h.close()));
    }
  });

  it(`three replicas under slow Slack post each of ${DUE_AT_ONCE} reminders due at once exactly once (${usingRealPostgres ? 'three pools' : 'one PGlite database'})`, async () => {
    // Every workspace's first reminder is today (UTC) at 00:00, so all are due now.
    const today = new Date().toISOString().slice(0, 10);
    const channels: string[] = [];
    for (let i = 0; i < DUE_AT_ONCE; i++) {
      const n = String(i).padStart(2, '0');
      channels.push(await team(`T0LEASE${n}`, `C0LEASE${n}`, today, '00:00'));
    }
    const handles: DbHandle[] = usingRealPostgres
      ? await Promise.all([1, 2, 3].map(() => createDb({ databaseUrl: t.url, poolMax: 4 })))
      : [t, t, t];
    try {
      const replicas = handles.map((h, i) =>
        scheduler(h, `replica-${i + 1}`, {
          fetch: slowPosts(POST_MS[i]!),
          slackTimeoutMs: SLOW_SLACK_TIMEOUT_MS,
          leaseMs: SLOW_LEASE_MS,
          baseBackoffMs: 200,
        }),
      );
      const deadline = Date.now() + 90_000;
      const settled = async () => (await listOccurrences(t.db)).filter((r) => r.status === 'sent').length;
      // Replicas tick on the real clock, a little apart, as cron on three machines would.
      await Promise.all(
        replicas.map(async (s, i) => {
          await sleep(i * 300);
          while (Date.now() < deadline && (await settled()) < DUE_AT_ONCE) {
            await s.tick();
            await sleep(100);
          }
        }),
      );
      for (const channel of channels) expect(fake.messages(channel), channel).toHaveLength(1);
      const rows = await listOccurrences(t.db);
      expect(rows).toHaveLength(DUE_AT_ONCE);
      expect(rows.every((r) => r.status === 'sent' && r.messageTs)).toBe(true);
      expect(new Set(rows.map((r) => r.claimedBy)).size).toBeGreaterThan(1);
    } finally {
      if (usingRealPostgres) await Promise.all(handles.map((h) => h.close()));
    }
  }, 120_000);
});
