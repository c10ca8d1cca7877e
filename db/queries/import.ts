/**
 * CSV import of accounts, deals and churn events. A file imports all-or-nothing, in one transaction:
 * rows are validated and written as batched upserts keyed on (team_id, external_id) while the file
 * streams (so importing the same file again updates in place), and any row error rolls it all back.
 */
import { type SQL, sql } from 'drizzle-orm';
import { ImportError, type RowError } from '../../src/errors.ts';
import {
  type ColumnMap,
  type CsvFormat,
  type FormatOption,
  type ImportKind,
  mapHeaders,
} from '../../src/import/headers.ts';
import { type CsvInput, type CsvRow, type CsvScan, CsvSource } from '../../src/import/read.ts';
import {
  type AccountRecord,
  type ChurnRecord,
  type ColumnDecisions,
  ColumnStats,
  type DealRecord,
  RecordBuilder,
} from '../../src/import/records.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';
import { refreshNameWords } from './accounts.ts';

export interface ImportOptions {
  teamId: string;
  kind: ImportKind;
  /** A file path, or a stream of the file's bytes. */
  input: CsvInput;
  /** Which CRM wrote the file; 'auto' (the default) detects it from the headers. */
  format?: FormatOption;
  /** Called after each written batch with the number of records written so far. */
  onProgress?: (rowsDone: number) => void;
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

type Tx = Db;

const sourceOf = (format: CsvFormat): string => (format === 'generic' ? 'csv' : format);

type AnyRecord = AccountRecord | DealRecord | ChurnRecord;

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
  tx: Tx,
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

  const setHeaders = (h: string[]) => {
    headers = h;
    columns = mapHeaders(opts.kind, h, format) as ColumnMap<string>;
    source = sourceOf(columns.format);
    if (!decided) stats = new ColumnStats(columns);
  };
  const write = async (records: AnyRecord[]): Promise<void> => {
    const q =
      opts.kind === 'accounts'
        ? upsertAccounts(opts.teamId, source, records as AccountRecord[])
        : opts.kind === 'deals'
          ? upsertDeals(opts.teamId, source, records as DealRecord[])
          : upsertChurn(opts.teamId, source, records as ChurnRecord[]);
    const [row] = await queryRows<{ inserted: number }>(tx, q);
    inserted += Number(row?.inserted ?? 0);
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
    inflight = write(records).catch((err: unknown) => {
      writeError = err;
    });
  };
  const take = (row: CsvRow): Promise<void> | undefined => {
    const b = builder!;
    if (b.fileError) return undefined;
    const record = b.build(row);
    // After the first row error nothing more is written: the rest is parsed for its errors only.
    if (b.errorCount > 0) batch.length = 0;
    else if (record) batch.push(record);
    return batch.length >= IMPORT_BATCH_SIZE ? flush() : undefined;
  };
  const makeBuilder = (): void => {
    if (!columns) setHeaders([]);
    decisions ??= stats!.decide();
    builder = new RecordBuilder(opts.kind, columns!, headers, decisions);
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
export async function importCsv(db: Db, opts: ImportOptions): Promise<ImportSummary> {
  const file = new CsvSource(opts.input);
  try {
    let result: PassResult | undefined;
    let linked: number | undefined;
    let unlinked: number | undefined;
    const warnings: string[] = [];

    await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Tx;
      try {
        result = await tx.transaction(async (sp) => {
          const r = await writePass(sp as unknown as Tx, file, opts, null);
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
          value: result.headers.join(',').slice(0, 200),
          problem: builder?.fileError ?? 'no header row',
        };
        throw new ImportError([...result.fieldErrors, header].sort(byRow));
      }
      if (builder.errorCount > 0) {
        const total = builder.errorCount;
        const errors = [...builder.errors].sort(byRow);
        throw new ImportError(
          errors,
          total > errors.length
            ? `Import failed with ${total} problem(s) (the first ${errors.length} are listed); nothing was imported.`
            : undefined,
        );
      }

      if (opts.kind === 'accounts') {
        // New or renamed accounts become searchable word by word (company lookup) with this commit.
        await refreshNameWords(tx, opts.teamId);
        linked = (await linkDeals(tx, opts.teamId)) + (await linkChurn(tx, opts.teamId));
      } else {
        const ids = JSON.stringify([...builder.ids]);
        if (opts.kind === 'deals') await linkDeals(tx, opts.teamId);
        else await linkChurn(tx, opts.teamId);
        const counts = await linkCounts(tx, opts.kind === 'deals' ? 'deals' : 'churn_events', opts.teamId, ids);
        linked = counts.linked;
        unlinked = counts.unlinked;
        if (unlinked > 0) {
          warnings.push(
            opts.kind === 'deals'
              ? `${unlinked} deal(s) match no imported account; kept with their account name, linked when it is imported`
              : `${unlinked} churn event(s) reference an account not imported yet; kept and linked when it is imported`,
          );
        }
      }
    });

    const r = result!;
    const builder = r.builder!;
    return {
      kind: opts.kind,
      format: r.columns.format,
      rows: r.scan.rows,
      inserted: r.inserted,
      updated: builder.ids.size - r.inserted,
      skipped: Object.values(r.scan.skipped).reduce((a, b) => a + b, 0),
      skippedReasons: r.scan.skipped,
      warnings: [...builder.finish(), ...warnings],
      ...(linked === undefined ? {} : { linked }),
      ...(unlinked === undefined ? {} : { unlinked }),
      columns: { mapped: r.columns.mapped, ignored: r.columns.ignored },
    };
  } finally {
    file.close();
  }
}

// Each batch travels as one JSON parameter expanded by json_to_recordset: one round trip and no
// 65,535-parameter limit, whatever the batch size, on both node-postgres and PGlite.
function upsertAccounts(teamId: string, source: string, batch: AccountRecord[]): SQL {
  const json = JSON.stringify(
    batch.map((r) => ({
      external_id: r.externalId,
      name: r.name,
      normalized_name: r.normalizedName,
      domain: r.domain,
      industry: r.industry,
      employees: r.employees,
      revenue: r.revenue,
      country: r.country,
      attributes: r.attributes,
    })),
  );
  // An empty cell means "unknown", so it never erases what an earlier import or enrichment stored.
  return sql`
    WITH up AS (
      INSERT INTO accounts (team_id, external_id, source, name, normalized_name, domain, industry, employees,
        revenue, country, attributes)
      SELECT ${teamId}, x.external_id, ${source}, x.name, x.normalized_name, x.domain, x.industry, x.employees,
        x.revenue, x.country, coalesce(x.attributes, '{}'::jsonb)
      FROM json_to_recordset(${json}::json) AS x(external_id text, name text, normalized_name text, domain text,
        industry text, employees integer, revenue double precision, country text, attributes jsonb)
      ON CONFLICT (team_id, external_id) DO UPDATE SET
        source = excluded.source,
        name = excluded.name,
        normalized_name = excluded.normalized_name,
        domain = coalesce(excluded.domain, accounts.domain),
        industry = coalesce(excluded.industry, accounts.industry),
        employees = coalesce(excluded.employees, accounts.employees),
        revenue = coalesce(excluded.revenue, accounts.revenue),
        country = coalesce(excluded.country, accounts.country),
        attributes = accounts.attributes || excluded.attributes,
        updated_at = now()
      -- A row the file does not change is left alone: a re-import rewrites (and re-indexes) only what changed.
      WHERE (accounts.source, accounts.name, accounts.normalized_name, accounts.domain, accounts.industry,
          accounts.employees, accounts.revenue, accounts.country, accounts.attributes)
        IS DISTINCT FROM (excluded.source, excluded.name, excluded.normalized_name,
          coalesce(excluded.domain, accounts.domain), coalesce(excluded.industry, accounts.industry),
          coalesce(excluded.employees, accounts.employees), coalesce(excluded.revenue, accounts.revenue),
          coalesce(excluded.country, accounts.country), accounts.attributes || excluded.attributes)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM up`;
}

function upsertDeals(teamId: string, source: string, batch: DealRecord[]): SQL {
  const json = JSON.stringify(
    batch.map((r) => ({
      external_id: r.externalId,
      account_name: r.accountName,
      name: r.name,
      stage: r.stage,
      outcome: r.outcome,
      amount: r.amount,
      created_on: r.createdOn,
      closed_on: r.closedOn,
      owner: r.owner,
      product: r.product,
      // The link keys live in attributes: the deals table has no column for them.
      attributes: {
        ...r.attributes,
        ...(r.accountExternalId ? { account_external_id: r.accountExternalId } : {}),
        ...(r.accountNormalizedName ? { account_normalized_name: r.accountNormalizedName } : {}),
      },
    })),
  );
  // A deal row is a snapshot of the CRM: every field is replaced. The account link survives only
  // when the deal still points at the same account.
  return sql`
    WITH up AS (
      INSERT INTO deals (team_id, external_id, source, account_name, name, stage, outcome, amount, created_on,
        closed_on, owner, product, attributes)
      SELECT ${teamId}, x.external_id, ${source}, x.account_name, x.name, x.stage, x.outcome, x.amount,
        x.created_on, x.closed_on, x.owner, x.product, coalesce(x.attributes, '{}'::jsonb)
      FROM json_to_recordset(${json}::json) AS x(external_id text, account_name text, name text, stage text,
        outcome text, amount double precision, created_on date, closed_on date, owner text, product text,
        attributes jsonb)
      ON CONFLICT (team_id, external_id) DO UPDATE SET
        source = excluded.source,
        account_id = CASE
          WHEN deals.account_name IS NOT DISTINCT FROM excluded.account_name
            AND deals.attributes->>'account_external_id' IS NOT DISTINCT FROM excluded.attributes->>'account_external_id'
          THEN deals.account_id END,
        account_name = excluded.account_name,
        name = excluded.name,
        stage = excluded.stage,
        outcome = excluded.outcome,
        amount = excluded.amount,
        created_on = excluded.created_on,
        closed_on = excluded.closed_on,
        owner = excluded.owner,
        product = excluded.product,
        attributes = excluded.attributes
      -- Unchanged rows are left alone (their account link stays, as the CASE above would keep it).
      WHERE (deals.source, deals.account_name, deals.name, deals.stage, deals.outcome, deals.amount, deals.created_on,
          deals.closed_on, deals.owner, deals.product, deals.attributes)
        IS DISTINCT FROM (excluded.source, excluded.account_name, excluded.name, excluded.stage, excluded.outcome,
          excluded.amount, excluded.created_on, excluded.closed_on, excluded.owner, excluded.product,
          excluded.attributes)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM up`;
}

function upsertChurn(teamId: string, source: string, batch: ChurnRecord[]): SQL {
  const json = JSON.stringify(
    batch.map((r) => ({
      external_id: r.externalId,
      account_external_id: r.accountExternalId,
      churned_on: r.churnedOn,
      reason: r.reason,
      amount: r.amount,
      attributes: {
        ...r.attributes,
        ...(r.accountName ? { account_name: r.accountName } : {}),
        ...(r.accountNormalizedName ? { account_normalized_name: r.accountNormalizedName } : {}),
      },
    })),
  );
  return sql`
    WITH up AS (
      INSERT INTO churn_events (team_id, external_id, source, account_external_id, churned_on, reason, amount,
        attributes)
      SELECT ${teamId}, x.external_id, ${source}, x.account_external_id, x.churned_on, x.reason, x.amount,
        coalesce(x.attributes, '{}'::jsonb)
      FROM json_to_recordset(${json}::json) AS x(external_id text, account_external_id text, churned_on date,
        reason text, amount double precision, attributes jsonb)
      ON CONFLICT (team_id, external_id) DO UPDATE SET
        source = excluded.source,
        account_id = CASE
          WHEN churn_events.account_external_id IS NOT DISTINCT FROM excluded.account_external_id
            AND churn_events.attributes->>'account_normalized_name'
              IS NOT DISTINCT FROM excluded.attributes->>'account_normalized_name'
          THEN churn_events.account_id END,
        account_external_id = excluded.account_external_id,
        churned_on = excluded.churned_on,
        reason = excluded.reason,
        amount = excluded.amount,
        attributes = excluded.attributes
      WHERE (churn_events.source, churn_events.account_external_id, churn_events.churned_on, churn_events.reason,
          churn_events.amount, churn_events.attributes)
        IS DISTINCT FROM (excluded.source, excluded.account_external_id, excluded.churned_on, excluded.reason,
          excluded.amount, excluded.attributes)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM up`;
}

/**
 * Ties the team's unlinked deals or churn events to accounts: by the account's CRM id first, then by
 * normalised name when exactly one account of the team has it (namesakes are left for a person).
 * Set-based joins, not a lookup per row: linking 100k rows stays one hash join.
 */
async function linkRows(tx: Tx, tableName: 'deals' | 'churn_events', teamId: string): Promise<number> {
  const t = sql.identifier(tableName);
  const accountRef = tableName === 'deals' ? sql`r.attributes->>'account_external_id'` : sql`r.account_external_id`;
  const [pending] = await queryRows<{ n: boolean }>(
    tx,
    sql`SELECT EXISTS (SELECT 1 FROM ${t} WHERE team_id = ${teamId} AND account_id IS NULL) AS n`,
  );
  if (!pending?.n) return 0;
  const [row] = await queryRows<{ n: number }>(
    tx,
    sql`
      WITH by_name AS (
        SELECT normalized_name, min(id) AS id FROM accounts
        WHERE team_id = ${teamId} GROUP BY normalized_name HAVING count(*) = 1
      ), m AS (
        SELECT r.id AS row_id, coalesce(ax.id, an.id) AS account_id
        FROM ${t} r
        LEFT JOIN accounts ax ON ax.team_id = ${teamId} AND ax.external_id = ${accountRef}
        LEFT JOIN by_name an ON an.normalized_name = r.attributes->>'account_normalized_name'
        WHERE r.team_id = ${teamId} AND r.account_id IS NULL
      ), u AS (
        UPDATE ${t} SET account_id = m.account_id FROM m
        WHERE ${t}.id = m.row_id AND ${t}.team_id = ${teamId} AND m.account_id IS NOT NULL
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM u`,
  );
  return Number(row?.n ?? 0);
}

const linkDeals = (tx: Tx, teamId: string) => linkRows(tx, 'deals', teamId);
const linkChurn = (tx: Tx, teamId: string) => linkRows(tx, 'churn_events', teamId);

async function linkCounts(
  tx: Tx,
  tableName: 'deals' | 'churn_events',
  teamId: string,
  idsJson: string,
): Promise<{ linked: number; unlinked: number }> {
  const [row] = await queryRows<{ linked: number; unlinked: number }>(
    tx,
    sql`
      SELECT count(*) FILTER (WHERE t.account_id IS NOT NULL)::int AS linked,
        count(*) FILTER (WHERE t.account_id IS NULL)::int AS unlinked
      FROM ${sql.identifier(tableName)} t
      WHERE t.team_id = ${teamId}
        AND t.external_id IN (SELECT jsonb_array_elements_text(${idsJson}::jsonb))`,
  );
  return { linked: Number(row?.linked ?? 0), unlinked: Number(row?.unlinked ?? 0) };
}
