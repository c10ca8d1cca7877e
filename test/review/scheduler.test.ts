import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listOccurrences } from '../../db/queries/reminders.ts';
import { recordReview } from '../../db/queries/reviews.ts';
import { reviewSettings } from '../../db/schema.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { SEGMENTS } from '../../src/drift/report.ts';
import type { DriftSeries } from '../../src/drift/series.ts';
import { createLogger } from '../../src/logger.ts';
import { addDays, localClock } from '../../src/review/calendar.ts';
import {
  type DriftState,
  driftEpisodeKey,
  planReminders,
  type ReminderPlanInput,
  reminderSchedule,
  reviewedSignals,
} from '../../src/review/plan.ts';
import { createReminderScheduler } from '../../src/usecases/reminders/cron.ts';
import type { Composer } from '../../src/usecases/reminders/outbox.ts';
import { createReminderClient } from '../../src/usecases/reminders/poster.ts';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';

const STHLM = 'Europe/Stockholm';
const at = (iso: string) => new Date(iso);

/** Cycle start whose first reminder (180-day cadence, 14 days before) falls on local date `firstReminder`. */
const cycleStartFor = (firstReminder: string, hourUtc = 10) =>
  at(`${addDays(firstReminder, -166)}T${String(hourUtc).padStart(2, '0')}:00:00Z`);

function input(over: Partial<ReminderPlanInput> & { now: Date }): ReminderPlanInput {
  return {
    settings: { timeOfDay: '09:00', timezone: STHLM, snoozedUntil: null },
    cadenceDays: 180,
    remindDaysBefore: 14,
    cycleStart: cycleStartFor('2026-05-04'),
    ...over,
  };
}

const keys = (i: ReminderPlanInput) => planReminders(i).map((p) => p.occurrenceKey);
const drifting = (signals: string[], over: Partial<DriftState> = {}): DriftState => ({
  detected: true,
  signals,
  icpVersion: 1,
  lastReviewId: 7,
  ...over,
});

describe('localClock', () => {
  it('reads the wall clock in the workspace timezone, across DST', () => {
    expect(localClock(at('2026-01-15T08:00:00Z'), STHLM)).toEqual({ date: '2026-01-15', time: '09:00' });
    expect(localClock(at('2026-07-15T07:00:00Z'), STHLM)).toEqual({ date: '2026-07-15', time: '09:00' });
    expect(localClock(at('2026-03-29T23:30:00Z'), STHLM)).toEqual({ date: '2026-03-30', time: '01:30' });
    expect(localClock(at('2026-03-29T12:00:00Z'), 'Pacific/Auckland').date).toBe('2026-03-30');
    expect(localClock(at('2026-03-29T00:00:00Z'), 'UTC')).toEqual({ date: '2026-03-29', time: '00:00' });
  });
});

describe('planReminders: cadence', () => {
  it('posts nothing before the first reminder date', () => {
    expect(keys(input({ now: at('2026-05-03T12:00:00Z') }))).toEqual([]);
    const s = reminderSchedule(input({ now: at('2026-05-03T12:00:00Z') }));
    expect(s).toMatchObject({ dueDate: '2026-05-18', firstReminderDate: '2026-05-04', inDueWindow: false });
  });

  it('starts remind_days_before the due date, at the local time of day', () => {
    expect(keys(input({ now: at('2026-05-04T06:59:00Z') }))).toEqual([]); // 08:59 CEST
    expect(keys(input({ now: at('2026-05-04T07:00:00Z') }))).toEqual(['due:2026-05-18:0']);
  });

  it('keeps the same key through the week, then repeats weekly until a review', () => {
    expect(keys(input({ now: at('2026-05-10T20:00:00Z') }))).toEqual(['due:2026-05-18:0']);
    expect(keys(input({ now: at('2026-05-11T06:00:00Z') }))).toEqual([]); // nothing posts before 09:00
    expect(keys(input({ now: at('2026-05-11T07:00:00Z') }))).toEqual(['due:2026-05-18:1']);
    expect(keys(input({ now: at('2026-05-18T07:00:00Z') }))).toEqual(['due:2026-05-18:2']);
    expect(keys(input({ now: at('2026-06-22T07:30:00Z') }))).toEqual(['due:2026-05-18:7']);
  });

  it('waits for the time of day after downtime, then posts only the latest missed week', () => {
    // Down from before the first reminder until three weeks later, at 06:00 local: nothing yet.
    expect(keys(input({ now: at('2026-05-26T04:00:00Z') }))).toEqual([]);
    expect(keys(input({ now: at('2026-05-26T07:00:00Z') }))).toEqual(['due:2026-05-18:3']);
  });

  it('starts a new cycle after a review (new due date, new keys)', () => {
    const reviewed = input({ now: at('2026-05-20T07:00:00Z'), cycleStart: at('2026-05-19T13:00:00Z') });
    expect(keys(reviewed)).toEqual([]);
    expect(reminderSchedule(reviewed).dueDate).toBe('2026-11-15');
    expect(keys({ ...reviewed, now: at('2026-11-01T08:00:00Z') })).toEqual(['due:2026-11-15:0']);
  });

  it('does not remind when the cadence is unreadable (0 days)', () => {
    expect(keys(input({ now: at('2026-05-20T07:00:00Z'), cadenceDays: 0 }))).toEqual([]);
  });

  it('uses the local date of the review, not its UTC date', () => {
    // 23:30 UTC on 2025-11-18 is already 2025-11-19 in Stockholm.
    const s = reminderSchedule(input({ now: at('2026-05-01T07:00:00Z'), cycleStart: at('2025-11-18T23:30:00Z') }));
    expect(s.dueDate).toBe(addDays('2025-11-19', 180));
  });
});

describe('planReminders: snooze', () => {
  const monday = at('2026-05-11T07:00:00Z'); // week 1 slot, 09:00 local

  it('suppresses everything until snoozed_until', () => {
    expect(
      keys(
        input({
          now: monday,
          settings: { timeOfDay: '09:00', timezone: STHLM, snoozedUntil: at('2026-05-11T07:05:00Z') },
        }),
      ),
    ).toEqual([]);
  });

  it('posts the week once a snooze ends on the slot day', () => {
    const snoozedUntil = at('2026-05-11T07:05:00Z'); // clicked a week earlier at 09:05
    const settings = { timeOfDay: '09:00', timezone: STHLM, snoozedUntil };
    expect(keys(input({ now: at('2026-05-11T07:05:00Z'), settings }))).toEqual(['due:2026-05-18:1']);
  });

  it('skips a week whose slot day fell inside the snooze, and resumes the next week', () => {
    const settings = { timeOfDay: '09:00', timezone: STHLM, snoozedUntil: at('2026-05-12T12:00:00Z') };
    expect(keys(input({ now: at('2026-05-12T12:00:00Z'), settings }))).toEqual([]);
    expect(keys(input({ now: at('2026-05-15T12:00:00Z'), settings }))).toEqual([]);
    expect(keys(input({ now: at('2026-05-18T07:00:00Z'), settings }))).toEqual(['due:2026-05-18:2']);
  });

  it('also holds back drift reminders', () => {
    const settings = { timeOfDay: '09:00', timezone: STHLM, snoozedUntil: at('2026-04-10T00:00:00Z') };
    expect(keys(input({ now: at('2026-04-01T08:00:00Z'), settings, drift: drifting(['lift']) }))).toEqual([]);
  });
});

describe('planReminders: drift episodes', () => {
  const notDue = at('2026-04-01T08:00:00Z');

  it('recommends an early review when drift is significant and the ICP is not due', () => {
    const [r, ...rest] = planReminders(input({ now: notDue, drift: drifting(['tier1.winRate', 'lift']) }));
    expect(rest).toEqual([]);
    expect(r).toEqual({
      kind: 'drift',
      occurrenceKey: `drift:${driftEpisodeKey(drifting(['lift', 'tier1.winRate']))}`,
    });
  });

  it('keeps one key per episode: same signals in any order, same ICP version, same last review', () => {
    const a = driftEpisodeKey(drifting(['tier1.winRate', 'lift']));
    expect(driftEpisodeKey(drifting(['lift', 'tier1.winRate', 'lift']))).toBe(a);
    expect(driftEpisodeKey(drifting(['lift']))).not.toBe(a);
    expect(driftEpisodeKey(drifting(['tier1.winRate', 'lift'], { lastReviewId: 8 }))).not.toBe(a);
    expect(driftEpisodeKey(drifting(['tier1.winRate', 'lift'], { icpVersion: 2 }))).not.toBe(a);
    expect(driftEpisodeKey(drifting(['tier1.winRate', 'lift'], { lastReviewId: null }))).not.toBe(a);
  });

  it('does not re-announce a drift the last review already saw; a new signal does', () => {
    const reviewed = drifting(['tier1.winRate', 'lift'], { acknowledged: ['lift', 'tier1.winRate'] });
    expect(keys(input({ now: notDue, drift: reviewed }))).toEqual([]);
    const grown = drifting(['tier1.winRate', 'lift', 'tier2.churn'], { acknowledged: ['lift', 'tier1.winRate'] });
    expect(keys(input({ now: notDue, drift: grown }))).toEqual([`drift:${driftEpisodeKey(grown)}`]);
    // A subset of what was reviewed is still nothing new.
    expect(
      keys(input({ now: notDue, drift: drifting(['lift'], { acknowledged: ['lift', 'tier1.winRate'] }) })),
    ).toEqual([]);
  });

  it('counts a review as seeing the drift only under the same ICP version', () => {
    const review = { icpVersion: 3, drift: { signals: ['lift', 42, 'tier1.winRate'] } };
    expect(reviewedSignals(review, 3)).toEqual(['lift', 'tier1.winRate']);
    expect(reviewedSignals(review, 4)).toEqual([]);
    expect(reviewedSignals({ icpVersion: 3, drift: null }, 3)).toEqual([]);
    expect(reviewedSignals(null, 3)).toEqual([]);
  });

  it('posts nothing without significant drift, before the time of day, or while cadence reminders run', () => {
    expect(keys(input({ now: notDue, drift: { ...drifting([]), detected: false } }))).toEqual([]);
    expect(keys(input({ now: notDue, drift: drifting([]) }))).toEqual([]);
    expect(keys(input({ now: at('2026-04-01T06:00:00Z'), drift: drifting(['lift']) }))).toEqual([]);
    expect(keys(input({ now: at('2026-05-05T08:00:00Z'), drift: drifting(['lift']) }))).toEqual(['due:2026-05-18:0']);
    expect(reminderSchedule(input({ now: at('2026-05-05T08:00:00Z') })).checkDrift).toBe(false);
  });
});

describe('planReminders across daylight-saving changes (Europe/Stockholm)', () => {
  /** Every minute over the days around a transition; for each day a cycle whose first reminder is that day. */
  function firstPosts(days: string[], timeOfDay: string) {
    const from = Date.parse(`${addDays(days[0]!, -1)}T00:00:00Z`);
    const to = Date.parse(`${addDays(days[days.length - 1]!, 2)}T00:00:00Z`);
    return days.map((day) => {
      const base = input({
        now: new Date(from),
        cycleStart: cycleStartFor(day),
        settings: { timeOfDay, timezone: STHLM, snoozedUntil: null },
      });
      const seen = new Map<string, Date>();
      for (let t = from; t < to; t += 60_000) {
        for (const k of keys({ ...base, now: new Date(t) })) if (!seen.has(k)) seen.set(k, new Date(t));
      }
      return { day, posts: [...seen].map(([key, when]) => ({ key, local: localClock(when, STHLM) })) };
    });
  }

  it('posts once per local day at 09:00 local through the March change', () => {
    for (const { day, posts } of firstPosts(['2026-03-28', '2026-03-29', '2026-03-30'], '09:00')) {
      expect(posts).toEqual([{ key: `due:${addDays(day, 14)}:0`, local: { date: day, time: '09:00' } }]);
    }
  });

  it('posts once per local day at 09:00 local through the October change', () => {
    for (const { day, posts } of firstPosts(['2026-10-24', '2026-10-25', '2026-10-26'], '09:00')) {
      expect(posts).toEqual([{ key: `due:${addDays(day, 14)}:0`, local: { date: day, time: '09:00' } }]);
    }
  });

  it('neither skips a time that does not exist (02:30 in March) nor doubles one that happens twice (October)', () => {
    const [march] = firstPosts(['2026-03-29'], '02:30');
    expect(march!.posts).toEqual([{ key: 'due:2026-04-12:0', local: { date: '2026-03-29', time: '03:00' } }]);
    const [october] = firstPosts(['2026-10-25'], '02:30');
    expect(october!.posts).toEqual([{ key: 'due:2026-11-08:0', local: { date: '2026-10-25', time: '02:30' } }]);
  });
});

function emptySeries(): DriftSeries {
  const months = ['2026-01'];
  const winRate = {} as DriftSeries['winRate'];
  const churn = {} as DriftSeries['churn'];
  for (const s of SEGMENTS) {
    winRate[s] = [{ month: '2026-01', won: 0, decided: 0, rate: null, ci: null }];
    churn[s] = [{ month: '2026-01', churned: 0 }];
  }
  return { months, winRate, churn };
}

const stubCompose: Composer = async (_deps, teamId, { kind, asOf }) => ({
  message: {
    text: `ICP review ${kind} for ${teamId} as of ${asOf.toISOString()}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `ICP review (${kind})` } }],
  },
  series: emptySeries(),
});

describe(`reminder scheduler across DST (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeSlack;
  let deps: Deps;
  const logs: string[] = [];

  beforeAll(async () => {
    [t, fake] = await Promise.all([createTestDb(), startFakeSlack()]);
    const config = loadConfig({
      SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: fake.url,
    });
    deps = buildDeps(config, t, createLogger({ level: 'warn', write: (l) => logs.push(l) }));
  });
  afterAll(async () => {
    await Promise.all([t?.close(), fake?.close()]);
  });
  beforeEach(async () => {
    await t.truncateAll();
    fake.reset();
  });

  async function team(teamId: string, channelId: string, firstReminder: string, timeOfDay = '09:00') {
    await t.db.insert(reviewSettings).values({ teamId, channelId, timeOfDay, timezone: STHLM });
    const icp = await deps.icp.current(teamId);
    await recordReview(t.db, {
      teamId,
      reviewedBy: 'U0OWNER01',
      note: null,
      icpChanged: false,
      icpVersion: icp.version.version,
      drift: null,
      reviewedAt: cycleStartFor(firstReminder),
    });
  }

  async function run(ranges: [string, string][], stepMinutes = 15) {
    const scheduler = createReminderScheduler(deps, {
      client: createReminderClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url }),
      instanceId: 'dst',
      compose: stubCompose,
      renderChart: null,
      evaluateDrift: async () => ({ driftDetected: false, signals: [], icpVersion: 1 }),
    });
    const posts: { channel: string; local: { date: string; time: string } }[] = [];
    for (const [fromIso, toIso] of ranges) {
      for (let ms = Date.parse(fromIso); ms < Date.parse(toIso); ms += stepMinutes * 60_000) {
        const before = fake.calls('chat.postMessage').length;
        await scheduler.tick(new Date(ms));
        for (const c of fake.calls('chat.postMessage').slice(before)) {
          posts.push({ channel: String(c.body.channel), local: localClock(new Date(ms), STHLM) });
        }
      }
    }
    expect(logs).toEqual([]);
    return posts;
  }

  it('ticks from node-cron once started, and stops cleanly', async () => {
    await team('T0CRON', 'C0CRON', '2026-03-28');
    const scheduler = createReminderScheduler(deps, {
      client: createReminderClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url }),
      instanceId: 'cron',
      cronExpression: '* * * * * *',
      now: () => at('2026-03-28T08:00:00Z'),
      compose: stubCompose,
      renderChart: null,
      evaluateDrift: async () => ({ driftDetected: false, signals: [], icpVersion: 1 }),
    });
    scheduler.start();
    try {
      await fake.waitFor('chat.postMessage', 1, 5000);
    } finally {
      await scheduler.stop();
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.calls('chat.postMessage')).toHaveLength(1);
    expect((await listOccurrences(t.db, 'T0CRON')).map((o) => o.status)).toEqual(['sent']);
  });

  it('posts once per local day at 09:00 across the March change (one team per day)', async () => {
    await team('T0MAR28', 'C0MAR28', '2026-03-28');
    await team('T0MAR29', 'C0MAR29', '2026-03-29');
    await team('T0MAR30', 'C0MAR30', '2026-03-30');
    await team('T0MAR29B', 'C0MAR29B', '2026-03-29', '02:30');
    const posts = await run([['2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z']]);
    expect(posts).toEqual([
      { channel: 'C0MAR28', local: { date: '2026-03-28', time: '09:00' } },
      { channel: 'C0MAR29B', local: { date: '2026-03-29', time: '03:00' } },
      { channel: 'C0MAR29', local: { date: '2026-03-29', time: '09:00' } },
      { channel: 'C0MAR30', local: { date: '2026-03-30', time: '09:00' } },
    ]);
    expect((await listOccurrences(t.db)).every((o) => o.status === 'sent')).toBe(true);
  });

  it('posts once per local day at 09:00 across the October change, and weekly after', async () => {
    await team('T0OCT24', 'C0OCT24', '2026-10-24');
    await team('T0OCT25', 'C0OCT25', '2026-10-25');
    await team('T0OCT25B', 'C0OCT25B', '2026-10-25', '02:30');
    const posts = await run([
      ['2026-10-23T12:00:00Z', '2026-10-26T12:00:00Z'],
      ['2026-10-30T12:00:00Z', '2026-11-01T12:00:00Z'],
    ]);
    expect(posts).toEqual([
      { channel: 'C0OCT24', local: { date: '2026-10-24', time: '09:00' } },
      { channel: 'C0OCT25B', local: { date: '2026-10-25', time: '02:30' } },
      { channel: 'C0OCT25', local: { date: '2026-10-25', time: '09:00' } },
      { channel: 'C0OCT24', local: { date: '2026-10-31', time: '09:00' } },
      { channel: 'C0OCT25B', local: { date: '2026-11-01', time: '02:30' } },
      { channel: 'C0OCT25', local: { date: '2026-11-01', time: '09:00' } },
    ]);
  });
});
