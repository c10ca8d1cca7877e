/**
 * Reminder occurrences: the rows behind the reminder outbox (src/usecases/reminders/outbox.ts).
 *
 * Life of a row: claimed (the INSERT that won the unique (team_id, occurrence_key)) → sending (attempts+1,
 * just before chat.postMessage) → sent (with the message ts). A failed post goes to retry (with
 * next_attempt_at) or, after the last attempt, failed. Rows are taken over by another instance only
 * through `takeDueOccurrence`, which locks with FOR UPDATE SKIP LOCKED, so no two instances work one row.
 *
 * Leases run on the database's clock: every write stamps `updated_at = now()` (the moment of the write,
 * not the moment the caller's pass started), and a row is stale when `now() - updated_at` exceeds the
 * lease, so replicas with different clocks and passes of any length agree on who holds a row. Retry
 * times (`next_attempt_at`) are the caller's schedule, compared with the caller's clock.
 */
import { and, eq, getTableColumns, inArray, isNotNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { reminderOccurrences as r, reviewSettings } from '../schema.ts';

export type OccurrenceRow = typeof r.$inferSelect;
export type ReviewSettingsRow = typeof reviewSettings.$inferSelect;

const dbNow = sql`now()`;

/** Workspaces with a reminder channel configured. */
export async function listReminderTeams(db: Db): Promise<ReviewSettingsRow[]> {
  return db.select().from(reviewSettings).where(isNotNull(reviewSettings.channelId)).orderBy(reviewSettings.teamId);
}

export async function getOccurrence(db: Db, teamId: string, occurrenceKey: string): Promise<OccurrenceRow | null> {
  const [row] = await db
    .select()
    .from(r)
    .where(and(eq(r.teamId, teamId), eq(r.occurrenceKey, occurrenceKey)))
    .limit(1);
  return row ?? null;
}

/**
 * Claims an occurrence: INSERT … ON CONFLICT (team_id, occurrence_key) DO NOTHING. Returns the row when
 * this instance won, null when any instance (this one included) claimed it before.
 */
export async function claimOccurrence(
  db: Db,
  o: { teamId: string; occurrenceKey: string; kind: string; channelId: string; instanceId: string },
): Promise<OccurrenceRow | null> {
  const [row] = await db
    .insert(r)
    .values({
      teamId: o.teamId,
      occurrenceKey: o.occurrenceKey,
      kind: o.kind,
      status: 'claimed',
      channelId: o.channelId,
      claimedBy: o.instanceId,
      createdAt: dbNow,
      updatedAt: dbNow,
    })
    .onConflictDoNothing({ target: [r.teamId, r.occurrenceKey] })
    .returning();
  return row ?? null;
}

/** Stores what will be posted, so a retry posts the same message (and chart) the first attempt composed. */
export async function savePayload(db: Db, id: number, instanceId: string, payload: unknown): Promise<void> {
  await db
    .update(r)
    .set({ payload, updatedAt: dbNow })
    .where(and(eq(r.id, id), eq(r.claimedBy, instanceId)));
}

/**
 * claimed → sending, attempts+1, only while this instance still holds the row (a row taken over after
 * its lease expired belongs to the other instance). Returns the updated row or null.
 */
export async function markSending(db: Db, id: number, instanceId: string): Promise<OccurrenceRow | null> {
  const [row] = await db
    .update(r)
    .set({ status: 'sending', attempts: sql`${r.attempts} + 1`, updatedAt: dbNow })
    .where(and(eq(r.id, id), eq(r.claimedBy, instanceId), eq(r.status, 'claimed')))
    .returning();
  return row ?? null;
}

/** Renews the lease of a row this instance is working on; false when it no longer holds it. */
export async function renewLease(db: Db, id: number, instanceId: string): Promise<boolean> {
  const rows = await db
    .update(r)
    .set({ updatedAt: dbNow })
    .where(and(eq(r.id, id), eq(r.claimedBy, instanceId), inArray(r.status, ['claimed', 'sending'])))
    .returning({ id: r.id });
  return rows.length > 0;
}

/** Posted (the ts is a fact whoever holds the row now, so it is recorded regardless). */
export async function markSent(db: Db, id: number, messageTs: string): Promise<void> {
  await db
    .update(r)
    .set({ status: 'sent', messageTs, nextAttemptAt: null, lastError: null, updatedAt: dbNow })
    .where(eq(r.id, id));
}

/** Back to the queue at `nextAttemptAt`, only while this instance holds the row and it is not sent. */
export async function markRetry(
  db: Db,
  id: number,
  o: { instanceId: string; error: string; nextAttemptAt: Date },
): Promise<void> {
  await db
    .update(r)
    .set({ status: 'retry', lastError: o.error, nextAttemptAt: o.nextAttemptAt, updatedAt: dbNow })
    .where(and(eq(r.id, id), eq(r.claimedBy, o.instanceId), ne(r.status, 'sent')));
}

/** Given up, only while this instance holds the row and it is not sent. */
export async function markFailed(db: Db, id: number, instanceId: string, error: string): Promise<void> {
  await db
    .update(r)
    .set({ status: 'failed', lastError: error, nextAttemptAt: null, updatedAt: dbNow })
    .where(and(eq(r.id, id), eq(r.claimedBy, instanceId), ne(r.status, 'sent')));
}

/**
 * Takes over one row that needs work, atomically and without waiting on other instances: a 'retry' row
 * whose next_attempt_at has passed (`now`, the caller's clock), or a 'claimed'/'sending' row whose lease
 * ran out by the database's clock (a crashed or hung instance). The row becomes 'sending', owned by
 * `instanceId`, with attempts+1 and a fresh lease. `FOR UPDATE SKIP LOCKED` makes concurrent takers get
 * different rows. One at a time: a row taken is worked on at once, under a lease this instance renews.
 *
 * `previousStatus` tells the caller whether a post may already have happened (anything but a stale
 * 'claimed' row, which never reached chat.postMessage).
 */
export async function takeDueOccurrence(
  db: Db,
  o: { instanceId: string; now: Date; leaseMs: number },
): Promise<(OccurrenceRow & { previousStatus: string }) | null> {
  const picked = db.$with('picked').as(
    db
      .select({ id: r.id, previousStatus: sql<string>`${r.status}`.as('previous_status') })
      .from(r)
      .where(
        or(
          and(eq(r.status, 'retry'), lte(r.nextAttemptAt, o.now)),
          and(
            inArray(r.status, ['claimed', 'sending']),
            sql`${r.updatedAt} < now() - ${o.leaseMs} * interval '1 millisecond'`,
          ),
        ),
      )
      .orderBy(r.id)
      .limit(1)
      .for('update', { skipLocked: true }),
  );
  const [row] = await db
    .with(picked)
    .update(r)
    .set({
      status: 'sending',
      claimedBy: o.instanceId,
      attempts: sql`${r.attempts} + 1`,
      nextAttemptAt: null,
      updatedAt: dbNow,
    })
    .from(picked)
    .where(eq(r.id, picked.id))
    .returning({ ...getTableColumns(r), previousStatus: picked.previousStatus });
  return row ?? null;
}

/** Every occurrence of a team, oldest first (tests, `icp remind` output). */
export async function listOccurrences(db: Db, teamId?: string): Promise<OccurrenceRow[]> {
  const q = db.select().from(r);
  return (teamId ? q.where(eq(r.teamId, teamId)) : q).orderBy(r.id);
}
