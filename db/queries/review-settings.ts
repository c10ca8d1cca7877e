/** Per-workspace review reminder settings: channel, local time of day, timezone, snooze. */
import { eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { reviewSettings } from '../schema.ts';

export type ReviewSettingsRow = typeof reviewSettings.$inferSelect;

export async function getReviewSettings(db: Db, teamId: string): Promise<ReviewSettingsRow | null> {
  const [row] = await db.select().from(reviewSettings).where(eq(reviewSettings.teamId, teamId)).limit(1);
  return row ?? null;
}

/** Inserts or updates the given columns (others keep their value or default). */
export async function upsertReviewSettings(
  db: Db,
  teamId: string,
  patch: Partial<Pick<ReviewSettingsRow, 'channelId' | 'timeOfDay' | 'timezone' | 'snoozedUntil'>> & {
    updatedBy: string;
  },
): Promise<ReviewSettingsRow> {
  const set = { ...patch, updatedAt: new Date() };
  const [row] = await db
    .insert(reviewSettings)
    .values({ teamId, ...set })
    .onConflictDoUpdate({ target: reviewSettings.teamId, set })
    .returning();
  return row!;
}
