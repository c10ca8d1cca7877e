/**
 * Marking the ICP reviewed (the reminder's button and `icp review`): the drift report as of now is stored
 * with the review, against the ICP version in force, so history shows what the reviewer saw.
 */
import { recordReview } from '../../db/queries/reviews.ts';
import type { Deps } from '../deps.ts';
import { driftReportFor, reviewContext } from './reminders/compose.ts';

export interface MarkReviewedRequest {
  teamId: string;
  reviewedBy: string;
  note: string | null;
  icpChanged: boolean;
  now: Date;
}

export async function markReviewed(deps: Deps, req: MarkReviewedRequest) {
  const ctx = await reviewContext(deps, req.teamId, req.now);
  const report = await driftReportFor(deps, req.teamId, req.now);
  const review = await recordReview(deps.db, {
    teamId: req.teamId,
    reviewedBy: req.reviewedBy,
    note: req.note,
    icpChanged: req.icpChanged,
    icpVersion: ctx.icp.version,
    drift: report,
    reviewedAt: req.now,
  });
  deps.logger.info('ICP review recorded', { teamId: req.teamId, reviewId: review.id, icpChanged: req.icpChanged });
  // `since` is the start of the period just reviewed: the confirmation counts feedback from then.
  return { review, report, since: ctx.since };
}
