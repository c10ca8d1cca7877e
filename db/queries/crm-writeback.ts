/**
 * The write-back's rows, every query scoped by team_id: the owner's consent on the connection, what was
 * last written onto each CRM company (a hash of its values), the last run's outcome, and the synced
 * accounts it scores.
 */
import { and, asc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';
import { accounts, crmConnections, crmWritebacks } from '../schema.ts';
import { scoringColumns } from './accounts.ts';

/** The last run, as stored on the connection. */
export interface WritebackRun {
  at: string;
  status: 'ok' | 'partial' | 'failed';
  icpVersion: number;
  written: number;
  unchanged: number;
  refused: number;
  /** The first refusals by CRM id and company name (the count above is exact); a failed run's reason. */
  problems: { id: string; name: string; problem: string }[];
}

/**
 * Records the owner's consent and forgets what was written before (a new consent writes every company
 * once, whatever an earlier connection wrote). False when the team has no connection.
 */
export async function enableWriteback(db: Db, args: { teamId: string; userId: string }): Promise<boolean> {
  return db.transaction(async (raw) => {
    const tx = raw as unknown as Db;
    const rows = await tx
      .update(crmConnections)
      .set({ writebackEnabledBy: args.userId, writebackEnabledAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(crmConnections.teamId, args.teamId))
      .returning({ id: crmConnections.id });
    await tx.delete(crmWritebacks).where(eq(crmWritebacks.teamId, args.teamId));
    return rows.length > 0;
  });
}

/** Turns the write-back off (the values already on the CRM stay there). */
export async function disableWriteback(db: Db, teamId: string): Promise<boolean> {
  const rows = await db
    .update(crmConnections)
    .set({ writebackEnabledBy: null, writebackEnabledAt: null, updatedAt: sql`now()` })
    .where(and(eq(crmConnections.teamId, teamId), isNotNull(crmConnections.writebackEnabledAt)))
    .returning({ id: crmConnections.id });
  return rows.length > 0;
}

/** Forgets what was written for the team (on disconnect). */
export async function deleteWritebackState(db: Db, teamId: string): Promise<void> {
  await db.delete(crmWritebacks).where(eq(crmWritebacks.teamId, teamId));
}

/** The hash last written for each of these CRM ids (absent: never written). */
export async function writtenHashes(
  db: Db,
  args: { teamId: string; provider: string; externalIds: readonly string[] },
): Promise<Map<string, string>> {
  if (args.externalIds.length === 0) return new Map();
  const rows = await queryRows<{ external_id: string; values_hash: string }>(
    db,
    sql`SELECT external_id, values_hash FROM crm_writebacks
         WHERE team_id = ${args.teamId} AND provider = ${args.provider}
           AND external_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(args.externalIds)}::jsonb))`,
  );
  return new Map(rows.map((r) => [r.external_id, r.values_hash]));
}

/** Remembers what was just written onto these companies. */
export async function recordWritten(
  db: Db,
  args: {
    teamId: string;
    provider: string;
    rows: readonly { externalId: string; valuesHash: string; icpVersion: number }[];
  },
): Promise<void> {
  if (args.rows.length === 0) return;
  await db
    .insert(crmWritebacks)
    .values(args.rows.map((r) => ({ teamId: args.teamId, provider: args.provider, ...r })))
    .onConflictDoUpdate({
      target: [crmWritebacks.teamId, crmWritebacks.provider, crmWritebacks.externalId],
      set: {
        valuesHash: sql`excluded.values_hash`,
        icpVersion: sql`excluded.icp_version`,
        writtenAt: sql`now()`,
      },
    });
}

export async function recordWritebackRun(db: Db, args: { teamId: string; run: WritebackRun }): Promise<void> {
  await db
    .update(crmConnections)
    .set({ lastWriteback: args.run, updatedAt: sql`now()` })
    .where(eq(crmConnections.teamId, args.teamId));
}

/** One keyset page of the accounts a CRM sync wrote (source = the provider), with what scoring reads. */
export async function syncedAccountsPage(
  db: Db,
  args: { teamId: string; source: string; afterId: number; limit: number },
) {
  return db
    .select({ ...scoringColumns, externalId: accounts.externalId })
    .from(accounts)
    .where(
      and(
        eq(accounts.teamId, args.teamId),
        eq(accounts.source, args.source),
        isNotNull(accounts.externalId),
        gt(accounts.id, args.afterId),
      ),
    )
    .orderBy(asc(accounts.id))
    .limit(args.limit);
}
