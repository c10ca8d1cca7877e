/**
 * When the ICP is next due for review: last review (or, when never reviewed, when the ICP was first
 * applied) plus the cadence from the ICP file. Pure date arithmetic.
 */
const DAY = 86_400_000;

export interface ReviewStatus {
  lastReviewedAt: Date | null;
  dueAt: Date;
  /** Days until due; negative when overdue. */
  daysLeft: number;
  state: 'ok' | 'due_soon' | 'overdue';
}

export function reviewStatus(args: {
  cadenceDays: number;
  remindDaysBefore: number;
  lastReviewedAt: Date | null;
  firstAppliedAt: Date;
  now: Date;
}): ReviewStatus {
  const from = args.lastReviewedAt ?? args.firstAppliedAt;
  const dueAt = new Date(from.getTime() + args.cadenceDays * DAY);
  const daysLeft = Math.floor((dueAt.getTime() - args.now.getTime()) / DAY);
  const state = daysLeft < 0 ? 'overdue' : daysLeft <= args.remindDaysBefore ? 'due_soon' : 'ok';
  return { lastReviewedAt: args.lastReviewedAt, dueAt, daysLeft, state };
}
