/**
 * CRM connections, one per workspace: every query is scoped by team_id. The token column only ever holds
 * ciphertext (src/crm/secrets.ts); this module never sees a plaintext token.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
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
    lastSyncStatus: null,
    lastSyncAt: null,
    lastSyncCounts: null,
    lastSyncErrors: [],
    updatedAt: new Date(),
  };
  const [row] = await db
    .insert(crmConnections)
    .values({ teamId: c.teamId, ...reset })
    .onConflictDoUpdate({ target: crmConnections.teamId, set: reset })
    .returning();
  return row!;
}

/** Deletes the team's connection (and with it the encrypted token); true when there was one. */
export async function deleteCrmConnection(db: Db, teamId: string): Promise<boolean> {
  const rows = await db
    .delete(crmConnections)
    .where(eq(crmConnections.teamId, teamId))
    .returning({ id: crmConnections.id });
  return rows.length > 0;
}

/** Records how a sync ended; the cursor moves only when given (a failed sync keeps the old one). */
export async function recordCrmSync(
  db: Db,
  args: {
    teamId: string;
    provider: string;
    status: 'ok' | 'partial' | 'failed';
    counts: CrmSyncCounts;
    errors: readonly CrmSyncProblem[];
    cursor?: Date | null;
  },
): Promise<void> {
  await db
    .update(crmConnections)
    .set({
      lastSyncStatus: args.status,
      lastSyncAt: sql`now()`,
      lastSyncCounts: args.counts,
      lastSyncErrors: args.errors,
      updatedAt: sql`now()`,
      ...(args.cursor === undefined ? {} : { syncCursor: args.cursor }),
    })
    .where(and(eq(crmConnections.teamId, args.teamId), eq(crmConnections.provider, args.provider)));
}
