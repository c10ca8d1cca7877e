/**
 * Approving a data-backed ICP in Slack, step by step: compute the suggestion and keep its proposal
 * server-side (buttons carry only its id and the ICP version it was computed against), then either apply
 * it as a new ICP version on top of exactly that version (rescore every account, record the approval as a
 * review) or dismiss it, so the same proposal is not offered again until the data changes it.
 * Only ICP owners (the `owners` of the ICP file, the rule every review action uses) may apply or dismiss.
 */
import { applyIcpOnto } from '../../db/queries/icp.ts';
import { rescoreAll } from '../../db/queries/scores.ts';
import {
  dismissSuggestion as dismissStored,
  getSuggestion,
  markSuggestionApplied,
  type StoredSuggestion,
  saveSuggestion,
} from '../../db/queries/suggestions.ts';
import type { Deps } from '../deps.ts';
import { proposalKey } from '../learn/proposal-key.ts';
import type { LearnOutcome } from '../learn/suggest.ts';
import { isOwner } from '../review/settings.ts';
import { markReviewed } from './mark-reviewed.ts';
import { type IcpSuggestion, suggestIcp } from './suggest-icp.ts';

type SuggestDeps = Pick<Deps, 'db' | 'icp' | 'now'>;

export interface Dismissal {
  by: string;
  at: Date;
  reason: string | null;
}

export interface OfferedProposal {
  /** Row id in icp_suggestions: what the Slack buttons carry. */
  id: number;
  /** The ICP version it was computed against. */
  baseVersion: number;
  /** Set when an owner dismissed this exact proposal before. */
  dismissed: Dismissal | null;
}

export interface Offer {
  suggestion: IcpSuggestion;
  /** The stored proposal; null when the data proposes nothing or exactly the current ICP. */
  proposal: OfferedProposal | null;
  /** The data proposes what the current ICP already is. */
  upToDate: boolean;
  owners: string[];
}

const dismissalOf = (row: StoredSuggestion): Dismissal | null =>
  row.dismissedBy && row.dismissedAt ? { by: row.dismissedBy, at: row.dismissedAt, reason: row.dismissReason } : null;

/**
 * Computes the suggestion for a team (seconds on big data: callers ack first) and stores its proposal,
 * returning whether an owner already dismissed it.
 */
export async function offerSuggestion(
  deps: SuggestDeps,
  args: { teamId: string; outcome?: LearnOutcome; holdoutFrom?: string },
): Promise<Offer> {
  const suggestion = await suggestIcp(deps, { ...args, today: new Date(deps.now()).toISOString().slice(0, 10) });
  const current = await deps.icp.current(args.teamId);
  const owners = [...current.version.spec.owners];
  const p = suggestion.proposal;
  if (!p) return { suggestion, proposal: null, upToDate: false, owners };
  const key = proposalKey(suggestion.outcome, p.spec);
  if (key === proposalKey(suggestion.outcome, current.version.spec)) {
    return { suggestion, proposal: null, upToDate: true, owners };
  }
  const row = await saveSuggestion(deps.db, {
    teamId: args.teamId,
    proposalKey: key,
    outcome: suggestion.outcome,
    baseVersion: suggestion.currentVersion,
    yaml: p.yaml,
    summary: suggestion.summary,
    reasons: p.reasons,
    diff: p.diff,
    computedAt: new Date(deps.now()),
  });
  return {
    suggestion,
    proposal: { id: row.id, baseVersion: suggestion.currentVersion, dismissed: dismissalOf(row) },
    upToDate: false,
    owners,
  };
}

export interface ProposalForReview {
  row: StoredSuggestion;
  /** The ICP version current now (the proposal may have been computed against an older one). */
  currentVersion: number;
  owners: string[];
  canApply: boolean;
}

/** A stored proposal for the review modal, with who may apply it; null when it is not this team's. */
export async function proposalForReview(
  deps: SuggestDeps,
  args: { teamId: string; id: number; userId: string },
): Promise<ProposalForReview | null> {
  const [row, current] = await Promise.all([
    getSuggestion(deps.db, args.teamId, args.id),
    deps.icp.current(args.teamId),
  ]);
  if (!row) return null;
  const owners = [...current.version.spec.owners];
  return { row, currentVersion: current.version.version, owners, canApply: isOwner(owners, args.userId) };
}

export type ApplyOutcome =
  | {
      status: 'applied';
      version: number;
      previous: number;
      changes: string[];
      rescored: { accounts: number; byTier: Record<string, number> };
      reviewId: number;
    }
  | { status: 'stale'; base: number; current: number | null; outcome: LearnOutcome }
  | { status: 'not_owner'; owners: string[] }
  | { status: 'gone' };

/**
 * Applies a stored proposal as version `base + 1`, only while `base` is still the current version (a
 * change made meanwhile is never overwritten: the caller offers to recompute), then rescores every account
 * under it and records the approval as a review (who, when, the note).
 */
export async function applySuggestion(
  deps: Deps,
  args: { teamId: string; id: number; base: number; userId: string; note: string | null },
): Promise<ApplyOutcome> {
  const current = await deps.icp.current(args.teamId);
  const owners = [...current.version.spec.owners];
  if (!isOwner(owners, args.userId)) return { status: 'not_owner', owners };
  const row = await getSuggestion(deps.db, args.teamId, args.id);
  if (!row) return { status: 'gone' };
  const outcome: LearnOutcome = row.outcome === 'churn' ? 'churn' : 'win';
  const applied = await applyIcpOnto(deps.db, {
    teamId: args.teamId,
    source: row.yaml,
    createdBy: args.userId,
    base: args.base,
    origin: 'suggestion',
  });
  if (!applied.ok) return { status: 'stale', base: args.base, current: applied.current, outcome };
  const now = new Date(deps.now());
  const version = applied.result.version.version;
  await markSuggestionApplied(deps.db, { teamId: args.teamId, id: row.id, by: args.userId, at: now, version });
  const icp = await deps.icp.current(args.teamId);
  const rescored = await rescoreAll(deps.db, args.teamId, icp.compiled);
  const note =
    args.note ??
    `Applied the ICP proposed from our own data (${outcome === 'win' ? 'win rate' : 'retention'}) as version ${version}.`;
  const { review } = await markReviewed(deps, {
    teamId: args.teamId,
    reviewedBy: args.userId,
    note,
    icpChanged: true,
    now,
  });
  deps.logger.info('suggested ICP applied', { teamId: args.teamId, suggestionId: row.id, version });
  return {
    status: 'applied',
    version,
    previous: args.base,
    changes: applied.result.changes,
    rescored,
    reviewId: review.id,
  };
}

export type DismissOutcome =
  | { status: 'dismissed'; dismissal: Dismissal }
  | { status: 'not_owner'; owners: string[] }
  | { status: 'gone' };

/** Remembers that an owner dismissed this exact proposal (with an optional reason). */
export async function dismissSuggestion(
  deps: Deps,
  args: { teamId: string; id: number; userId: string; reason: string | null },
): Promise<DismissOutcome> {
  const current = await deps.icp.current(args.teamId);
  const owners = [...current.version.spec.owners];
  if (!isOwner(owners, args.userId)) return { status: 'not_owner', owners };
  const row = await dismissStored(deps.db, {
    teamId: args.teamId,
    id: args.id,
    by: args.userId,
    reason: args.reason,
    at: new Date(deps.now()),
  });
  if (!row) return { status: 'gone' };
  deps.logger.info('suggested ICP dismissed', { teamId: args.teamId, suggestionId: row.id });
  return { status: 'dismissed', dismissal: dismissalOf(row)! };
}
