/**
 * Planning one workspace's reminders: reads the ICP cadence, the last review and (only when a drift post
 * is possible) the drift report, then lets the pure planner (src/review/plan.ts) decide.
 */
import type { ReviewSettingsRow } from '../../../db/queries/reminders.ts';
import { firstAppliedAt, lastReview } from '../../../db/queries/reviews.ts';
import type { Deps } from '../../deps.ts';
import type { DriftReport } from '../../drift/report.ts';
import { localClock } from '../../review/calendar.ts';
import {
  type DriftState,
  type PlannedReminder,
  planReminders,
  reminderSchedule,
  reviewedSignals,
} from '../../review/plan.ts';

/** What planning needs to know about drift; the workspace's full drift report satisfies it. */
export type DriftVerdict = Pick<DriftReport, 'driftDetected' | 'signals' | 'icpVersion'>;

export type EvaluateDrift = (deps: Deps, teamId: string, asOf: Date) => Promise<DriftVerdict>;

/** A workspace's planned occurrences, with the drift report they were planned from (a drift post reuses it). */
export interface TeamPlan {
  planned: PlannedReminder[];
  /** The full drift report, when planning evaluated one (a test's verdict-only stub gives none). */
  report: DriftReport | undefined;
}

const isReport = (v: DriftVerdict): v is DriftReport => 'segments' in v && 'windows' in v;

/**
 * One workspace's due occurrences as of `now` (drift evaluated only when a drift post is possible);
 * null when nothing can post now, decided without a query.
 */
export async function planTeam(
  deps: Deps,
  team: ReviewSettingsRow,
  now: Date,
  opts: { evaluateDrift: EvaluateDrift; ignoreTimeOfDay: boolean },
): Promise<TeamPlan | null> {
  // Cheap checks first: before the local time of day or while snoozed nothing can post.
  const local = localClock(now, team.timezone);
  if (!opts.ignoreTimeOfDay && local.time < team.timeOfDay) return null;
  if (team.snoozedUntil && now.getTime() < team.snoozedUntil.getTime()) return null;
  const current = await deps.icp.current(team.teamId);
  const spec = current.version.spec;
  const [last, first] = await Promise.all([lastReview(deps.db, team.teamId), firstAppliedAt(deps.db, team.teamId)]);
  const base = {
    now,
    settings: { timeOfDay: team.timeOfDay, timezone: team.timezone, snoozedUntil: team.snoozedUntil },
    cadenceDays: spec.review_every_days,
    remindDaysBefore: spec.review_remind_days_before,
    cycleStart: last?.reviewedAt ?? first ?? current.version.createdAt,
    ignoreTimeOfDay: opts.ignoreTimeOfDay,
  };
  if (!reminderSchedule(base).checkDrift) return { planned: planReminders(base), report: undefined };
  const verdict = await opts.evaluateDrift(deps, team.teamId, now);
  const drift: DriftState = {
    detected: verdict.driftDetected,
    signals: verdict.signals,
    icpVersion: verdict.icpVersion ?? current.version.version,
    lastReviewId: last?.id ?? null,
    acknowledged: reviewedSignals(last, current.version.version),
  };
  return { planned: planReminders({ ...base, drift }), report: isReport(verdict) ? verdict : undefined };
}
