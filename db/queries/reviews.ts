/** ICP reviews: who reviewed, when, with what note and which drift figures. */
import { asc, desc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { icpReviews, icpVersions } from '../schema.ts';

export async function lastReview(db: Db, teamId: string) {
  const [row] = await db
    .select()
    .from(icpReviews)
    .where(eq(icpReviews.teamId, teamId))
    .orderBy(desc(icpReviews.reviewedAt), desc(icpReviews.id))
    .limit(1);
  return row ?? null;
}

export async function listReviews(db: Db, teamId: string, limit = 20) {
  return db
    .select()
    .from(icpReviews)
    .where(eq(icpReviews.teamId, teamId))
    .orderBy(desc(icpReviews.reviewedAt), desc(icpReviews.id))
    .limit(limit);
}

export async function recordReview(
  db: Db,
  r: {
    teamId: string;
    reviewedBy: string;
    note: string | null;
    icpChanged: boolean;
    icpVersion: number;
    drift: unknown;
    reviewedAt?: Date;
  },
) {
  const [row] = await db.insert(icpReviews).values(r).returning();
  return row!;
}

/** When the team's first ICP version was applied (the cadence starts there until a first review). */
export async function firstAppliedAt(db: Db, teamId: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: icpVersions.createdAt })
    .from(icpVersions)
    .where(eq(icpVersions.teamId, teamId))
    .orderBy(asc(icpVersions.version))
    .limit(1);
  return row?.at ?? null;
}
