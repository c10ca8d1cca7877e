/**
 * The writes of one import batch (src/usecases/import-file.ts streams the file and calls this per
 * batch): the upsert of the file's kind, told which columns the file has, and the churn events of a
 * --churn-column. Runs in the import's transaction.
 */

import type { Db } from '../../db/client.ts';
import {
  type ChurnColumn,
  type DealColumn,
  refreshImportStatistics,
  upsertAccounts,
  upsertChurn,
  upsertDeals,
} from '../../db/queries/import.ts';
import { syncSignalChurn } from '../../db/queries/import-churn-signal.ts';
import { type SubscriptionColumn, upsertSubscriptions } from '../../db/queries/import-subscriptions.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { ColumnMap, ImportKind } from '../import/headers.ts';
import {
  type AccountRecord,
  type ChurnRecord,
  type DealRecord,
  hasOutcomeColumn,
  type SubscriptionRecord,
} from '../import/records.ts';

export type AnyRecord = AccountRecord | DealRecord | ChurnRecord | SubscriptionRecord;

const DEAL_COLUMNS: readonly DealColumn[] = [
  'accountName',
  'accountExternalId',
  'name',
  'stage',
  'amount',
  'createdOn',
  'closedOn',
  'owner',
  'product',
];
const CHURN_COLUMNS: readonly ChurnColumn[] = ['accountExternalId', 'accountName', 'reason', 'amount'];
const SUBSCRIPTION_COLUMNS: readonly SubscriptionColumn[] = [
  'accountExternalId',
  'accountName',
  'endedOn',
  'plan',
  'mrr',
  'arr',
];

/** The fields the file has a column for: the others keep what an earlier import stored. */
function presentColumns<C extends string>(columns: ColumnMap<string>, all: readonly C[]): Set<C> {
  return new Set(all.filter((f) => columns.fields[f] !== undefined));
}

/** A write the database refused despite validation: one short line, never the statement or its rows. */
export function writeFailure(err: unknown, firstLine: number, lastLine: number): AppError {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]!.slice(0, 200);
  return new AppError(
    ErrorCode.ImportFailed,
    `Import failed: the database refused rows ${firstLine}–${lastLine} (${reason}); nothing was imported.`,
    { cause: err },
  );
}

/** Rows written before the first ANALYZE of a growing table; then again each time the count doubles. */
export const FIRST_ANALYZE_ROWS = 1000;

/**
 * Keeps the planner's statistics in step with a table a long import or a first CRM sync is growing:
 * ANALYZE after FIRST_ANALYZE_ROWS rows, then each time the rows written double (a handful of times in
 * all). Without it (autovacuum lags behind a fast writer, or is off) the upsert's lookup of existing rows
 * was planned for a near-empty table, as a hash of every row of the team for each batch of 100: a
 * 300,000-deal first sync took 200 ms a page by the end, and rising.
 */
export function statisticsKeeper(kind: ImportKind): (tx: Db, rows: number) => Promise<void> {
  let written = 0;
  let next = FIRST_ANALYZE_ROWS;
  return async (tx, rows) => {
    written += rows;
    if (written < next) return;
    await refreshImportStatistics(tx, kind);
    next = written * 2;
  };
}

/** Writes one batch of records of `kind`; returns how many were new. */
export async function writeBatch(
  tx: Db,
  a: {
    kind: ImportKind;
    teamId: string;
    source: string;
    columns: ColumnMap<string>;
    records: readonly AnyRecord[];
    /** The --churn-column header, when the import has one. */
    churnColumn?: string | undefined;
  },
): Promise<number> {
  const c = a.columns;
  const args = { teamId: a.teamId, source: a.source, attributeKeys: c.attributes.map((x) => x.key) };
  const inserted =
    a.kind === 'accounts'
      ? await upsertAccounts(tx, { ...args, records: a.records as AccountRecord[] })
      : a.kind === 'deals'
        ? await upsertDeals(tx, {
            ...args,
            records: a.records as DealRecord[],
            present: new Set([
              ...presentColumns(c, DEAL_COLUMNS),
              ...(hasOutcomeColumn(c) ? ['outcome' as const] : []),
            ]),
          })
        : a.kind === 'subscriptions'
          ? await upsertSubscriptions(tx, {
              ...args,
              records: a.records as SubscriptionRecord[],
              present: presentColumns(c, SUBSCRIPTION_COLUMNS),
            })
          : await upsertChurn(tx, {
              ...args,
              records: a.records as ChurnRecord[],
              present: presentColumns(c, CHURN_COLUMNS),
            });
  if (a.churnColumn && (a.kind === 'accounts' || a.kind === 'subscriptions')) {
    await syncSignalChurn(tx, {
      teamId: a.teamId,
      source: a.source,
      column: a.churnColumn,
      records: a.records as (AccountRecord | SubscriptionRecord)[],
    });
  }
  return inserted;
}
