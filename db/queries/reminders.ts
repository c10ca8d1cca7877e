/**
 * Reminder occurrences: the bookkeeping that makes a scheduled post exactly-once across replicas.
 *
 * Life of a row: claimed (the INSERT that won the unique (team_id, occurrence_key)) → sending (attempts+1,
 * just before chat.postMessage) → sent (with the message ts). A failed post goes to retry (with
 * next_attempt_at) or, after the last attempt, failed. Rows are taken over by another instance only
 * through `takeDueOccurrences`, which locks with FOR UPDATE SKIP LOCKED, so no two instances work one row.
 * Every timestamp comes from the caller's clock (tests drive a fake one).
 */
import { and, eq, getTableColumns, inArray, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { reminderOccurrences, reviewSettings } from '../schema.ts';

export type OccurrenceRow = typeof reminderOccurrences.$inferSelect;
export type ReviewSettingsRow = typeof reviewSettings.$inferSelect;

/** Workspaces with a reminder channel configured. */
export async function listReminderTeams(db: Db): Promise<ReviewSettingsRow[]> {
  return db.select().from(reviewSettings).where(isNotNull(reviewSettings.channelId)).orderBy(reviewSettings.teamId);
}

export async function getOccurrence(db: Db, teamId: string, occurrenceKey: string): Promise<OccurrenceRow | null> {
  const [row] = await db
    .select()
    .from(reminderOccurrences)
    .where(and(eq(reminderOccurrences.teamId, teamId), eq(reminderOccurrences.occurrenceKey, occurrenceKey)))
    .limit(1);
  return row ?? null;
}

/**
 * Claims an occurrence: INSERT … ON CONFLICT (team_id, occurrence_key) DO NOTHING. Returns the row when
 * this instance won, null when any instance (this one included) claimed it before.
 */
export async function claimOccurrence(
  db: Db,
  o: { teamId: string; occurrenceKey: string; kind: string; channelId: string; instanceId: string; now: Date },
): Promise<OccurrenceRow | null> {
  const [row] = await db
    .insert(reminderOccurrences)
    .values({
      teamId: o.teamId,
      occurrenceKey: o.occurrenceKey,
      kind: o.kind,
      status: 'claimed',
      channelId: o.channelId,
      claimedBy: o.instanceId,
      createdAt: o.now,
      updatedAt: o.now,
    })
    .onConflictDoNothing({ target: [reminderOccurrences.teamId, reminderOccurrences.occurrenceKey] })
    .returning();
  return row ?? null;
}

/** Stores what will be posted, so a retry posts the same message (and chart) the first attempt composed. */
export async function savePayload(db: Db, id: number, payload: unknown, now: Date): Promise<void> {
  await db.update(reminderOccurrences).set({ payload, updatedAt: now }).where(eq(reminderOccurrences.id, id));
}

/**
 * claimed → sending, attempts+1, only while this instance still holds the row (a row taken over after
 * its lease expired belongs to the other instance). Returns the updated row or null.
 */
export async function markSending(db: Db, id: number, instanceId: string, now: Date): Promise<OccurrenceRow | null> {
  const [row] = await db
    .update(reminderOccurrences)
    .set({ status: 'sending', attempts: sql`${reminderOccurrences.attempts} + 1`, updatedAt: now })
    .where(
      and(
        eq(reminderOccurrences.id, id),
        eq(reminderOccurrences.claimedBy, instanceId),
        sql`${reminderOccurrences.status} = 'claimed'`,
      ),
    )
    .returning();
  return row ?? null;
}

/** Renews the lease of a row this instance is working on (before a slow step such as reconciling). */
export async function touchOccurrence(db: Db, id: number, instanceId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(reminderOccurrences)
    .set({ updatedAt: now })
    .where(
      and(
        eq(reminderOccurrences.id, id),
        eq(reminderOccurrences.claimedBy, instanceId),
        sql`${reminderOccurrences.status} = 'sending'`,
      ),
    )
    .returning({ id: reminderOccurrences.id });
  return rows.length > 0;
}

export async function markSent(db: Db, id: number, messageTs: string, now: Date): Promise<void> {
  await db
    .update(reminderOccurrences)
    .set({ status: 'sent', messageTs, nextAttemptAt: null, lastError: null, updatedAt: now })
    .where(eq(reminderOccurrences.id, id));
}

export async function markRetry(
  db: Db,
  id: number,
  r: { error: string; nextAttemptAt: Date; now: Date },
): Promise<void> {
  await db
    .update(reminderOccurrences)
    .set({ status: 'retry', lastError: r.error, nextAttemptAt: r.nextAttemptAt, updatedAt: r.now })
    .where(and(eq(reminderOccurrences.id, id), sql`${reminderOccurrences.status} <> 'sent'`));
}

export async function markFailed(db: Db, id: number, error: string, now: Date): Promise<void> {
  await db
    .update(reminderOccurrences)
    .set({ status: 'failed', lastError: error, nextAttemptAt: null, updatedAt: now })
    .where(and(eq(reminderOccurrences.id, id), sql`${reminderOccurrences.status} <> 'sent'`));
}

/**
 * Takes over rows that need work, atomically and without waiting on other instances: 'retry' rows whose
 * next_attempt_at has passed, and 'claimed'/'sending' rows whose holder has not touched them for
 * `leaseMs` (a crashed or hung instance). Each taken row becomes 'sending', owned by `instanceId`, with
 * attempts+1. `FOR UPDATE SKIP LOCKED` makes concurrent takers split the rows instead of sharing them;
 * the fresh updated_at keeps them out of everyone else's stale set afterwards.
 *
 * `previousStatus` tells the caller whether a post may already have happened (anything but a stale
 * 'claimed' row, which never reached chat.postMessage).
 */
export async function takeDueOccurrences(
  db: Db,
  o: { instanceId: string; now: Date; leaseMs: number; limit?: number },
): Promise<(OccurrenceRow & { previousStatus: string })[]> {
  const r = reminderOccurrences;
  const staleBefore = new Date(o.now.getTime() - o.leaseMs);
  const picked = db.$with('picked').as(
    db
      .select({ id: r.id, previousStatus: sql<string>`${r.status}`.as('previous_status') })
      .from(r)
      .where(
        or(
          and(eq(r.status, 'retry'), lte(r.nextAttemptAt, o.now)),
          and(inArray(r.status, ['claimed', 'sending']), lt(r.updatedAt, staleBefore)),
        ),
      )
      .orderBy(r.id)
      .limit(o.limit ?? 20)
      .for('update', { skipLocked: true }),
  );
  return db
    .with(picked)
    .update(r)
    .set({
      status: 'sending',
      claimedBy: o.instanceId,
      attempts: sql`${r.attempts} + 1`,
      nextAttemptAt: null,
      updatedAt: o.now,
    })
    .from(picked)
    .where(eq(r.id, picked.id))
    .returning({ ...getTableColumns(r), previousStatus: picked.previousStatus });
}

/** Every occurrence of a team, oldest first (tests, `icp remind` output). */
export async function listOccurrences(db: Db, teamId?: string): Promise<OccurrenceRow[]> {
  const q = db.select().from(reminderOccurrences);
  return (teamId ? q.where(eq(reminderOccurrences.teamId, teamId)) : q).orderBy(reminderOccurrences.id);
}
