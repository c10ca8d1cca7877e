/**
 * Composes an ICP review reminder for a workspace: the current ICP and its cadence, the drift report
 * (one SQL round trip), the monthly series for the chart, and the "wrong tier?" feedback since the
 * last review, rendered by the pure builder in src/slack/blocks/review.ts. The scheduler
 * (src/review/scheduler.ts), `/icp-review` and the CLI all call this one function.
 */
import { feedbackSummary } from '../../../db/queries/checks.ts';
import { firstAppliedAt, lastReview } from '../../../db/queries/reviews.ts';
import { pendingSuggestion } from '../../../db/queries/suggestions.ts';
import type { Deps } from '../../deps.ts';
import type { DriftReport } from '../../drift/report.ts';
import { withReportContext } from '../../drift/series.ts';
import { type ReviewStatus, reviewStatus } from '../../review/calendar.ts';
import { type ReminderKind, reminderMessage } from '../../slack/blocks/review.ts';
import type { Block } from '../../slack/blocks/types.ts';
import { type DriftSeries, getDriftReport, getDriftSeries } from '../drift-report.ts';
import { loadReviewSettings } from '../review-settings.ts';

export interface ReviewContext {
  icp: { name: string; version: number; owners: string[]; reviewEvery: string };
  status: ReviewStatus;
  /** Start of the feedback period: the last review, or when the ICP was first applied. */
  since: Date;
}

/** The current ICP, its owners and its review status as of `asOf`. */
export async function reviewContext(deps: Deps, teamId: string, asOf: Date): Promise<ReviewContext> {
  const current = await deps.icp.current(teamId);
  const [last, first, settings] = await Promise.all([
    lastReview(deps.db, teamId),
    firstAppliedAt(deps.db, teamId),
    loadReviewSettings(deps.db, teamId),
  ]);
  const spec = current.version.spec;
  const firstApplied = first ?? current.version.createdAt;
  const status = reviewStatus({
    cadenceDays: spec.review_every_days,
    remindDaysBefore: spec.review_remind_days_before,
    lastReviewedAt: last?.reviewedAt ?? null,
    firstAppliedAt: firstApplied,
    timezone: settings.timezone,
    now: asOf,
  });
  return {
    icp: {
      name: spec.name,
      version: current.version.version,
      owners: [...spec.owners],
      reviewEvery: String(spec.review_every),
    },
    status,
    since: last?.reviewedAt ?? firstApplied,
  };
}

/** The drift report as of a moment, with the workspace's configured thresholds. */
export function driftReportFor(deps: Deps, teamId: string, asOf: Date, windowDays?: number): Promise<DriftReport> {
  return getDriftReport(deps.db, {
    teamId,
    asOf,
    ...(windowDays ? { windowDays } : {}),
    minSample: deps.config.review.minSample,
    minEffectPoints: deps.config.review.minEffectPoints,
  });
}

/**
 * Builds the reminder message for `kind` ('due': cadence, 'drift': early review, 'manual':
 * `/icp-review`) as of `asOf`, with the report and the chart series it was built from. A report the
 * caller already computed as of `asOf` (the reminder planner's, for a drift post) is used, not computed again.
 */
export async function composeReminder(
  deps: Deps,
  teamId: string,
  opts: { kind: 'due' | 'drift' | 'manual'; asOf: Date; report?: DriftReport | undefined },
): Promise<{ message: { text: string; blocks: Block[] }; report: DriftReport; series: DriftSeries }> {
  const ctx = await reviewContext(deps, teamId, opts.asOf);
  const [report, monthly, groups, pending] = await Promise.all([
    opts.report ?? driftReportFor(deps, teamId, opts.asOf),
    getDriftSeries(deps.db, { teamId, asOf: opts.asOf }),
    feedbackSummary(deps.db, teamId, ctx.since),
    pendingSuggestion(deps.db, teamId, ctx.icp.version),
  ]);
  // The chart draws each tier's baseline level and shades the recent window: both come from the report.
  const series = withReportContext(monthly, report);
  const message = reminderMessage({
    kind: opts.kind as ReminderKind,
    icp: ctx.icp,
    status: ctx.status,
    report,
    feedback: { since: ctx.since, groups },
    proposal: pending ? { computedAt: pending.computedAt } : null,
    // A scheduled reminder uploads the chart; /icp-review's ephemeral answer cannot carry an image.
    ...(opts.kind === 'manual' ? { trend: series } : {}),
  });
  return { message, report, series };
}

/**
 * The reminder as it reads once handled: same report, "Reviewed by <@U> on <date>" instead of the
 * buttons. `report` is the one stored with the review, so the message and the record agree.
 */
export async function composeReviewed(
  deps: Deps,
  teamId: string,
  opts: { kind: ReminderKind; report: DriftReport; by: string; at: Date; feedbackSince: Date },
): Promise<{ text: string; blocks: Block[] }> {
  const ctx = await reviewContext(deps, teamId, opts.at);
  const groups = await feedbackSummary(deps.db, teamId, opts.feedbackSince);
  return reminderMessage({
    kind: opts.kind,
    icp: ctx.icp,
    status: ctx.status,
    report: opts.report,
    feedback: { since: opts.feedbackSince, groups },
    reviewed: { by: opts.by, at: opts.at },
  });
}
