/**
 * The reminder outbox: a state machine on `reminder_occurrences` that makes each post happen once,
 * however many replicas run.
 *
 *   claim     INSERT … ON CONFLICT DO NOTHING on (team_id, occurrence_key): only the winner goes on
 *   compose   the message (and chart series) is stored on the row, so every attempt posts the same thing
 *   send      claimed → sending (attempts+1) → chat.postMessage → sent with the message ts
 *   retry     a failed post goes to retry (next_attempt_at) or, after the last attempt, failed
 *   lease     a claimed/sending row is held under a lease on the database's clock (`now()` at each
 *             write), renewed every third of `leaseMs` while the instance works on it (composing,
 *             posting, reconciling); one not renewed for `leaseMs` belongs to a dead instance and is
 *             taken over. The lease is longer than a post can take (the Slack client's timeout; it
 *             makes no retries of its own), so even a missed renewal cannot hand over a post in flight.
 *   reconcile a post whose outcome is unknown (5xx, timeout, reset, a dead instance's 'sending' row) is
 *             looked for in the channel before any resend
 *
 * pg-boss 12 (which has a PGlite adapter and job heartbeats) and graphile-worker 0.18 were weighed
 * for this and not used: both are at-least-once queues whose completed jobs do not block a later job
 * with the same key, so the occurrence table (the "posted ever" record) and the Slack reconcile would
 * stay ours and a second state machine would have to agree with it; graphile-worker also needs a `pg`
 * pool (no embedded database) and holds a crashed worker's job for a fixed 4 hours.
 */
import type { DriftSeries } from '../../../db/queries/drift.ts';
import {
  claimOccurrence,
  markFailed,
  markRetry,
  markSending,
  markSent,
  type OccurrenceRow,
  renewLease,
  savePayload,
  takeDueOccurrence,
} from '../../../db/queries/reminders.ts';
import type { Deps } from '../../deps.ts';
import type { DriftReport } from '../../drift/report.ts';
import type { PlannedReminder } from '../../review/plan.ts';
import { classify, type Failure, type ReminderPoster } from './poster.ts';

export interface ComposedReminder {
  message: { text: string; blocks: unknown[] };
  report?: DriftReport;
  series: DriftSeries;
}

export type Composer = (
  deps: Deps,
  teamId: string,
  opts: { kind: 'due' | 'drift' | 'manual'; asOf: Date; report?: DriftReport | undefined },
) => Promise<ComposedReminder>;

/** What was stored at claim time and is posted on every attempt. */
interface StoredPayload {
  message: { text: string; blocks: unknown[] };
  series: DriftSeries | null;
}

export interface TickResult {
  /** Occurrence keys posted in this tick (first attempt or retry). */
  posted: string[];
  /** Keys found already posted in the channel while reconciling: marked sent, not posted again. */
  reconciled: string[];
  /** Keys left for a later tick (Slack rate limit, 5xx, network, compose error). */
  retrying: string[];
  /** Keys given up on (attempts exhausted, or an error retrying cannot fix). */
  failed: string[];
  /** Errors that stopped a workspace's planning, with the team. */
  errors: { teamId: string; error: string }[];
}

export const emptyResult = (): TickResult => ({ posted: [], reconciled: [], retrying: [], failed: [], errors: [] });

export interface OutboxOptions {
  poster: ReminderPoster;
  compose: Composer;
  /** Identifies this replica in claimed_by. */
  instanceId: string;
  /** Attempts per occurrence before it is marked failed. */
  maxAttempts: number;
  /** A 'claimed'/'sending' row not renewed for this long (database clock) belongs to a dead instance. */
  leaseMs: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export interface Outbox {
  /**
   * Claims a planned occurrence and, when this instance won it, composes and posts it. `report` is the
   * drift report planning computed as of `now`, reused by the message (one drift report per post).
   */
  send(
    teamId: string,
    channelId: string,
    p: PlannedReminder,
    now: Date,
    result: TickResult,
    report?: DriftReport,
  ): Promise<void>;
  /** Rows left for later (retry due, or a dead instance's lease expired), taken with SKIP LOCKED. */
  resume(now: Date, result: TickResult): Promise<void>;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function createOutbox(deps: Deps, o: OutboxOptions): Outbox {
  const { db, logger } = deps;

  function backoffMs(attempts: number, retryAfterMs = 0): number {
    const exp = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
    return Math.max(exp, retryAfterMs);
  }

  /** A failed attempt: retry later within the bound, or give up. */
  async function recordFailure(
    row: OccurrenceRow,
    attempts: number,
    f: Failure,
    now: Date,
    result: TickResult,
  ): Promise<void> {
    const retryable = f.kind === 'ambiguous' || f.retryable;
    if (!retryable || attempts >= o.maxAttempts) {
      await markFailed(db, row.id, o.instanceId, `${f.error} (attempt ${attempts} of ${o.maxAttempts})`);
      logger.error(`review reminder ${row.occurrenceKey} for ${row.teamId} failed: ${f.error}`);
      result.failed.push(row.occurrenceKey);
      return;
    }
    const next = new Date(now.getTime() + backoffMs(attempts, f.kind === 'not_sent' ? f.retryAfterMs : 0));
    const error = f.kind === 'ambiguous' ? `ambiguous: ${f.error}` : f.error;
    await markRetry(db, row.id, { instanceId: o.instanceId, error, nextAttemptAt: next });
    logger.warn(`review reminder ${row.occurrenceKey} for ${row.teamId}: ${error}; retry at ${next.toISOString()}`);
    result.retrying.push(row.occurrenceKey);
  }

  /**
   * Runs `work` on a row this instance holds, renewing its lease every third of `leaseMs` until the work
   * is done, so a slow compose, post or reconcile is never mistaken for a dead instance.
   */
  async function holding<T>(row: OccurrenceRow, work: () => Promise<T>): Promise<T> {
    let done = false;
    const renew = () =>
      renewLease(db, row.id, o.instanceId).then(
        (held) => {
          if (!held && !done) logger.warn(`review reminder ${row.occurrenceKey}: lease lost while working on it`);
        },
        (err: unknown) => logger.warn(`review reminder ${row.occurrenceKey}: lease renewal failed`, err),
      );
    const timer = setInterval(() => void renew(), Math.max(10, Math.floor(o.leaseMs / 3)));
    try {
      return await work();
    } finally {
      done = true;
      clearInterval(timer);
    }
  }

  async function loadPayload(row: OccurrenceRow, now: Date, report?: DriftReport): Promise<StoredPayload> {
    const stored = row.payload as StoredPayload | null;
    if (stored?.message) return stored;
    const kind = row.kind === 'drift' ? 'drift' : row.kind === 'manual' ? 'manual' : 'due';
    const composed = await o.compose(deps, row.teamId, { kind, asOf: now, report });
    const payload: StoredPayload = { message: composed.message, series: composed.series ?? null };
    await savePayload(db, row.id, o.instanceId, payload);
    return payload;
  }

  /**
   * Posts a row this instance holds in 'sending' (attempts already counted). When an earlier attempt may
   * have reached Slack, reconciles first: found → sent with its ts; not found → post.
   */
  async function deliver(
    row: OccurrenceRow,
    payload: StoredPayload,
    mayHavePosted: boolean,
    now: Date,
    result: TickResult,
  ): Promise<void> {
    if (mayHavePosted) {
      let found: string | null;
      try {
        found = await o.poster.findPosted(row);
      } catch (err) {
        // Not knowing is not "not posted": try again later rather than risk a second message.
        await recordFailure(row, row.attempts, { ...classify(err), kind: 'ambiguous' }, now, result);
        return;
      }
      if (found) {
        await markSent(db, row.id, found);
        logger.info(`review reminder ${row.occurrenceKey} for ${row.teamId} was already posted (ts ${found})`);
        result.reconciled.push(row.occurrenceKey);
        await o.poster.uploadChart(row, payload.series, found);
        return;
      }
      if (row.attempts > o.maxAttempts) {
        await markFailed(
          db,
          row.id,
          o.instanceId,
          `not posted after ${o.maxAttempts} attempts: ${row.lastError ?? ''}`,
        );
        result.failed.push(row.occurrenceKey);
        return;
      }
      // Reconciling took a while: post only while the row is still ours.
      if (!(await renewLease(db, row.id, o.instanceId))) return;
    }
    let ts: string | undefined;
    try {
      ts = await o.poster.post(row, payload.message);
    } catch (err) {
      await recordFailure(row, row.attempts, classify(err), now, result);
      return;
    }
    if (!ts) {
      await recordFailure(row, row.attempts, { kind: 'ambiguous', error: 'no ts in the answer' }, now, result);
      return;
    }
    await markSent(db, row.id, ts);
    result.posted.push(row.occurrenceKey);
    await o.poster.uploadChart(row, payload.series, ts);
  }

  return {
    async send(teamId, channelId, p, now, result, report) {
      const claimed = await claimOccurrence(db, {
        teamId,
        occurrenceKey: p.occurrenceKey,
        kind: p.kind,
        channelId,
        instanceId: o.instanceId,
      });
      if (!claimed) return;
      await holding(claimed, async () => {
        let payload: StoredPayload;
        try {
          payload = await loadPayload(claimed, now, report);
        } catch (err) {
          logger.error(`review reminder ${claimed.occurrenceKey}: composing failed`, err);
          const f: Failure = { kind: 'not_sent', retryable: true, error: `compose: ${errorText(err)}` };
          await recordFailure(claimed, claimed.attempts + 1, f, now, result);
          return;
        }
        const sending = await markSending(db, claimed.id, o.instanceId);
        if (!sending) return; // another instance took it over after our lease ran out
        await deliver(sending, payload, false, now, result);
      });
    },

    async resume(now, result) {
      // One row at a time, each worked on as soon as it is taken; a bound keeps one pass finite.
      for (let i = 0; i < 20; i++) {
        const row = await takeDueOccurrence(db, { instanceId: o.instanceId, now, leaseMs: o.leaseMs });
        if (!row) return;
        await holding(row, async () => {
          try {
            // attempts was incremented on take-over: above 1 means an earlier attempt may have reached Slack.
            const mayHavePosted = row.previousStatus !== 'claimed' && row.attempts > 1;
            const payload = await loadPayload(row, now);
            await deliver(row, payload, mayHavePosted, now, result);
          } catch (err) {
            logger.error(`review reminder ${row.occurrenceKey}: retry failed`, err);
            await recordFailure(row, row.attempts, { kind: 'ambiguous', error: errorText(err) }, now, result).catch(
              () => undefined,
            );
          }
        });
      }
    },
  };
}
