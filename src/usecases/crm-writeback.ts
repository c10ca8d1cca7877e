/**
 * Use case: write the ICP fit back onto the CRM's companies, on an owner's consent only (issue #15 item 4).
 *
 * 1. enableWriteback (`icp writeback enable`): checks the connection has the write scopes (naming the
 *    missing ones), creates the property group and properties on companies when absent (idempotent),
 *    and records who consented.
 * 2. runWriteback (after every sync, and `icp writeback run`): scores every company the sync wrote with
 *    the current ICP, compares each one's values with what was last written (crm_writebacks), and
 *    updates only the changed ones, 100 per batch call, paced by the client's limiter. A company HubSpot
 *    refuses is a listed problem, and is tried again next run; a second run over unchanged data writes
 *    nothing.
 * The values and the explanation: src/crm/writeback.ts; the HubSpot calls: src/crm/hubspot-writeback.ts.
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
import { hubspotAccessTokenInfo } from '../crm/hubspot-oauth.ts';
import { BATCH_UPDATE_SIZE, HUBSPOT_WRITE_SCOPES } from '../crm/hubspot-writeback.ts';
import {
  valuesHash,
  WRITEBACK_GROUP,
  WRITEBACK_PROPERTIES,
  type WritebackValues,
  writebackValues,
} from '../crm/writeback.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { compileIcp, factsFromAccount } from '../icp/engine.ts';
import {
  credentialKeeper,
  type HubSpotFactory,
  hubspotFactory,
  hubspotSession,
  refreshHubSpot,
} from './crm-credentials.ts';

type CrmDeps = Pick<Deps, 'config' | 'db' | 'logger'>;
type Factory = HubSpotFactory;

/** Refusals kept on the connection (the count is exact). */
export const MAX_WRITEBACK_PROBLEMS = 100;
const READ_PAGE = 500;

async function hubspotConnection(deps: CrmDeps, teamId: string) {
  const conn = await getCrmConnection(deps.db, teamId);
  if (!conn) throw new AppError(ErrorCode.CrmNotConnected, 'No CRM is connected: run `icp connect hubspot` first.');
  if (conn.provider !== 'hubspot') {
    throw new AppError(ErrorCode.BadInput, `Writing back is done for HubSpot only so far, not ${conn.provider}.`);
  }
  return conn;
}

export interface EnableResult {
  /** Properties created now (empty: all were there). */
  created: string[];
  properties: string[];
}

/**
 * The owner's consent: refuses, naming them, when the connection lacks the write scopes; otherwise
 * creates what is missing on companies and turns the write-back on (the next run writes every company).
 */
export async function enableWriteback(
  deps: CrmDeps,
  args: { teamId: string; userId: string; hubspot?: Factory },
): Promise<EnableResult> {
  const conn = await hubspotConnection(deps, args.teamId);
  const keeper = credentialKeeper(deps, {
    teamId: args.teamId,
    provider: conn.provider,
    stored: conn.tokenEncrypted,
    refresh: refreshHubSpot(deps),
  });
  const api = hubspotSession(deps, {
    teamId: args.teamId,
    conn,
    factory: args.hubspot ?? hubspotFactory(deps),
    keeper,
  });
  // The scopes the token has now (a private app's can change after connecting).
  const creds = await keeper.current();
  const { scopes } =
    creds.kind === 'oauth'
      ? await hubspotAccessTokenInfo(
          { basePath: deps.config.crm.hubspotApiUrl, retries: deps.config.crm.hubspotRetries },
          creds.accessToken,
        )
      : await api.tokenInfo();
  const missing = HUBSPOT_WRITE_SCOPES.filter((s) => !scopes.includes(s));
  if (missing.length > 0) {
    const how =
      creds.kind === 'oauth'
        ? 'connect again with `icp connect hubspot` and allow them (they are asked as optional scopes)'
        : 'add them to the private app (HubSpot → Settings → Integrations → Private Apps → Scopes)';
    throw new AppError(
      ErrorCode.CrmRefused,
      `Writing to HubSpot needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}, which this connection lacks: ${how}, then run \`icp writeback enable\` again. Nothing was created or written.`,
    );
  }
  const created = await api.ensureCompanyProperties(WRITEBACK_GROUP, WRITEBACK_PROPERTIES);
  await enableRow(deps.db, { teamId: args.teamId, userId: args.userId });
  deps.logger.info('CRM write-back enabled', { teamId: args.teamId, userId: args.userId, created });
  return { created, properties: WRITEBACK_PROPERTIES.map((p) => p.name) };
}

/** Turns the write-back off; false when it was not on. The values already in HubSpot stay. */
export async function disableWriteback(deps: CrmDeps, teamId: string): Promise<boolean> {
  return disableRow(deps.db, teamId);
}

export interface WritebackDone extends Omit<WritebackRun, 'at' | 'status'> {
  status: 'ok' | 'partial';
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
  // Off (never consented, or another CRM, where enabling is refused) before anything is asked of a CRM.
  if (enabled && !enabled.writebackEnabledAt) return { status: 'off' };
  const conn = await hubspotConnection(deps, teamId);
  const current = await getCurrentIcp(deps.db, teamId);
  if (!current) return { status: 'no_icp' };
  const icp = compileIcp(current.spec, current.version);
  const api = hubspotSession(deps, { teamId, conn, factory: args.hubspot ?? hubspotFactory(deps) });
  // Puts back a property someone deleted in HubSpot since (two reads when all are there).
  await api.ensureCompanyProperties(WRITEBACK_GROUP, WRITEBACK_PROPERTIES);

  let written = 0;
  let unchanged = 0;
  let refused = 0;
  const problems: WritebackRun['problems'] = [];
  const pending: { id: string; name: string; values: WritebackValues; hash: string }[] = [];
  const flush = async () => {
    const batch = pending.splice(0, BATCH_UPDATE_SIZE);
    const refusals = await api.updateCompanies(batch.map((b) => ({ id: b.id, properties: b.values })));
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
    while (pending.length >= BATCH_UPDATE_SIZE) await flush();
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
  deps.logger.info('CRM write-back', { teamId, icpVersion: icp.version, written, unchanged, refused });
  return { ...run, status: refused > 0 ? 'partial' : 'ok' };
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
