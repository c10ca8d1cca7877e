/** The log of every check, and "wrong tier?" feedback. */
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { GroupCommit, ItemFailed, perHandle } from '../group-commit.ts';
import { jsonParam, preparedRows, queryRows } from '../raw.ts';
import { checks, tierFeedback } from '../schema.ts';

export interface CheckLogEntry {
  teamId: string;
  userId: string;
  query: string;
  accountId: number | null;
  companyName: string | null;
  score: number | null;
  tier: string | null;
  icpVersion: number | null;
  latencyMs: number;
  result: unknown;
}

/**
 * Writing the check log. /icp-check answers first and writes its log row right behind the answer
 * (`reserveCheckId` + `writeCheck`): the row's id is known before the answer goes out (its buttons carry
 * it), and the write does not add a round trip to the answer. Anything in this process that reads a
 * check (`getCheck`: Share, the modals) first waits for that check's pending write; `flushCheckLog`
 * waits for all of them (shutdown, tests). `logCheck` is the same, awaited.
 *
 * Concurrent writes on one database handle share one INSERT (group commit). The INSERT commits
 * asynchronously (`synchronous_commit = off` for its transaction only): a crash of the database server
 * itself could lose the last fraction of a second of check-log rows (never corrupt anything); every
 * other write (imports, reviews, reminders) stays fully durable.
 */
const INSERT = `
  insert into checks (id, team_id, user_id, query, account_id, company_name, score, tier, icp_version, latency_ms,
    result)
  select x.id, x.team_id, x.user_id, x.query, x.account_id, x.company_name, x.score, x.tier, x.icp_version,
    x.latency_ms, x.result
  from jsonb_to_recordset($1::jsonb) as x(id int, team_id text, user_id text, query text, account_id int,
    company_name text, score double precision, tier text, icp_version int, latency_ms int, result jsonb),
    (select set_config('synchronous_commit', 'off', true)) as async_commit`;

type Write = { id: number; entry: CheckLogEntry };

async function insertMany(db: Db, writes: Write[]): Promise<void> {
  const rows = writes.map(({ id, entry: e }) => ({
    id,
    team_id: e.teamId,
    user_id: e.userId,
    query: e.query,
    account_id: e.accountId,
    company_name: e.companyName,
    score: e.score,
    tier: e.tier,
    icp_version: e.icpVersion,
    latency_ms: e.latencyMs,
    result: e.result ?? null,
  }));
  await preparedRows(db, 'log_checks', INSERT, [jsonParam(rows)]);
}

/** Check-log writes gather this long before an INSERT starts: nobody waits on them (see above). */
const WRITE_LINGER_MS = 5;

const writer = perHandle(
  (db: Db) =>
    new GroupCommit<Write, true>(
      async (batch) => {
        try {
          await insertMany(db, batch);
          return batch.map(() => true as const);
        } catch (err) {
          if (batch.length === 1) throw err;
          // One bad entry must not lose the others: insert them one by one (each fails on its own).
          return Promise.all(
            batch.map((w) =>
              insertMany(db, [w]).then(
                () => true as const,
                (e2: unknown) => new ItemFailed(e2),
              ),
            ),
          );
        }
      },
      256,
      WRITE_LINGER_MS,
    ),
);

/**
 * Check ids reserved from the sequence in blocks, one statement per block, shared by concurrent callers
 * and fetched ahead of need.
 */
class IdBlocks {
  private ids: number[] = [];
  private refill: Promise<void> | undefined;
  constructor(private readonly db: Db) {}

  async next(): Promise<number> {
    while (this.ids.length === 0) await this.startRefill();
    // Fetch the next block while a quarter of this one is left, so no check waits for it.
    if (this.ids.length <= ID_BLOCK / 4) this.startRefill().catch(() => {});
    return this.ids.shift() as number;
  }

  private startRefill(): Promise<void> {
    this.refill ??= this.fetch().finally(() => {
      this.refill = undefined;
    });
    return this.refill;
  }

  private async fetch(): Promise<void> {
    const rows = await preparedRows<{ id: number }>(
      this.db,
      'reserve_check_ids',
      `select nextval('checks_id_seq')::int as id from generate_series(1, ${ID_BLOCK})`,
      [],
    );
    this.ids.push(...rows.map((r) => Number(r.id)));
  }
}
const ID_BLOCK = 64;
const idBlocks = perHandle((db: Db) => new IdBlocks(db));

/** Per handle: writes in flight by check id, settled to the error (or null) so nothing goes unhandled. */
const pending = perHandle((_db: Db) => new Map<number, Promise<unknown>>());

/** An id for a check about to be logged (usually without a round trip: ids come in blocks). */
export function reserveCheckId(db: Db): Promise<number> {
  return idBlocks(db).next();
}

/** Queues the log row of check `id`; resolves when it is committed, rejects if it could not be. */
export function writeCheck(db: Db, id: number, entry: CheckLogEntry): Promise<void> {
  const write = writer(db).submit({ id, entry });
  const inFlight = pending(db);
  const settled = write.then(
    () => null,
    (err: unknown) => err ?? new Error('check log write failed'),
  );
  inFlight.set(id, settled);
  void settled.then(() => inFlight.delete(id));
  return settled.then((err) => {
    if (err !== null) throw err;
  });
}

/** Logs a check and returns its id once the row is committed. */
export async function logCheck(db: Db, entry: CheckLogEntry): Promise<number> {
  const id = await reserveCheckId(db);
  await writeCheck(db, id, entry);
  return id;
}

/** Resolves when every check write queued on this handle so far is settled (shutdown, tests). */
export async function flushCheckLog(db: Db): Promise<void> {
  await Promise.all(pending(db).values());
}

export async function getCheck(db: Db, teamId: string, id: number) {
  await pending(db).get(id); // a check answered a moment ago may still be on its way to the table
  const [row] = await db
    .select()
    .from(checks)
    .where(and(eq(checks.teamId, teamId), eq(checks.id, id)))
    .limit(1);
  return row ?? null;
}

export async function recentChecks(db: Db, teamId: string, userId: string, limit = 5) {
  await flushCheckLog(db); // include checks answered a moment ago whose rows are still on their way
  return db
    .select({
      id: checks.id,
      query: checks.query,
      companyName: checks.companyName,
      score: checks.score,
      tier: checks.tier,
      icpVersion: checks.icpVersion,
      createdAt: checks.createdAt,
    })
    .from(checks)
    .where(and(eq(checks.teamId, teamId), eq(checks.userId, userId)))
    .orderBy(desc(checks.createdAt), desc(checks.id))
    .limit(limit);
}

export async function recordTierFeedback(
  db: Db,
  fb: {
    teamId: string;
    userId: string;
    checkId: number | null;
    accountId: number | null;
    companyName: string | null;
    givenTier: string | null;
    expectedTier: string | null;
    reason: string;
    note: string | null;
    icpVersion: number | null;
  },
): Promise<number> {
  const [row] = await db.insert(tierFeedback).values(fb).returning({ id: tierFeedback.id });
  return row!.id;
}

/** Feedback since a moment, grouped by reason, for review reminders. */
export async function feedbackSummary(db: Db, teamId: string, since: Date) {
  const rows = await queryRows<{ reason: string; n: number; companies: string[] }>(
    db,
    sql`SELECT reason, count(*)::int AS n, (array_agg(DISTINCT company_name))[1:5] AS companies
          FROM tier_feedback WHERE team_id = ${teamId} AND created_at >= ${since.toISOString()}
         GROUP BY reason ORDER BY n DESC`,
  );
  return rows;
}

export async function feedbackSince(db: Db, teamId: string, since: Date) {
  return db
    .select()
    .from(tierFeedback)
    .where(and(eq(tierFeedback.teamId, teamId), gte(tierFeedback.createdAt, since)))
    .orderBy(desc(tierFeedback.createdAt));
}
