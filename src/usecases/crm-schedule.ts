/**
 * Scheduled CRM syncs: every replica ticks (node-cron, every minute); a tick claims each due connection
 * under a lease row (db/queries/crm.ts claimDueCrmSync), so a workspace's sync runs on one replica per
 * interval however many tick. The lease is renewed after every page; a replica that died mid-sync stops
 * renewing and the next tick after the lease runs out takes the sync over (from the last cursor, since
 * the cursor moves only when a sync completes).
 */
import { claimDueCrmSync, releaseCrmSyncLease, renewCrmSyncLease } from '../../db/queries/crm.ts';
import type { Deps } from '../deps.ts';
import { replicaId, scheduledJob } from '../jobs.ts';
import { type HubSpotFactory, syncCrm } from './crm-sync.ts';

type CrmDeps = Pick<Deps, 'config' | 'db' | 'logger'>;

export interface CrmScheduleOptions {
  /** Identifies this replica in sync_lease_owner. */
  owner: string;
  /** How often each workspace syncs. */
  intervalMs: number;
  /** A lease not renewed for this long belongs to a dead replica. Longer than one page takes. */
  leaseMs: number;
  hubspot?: HubSpotFactory;
}

export interface CrmTick {
  synced: string[];
  failed: string[];
}

class LeaseLost extends Error {}

/** Runs every due sync this replica can claim, one after another; errors are per workspace. */
export async function runDueCrmSyncs(deps: CrmDeps, opts: CrmScheduleOptions): Promise<CrmTick> {
  const result: CrmTick = { synced: [], failed: [] };
  for (;;) {
    const teamId = await claimDueCrmSync(deps.db, opts);
    if (!teamId) return result;
    const lease = { teamId, owner: opts.owner, leaseMs: opts.leaseMs };
    try {
      await syncCrm(deps, {
        teamId,
        ...(opts.hubspot ? { hubspot: opts.hubspot } : {}),
        onPage: async () => {
          if (!(await renewCrmSyncLease(deps.db, lease))) throw new LeaseLost('the sync lease was taken over');
        },
      });
      result.synced.push(teamId);
    } catch (err) {
      // syncCrm has recorded the failure on the connection and logged it; the next interval tries again.
      result.failed.push(teamId);
      if (err instanceof LeaseLost) deps.logger.warn('CRM sync lease lost to another replica', { teamId });
    } finally {
      await releaseCrmSyncLease(deps.db, { teamId, owner: opts.owner });
    }
  }
}

export interface CrmScheduler {
  tick(): Promise<CrmTick>;
  start(): void;
  stop(): Promise<void>;
}

/** The per-minute task; ticks on one replica never overlap. */
export function createCrmScheduler(
  deps: CrmDeps,
  opts: Partial<CrmScheduleOptions> & { intervalMs: number },
): CrmScheduler {
  const options: CrmScheduleOptions = {
    owner: replicaId(),
    leaseMs: 10 * 60_000,
    ...opts,
  };
  return scheduledJob<[], CrmTick>({
    name: `icp-crm-sync-${options.owner}`,
    failure: 'CRM sync tick failed',
    logger: deps.logger,
    run: () => runDueCrmSyncs(deps, options),
  });
}
