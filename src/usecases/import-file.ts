/**
 * Use case: import one CSV file of accounts, deals, churn events or subscriptions for a workspace. The CLI and the
 * first-start demo data call this. A file imports all-or-nothing, in one transaction: rows are
 * validated and written as batched upserts keyed on (team_id, external_id) while the file streams (so
 * importing the same file again updates in place), and any row error rolls it all back.
 */
import type { Db } from '../../db/client.ts';
import { refreshNameWords } from '../../db/queries/accounts.ts';
import {
  linkChurn,
  linkCounts,
  linkDeals,
  linkSubscriptions,
  refreshImportStatistics,
} from '../../db/queries/import.ts';
import { ImportError, previewValue, type RowError } from '../errors.ts';
import { type ColumnMap, type CsvFormat, type FormatOption, type ImportKind, mapHeaders } from '../import/headers.ts';
import { CsvFileError, type CsvInput, type CsvRow, type CsvScan, CsvSource } from '../import/read.ts';
import { type ColumnDecisions, ColumnStats, hasOutcomeColumn, RecordBuilder } from '../import/records.ts';
import type { StageMap } from '../import/stages.ts';
import { importRows } from '../metrics.ts';
import { type AnyRecord, statisticsKeeper, writeBatch, writeFailure } from './import-writes.ts';

export interface ImportOptions {
  teamId: string;
  kind: ImportKind;
  /** A file path, or a stream of the file's bytes. */
  input: CsvInput;
  /** Which CRM wrote the file; 'auto' (the default) detects it from the headers. */
  format?: FormatOption;
  /** Called after each written batch with the number of records written so far. */
  onProgress?: (rowsDone: number) => void;
  /** Deals: what the team's own stage names mean (see src/import/stages.ts parseStageMap). */
  stageMap?: StageMap;
  /**
   * Accounts or subscriptions: the column that says who churned (a date, or on subscriptions a yes/no
   * flag dated by the end date); each signal becomes a churn event. See src/import/churn-signal.ts.
   */
  churnColumn?: string;
}

export interface ImportSummary {
  kind: ImportKind;
  format: CsvFormat;
  /** Data rows read (junk rows not included). */
  rows: number;
  inserted: number;
  updated: number;
  /** Junk rows skipped (blank, "Total" and footer rows). */
  skipped: number;
  /** Skipped rows by reason: blank, total, footer. */
  skippedReasons: Record<string, number>;
  warnings: string[];
  /** Deals/churn: imported rows now tied to an account. Accounts: older deals/churn newly tied to these. */
  linked?: number;
  /** Deals/churn: imported rows with no matching account (kept, with their account name or id). */
  unlinked?: number;
  columns: { mapped: Record<string, string>; ignored: string[] };
}

/** Rows per INSERT … ON CONFLICT statement. */
export const IMPORT_BATCH_SIZE = 2000;

const sourceOf = (format: CsvFormat): string => (format === 'generic' ? 'csv' : format);

/** Keeps the last record of each external id in one batch (one statement must not touch a row twice). */
function lastPerId<T extends { externalId: string }>(batch: T[]): T[] {
  const byId = new Map<string, T>();
  for (const r of batch) {
    byId.delete(r.externalId);
    byId.set(r.externalId, r);
  }
  return byId.size === batch.length ? batch : [...byId.values()];
}

function byRow(a: RowError, b: RowError): number {
  return a.row - b.row;
}

/** The refusal for deal stages nobody said the meaning of, with the option that fixes it. */
function unknownStagesMessage(stages: ReadonlyMap<string, number>): string {
  const list = [...stages].slice(0, 10).map(([s, n]) => `"${s}" (${n} deal${n > 1 ? 's' : ''})`);
  const example = [...stages.keys()]
    .slice(0, 2)
    .map((s, i) => `${s}=${i === 0 ? 'lost' : 'open'}`)
    .join(',');
  return (
    `Import failed: ${stages.size} deal stage(s) are not known: ${list.join(', ')}${stages.size > 10 ? ', …' : ''}. ` +
    `Nothing was imported. Say what each means (won, lost or open) and import again with --stage-map "${example}".`
  );
}

/**
 * Rows read before the column-wide decisions (date order, number style, attribute types) are taken;
 * they wait in memory meanwhile. Statistics keep running over the rest of the file, and if the whole
 * file decides differently the writes are rolled back (to a savepoint) and the file is read again
 * under the final decisions: the result is always that of deciding from every value.
 */
export const DECISION_ROWS = 5000;

interface PassResult {
  builder: RecordBuilder<ImportKind> | null;
  columns: ColumnMap<string>;
  headers: string[];
  headerLine: number;
  scan: CsvScan;
  inserted: number;
  /** Decisions used, and (first pass) those the whole file supports. */
  decisions: ColumnDecisions;
  finalDecisions: ColumnDecisions;
  /** Field-count errors (also counted in the builder). */
  fieldErrors: RowError[];
}

class DecisionsChanged extends Error {
  constructor(readonly decisions: ColumnDecisions) {
    super('column decisions changed');
  }
}

/**
 * One streaming pass: builds records row by row and writes each batch while the next is parsed (one
 * statement in flight). With `decided` unset the decisions are taken after DECISION_ROWS rows.
 */
async function writePass(
  tx: Db,
  file: CsvSource,
  opts: ImportOptions,
  decided: ColumnDecisions | null,
): Promise<PassResult> {
  const format = opts.format ?? 'auto';
  let columns: ColumnMap<string> | undefined;
  let stats: ColumnStats | undefined;
  let decisions: ColumnDecisions | null = decided;
  let builder: RecordBuilder<ImportKind> | null = null;
  let headers: string[] = [];
  let source = 'csv';
  const fieldErrors: RowError[] = [];
  let held: CsvRow[] = [];
  let batch: AnyRecord[] = [];
  let inflight: Promise<void> | null = null;
  let writeError: unknown = null;
  let inserted = 0;
  let written = 0;
  let batchFirst = 0;
  let batchLast = 0;

  const setHeaders = (h: string[]) => {
    headers = h;
    columns = mapHeaders(opts.kind, h, format) as ColumnMap<string>;
    source = sourceOf(columns.format);
    if (!decided) stats = new ColumnStats(columns);
  };
  const keepStatistics = statisticsKeeper(opts.kind);
  const write = async (records: AnyRecord[], first: number, last: number): Promise<void> => {
    const c = columns!;
    const args = { teamId: opts.teamId, source };
    try {
      inserted += await writeBatch(tx, {
        kind: opts.kind,
        ...args,
        columns: c,
        records,
        churnColumn: builder?.churnSignal?.header,
      });
      await keepStatistics(tx, records.length);
    } catch (err) {
      throw writeFailure(err, first, last);
    }
    written += records.length;
    opts.onProgress?.(written);
  };
  const flush = async (): Promise<void> => {
    if (inflight) await inflight;
    inflight = null;
    if (writeError) throw writeError;
    const records = lastPerId(batch);
    batch = [];
    if ((builder?.errorCount ?? 1) > 0 || records.length === 0) return;
    inflight = write(records, batchFirst, batchLast).catch((err: unknown) => {
      writeError = err;
    });
  };
  const take = (row: CsvRow): Promise<void> | undefined => {
    const b = builder!;
    if (b.fileError) return undefined;
    const record = b.build(row);
    // After the first row error nothing more is written: the rest is parsed for its errors only.
    if (b.errorCount > 0) batch.length = 0;
    else if (record) {
      if (batch.length === 0) batchFirst = row.line;
      batchLast = row.line;
      batch.push(record);
    }
    return batch.length >= IMPORT_BATCH_SIZE ? flush() : undefined;
  };
  const makeBuilder = (): void => {
    if (!columns) setHeaders([]);
    decisions ??= stats!.decide();
    builder = new RecordBuilder(opts.kind, columns!, headers, decisions, opts.stageMap, opts.churnColumn);
    builder.addErrors(fieldErrors);
  };
  const decide = async (): Promise<void> => {
    makeBuilder();
    const rows = held;
    held = [];
    for (const r of rows) {
      const p = take(r);
      if (p) await p;
    }
  };

  const scan = await file.scan(
    (row) => {
      stats?.add(row);
      if (builder) return take(row);
      held.push(row);
      return held.length >= DECISION_ROWS ? decide() : undefined;
    },
    (h) => {
      setHeaders(h);
      if (decided) makeBuilder();
    },
    (e) => {
      fieldErrors.push(e);
      builder?.addErrors([e]);
    },
  );
  if (!builder) await decide();
  await flush();
  if (inflight) await inflight;
  if (writeError) throw writeError;
  const used = decisions!;
  return {
    builder,
    columns: columns!,
    headers,
    headerLine: scan.headerLine,
    scan,
    inserted,
    decisions: used,
    finalDecisions: stats ? stats.decide() : used,
    fieldErrors,
  };
}

/**
 * Imports one CSV file of `kind` for `teamId`. Throws ImportError (with every row error: row,
 * column, value, problem — the first MAX_ROW_ERRORS of them, and the total count) and writes
 * nothing when any row is invalid.
 *
 * The file streams through the parser and is never held in memory: records are built row by row
 * and, inside one transaction, each batch is written while the next one is parsed. At the first row
 * error the writes stop, parsing goes on to collect every error, and the transaction is rolled back.
 * Column-wide decisions are taken after DECISION_ROWS rows and checked against the whole file; when
 * they differ, the file is read a second time under the right ones (see DECISION_ROWS).
 */
export async function importFile(db: Db, opts: ImportOptions): Promise<ImportSummary> {
  const file = new CsvSource(opts.input);
  try {
    let result: PassResult | undefined;
    let linked: number | undefined;
    let unlinked: number | undefined;
    const warnings: string[] = [];

    const encoding = await file.encoding().catch((err: unknown) => {
      if (!(err instanceof CsvFileError)) throw err;
      throw new ImportError(
        [{ row: err.line, column: '', value: '', problem: err.problem }],
        `Import failed: ${err.problem}. Nothing was imported.`,
      );
    });
    if (encoding !== 'utf-8') {
      warnings.push(
        `read as ${encoding === 'windows-1252' ? 'Windows-1252 (Latin-1)' : 'UTF-16'}: the file is not UTF-8`,
      );
    }

    await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Db;
      try {
        result = await tx.transaction(async (sp) => {
          const r = await writePass(sp as unknown as Db, file, opts, null);
          if (!r.decisions.sameAs(r.finalDecisions)) throw new DecisionsChanged(r.finalDecisions);
          return r;
        });
      } catch (err) {
        if (!(err instanceof DecisionsChanged)) throw err;
        result = await writePass(tx, file, opts, err.decisions);
      }
      const { builder } = result;
      if (!builder || builder.fileError) {
        const header: RowError = {
          row: result.headerLine,
          column: '',
          value: previewValue(result.headers.join(',')),
          problem: builder?.fileError ?? 'no header row',
        };
        throw new ImportError([...result.fieldErrors, header].sort(byRow));
      }
      if (builder.errorCount > 0) {
        const total = builder.errorCount;
        const errors = [...builder.errors].sort(byRow);
        throw new ImportError(
          errors,
          builder.unknownStages.size > 0
            ? unknownStagesMessage(builder.unknownStages)
            : total > errors.length
              ? `Import failed with ${total} problem(s) (the first ${errors.length} are listed); nothing was imported.`
              : undefined,
        );
      }
      if (opts.kind === 'deals' && !hasOutcomeColumn(result.columns) && result.inserted > 0) {
        warnings.push(
          `${result.inserted} new deal(s) imported as open: the file has no stage or won column (deals already imported keep theirs)`,
        );
      }

      await refreshImportStatistics(tx, opts.kind);
      if (opts.kind === 'accounts') {
        // New or renamed accounts become searchable word by word (company lookup) with this commit.
        await refreshNameWords(tx, opts.teamId);
        linked =
          (await linkDeals(tx, opts.teamId)) +
          (await linkChurn(tx, opts.teamId)) +
          (await linkSubscriptions(tx, opts.teamId));
      } else {
        if (opts.kind === 'deals') await linkDeals(tx, opts.teamId);
        else if (opts.kind === 'subscriptions') {
          await linkSubscriptions(tx, opts.teamId);
          if (opts.churnColumn) await linkChurn(tx, opts.teamId);
        } else await linkChurn(tx, opts.teamId);
        const table =
          opts.kind === 'deals' ? 'deals' : opts.kind === 'subscriptions' ? 'subscriptions' : 'churn_events';
        const counts = await linkCounts(tx, { table, teamId: opts.teamId, externalIds: builder.ids });
        linked = counts.linked;
        unlinked = counts.unlinked;
        if (unlinked > 0) {
          warnings.push(
            opts.kind === 'deals'
              ? `${unlinked} deal(s) match no imported account; kept with their account name, linked when it is imported`
              : `${unlinked} ${opts.kind === 'subscriptions' ? 'subscription(s)' : 'churn event(s)'} reference an account not imported yet; kept and linked when it is imported`,
          );
        }
      }
    });

    const r = result!;
    const builder = r.builder!;
    importRows.inc({ kind: opts.kind }, builder.ids.size); // committed: counted once, never for a refused file
    return {
      kind: opts.kind,
      format: r.columns.format,
      rows: r.scan.rows,
      inserted: r.inserted,
      updated: builder.ids.size - r.inserted,
      skipped: Object.values(r.scan.skipped).reduce((a, b) => a + b, 0),
      skippedReasons: r.scan.skipped,
      warnings: [
        ...builder.finish(),
        ...warnings,
        ...(builder.churnSignal
          ? [
              `${builder.churnSignals} churn event(s) from the "${builder.churnSignal.header}" column${opts.kind === 'subscriptions' && builder.churnSignal.dated === false ? ", each dated by its subscription's end date" : ''}`,
            ]
          : []),
      ],
      ...(linked === undefined ? {} : { linked }),
      ...(unlinked === undefined ? {} : { unlinked }),
      columns: { mapped: r.columns.mapped, ignored: r.columns.ignored },
    };
  } finally {
    file.close();
  }
}
