import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client.ts';
import type { DriftSeries } from '../../db/queries/drift.ts';
import { listOccurrences } from '../../db/queries/reminders.ts';
import { recordReview } from '../../db/queries/reviews.ts';
import { reviewSettings } from '../../db/schema.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { SEGMENTS } from '../../src/drift/report.ts';
import { createLogger } from '../../src/logger.ts';
import { addDays } from '../../src/review/calendar.ts';
import { createReminderScheduler, type ReminderScheduler } from '../../src/review/cron.ts';
import type { Composer } from '../../src/review/outbox.ts';
import { createReminderClient } from '../../src/review/poster.ts';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';

const DRIVER = usingRealPostgres ? 'three pools on one PostgreSQL database' : 'one PGlite database';
const WORKSPACES = 60;
// Production: posts up to Slack's 30 s client timeout, a 2-minute lease, 12–28 s posts seen. Here the same
// proportions shrunk through configuration so the test takes seconds: a 2.5 s client timeout, a 3 s
// lease; one replica's posts take 1.5–2 s (a slow path to Slack), the other two's 0.1–0.3 s. The slow
// replica's pass runs well past the lease while the fast ones are already ticking again.
const SLACK_TIMEOUT_MS = 2500;
const LEASE_MS = 3000;
const POST_MS: [number, number][] = [
  [1500, 2000],
  [100, 300],
  [100, 300],
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stubCompose: Composer = async (_deps, teamId, { kind }) => {
  const winRate = {} as DriftSeries['winRate'];
  const churn = {} as DriftSeries['churn'];
  for (const s of SEGMENTS) {
    winRate[s] = [];
    churn[s] = [];
  }
  return {
    message: { text: `ICP review (${kind}) for ${teamId}`, blocks: [] },
    series: { months: [], winRate, churn },
  };
};

/** Slack that takes its time: the post lands (and shows in history) only when the answer comes. */
const slowPosts =
  ([min, max]: [number, number]): typeof fetch =>
  async (input, init) => {
    if (String(input).endsWith('/chat.postMessage')) await sleep(min + Math.random() * (max - min));
    return fetch(input, init);
  };

describe(`review reminders under slow Slack, three replicas (${DRIVER})`, () => {
  let t: TestDb;
  let fake: FakeSlack;
  const logs: string[] = [];

  beforeAll(async () => {
    [t, fake] = await Promise.all([createTestDb(), startFakeSlack()]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), fake?.close()]);
  });

  function depsFor(handle: DbHandle): Deps {
    const config = loadConfig({
      SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: fake.url,
    });
    return buildDeps(config, handle, createLogger({ level: 'warn', write: (l) => logs.push(l) }));
  }

  it(`posts each of ${WORKSPACES} reminders due at once exactly once, with posts taking longer than a pass's lease`, async () => {
    // Every workspace's first reminder is today (UTC) at 00:00, so all are due now.
    const today = new Date().toISOString().slice(0, 10);
    const deps = depsFor(t);
    const channels: string[] = [];
    for (let i = 0; i < WORKSPACES; i++) {
      const teamId = `T0LEASE${String(i).padStart(2, '0')}`;
      const channelId = `C0LEASE${String(i).padStart(2, '0')}`;
      channels.push(channelId);
      await t.db.insert(reviewSettings).values({ teamId, channelId, timeOfDay: '00:00', timezone: 'UTC' });
      const icp = await deps.icp.current(teamId);
      await recordReview(t.db, {
        teamId,
        reviewedBy: 'U0OWNER01',
        note: null,
        icpChanged: false,
        icpVersion: icp.version.version,
        drift: null,
        reviewedAt: new Date(`${addDays(today, -166)}T00:00:00Z`),
      });
    }
    const handles: DbHandle[] = usingRealPostgres
      ? await Promise.all([1, 2, 3].map(() => createDb({ databaseUrl: t.url, poolMax: 4 })))
      : [t, t, t];
    try {
      const replicas: ReminderScheduler[] = handles.map((h, i) =>
        createReminderScheduler(depsFor(h), {
          client: createReminderClient(TEST_BOT_TOKEN, {
            slackApiUrl: fake.url,
            fetch: slowPosts(POST_MS[i]!),
            timeout: SLACK_TIMEOUT_MS,
          }),
          slackTimeoutMs: SLACK_TIMEOUT_MS,
          leaseMs: LEASE_MS,
          baseBackoffMs: 200,
          instanceId: `replica-${i + 1}`,
          compose: stubCompose,
          renderChart: null,
          evaluateDrift: async () => ({ driftDetected: false, signals: [], icpVersion: 1 }),
        }),
      );
      const deadline = Date.now() + 90_000;
      const settled = async () => (await listOccurrences(t.db)).filter((r) => r.status === 'sent').length;
      // Replicas tick on the real clock, a little apart, as cron on three machines would.
      await Promise.all(
        replicas.map(async (s, i) => {
          await sleep(i * 300);
          while (Date.now() < deadline && (await settled()) < WORKSPACES) {
            await s.tick();
            await sleep(100);
          }
        }),
      );
      for (const channel of channels) expect(fake.messages(channel), channel).toHaveLength(1);
      const rows = await listOccurrences(t.db);
      expect(rows).toHaveLength(WORKSPACES);
      expect(rows.every((r) => r.status === 'sent' && r.messageTs)).toBe(true);
      expect(new Set(rows.map((r) => r.claimedBy)).size).toBeGreaterThan(1);
    } finally {
      if (usingRealPostgres) await Promise.all(handles.map((h) => h.close()));
    }
  }, 120_000);
});
