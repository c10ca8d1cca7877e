/**
 * Use case: write the ICP fit back onto the CRM's companies (HubSpot companies, Salesforce Accounts), on
 * an owner's consent only (issue #15 item 4). The loop is shared; each CRM supplies its consent, its
 * check before a run and its batch update (src/usecases/crm-writeback-targets.ts).
 *
 * 1. enableWriteback (`icp writeback enable`): the CRM's consent step (HubSpot: names missing write
 *    scopes, else creates the properties; Salesforce: checks the Account fields exist and are editable,
 *    else names what to create), then records who consented.
 * 2. runWriteback (after every sync, and `icp writeback run`): scores every company the sync wrote with
 *    the current ICP, compares each one's values with what was last written (crm_writebacks), and
 *    updates only the changed ones, a batch per call (HubSpot 100, Salesforce 200). A company the CRM
 *    refuses is a listed problem, and is tried again next run; a second run over unchanged data writes
 *    nothing.
 * The values and the explanation: src/crm/writeback.ts.
 */
import { getCrmConnection } from '../../db/queries/crm.ts';
import {
  disableWriteback as disableRow,
  enableWriteback as enableRow,
  recordWritebackRun,
  recordWritten,
  syncedAccountsPage,
  type WritebackRun,
  writtenHashes,
} from '../../db/queries/crm-writeback.ts';
import { getCurrentIcp } from '../../db/queries/icp.ts';
import { valuesHash, type WritebackValues, writebackValues } from '../crm/writeback.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { compileIcp, factsFromAccount } from '../icp/engine.ts';
import type { HubSpotFactory } from './crm-credentials.ts';
import { writebackTarget } from './crm-writeback-targets.ts';

type CrmDeps = Pick<Deps, 'config' | 'db' | 'logger'>;
type Factory = HubSpotFactory;

/** Refusals kept on the connection (the count is exact). */
export const MAX_WRITEBACK_PROBLEMS = 100;
const READ_PAGE = 500;

async function connection(deps: CrmDeps, teamId: string) {
  const conn = await getCrmConnection(deps.db, teamId);
  if (!conn) {
    throw new AppError(
      ErrorCode.CrmNotConnected,
      'No CRM is connected: run `icp connect hubspot` or `icp connect salesforce` first.',
    );
  }
  return conn;
}

export interface EnableResult {
  provider: string;
  /** Properties created now (empty: all were there; Salesforce's fields are created by an admin). */
  created: string[];
  properties: string[];
}

/**
 * The owner's consent: refuses in a sentence when the CRM is not ready for it (see the file comment);
 * otherwise turns the write-back on (the next run writes every company).
 */
export async function enableWriteback(
  deps: CrmDeps,
  args: { teamId: string; userId: string; hubspot?: Factory },
): Promise<EnableResult> {
  const conn = await connection(deps, args.teamId);
  const target = writebackTarget(deps, conn, { hubspot: args.hubspot });
  const { created, properties } = await target.enable();
  await enableRow(deps.db, { teamId: args.teamId, userId: args.userId });
  deps.logger.info('CRM write-back enabled', {
    teamId: args.teamId,
    provider: conn.provider,
    userId: args.userId,
    created,
  });
  return { provider: conn.provider, created, properties };
}

/** Turns the write-back off; false when it was not on. The values already in the CRM stay. */
export async function disableWriteback(deps: CrmDeps, teamId: string): Promise<boolean> {
  return disableRow(deps.db, teamId);
}

export interface WritebackDone extends Omit<WritebackRun, 'at' | 'status'> {
  status: 'ok' | 'partial';
  /** The CRM written to (hubspot, salesforce). */
  provider: string;
}
export type WritebackResult = WritebackDone | { status: 'off' } | { status: 'no_icp' };

/**
 * Writes the changed companies' values (see the file comment). 'off' without consent, 'no_icp' before
 * any ICP is applied. `onBatch` runs after every batch call (a scheduled sync renews its lease there).
 */
export async function runWriteback(
  deps: CrmDeps,
  args: { teamId: string; hubspot?: Factory; onBatch?: () => Promise<void> },
): Promise<WritebackResult> {
  const { teamId } = args;
  const enabled = await getCrmConnection(deps.db, teamId);
  // Off (never consented) before anything is asked of a CRM.
  if (enabled && !enabled.writebackEnabledAt) return { status: 'off' };
  const conn = await connection(deps, teamId);
  const current = await getCurrentIcp(deps.db, teamId);
  if (!current) return { status: 'no_icp' };
  const icp = compileIcp(current.spec, current.version);
  const target = writebackTarget(deps, conn, { hubspot: args.hubspot });
  await target.prepare();
  const batchSize = target.batchSize;

  let written = 0;
  let unchanged = 0;
  let refused = 0;
  const problems: WritebackRun['problems'] = [];
  const pending: { id: string; name: string; values: WritebackValues; hash: string }[] = [];
  const flush = async () => {
    const batch = pending.splice(0, batchSize);
    const refusals = await target.update(batch);
    const bad = new Map(refusals.map((r) => [r.id, r.problem]));
    const ok = batch.filter((b) => !bad.has(b.id));
    await recordWritten(deps.db, {
      teamId,
      provider: conn.provider,
      rows: ok.map((b) => ({ externalId: b.id, valuesHash: b.hash, icpVersion: icp.version })),
    });
    written += ok.length;
    for (const b of batch) {
      const problem = bad.get(b.id);
      if (problem === undefined) continue;
      refused++;
      if (problems.length < MAX_WRITEBACK_PROBLEMS) problems.push({ id: b.id, name: b.name, problem });
    }
    await args.onBatch?.();
  };

  let after = 0;
  for (;;) {
    const rows = await syncedAccountsPage(deps.db, { teamId, source: conn.provider, afterId: after, limit: READ_PAGE });
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    const last = await writtenHashes(deps.db, {
      teamId,
      provider: conn.provider,
      externalIds: rows.map((r) => r.externalId!),
    });
    for (const row of rows) {
      const values = writebackValues(icp.score(factsFromAccount(row)), icp.version, row.domain ?? row.name);
      const hash = valuesHash(values);
      if (last.get(row.externalId!) === hash) unchanged++;
      else pending.push({ id: row.externalId!, name: row.name, values, hash });
    }
    while (pending.length >= batchSize) await flush();
  }
  while (pending.length > 0) await flush();

  const run: WritebackRun = {
    at: new Date().toISOString(),
    status: refused > 0 ? 'partial' : 'ok',
    icpVersion: icp.version,
    written,
    unchanged,
    refused,
    problems,
  };
  await recordWritebackRun(deps.db, { teamId, run });
  deps.logger.info('CRM write-back', {
    teamId,
    provider: conn.provider,
    icpVersion: icp.version,
    written,
    unchanged,
    refused,
  });
  return { ...run, provider: conn.provider, status: refused > 0 ? 'partial' : 'ok' };
}

/**
 * The hook a completed sync calls: runs the write-back when it is on. Never fails the sync: a failure is
 * logged, stored as the last write-back's outcome, and returned as a sentence.
 */
export async function writebackAfterSync(
  deps: CrmDeps,
  args: { teamId: string; hubspot?: Factory | undefined; onBatch?: (() => Promise<void>) | undefined },
): Promise<WritebackResult | { status: 'failed'; problem: string }> {
  try {
    return await runWriteback(deps, {
      teamId: args.teamId,
      ...(args.hubspot ? { hubspot: args.hubspot } : {}),
      ...(args.onBatch ? { onBatch: args.onBatch } : {}),
    });
  } catch (err) {
    const problem =
      err instanceof AppError ? err.message : 'the write-back stopped on an unexpected error (see the log)';
    deps.logger.warn('CRM write-back failed after the sync', { teamId: args.teamId }, err);
    await recordWritebackRun(deps.db, {
      teamId: args.teamId,
      run: {
        at: new Date().toISOString(),
        status: 'failed',
        icpVersion: 0,
        written: 0,
        unchanged: 0,
        refused: 0,
        problems: [{ id: '', name: '', problem }],
      },
    }).catch(() => {});
    return { status: 'failed', problem };
  }
}
