/**
 * Use case: sync a workspace's CRM companies and deals into the same tables the CSV import writes, and
 * connect HubSpot with a token. The steps are written here in order; the provider supplies the pages
 * (src/crm/source.ts: HubSpot in src/crm/hubspot-source.ts), the mapping is src/crm/mapping.ts, the
 * writes db/queries. Connecting by OAuth and disconnecting: src/usecases/crm-oauth.ts; tokens refreshed
 * before they expire: src/usecases/crm-credentials.ts.
 *
 * A sync is a full one the first time and incremental afterwards (records the CRM changed after each
 * object's cursor). Each page is written in its own
 * transaction, all of it or none of it; records the CRM holds that the import would refuse (a company
 * without a name, an amount that is not a number) are left out and listed in the connection's
 * last-sync errors, never dropped silently.
 */
import type { Db } from '../../db/client.ts';
import { refreshNameWords } from '../../db/queries/accounts.ts';
import {
  type CrmConnectionRow,
  type CrmSyncCounts,
  type CrmSyncProblem,
  deleteCrmRecords,
  getCrmConnection,
  mergeCrmAccounts,
  recordCrmSync,
  saveCrmConnection,
} from '../../db/queries/crm.ts';
import { linkChurn, linkDeals, refreshImportStatistics } from '../../db/queries/import.ts';
import { type CrmCredentials, sealCredentials } from '../crm/credentials.ts';
import { HUBSPOT_REQUIRED_SCOPES, type HubSpotApi } from '../crm/hubspot.ts';
import { hubspotSource } from '../crm/hubspot-source.ts';
import { buildRecords } from '../crm/mapping.ts';
import { type CrmMapping, propertiesToRead, proposeMapping, readMapping } from '../crm/mapping-review.ts';
import { salesforceSource } from '../crm/salesforce-source.ts';
import type { CrmMerge, CrmObject, CrmRecord, CrmSource } from '../crm/source.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { importRows } from '../metrics.ts';
import { type HubSpotFactory, hubspotFactory, hubspotSession } from './crm-credentials.ts';
import { CONFIRM_HINT } from './crm-mapping.ts';
import { salesforceSession } from './crm-salesforce.ts';
import { writebackAfterSync } from './crm-writeback.ts';
import { statisticsKeeper, writeBatch } from './import-writes.ts';

export { SEARCH_RESULT_LIMIT } from '../crm/hubspot-source.ts';
/** How far before its cursor an incremental sync starts reading (see readFrom in syncCrm). */
export const CURSOR_OVERLAP_MS = 5 * 60_000;
/** Problems kept on the connection (the count is always exact). */
export const MAX_SYNC_PROBLEMS = 500;

type CrmDeps = Pick<Deps, 'config' | 'db' | 'logger'>;

export type { HubSpotFactory } from './crm-credentials.ts';

export interface ConnectResult {
  provider: 'hubspot';
  hubId: number | null;
  scopes: string[];
  /** The proposal, waiting for an owner's confirmation. */
  mapping: CrmMapping;
}

/**
 * Checks a HubSpot private-app token and the scopes the sync needs, proposes the mapping (fields, deal
 * stages from the pipelines, the churn signal) for an owner to confirm, and stores the connection with
 * the token encrypted. Refuses (before calling HubSpot) without
 * CRM_ENCRYPTION_KEY, and names every missing scope.
 */
export async function connectHubSpot(
  deps: CrmDeps,
  args: { teamId: string; userId: string; token: string; hubspot?: HubSpotFactory },
): Promise<ConnectResult> {
  const token = args.token.trim();
  if (!token) throw new AppError(ErrorCode.BadInput, 'Give the private-app token with --token.');
  // Encrypt first: without a key nothing is sent anywhere.
  sealCredentials(deps.config.crm.encryptionKey, args.teamId, { kind: 'token', token });
  const api = (args.hubspot ?? hubspotFactory(deps))(token);
  const info = await api.tokenInfo();
  return saveHubSpotConnection(deps, { ...args, credentials: { kind: 'token', token }, info, api });
}

/**
 * Stores a HubSpot connection whose token works (a private-app token, or OAuth tokens from the
 * callback): names every missing scope, proposes the field mapping, seals the credentials.
 */
export async function saveHubSpotConnection(
  deps: CrmDeps,
  args: {
    teamId: string;
    userId: string;
    credentials: CrmCredentials;
    info: { hubId: number | null; scopes: string[] };
    api: HubSpotApi;
  },
): Promise<ConnectResult> {
  const { info, api } = args;
  const tokenEncrypted = sealCredentials(deps.config.crm.encryptionKey, args.teamId, args.credentials);
  const missing = HUBSPOT_REQUIRED_SCOPES.filter((s) => !info.scopes.includes(s));
  if (missing.length > 0) {
    const where =
      args.credentials.kind === 'token'
        ? 'add it in HubSpot (Settings → Integrations → Private Apps → your app → Scopes), then connect again.'
        : 'add it to HUBSPOT_OAUTH_SCOPES and to the HubSpot app’s scopes, then connect again.';
    throw new AppError(
      ErrorCode.CrmRefused,
      `The HubSpot token works but lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}: ${where}`,
    );
  }
  const listed = { companies: await api.properties('companies'), deals: await api.properties('deals') };
  const mapping = proposeMapping(listed, await api.dealPipelines());
  await saveCrmConnection(deps.db, {
    teamId: args.teamId,
    provider: 'hubspot',
    tokenEncrypted,
    scopes: info.scopes,
    fieldMapping: mapping,
    createdBy: args.userId,
  });
  deps.logger.info('CRM connected', {
    teamId: args.teamId,
    provider: 'hubspot',
    hubId: info.hubId,
    kind: args.credentials.kind,
  });
  return { provider: 'hubspot', hubId: info.hubId, scopes: info.scopes, mapping };
}

export interface SyncResult {
  mode: 'full' | 'incremental';
  status: 'ok' | 'partial';
  counts: CrmSyncCounts;
  /** How many records were left out, and the first MAX_SYNC_PROBLEMS of them. */
  problemCount: number;
  problems: CrmSyncProblem[];
  /** Where each object's next incremental sync resumes. */
  cursors: Record<CrmObject, Date | null>;
  /** The write-back run after the sync (status 'off' without an owner's consent). */
  writeback?: Awaited<ReturnType<typeof writebackAfterSync>>;
}

type SyncArgs = {
  teamId: string;
  full?: boolean;
  hubspot?: HubSpotFactory;
  /** Called after each page is written (a scheduled sync renews its lease there). */
  onPage?: () => Promise<void>;
  /** Results one search query may page through (HubSpot's 10,000; tests lower it). */
  searchLimit?: number;
};

/**
 * The connection's provider as a CrmSource over its credentials, which are refreshed before they expire
 * ahead of every request (src/usecases/crm-credentials.ts), the sync's first and each page's.
 */
function openSource(deps: CrmDeps, conn: CrmConnectionRow, args: SyncArgs): CrmSource {
  if (conn.provider === 'hubspot') {
    const api = hubspotSession(deps, { teamId: conn.teamId, conn, factory: args.hubspot ?? hubspotFactory(deps) });
    return hubspotSource(api, { searchLimit: args.searchLimit });
  }
  if (conn.provider === 'salesforce') {
    return salesforceSource(salesforceSession(deps, conn), {
      bulkThreshold: deps.config.crm.salesforce.bulkThreshold,
    });
  }
  throw new AppError(
    ErrorCode.CrmNotConfigured,
    `This bot cannot sync a “${conn.provider}” connection: connect again.`,
  );
}

/**
 * Syncs the team's companies then deals from HubSpot. Full when asked, or when no sync has completed;
 * incremental otherwise. The cursor moves only when the whole sync succeeds, so a failed one is resumed
 * from the same point. Throws CrmNotConnected when no CRM is connected.
 */
export async function syncCrm(deps: CrmDeps, args: SyncArgs): Promise<SyncResult> {
  const { teamId } = args;
  const conn = await getCrmConnection(deps.db, teamId);
  if (!conn) {
    throw new AppError(
      ErrorCode.CrmNotConnected,
      'No CRM is connected: run `icp connect hubspot` or `icp connect salesforce` first.',
    );
  }
  if (!conn.confirmedMapping) {
    throw new AppError(
      ErrorCode.CrmMappingUnconfirmed,
      `The mapping proposed when the CRM was connected waits for an ICP owner: ${CONFIRM_HINT}.`,
    );
  }
  const source = openSource(deps, conn, args);
  const mapping = readMapping(conn.confirmedMapping);
  // The churn property's name is the churn events' reason, as a --churn-column header is.
  const churn = mapping.churn.kind === 'none' ? undefined : mapping.churn.property;
  const stored = conn.syncCursors as Partial<Record<CrmObject, string | null>>;
  // Full when asked or when no sync has completed; otherwise each object resumes from its own cursor.
  const sinceOf = (o: CrmObject): Date | null => {
    if (args.full || !conn.syncCursor) return null;
    const v = stored[o];
    return v ? new Date(v) : conn.syncCursor;
  };
  // An incremental sync reads from a little before the cursor: a record the CRM stamped just before the
  // last sync's newest one but that was not yet visible to it (HubSpot's search index lags a few seconds
  // behind writes; a Salesforce transaction commits after its SystemModstamp) would otherwise be skipped
  // for good. Re-reading a few minutes is idempotent: unchanged rows are not rewritten.
  const readFrom = (o: CrmObject): Date | null => {
    const c = sinceOf(o);
    return c && new Date(c.getTime() - CURSOR_OVERLAP_MS);
  };
  const full = sinceOf('companies') === null;
  const counts: CrmSyncCounts = { companies: 0, deals: 0, deleted: 0, merged: 0 };
  const problems: CrmSyncProblem[] = [];
  let problemCount = 0;
  const newest: Record<CrmObject, Date | null> = { companies: sinceOf('companies'), deals: sinceOf('deals') };
  const note = (p: readonly CrmSyncProblem[]) => {
    problemCount += p.length;
    problems.push(...p.slice(0, Math.max(0, MAX_SYNC_PROBLEMS - problems.length)));
  };
  const seen = (o: CrmObject) => (r: CrmRecord) => {
    const n = newest[o];
    if (!n || r.updatedAt > n) newest[o] = r.updatedAt;
  };
  const fold = async (
    tx: Db,
    merges: readonly CrmMerge[],
    written?: ReadonlySet<string>,
    object: CrmObject = 'companies',
  ) => {
    for (const m of merges) {
      if (m.merged.length === 0 || (written && !written.has(m.survivor))) continue;
      counts.merged +=
        object === 'companies'
          ? await mergeCrmAccounts(tx, { teamId, survivorExternalId: m.survivor, mergedExternalIds: m.merged })
          : // A merged deal lives on as the survivor: the stored copy would count it twice.
            await deleteCrmRecords(tx, { teamId, source: source.provider, object: 'deals', externalIds: m.merged });
    }
  };

  try {
    for (const object of ['companies', 'deals'] as const) {
      const keepStatistics = statisticsKeeper(object === 'companies' ? 'accounts' : 'deals');
      for await (const page of source.pages(object, propertiesToRead(mapping, object), readFrom(object))) {
        const built = buildRecords(object, mapping[object], page.records, page.companyOf, {
          stages: mapping.stages,
          churn: mapping.churn,
        });
        note(built.problems);
        await deps.db.transaction(async (raw) => {
          const tx = raw as unknown as Db;
          await writeBatch(tx, {
            kind: object === 'companies' ? 'accounts' : 'deals',
            teamId,
            source: source.provider,
            columns: built.columns,
            records: built.records,
            // Companies: the churn signal becomes churn events as a --churn-column import's does.
            churnColumn: churn,
          });
          await keepStatistics(tx, built.records.length);
          await fold(tx, page.merges ?? [], new Set(built.records.map((r) => r.externalId)), object);
        });
        // Counted: records changed since the last sync (the overlap's re-reads are written, unchanged, uncounted).
        const cursor = sinceOf(object);
        const reread = new Set(cursor ? page.records.filter((r) => r.updatedAt <= cursor).map((r) => r.id) : []);
        counts[object] += built.records.filter((r) => !reread.has(r.externalId)).length;
        await args.onPage?.();
        page.records.forEach(seen(object));
      }
    }
    // Deleted records; companies merged into another are folded into it first.
    for (const object of ['companies', 'deals'] as const) {
      for await (const gone of source.deletions(object, readFrom(object))) {
        await deps.db.transaction(async (raw) => {
          const tx = raw as unknown as Db;
          await fold(tx, gone.merges ?? [], undefined, object);
          counts.deleted += await deleteCrmRecords(tx, {
            teamId,
            source: source.provider,
            object,
            externalIds: gone.ids,
          });
        });
      }
    }
    await deps.db.transaction(async (raw) => {
      const tx = raw as unknown as Db;
      await refreshImportStatistics(tx, 'deals');
      await refreshNameWords(tx, teamId);
      await linkDeals(tx, teamId);
      if (churn) await linkChurn(tx, teamId);
    });
  } catch (err) {
    const message = err instanceof AppError ? err.message : 'the sync stopped on an unexpected error (see the log)';
    await recordCrmSync(deps.db, {
      teamId,
      provider: conn.provider,
      status: 'failed',
      counts,
      errors: [...problems, { object: 'companies', id: '', property: '', value: '', problem: message }],
      problemCount: problemCount + 1,
    });
    deps.logger.error('CRM sync failed', { teamId, provider: conn.provider }, err);
    throw err;
  }
  const status = problemCount > 0 ? 'partial' : 'ok';
  importRows.inc({ kind: 'crm accounts' }, counts.companies);
  importRows.inc({ kind: 'crm deals' }, counts.deals);
  await recordCrmSync(deps.db, {
    teamId,
    provider: conn.provider,
    status,
    counts,
    errors: problems,
    problemCount,
    cursors: newest,
  });
  // Score, tier and explanation onto the CRM's companies, when an owner consented (crm-writeback.ts).
  const writeback = await writebackAfterSync(deps, { teamId, hubspot: args.hubspot, onBatch: args.onPage });
  return { mode: full ? 'full' : 'incremental', status, counts, problemCount, problems, cursors: newest, writeback };
}
