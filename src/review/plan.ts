/**
 * Planning: which reminder occurrences a workspace should have received by now. Pure: the use case
 * (src/usecases/reminders/plan.ts `planTeam`) reads what it needs and calls `planReminders`.
 *
 * Local time: an occurrence key holds the workspace's local DATE, never a UTC instant, and a slot is
 * "reached" once the local wall clock reads at least the configured time of day. A DST change therefore
 * moves nothing: a repeated hour cannot post twice (same date, same key) and a skipped hour cannot skip
 * a day (03:00 is later than 02:30).
 */
import { createHash } from 'node:crypto';
import { addDays, daysBetween, localClock, reviewDates } from './calendar.ts';

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
  const dates =
    input.cadenceDays > 0
      ? reviewDates({
          cadenceDays: input.cadenceDays,
          remindDaysBefore: input.remindDaysBefore,
          cycleStart: input.cycleStart,
          timezone: settings.timezone,
          now,
        })
      : null;
  const inDueWindow = dates !== null && today >= dates.firstReminderDate;
  return {
    dueDate: dates?.dueDate ?? null,
    firstReminderDate: dates?.firstReminderDate ?? null,
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

/** The drift signals a review recorded, when it was made under `icpVersion` (else none). */
export function reviewedSignals(
  review: { icpVersion: number; drift: unknown } | null | undefined,
  icpVersion: number,
): string[] {
  if (!review || review.icpVersion !== icpVersion) return [];
  const signals = (review.drift as { signals?: unknown } | null)?.signals;
  return Array.isArray(signals) ? signals.filter((x): x is string => typeof x === 'string') : [];
}
