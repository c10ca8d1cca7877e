/**
 * Stored ICP proposals (`/icp-review suggest`): saved when computed so buttons carry an id, dismissed or
 * applied by an owner. Every query is scoped by team_id: an id from another workspace finds nothing.
 */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { type IcpSuggestionRow, icpSuggestions } from '../schema.ts';

export type StoredSuggestion = IcpSuggestionRow;

export interface NewSuggestion {
  teamId: string;
  proposalKey: string;
  outcome: string;
  baseVersion: number;
  yaml: string;
  summary: string;
  reasons: string[];
  diff: string[];
  computedAt: Date;
}

/**
 * Saves a computed proposal; the same proposal computed again (same key) updates its figures and base
 * version but keeps who dismissed or applied it.
 */
export async function saveSuggestion(db: Db, s: NewSuggestion): Promise<StoredSuggestion> {
  const [row] = await db
    .insert(icpSuggestions)
    .values(s)
    .onConflictDoUpdate({
      target: [icpSuggestions.teamId, icpSuggestions.proposalKey],
      set: {
        outcome: sql`excluded.outcome`,
        baseVersion: sql`excluded.base_version`,
        yaml: sql`excluded.yaml`,
        summary: sql`excluded.summary`,
        reasons: sql`excluded.reasons`,
        diff: sql`excluded.diff`,
        computedAt: sql`excluded.computed_at`,
      },
    })
    .returning();
  return row!;
}

export async function getSuggestion(db: Db, teamId: string, id: number): Promise<StoredSuggestion | null> {
  const [row] = await db
    .select()
    .from(icpSuggestions)
    .where(and(eq(icpSuggestions.teamId, teamId), eq(icpSuggestions.id, id)))
    .limit(1);
  return row ?? null;
}

/** Records a dismissal (the latest one wins); null when the proposal is not this team's. */
export async function dismissSuggestion(
  db: Db,
  args: { teamId: string; id: number; by: string; reason: string | null; at: Date },
): Promise<StoredSuggestion | null> {
  const [row] = await db
    .update(icpSuggestions)
    .set({ dismissedBy: args.by, dismissedAt: args.at, dismissReason: args.reason })
    .where(and(eq(icpSuggestions.teamId, args.teamId), eq(icpSuggestions.id, args.id)))
    .returning();
  return row ?? null;
}

export async function markSuggestionApplied(
  db: Db,
  args: { teamId: string; id: number; by: string; at: Date; version: number },
): Promise<void> {
  await db
    .update(icpSuggestions)
    .set({ appliedBy: args.by, appliedAt: args.at, appliedVersion: args.version })
    .where(and(eq(icpSuggestions.teamId, args.teamId), eq(icpSuggestions.id, args.id)));
}

/**
 * The newest proposal computed against `baseVersion` that nobody dismissed or applied: what the reminder and
 * App Home point to. A dismissed proposal is not pointed to again until new data yields a different one.
 */
export async function pendingSuggestion(db: Db, teamId: string, baseVersion: number): Promise<StoredSuggestion | null> {
  const [row] = await db
    .select()
    .from(icpSuggestions)
    .where(
      and(
        eq(icpSuggestions.teamId, teamId),
        eq(icpSuggestions.baseVersion, baseVersion),
        isNull(icpSuggestions.dismissedAt),
        isNull(icpSuggestions.appliedAt),
      ),
    )
    .orderBy(desc(icpSuggestions.computedAt), desc(icpSuggestions.id))
    .limit(1);
  return row ?? null;
}
