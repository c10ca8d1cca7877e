/**
 * ICP review reminders on a schedule, posted exactly once however many replicas run.
 *
 * Every instance ticks (node-cron, every minute). A tick works out, per workspace, which reminder
 * occurrence is due now (pure: `planReminders`), claims it with INSERT … ON CONFLICT DO NOTHING on the
 * unique (team_id, occurrence_key), and only the instance whose insert won posts it. The row then goes
 * claimed → sending → sent (with the message ts), or to retry / failed. chat.postMessage has no idempotency
 * key (../shared/slack/PLATFORM.md), so a post whose outcome is unknown (5xx, timeout, connection reset,
 * or a 'sending' row left by a crashed instance) is reconciled before any resend: we look in
 * conversations.history for a message carrying our metadata occurrence_key. The post carries it as
 * `metadata: { event_type: 'icp_review_reminder', event_payload: { occurrence_key } }`.
 *
 * Local time: the occurrence key holds the workspace's local DATE (Intl.DateTimeFormat in its IANA
 * timezone), never a UTC instant, and a slot is "reached" once the local wall clock reads at least the
 * configured time of day. A DST change therefore moves nothing: a repeated hour cannot post twice (same
 * date, same key) and a skipped hour cannot skip a day (03:00 is later than 02:30).
 */

import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { createTask, type ScheduledTask } from 'node-cron';
import type { DriftSeries } from '../../db/queries/drift.ts';
import { findInstallation } from '../../db/queries/installations.ts';
import {
  claimOccurrence,
  listReminderTeams,
  markFailed,
  markRetry,
  markSending,
  markSent,
  type OccurrenceRow,
  type ReviewSettingsRow,
  savePayload,
  takeDueOccurrences,
  touchOccurrence,
} from '../../db/queries/reminders.ts';
import { firstAppliedAt, lastReview } from '../../db/queries/reviews.ts';
import type { Deps } from '../deps.ts';
import type { DriftReport } from '../drift/report.ts';
import { renderDriftChart } from './chart.ts';
import { composeReminder, driftReportFor } from './compose.ts';

export const REMINDER_EVENT_TYPE = 'icp_review_reminder';

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------
// Local calendar arithmetic (pure)
// ---------------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock in `timeZone` at `at`: local date 'YYYY-MM-DD' and time 'HH:MM'. */
export function localClock(at: Date, timeZone: string): { date: string; time: string } {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(at)) parts[p.type] = p.value;
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${hour}:${parts.minute}` };
}

/** Calendar arithmetic on 'YYYY-MM-DD' (no time zone: a local date plus n days). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` ('YYYY-MM-DD'). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

// ---------------------------------------------------------------------------------------------------
// When to remind (pure)
// ---------------------------------------------------------------------------------------------------

export interface ReminderSettings {
  /** 'HH:MM' local time. */
  timeOfDay: string;
  /** IANA zone, e.g. 'Europe/Stockholm'. */
  timezone: string;
  snoozedUntil: Date | null;
}

export interface DriftState {
  detected: boolean;
  signals: readonly string[];
  icpVersion: number | null;
  lastReviewId: number | null;
  /**
   * Signals the last review already saw (its stored drift figures), under the same ICP version. A drift
   * the owners reviewed and chose to live with does not recommend another early review; a new signal does.
   */
  acknowledged?: readonly string[];
}

export interface ReminderPlanInput {
  now: Date;
  settings: ReminderSettings;
  /** From the ICP file (`review_every`); 0 or less turns cadence reminders off. */
  cadenceDays: number;
  remindDaysBefore: number;
  /** The last review, or when the ICP was first applied. */
  cycleStart: Date;
  /** The drift state, when the caller evaluated it (see `schedule.checkDrift`). */
  drift?: DriftState | undefined;
  /** `icp remind --now`: treat today's time of day as reached (the keys, hence exactly-once, are unchanged). */
  ignoreTimeOfDay?: boolean;
}

export interface PlannedReminder {
  kind: 'due' | 'drift';
  occurrenceKey: string;
}

export interface ReminderSchedule {
  /** Local date the ICP is due for review. */
  dueDate: string | null;
  /** Local date of the first reminder (dueDate − remindDaysBefore). */
  firstReminderDate: string | null;
  today: string;
  /** Local time of day reached today. */
  timeReached: boolean;
  snoozed: boolean;
  /** Within the cadence reminder period (weekly due reminders running). */
  inDueWindow: boolean;
  /** Whether a drift evaluation could lead to a post now (so the caller can skip the query otherwise). */
  checkDrift: boolean;
}

/**
 * Where a workspace stands right now: due date, whether the local posting time is reached, snooze.
 * Nothing is posted before the configured local time of the current day, including catch-up after
 * downtime, so reminders always arrive at the workspace's time of day.
 */
export function reminderSchedule(input: Omit<ReminderPlanInput, 'drift'>): ReminderSchedule {
  const { now, settings } = input;
  const { date: today, time } = localClock(now, settings.timezone);
  const timeReached = input.ignoreTimeOfDay === true || time >= settings.timeOfDay;
  const snoozed = settings.snoozedUntil !== null && now.getTime() < settings.snoozedUntil.getTime();
  let dueDate: string | null = null;
  let firstReminderDate: string | null = null;
  if (input.cadenceDays > 0) {
    // Calendar days in local time: a cadence of 180 days is 180 local dates later whatever DST does.
    const startDate = localClock(input.cycleStart, settings.timezone).date;
    dueDate = addDays(startDate, input.cadenceDays);
    const first = addDays(dueDate, -Math.max(0, input.remindDaysBefore));
    const earliest = addDays(startDate, 1);
    firstReminderDate = daysBetween(earliest, first) < 0 ? earliest : first;
  }
  const inDueWindow = firstReminderDate !== null && today >= firstReminderDate;
  return {
    dueDate,
    firstReminderDate,
    today,
    timeReached,
    snoozed,
    inDueWindow,
    checkDrift: timeReached && !snoozed && !inDueWindow,
  };
}

/**
 * The drift episode: the set of drifting signals, the ICP version and the last review. The same drift
 * seen again is the same episode (no new post); a review, a new ICP version or a change in what drifts
 * starts a new one.
 */
export function driftEpisodeKey(d: Pick<DriftState, 'signals' | 'icpVersion' | 'lastReviewId'>): string {
  const basis = JSON.stringify({
    signals: [...new Set(d.signals)].sort(),
    icpVersion: d.icpVersion,
    lastReviewId: d.lastReviewId,
  });
  return createHash('sha256').update(basis).digest('hex').slice(0, 16);
}

/**
 * The reminders a workspace should have received by now, as occurrence keys. Claiming a key posts it;
 * a key already claimed never posts again, so calling this every minute is safe.
 *
 * - Due: reminders start `remindDaysBefore` days before the due date and repeat weekly until a review
 *   moves the due date. Key `due:<dueDate>:<week index>`: the latest week whose local date and time
 *   have been reached, so an instance that was down posts the missed week once, not once per missed tick.
 * - Drift: a significant drift outside the due period posts "early review recommended" once per episode
 *   (key `drift:<episode hash>`), and only when some drifting signal was not already seen by the last
 *   review under the same ICP version (a reviewed drift that persists is not re-announced).
 * - Snooze suppresses everything until `snoozedUntil`, and also a week's reminder whose local date fell
 *   inside the snooze (it is not posted late when the snooze ends on another day).
 */
export function planReminders(input: ReminderPlanInput): PlannedReminder[] {
  const s = reminderSchedule(input);
  if (!s.timeReached || s.snoozed) return [];
  const snoozeDate = input.settings.snoozedUntil
    ? localClock(input.settings.snoozedUntil, input.settings.timezone).date
    : null;
  const out: PlannedReminder[] = [];
  if (s.inDueWindow && s.dueDate && s.firstReminderDate) {
    const week = Math.floor(daysBetween(s.firstReminderDate, s.today) / 7);
    const slotDate = addDays(s.firstReminderDate, week * 7);
    if (!(snoozeDate && slotDate < snoozeDate)) out.push({ kind: 'due', occurrenceKey: `due:${s.dueDate}:${week}` });
  }
  const acknowledged = new Set(input.drift?.acknowledged ?? []);
  const unreviewed = input.drift?.signals.filter((sig) => !acknowledged.has(sig)) ?? [];
  if (s.checkDrift && input.drift?.detected && unreviewed.length > 0) {
    out.push({ kind: 'drift', occurrenceKey: `drift:${driftEpisodeKey(input.drift)}` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Sending (exactly once)
// ---------------------------------------------------------------------------------------------------

export interface ComposedReminder {
  message: { text: string; blocks: unknown[] };
  report?: DriftReport;
  series: DriftSeries;
}

export type Composer = (
  deps: Deps,
  teamId: string,
  opts: { kind: 'due' | 'drift' | 'manual'; asOf: Date },
) => Promise<ComposedReminder>;

/** What was stored at claim time and is posted on every attempt. */
interface StoredPayload {
  message: { text: string; blocks: unknown[] };
  series: DriftSeries | null;
}

export interface TickResult {
  /** Occurrence keys posted in this tick (first attempt or retry). */
  posted: string[];
  /** Keys found already posted in the channel while reconciling: marked sent, not posted again. */
  reconciled: string[];
  /** Keys left for a later tick (Slack rate limit, 5xx, network, compose error). */
  retrying: string[];
  /** Keys given up on (attempts exhausted, or an error retrying cannot fix). */
  failed: string[];
  /** Errors that stopped a workspace's planning, with the team. */
  errors: { teamId: string; error: string }[];
}

export interface ReminderSchedulerOptions {
  /**
   * Web API client for the posts. Build it with `createReminderClient`: web-api's own retries must be
   * off on this path so the retry bookkeeping is ours and a post is never doubled by a hidden retry.
   */
  client: WebClient;
  /** Identifies this replica in claimed_by. */
  instanceId: string;
  /** node-cron expression; every minute by default. */
  cronExpression?: string;
  /** Clock (tests pass a fake one); defaults to deps.now. */
  now?: () => Date;
  /** The message builder; defaults to src/review/compose.ts. Tests inject a stub. */
  compose?: Composer;
  /** The drift evaluation behind "early review recommended"; defaults to the workspace's drift report. */
  evaluateDrift?: (
    deps: Deps,
    teamId: string,
    asOf: Date,
  ) => Promise<Pick<DriftReport, 'driftDetected' | 'signals' | 'icpVersion'>>;
  /** OAuth installs: the bot token of a workspace (the client's own token otherwise). */
  tokenFor?: (teamId: string) => Promise<string | undefined>;
  /** Chart renderer (tests may skip the PNG); defaults to renderDriftChart, `null` turns the chart off. */
  renderChart?: ((series: DriftSeries) => Promise<Buffer>) | null;
  /** Post what is due today even before the local time of day (`icp remind --now`). */
  ignoreTimeOfDay?: boolean;
  /** Attempts per occurrence before it is marked failed. Default 5. */
  maxAttempts?: number;
  /** A 'claimed'/'sending' row untouched for this long belongs to a dead instance. Default 2 minutes. */
  leaseMs?: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. Default 60 s. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * A WebClient for scheduled posts: no automatic retries (ours are recorded in the database), 429
 * rejected at once with its Retry-After instead of waited out in-process, and a timeout well inside the
 * lease so a hung call cannot outlive its claim.
 */
export function createReminderClient(token: string | undefined, opts: Partial<WebClientOptions> = {}): WebClient {
  return new WebClient(token, {
    ...opts,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeout ?? 30_000,
  });
}

type Failure =
  /** Slack certainly did not post (429, or an error answer): safe to send again. */
  | { kind: 'not_sent'; retryable: boolean; error: string; retryAfterMs?: number }
  /** We do not know (5xx, timeout, reset): reconcile before sending again. */
  | { kind: 'ambiguous'; error: string };

// Platform errors (HTTP 200, ok: false) that a later attempt may get past.
const RETRYABLE_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

function classify(err: unknown): Failure {
  const e = err as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    message?: string;
  };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return {
        kind: 'not_sent',
        retryable: true,
        error: `rate limited (Retry-After ${e.retryAfter ?? '?'} s)`,
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
      };
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      return { kind: 'not_sent', retryable: RETRYABLE_PLATFORM_ERRORS.has(code), error: `Slack error: ${code}` };
    }
    case 'slack_webapi_http_error':
      return { kind: 'ambiguous', error: `HTTP ${e.statusCode ?? '?'} from Slack` };
    default:
      return { kind: 'ambiguous', error: e.message ?? String(err) };
  }
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

interface Runtime {
  deps: Deps;
  client: WebClient;
  instanceId: string;
  compose: Composer;
  evaluateDrift: NonNullable<ReminderSchedulerOptions['evaluateDrift']>;
  tokenFor: ((teamId: string) => Promise<string | undefined>) | undefined;
  renderChart: ((series: DriftSeries) => Promise<Buffer>) | null;
  ignoreTimeOfDay: boolean;
  maxAttempts: number;
  leaseMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /**
   * Per team: the local date this instance already planned (after the time of day). Reminders post at the
   * time of day, so once a day's plan is claimed there is nothing more to work out until the next local
   * date; this keeps a tick to two queries. A review or new ICP version is picked up at the next date.
   */
  planned: Map<string, string>;
}

function runtimeOf(deps: Deps, opts: ReminderSchedulerOptions): Runtime {
  return {
    deps,
    client: opts.client,
    instanceId: opts.instanceId,
    compose: opts.compose ?? (composeReminder as Composer),
    evaluateDrift: opts.evaluateDrift ?? ((d, teamId, asOf) => driftReportFor(d, teamId, asOf)),
    tokenFor: opts.tokenFor,
    renderChart: opts.renderChart === undefined ? (s) => renderDriftChart(s) : opts.renderChart,
    ignoreTimeOfDay: opts.ignoreTimeOfDay ?? false,
    maxAttempts: opts.maxAttempts ?? 5,
    leaseMs: opts.leaseMs ?? 2 * 60_000,
    baseBackoffMs: opts.baseBackoffMs ?? 60_000,
    maxBackoffMs: opts.maxBackoffMs ?? 30 * 60_000,
    planned: new Map(),
  };
}

async function tokenArg(rt: Runtime, teamId: string): Promise<{ token?: string }> {
  const token = rt.tokenFor ? await rt.tokenFor(teamId) : undefined;
  return token ? { token } : {};
}

/**
 * Works out one workspace's due occurrences (drift only when it may post); null when nothing can post
 * now and no plan was made.
 */
async function planTeam(rt: Runtime, team: ReviewSettingsRow, now: Date): Promise<PlannedReminder[] | null> {
  const { deps } = rt;
  // Cheap checks first: before the local time of day, while snoozed, or when today is already planned,
  // nothing can post, so no query is needed.
  const local = localClock(now, team.timezone);
  if (!rt.ignoreTimeOfDay && local.time < team.timeOfDay) return null;
  if (team.snoozedUntil && now.getTime() < team.snoozedUntil.getTime()) return null;
  if (rt.planned.get(team.teamId) === local.date) return null;
  const current = await deps.icp.current(team.teamId);
  const spec = current.version.spec;
  const [last, first] = await Promise.all([lastReview(deps.db, team.teamId), firstAppliedAt(deps.db, team.teamId)]);
  const base = {
    now,
    settings: { timeOfDay: team.timeOfDay, timezone: team.timezone, snoozedUntil: team.snoozedUntil },
    cadenceDays: spec.review_every_days,
    remindDaysBefore: spec.review_remind_days_before,
    cycleStart: last?.reviewedAt ?? first ?? current.version.createdAt,
    ignoreTimeOfDay: rt.ignoreTimeOfDay,
  };
  const schedule = reminderSchedule(base);
  let drift: DriftState | undefined;
  if (schedule.checkDrift) {
    const report = await rt.evaluateDrift(deps, team.teamId, now);
    drift = {
      detected: report.driftDetected,
      signals: report.signals,
      icpVersion: report.icpVersion ?? current.version.version,
      lastReviewId: last?.id ?? null,
      acknowledged: reviewedSignals(last, current.version.version),
    };
  }
  return planReminders({ ...base, drift });
}

/** The drift signals a review recorded, when it was made under `icpVersion` (else none). */
export function reviewedSignals(
  review: { icpVersion: number; drift: unknown } | null | undefined,
  icpVersion: number,
): string[] {
  if (!review || review.icpVersion !== icpVersion) return [];
  const signals = (review.drift as { signals?: unknown } | null)?.signals;
  return Array.isArray(signals) ? signals.filter((x): x is string => typeof x === 'string') : [];
}

function backoffMs(rt: Runtime, attempts: number, retryAfterMs = 0): number {
  const exp = Math.min(rt.maxBackoffMs, rt.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.max(exp, retryAfterMs);
}

/** A failed attempt: retry later within the bound, or give up. */
async function recordFailure(
  rt: Runtime,
  row: OccurrenceRow,
  attempts: number,
  f: Failure,
  now: Date,
  result: TickResult,
): Promise<void> {
  const retryable = f.kind === 'ambiguous' || f.retryable;
  if (!retryable || attempts >= rt.maxAttempts) {
    await markFailed(rt.deps.db, row.id, `${f.error} (attempt ${attempts} of ${rt.maxAttempts})`, now);
    rt.deps.logger.error(`review reminder ${row.occurrenceKey} for ${row.teamId} failed: ${f.error}`);
    result.failed.push(row.occurrenceKey);
    return;
  }
  const next = new Date(now.getTime() + backoffMs(rt, attempts, f.kind === 'not_sent' ? f.retryAfterMs : 0));
  const error = f.kind === 'ambiguous' ? `ambiguous: ${f.error}` : f.error;
  await markRetry(rt.deps.db, row.id, { error, nextAttemptAt: next, now });
  rt.deps.logger.warn(
    `review reminder ${row.occurrenceKey} for ${row.teamId}: ${error}; retry at ${next.toISOString()}`,
  );
  result.retrying.push(row.occurrenceKey);
}

/**
 * Looks for our message in the channel: the newest messages since shortly before the claim, with
 * metadata. Returns its ts, or null when it is certainly not there.
 */
async function findPosted(rt: Runtime, row: OccurrenceRow): Promise<string | null> {
  const oldest = Math.floor((row.createdAt.getTime() - 10 * 60_000) / 1000);
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await rt.client.conversations.history({
      ...(await tokenArg(rt, row.teamId)),
      channel: row.channelId ?? '',
      oldest: String(Math.max(0, oldest)),
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    for (const m of res.messages ?? []) {
      const meta = m.metadata as { event_type?: string; event_payload?: { occurrence_key?: unknown } } | undefined;
      if (meta?.event_type === REMINDER_EVENT_TYPE && meta.event_payload?.occurrence_key === row.occurrenceKey) {
        return m.ts ?? null;
      }
    }
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!res.has_more || !cursor) break;
  }
  return null;
}

/** Best effort: the chart goes into the reminder's thread; a failure is logged, the reminder stands. */
async function uploadChart(rt: Runtime, row: OccurrenceRow, series: DriftSeries | null, ts: string): Promise<void> {
  if (!rt.renderChart || !series) return;
  try {
    const png = await rt.renderChart(series);
    await rt.client.filesUploadV2({
      ...(await tokenArg(rt, row.teamId)),
      channel_id: row.channelId ?? '',
      thread_ts: ts,
      file: png,
      filename: 'icp-drift.png',
      title: 'Win rate by tier and churn, last 12 months',
    });
  } catch (err) {
    rt.deps.logger.warn(`review reminder ${row.occurrenceKey}: chart upload failed (the reminder was posted)`, err);
  }
}

async function loadPayload(rt: Runtime, row: OccurrenceRow, now: Date): Promise<StoredPayload> {
  const stored = row.payload as StoredPayload | null;
  if (stored?.message) return stored;
  const kind = row.kind === 'drift' ? 'drift' : row.kind === 'manual' ? 'manual' : 'due';
  const composed = await rt.compose(rt.deps, row.teamId, { kind, asOf: now });
  const payload: StoredPayload = { message: composed.message, series: composed.series ?? null };
  await savePayload(rt.deps.db, row.id, payload, now);
  return payload;
}

/**
 * Posts a row this instance holds in 'sending' (attempts already counted). When an earlier attempt may
 * have reached Slack, reconciles first: found → sent with its ts; not found → post.
 */
async function deliver(
  rt: Runtime,
  row: OccurrenceRow,
  payload: StoredPayload,
  mayHavePosted: boolean,
  now: Date,
  result: TickResult,
): Promise<void> {
  const { db } = rt.deps;
  if (mayHavePosted) {
    let found: string | null;
    try {
      found = await findPosted(rt, row);
    } catch (err) {
      // Not knowing is not "not posted": try again later rather than risk a second message.
      await recordFailure(rt, row, row.attempts, { ...classify(err), kind: 'ambiguous' }, now, result);
      return;
    }
    if (found) {
      await markSent(db, row.id, found, now);
      rt.deps.logger.info(`review reminder ${row.occurrenceKey} for ${row.teamId} was already posted (ts ${found})`);
      result.reconciled.push(row.occurrenceKey);
      await uploadChart(rt, row, payload.series, found);
      return;
    }
    if (row.attempts > rt.maxAttempts) {
      await markFailed(db, row.id, `not posted after ${rt.maxAttempts} attempts: ${row.lastError ?? ''}`, now);
      result.failed.push(row.occurrenceKey);
      return;
    }
    await touchOccurrence(db, row.id, rt.instanceId, now);
  }
  let ts: string | undefined;
  try {
    const res = await rt.client.chat.postMessage({
      ...(await tokenArg(rt, row.teamId)),
      channel: row.channelId ?? '',
      text: payload.message.text,
      blocks: payload.message.blocks as never,
      unfurl_links: false,
      unfurl_media: false,
      metadata: {
        event_type: REMINDER_EVENT_TYPE,
        event_payload: { occurrence_key: row.occurrenceKey, kind: row.kind, team_id: row.teamId },
      },
    });
    ts = res.ts;
  } catch (err) {
    await recordFailure(rt, row, row.attempts, classify(err), now, result);
    return;
  }
  if (!ts) {
    await recordFailure(rt, row, row.attempts, { kind: 'ambiguous', error: 'no ts in the answer' }, now, result);
    return;
  }
  await markSent(db, row.id, ts, now);
  result.posted.push(row.occurrenceKey);
  await uploadChart(rt, row, payload.series, ts);
}

/** A freshly claimed occurrence: compose, store, mark sending, post. */
async function sendClaimed(rt: Runtime, claimed: OccurrenceRow, now: Date, result: TickResult): Promise<void> {
  let payload: StoredPayload;
  try {
    payload = await loadPayload(rt, claimed, now);
  } catch (err) {
    rt.deps.logger.error(`review reminder ${claimed.occurrenceKey}: composing failed`, err);
    await recordFailure(
      rt,
      claimed,
      claimed.attempts + 1,
      { kind: 'not_sent', retryable: true, error: `compose: ${errorText(err)}` },
      now,
      result,
    );
    return;
  }
  const sending = await markSending(rt.deps.db, claimed.id, rt.instanceId, now);
  if (!sending) return; // another instance took it over after our lease ran out
  await deliver(rt, sending, payload, false, now, result);
}

/** Rows left for later (retry due, or a dead instance's lease expired), taken with SKIP LOCKED. */
async function resumePending(rt: Runtime, now: Date, result: TickResult): Promise<void> {
  const rows = await takeDueOccurrences(rt.deps.db, { instanceId: rt.instanceId, now, leaseMs: rt.leaseMs });
  for (const row of rows) {
    try {
      // attempts was incremented on take-over: above 1 means an earlier attempt may have reached Slack.
      const mayHavePosted = row.previousStatus !== 'claimed' && row.attempts > 1;
      const payload = await loadPayload(rt, row, now);
      await deliver(rt, row, payload, mayHavePosted, now, result);
    } catch (err) {
      rt.deps.logger.error(`review reminder ${row.occurrenceKey}: retry failed`, err);
      await recordFailure(rt, row, row.attempts, { kind: 'ambiguous', error: errorText(err) }, now, result).catch(
        () => undefined,
      );
    }
  }
}

/** One pass: plan and claim every workspace's due occurrences, then resume pending ones. */
async function runTick(rt: Runtime, now: Date): Promise<TickResult> {
  const result: TickResult = { posted: [], reconciled: [], retrying: [], failed: [], errors: [] };
  const teams = await listReminderTeams(rt.deps.db);
  for (const team of teams) {
    try {
      const planned = await planTeam(rt, team, now);
      if (!planned) continue;
      for (const p of planned) {
        const claimed = await claimOccurrence(rt.deps.db, {
          teamId: team.teamId,
          occurrenceKey: p.occurrenceKey,
          kind: p.kind,
          channelId: team.channelId ?? '',
          instanceId: rt.instanceId,
          now,
        });
        if (claimed) await sendClaimed(rt, claimed, now, result);
      }
      rt.planned.set(team.teamId, localClock(now, team.timezone).date);
    } catch (err) {
      rt.deps.logger.error(`review reminders for ${team.teamId}: planning failed`, err);
      result.errors.push({ teamId: team.teamId, error: errorText(err) });
    }
  }
  await resumePending(rt, now, result);
  return result;
}

export interface ReminderScheduler {
  /** Runs one pass now (or as of `now`). Concurrent calls on one instance are serialised. */
  tick(now?: Date): Promise<TickResult>;
  /** Starts the cron task. */
  start(): void;
  /** Stops the cron task and waits for a running pass to finish. */
  stop(): Promise<void>;
}

/**
 * The scheduler for one instance. Safe to run in any number of replicas on one database: each
 * occurrence is claimed once and retried under SKIP LOCKED.
 */
export function createReminderScheduler(deps: Deps, opts: ReminderSchedulerOptions): ReminderScheduler {
  const rt = runtimeOf(deps, opts);
  const clock = opts.now ?? (() => new Date(deps.now()));
  let running: Promise<TickResult> | undefined;
  let task: ScheduledTask | undefined;

  const tick = async (now?: Date): Promise<TickResult> => {
    while (running) await running.catch(() => undefined);
    const p = runTick(rt, now ?? clock());
    running = p;
    try {
      return await p;
    } finally {
      if (running === p) running = undefined;
    }
  };

  return {
    tick,
    start() {
      if (task) return;
      task = createTask(
        opts.cronExpression ?? '* * * * *',
        async () => {
          try {
            await tick();
          } catch (err) {
            deps.logger.error('review reminder tick failed', err);
          }
        },
        { name: `icp-review-reminders-${opts.instanceId}`, noOverlap: true },
      );
      void task.start();
    },
    async stop() {
      if (task) {
        await task.stop();
        await task.destroy();
        task = undefined;
      }
      await running?.catch(() => undefined);
    },
  };
}

/** One pass, for a single call (used by `icp remind --now`). */
export function runReminderTick(
  deps: Deps,
  opts: ReminderSchedulerOptions & { now?: () => Date },
  now?: Date,
): Promise<TickResult> {
  return runTick(runtimeOf(deps, opts), now ?? opts.now?.() ?? new Date(deps.now()));
}

/**
 * `icp remind --now`: sends what is due today (without waiting for the local time of day), once, with
 * the same claims as the scheduler, so a replica ticking later does not post it again. Pass a client from
 * `createReminderClient` (no automatic retries).
 */
export function sendDueReminders(
  deps: Deps,
  client: WebClient,
  opts: { now?: Date; instanceId?: string; ignoreTimeOfDay?: boolean; compose?: Composer } = {},
): Promise<TickResult> {
  return runReminderTick(
    deps,
    {
      client,
      instanceId: opts.instanceId ?? `cli-${hostname()}-${process.pid}`,
      ignoreTimeOfDay: opts.ignoreTimeOfDay ?? true,
      ...(opts.compose ? { compose: opts.compose } : {}),
    },
    opts.now ?? new Date(deps.now()),
  );
}

/**
 * The scheduler the app runs: a retry-free client on the configured bot token (single workspace), or
 * each workspace's installed bot token (OAuth mode), and an instance id unique to this process.
 */
export function createAppReminderScheduler(
  deps: Deps,
  opts: Partial<ReminderSchedulerOptions> = {},
): ReminderScheduler {
  const s = deps.config.slack;
  const client = createReminderClient(s.botToken, {
    ...(s.apiUrl ? { slackApiUrl: s.apiUrl } : {}),
    logger: deps.logger,
  });
  const tokenFor =
    s.mode === 'oauth'
      ? async (teamId: string) => {
          const installation = (await findInstallation(deps.db, teamId)) as { bot?: { token?: string } } | null;
          return installation?.bot?.token;
        }
      : undefined;
  return createReminderScheduler(deps, {
    client,
    instanceId: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    ...(tokenFor ? { tokenFor } : {}),
    ...opts,
  });
}
