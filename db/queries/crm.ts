/**
 * CRM connections, one per workspace: every query is scoped by team_id. The token column only ever holds
 * ciphertext (src/crm/secrets.ts); this module never sees a plaintext token.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';
import { type CrmConnectionRow, crmConnections } from '../schema.ts';

export type { CrmConnectionRow };

/** One problem with one CRM record, kept in last_sync_errors. */
export interface CrmSyncProblem {
  object: 'companies' | 'deals';
  id: string;
  property: string;
  value: string;
  problem: string;
}

export interface CrmSyncCounts {
  companies: number;
  deals: number;
  deleted: number;
  merged: number;
  /** Records left out by the last sync (last_sync_errors keeps the first of them). */
  problems?: number;
}

export async function getCrmConnection(db: Db, teamId: string): Promise<CrmConnectionRow | null> {
  const [row] = await db.select().from(crmConnections).where(eq(crmConnections.teamId, teamId)).limit(1);
  return row ?? null;
}

/** Creates the team's connection, or replaces it (a new token starts over with a full sync). */
export async function saveCrmConnection(
  db: Db,
  c: Pick<CrmConnectionRow, 'teamId' | 'provider' | 'tokenEncrypted' | 'scopes' | 'fieldMapping' | 'createdBy'>,
): Promise<CrmConnectionRow> {
  const reset = {
    provider: c.provider,
    tokenEncrypted: c.tokenEncrypted,
    scopes: c.scopes,
    fieldMapping: c.fieldMapping,
    createdBy: c.createdBy,
    syncCursor: null,
    syncCursors: {},
    lastSyncStatus: null,
    lastSyncAt: null,
    lastSyncCounts: null,
    lastSyncErrors: [],
    // A new connection is a new proposal: nothing syncs until an owner confirms it.
    confirmedMapping: null,
    mappingConfirmedBy: null,
    mappingConfirmedAt: null,
    // Writing to the CRM was consented to for the old connection: a new one asks again.
    writebackEnabledBy: null,
    writebackEnabledAt: null,
    lastWriteback: null,
    updatedAt: new Date(),
  };
  const [row] = await db
    .insert(crmConnections)
    .values({ teamId: c.teamId, ...reset })
    .onConflictDoUpdate({ target: crmConnections.teamId, set: reset })
    .returning();
  return row!;
}

/**
 * Replaces the stored (encrypted) credentials after a token refresh, keeping the mapping and cursors.
 * Only the row of this provider is touched: a refresh racing a reconnect to another CRM writes nothing.
 */
export async function updateCrmCredentials(
  db: Db,
  args: { teamId: string; provider: string; tokenEncrypted: string },
): Promise<void> {
  await db
    .update(crmConnections)
    .set({ tokenEncrypted: args.tokenEncrypted, updatedAt: sql`now()` })
    .where(and(eq(crmConnections.teamId, args.teamId), eq(crmConnections.provider, args.provider)));
}

/** Stores the working copy of the mapping (an owner's edits before confirming). */
export async function saveCrmMappingDraft(
  db: Db,
  args: { teamId: string; provider: string; mapping: unknown },
): Promise<void> {
  await db
    .update(crmConnections)
    .set({ fieldMapping: args.mapping, updatedAt: sql`now()` })
    .where(and(eq(crmConnections.teamId, args.teamId), eq(crmConnections.provider, args.provider)));
}

/**
 * Confirms `mapping` as the one syncs use, with who and when. `resync`: it maps records differently
 * from the one confirmed before, so the next sync is a full one; `clearChurn`: the churn signal changed,
 * so the churn events the old signal wrote (source = provider, one per company) go, and the full sync
 * writes them again from the new one. One transaction.
 */
export async function confirmCrmMapping(
  db: Db,
  args: { teamId: string; provider: string; mapping: unknown; userId: string; resync: boolean; clearChurn: boolean },
): Promise<boolean> {
  return db.transaction(async (raw) => {
    const tx = raw as unknown as Db;
    const rows = await tx
      .update(crmConnections)
      .set({
        fieldMapping: args.mapping,
        confirmedMapping: args.mapping,
        mappingConfirmedBy: args.userId,
        mappingConfirmedAt: sql`now()`,
        updatedAt: sql`now()`,
        ...(args.resync ? { syncCursor: null, syncCursors: {} } : {}),
      })
      .where(and(eq(crmConnections.teamId, args.teamId), eq(crmConnections.provider, args.provider)))
      .returning({ id: crmConnections.id });
    if (rows.length > 0 && args.clearChurn) {
      await tx.execute(sql`DELETE FROM churn_events WHERE team_id = ${args.teamId} AND source = ${args.provider}
        AND external_id LIKE 'account:%'`);
    }
    return rows.length > 0;
  });
}

/** Deletes the team's connection (and with it the encrypted token); true when there was one. */
export async function deleteCrmConnection(db: Db, teamId: string): Promise<boolean> {
  const rows = await db
    .delete(crmConnections)
    .where(eq(crmConnections.teamId, teamId))
    .returning({ id: crmConnections.id });
  return rows.length > 0;
}

/** Records how a sync ended; the cursors move only when given (a failed sync keeps the old ones). */
export async function recordCrmSync(
  db: Db,
  args: {
    teamId: string;
    provider: string;
    status: 'ok' | 'partial' | 'failed';
    counts: CrmSyncCounts;
    errors: readonly CrmSyncProblem[];
    /** How many records were left out in all (errors keeps the first of them); errors.length when not given. */
    problemCount?: number;
    /** Each object's new cursor; given only when the sync completed. */
    cursors?: Record<'companies' | 'deals', Date | null>;
  },
): Promise<void> {
  const c = args.cursors;
  const times = c ? [c.companies, c.deals].filter((d): d is Date => d !== null) : [];
  await db
    .update(crmConnections)
    .set({
      lastSyncStatus: args.status,
      lastSyncAt: sql`now()`,
      lastSyncCounts: { ...args.counts, problems: args.problemCount ?? args.errors.length },
      lastSyncErrors: args.errors,
      updatedAt: sql`now()`,
      ...(c
        ? {
            syncCursors: { companies: c.companies?.toISOString() ?? null, deals: c.deals?.toISOString() ?? null },
            // The older of the two: a completed sync with nothing in HubSpot yet still counts as done.
            syncCursor: times.length > 0 ? new Date(Math.min(...times.map((d) => d.getTime()))) : new Date(0),
          }
        : {}),
    })
    .where(and(eq(crmConnections.teamId, args.teamId), eq(crmConnections.provider, args.provider)));
}

/**
 * Removes the team's records HubSpot archived (deleted): accounts or deals with these external ids that
 * came from `source`. Deals of a removed account stay, unlinked (the deals table sets account_id null).
 */
export async function deleteCrmRecords(
  db: Db,
  args: { teamId: string; source: string; object: 'companies' | 'deals'; externalIds: readonly string[] },
): Promise<number> {
  if (args.externalIds.length === 0) return 0;
  const table = args.object === 'companies' ? sql`accounts` : sql`deals`;
  const ids = JSON.stringify(args.externalIds);
  const rows = await queryRows<{ id: number }>(
    db,
    sql`DELETE FROM ${table} WHERE team_id = ${args.teamId} AND source = ${args.source}
      AND external_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb)) RETURNING id`,
  );
  return rows.length;
}

/**
 * Folds accounts HubSpot merged into `survivorExternalId`: their deals, churn events and subscriptions
 * move to the survivor (by link and by CRM id), then the merged accounts are deleted. Returns how many
 * accounts were folded. The survivor must already be written.
 */
export async function mergeCrmAccounts(
  db: Db,
  args: { teamId: string; survivorExternalId: string; mergedExternalIds: readonly string[] },
): Promise<number> {
  const { teamId } = args;
  if (args.mergedExternalIds.length === 0) return 0;
  const ids = JSON.stringify(args.mergedExternalIds);
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`
      WITH survivor AS (
        SELECT id FROM accounts WHERE team_id = ${teamId} AND external_id = ${args.survivorExternalId}
      ), gone AS (
        SELECT id, external_id FROM accounts
        WHERE team_id = ${teamId} AND external_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))
          AND EXISTS (SELECT 1 FROM survivor)
      ), d AS (
        UPDATE deals SET account_id = (SELECT id FROM survivor),
          attributes = deals.attributes || jsonb_build_object('account_external_id', ${args.survivorExternalId}::text)
        WHERE deals.team_id = ${teamId} AND (deals.account_id IN (SELECT id FROM gone)
          OR deals.attributes->>'account_external_id' IN (SELECT external_id FROM gone))
        RETURNING 1
      ), c AS (
        UPDATE churn_events SET account_id = (SELECT id FROM survivor), account_external_id = ${args.survivorExternalId}
        WHERE churn_events.team_id = ${teamId} AND (churn_events.account_id IN (SELECT id FROM gone)
          OR churn_events.account_external_id IN (SELECT external_id FROM gone))
        RETURNING 1
      ), s AS (
        UPDATE subscriptions SET account_id = (SELECT id FROM survivor), account_external_id = ${args.survivorExternalId}
        WHERE subscriptions.team_id = ${teamId} AND (subscriptions.account_id IN (SELECT id FROM gone)
          OR subscriptions.account_external_id IN (SELECT external_id FROM gone))
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM c) + (SELECT count(*) FROM s) AS moved,
        (SELECT count(*)::int FROM gone) AS n`,
  );
  // Deleted after the moves commit within the statement above (a data-modifying CTE cannot see them).
  if (Number(row?.n ?? 0) > 0) {
    await db.execute(
      sql`DELETE FROM accounts WHERE team_id = ${teamId}
        AND external_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))
        AND EXISTS (SELECT 1 FROM accounts s WHERE s.team_id = ${teamId} AND s.external_id = ${args.survivorExternalId})`,
    );
  }
  return Number(row?.n ?? 0);
}

/**
 * Claims one connection whose scheduled sync is due (never synced, or last synced `intervalMs` ago) and
 * whose mapping an owner confirmed, and that no live replica holds: the lease is taken in one UPDATE on the database's clock, and SKIP LOCKED
 * lets replicas claiming at once each take a different row, so each sync runs on one replica only.
 * Returns the team id, or null when nothing is due.
 */
export async function claimDueCrmSync(
  db: Db,
  args: { owner: string; intervalMs: number; leaseMs: number },
): Promise<string | null> {
  const [row] = await queryRows<{ team_id: string }>(
    db,
    sql`
      UPDATE crm_connections SET sync_lease_owner = ${args.owner},
        sync_lease_until = now() + make_interval(secs => ${args.leaseMs / 1000})
      WHERE id = (
        SELECT id FROM crm_connections
        WHERE (sync_lease_until IS NULL OR sync_lease_until < now())
          -- A mapping no owner confirmed is not synced: App Home and icp sync say it waits for them.
          AND confirmed_mapping IS NOT NULL
          AND (last_sync_at IS NULL OR last_sync_at <= now() - make_interval(secs => ${args.intervalMs / 1000}))
        ORDER BY last_sync_at NULLS FIRST, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      )
      RETURNING team_id`,
  );
  return row?.team_id ?? null;
}

/** Extends a lease this owner still holds; false when another replica took it over. */
export async function renewCrmSyncLease(
  db: Db,
  args: { teamId: string; owner: string; leaseMs: number },
): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE crm_connections SET sync_lease_until = now() + make_interval(secs => ${args.leaseMs / 1000})
      WHERE team_id = ${args.teamId} AND sync_lease_owner = ${args.owner} RETURNING id`,
  );
  return rows.length > 0;
}

/** Gives the lease back once the sync ended (the next one is due after the interval). */
export async function releaseCrmSyncLease(db: Db, args: { teamId: string; owner: string }): Promise<void> {
  await db.execute(
    sql`UPDATE crm_connections SET sync_lease_owner = NULL, sync_lease_until = NULL
      WHERE team_id = ${args.teamId} AND sync_lease_owner = ${args.owner}`,
  );
}
