/**
 * Turns CSV rows into account, deal, churn or subscription records one at a time, validating every value
 * and collecting one RowError per bad cell. Column-wide decisions (day/month order, decimal comma,
 * attribute types) are taken once from all of a column's values (ColumnStats, column-stats.ts) before any
 * row is converted; builders.ts turns one validated row into one record.
 */
import { previewValue, type RowError } from '../errors.ts';
import { normalizeCountry } from '../icp/geo.ts';
import { registrableDomain } from '../lookup/normalize.ts';
import {
  buildAccount,
  buildChurn,
  buildDeal,
  buildSubscription,
  hasAccountColumn,
  hasOutcomeColumn,
} from './builders.ts';
import { ChurnSignal } from './churn-signal.ts';
import { type AttrPlan, type ColumnDecisions, memo, readAttribute } from './column-stats.ts';
import type { ColumnMap, ImportKind } from './headers.ts';
import type { CsvRow } from './read.ts';
import type { Outcome, StageMap } from './stages.ts';
import { isBlank, isFailure, type Parsed, parseBoolean, parseCount, parseDate, parseNumber } from './values.ts';

export { hasOutcomeColumn, rowHash } from './builders.ts';
export { ColumnDecisions, ColumnStats } from './column-stats.ts';

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface AccountRecord {
  externalId: string;
  name: string;
  normalizedName: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  revenue: number | null;
  country: string | null;
  /** 'YYYY-MM-DD': when the account became a customer, if the file says. */
  customerSince: string | null;
  attributes: Attributes;
  /** With --churn-column: the day the account churned (null: no churn). */
  churnedOn?: string | null;
}

export interface DealRecord {
  externalId: string;
  name: string | null;
  accountName: string | null;
  /** normalizeCompanyName(accountName): what links the deal to an account by name. */
  accountNormalizedName: string | null;
  accountExternalId: string | null;
  stage: string | null;
  /** Null when the file has no stage or won/closed column (an existing deal keeps its outcome). */
  outcome: Outcome | null;
  amount: number | null;
  createdOn: string | null;
  /** The close date as the file gives it: the real one for a closed deal, a forecast for an open one. */
  closeDate: string | null;
  owner: string | null;
  product: string | null;
  attributes: Attributes;
}

export interface ChurnRecord {
  externalId: string;
  accountExternalId: string | null;
  accountName: string | null;
  accountNormalizedName: string | null;
  churnedOn: string;
  reason: string | null;
  amount: number | null;
  attributes: Attributes;
}

export interface SubscriptionRecord {
  externalId: string;
  accountExternalId: string | null;
  accountName: string | null;
  accountNormalizedName: string | null;
  startedOn: string;
  /** Null: still running. */
  endedOn: string | null;
  plan: string | null;
  mrr: number | null;
  arr: number | null;
  attributes: Attributes;
  /** With --churn-column: the day the subscription churned (null: no churn). */
  churnedOn?: string | null;
}

export interface RecordsByKind {
  accounts: AccountRecord;
  deals: DealRecord;
  churn: ChurnRecord;
  subscriptions: SubscriptionRecord;
}

/** Reads and validates the mapped fields of one row (src/import/builders.ts turns them into records). */
export class RowReader {
  /** Row errors in file order, the first MAX_ROW_ERRORS of them; `errorCount` counts all. */
  readonly errors: RowError[] = [];
  errorCount = 0;
  private readonly numbers = new Map<number, (raw: string) => Parsed<number>>();
  private readonly counts = new Map<number, (raw: string) => Parsed<number>>();
  private readonly dates = new Map<number, (raw: string) => Parsed<string>>();
  private readonly bools = new Map<number, (raw: string) => Parsed<boolean>>();

  constructor(
    private readonly headers: readonly string[],
    private readonly fields: Partial<Record<string, number>>,
    private readonly stats: ColumnDecisions,
  ) {}

  push(e: RowError): void {
    this.errorCount++;
    if (this.errors.length < MAX_ROW_ERRORS) this.errors.push({ ...e, value: previewValue(e.value) });
  }

  raw(row: CsvRow, field: string): string | null {
    const i = this.fields[field];
    if (i === undefined) return null;
    const v = row.cells[i];
    return v === undefined || v === '' || isBlank(v) ? null : v.trim();
  }

  private check<T>(row: CsvRow, field: string, value: Parsed<T>): T | null {
    if (value !== null && typeof value === 'object' && isFailure(value)) {
      const i = this.fields[field]!;
      this.push({
        row: row.line,
        column: this.headers[i] ?? field,
        value: row.cells[i] ?? '',
        problem: value.problem,
      });
      return null;
    }
    return value as T | null;
  }

  private parser<T>(
    map: Map<number, (raw: string) => Parsed<T>>,
    i: number,
    make: () => (raw: string) => Parsed<T>,
  ): (raw: string) => Parsed<T> {
    let p = map.get(i);
    if (!p) {
      p = memo(make());
      map.set(i, p);
    }
    return p;
  }

  text(row: CsvRow, field: string): string | null {
    return this.raw(row, field);
  }

  number(row: CsvRow, field: string): number | null {
    const i = this.fields[field];
    if (i === undefined) return null;
    const style = this.stats.numberStyle(i);
    const p = this.parser(this.numbers, i, () => (raw) => parseNumber(raw, style));
    return this.check(row, field, p(row.cells[i] ?? ''));
  }

  count(row: CsvRow, field: string): number | null {
    const i = this.fields[field];
    if (i === undefined) return null;
    const style = this.stats.numberStyle(i);
    const p = this.parser(this.counts, i, () => (raw) => parseCount(raw, style));
    return this.check(row, field, p(row.cells[i] ?? ''));
  }

  date(row: CsvRow, field: string): string | null {
    const i = this.fields[field];
    if (i === undefined) return null;
    const order = this.stats.dateOrder(i);
    const p = this.parser(this.dates, i, () => (raw) => parseDate(raw, order));
    return this.check(row, field, p(row.cells[i] ?? ''));
  }

  bool(row: CsvRow, field: string): boolean | null {
    const i = this.fields[field];
    if (i === undefined) return null;
    const p = this.parser(this.bools, i, () => parseBoolean);
    return this.check(row, field, p(row.cells[i] ?? ''));
  }

  fail(row: CsvRow, field: string, problem: string): void {
    const i = this.fields[field];
    this.push({
      row: row.line,
      column: i === undefined ? field : (this.headers[i] ?? field),
      value: i === undefined ? '' : (row.cells[i] ?? ''),
      problem,
    });
  }
}

export interface AttrReader {
  key: string;
  index: number;
  read: (raw: string) => AttributeValue | null;
}

/** Readers of the unmapped columns; booleans and dates repeat, so their parsing is memoised. */
function attrReaders(plans: readonly AttrPlan[]): AttrReader[] {
  return plans.map((p) => {
    const read = (raw: string) => readAttribute(p, raw);
    return { key: p.key, index: p.index, read: p.type === 'boolean' || p.type === 'date' ? memo(read) : read };
  });
}

/** Row errors kept for the report; the rest are only counted. */
export const MAX_ROW_ERRORS = 1000;

/** Longest cell accepted: Salesforce's largest text field (Long Text Area) holds 131,072 characters. */
export const MAX_CELL_CHARS = 131_072;
/**
 * Longest name or id: they are indexed, and a PostgreSQL btree entry holds at most about 2,700 bytes
 * (500 characters of up to 4 UTF-8 bytes stay below it). Salesforce names stop at 255 characters.
 */
export const MAX_KEY_CHARS = 500;
const KEY_FIELDS = ['externalId', 'name', 'accountName', 'accountExternalId', 'domain', 'website'];
// biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL byte is exactly what this looks for
const BAD_CHAR = /[\u0000\uFFFD]/;

/** Problems of one cell whatever its column: a NUL byte, U+FFFD, or more text than any CRM stores. */
function cellProblem(cell: string, max: number): string | null {
  if (cell.length > max) {
    return `is ${cell.length.toLocaleString('en-US')} characters long; at most ${max.toLocaleString('en-US')} are accepted here`;
  }
  if (!BAD_CHAR.test(cell)) return null;
  return cell.includes('\u0000')
    ? 'contains a NUL byte (is this a binary file, or UTF-16 saved without a byte-order mark?)'
    : 'contains U+FFFD (�), a character already lost when the file was converted: fix the text at its source and export again';
}

/**
 * Validates and converts rows of one file into records of `kind`, one row at a time as the file
 * streams by. Column-wide decisions (day/month order, decimal comma, attribute types) come from
 * ColumnStats (see the importer for when they are final). Never throws for bad data: problems are collected (row, column,
 * value, problem), so the caller can refuse the file. Records are not kept: the caller batches them.
 */
export class RecordBuilder<K extends ImportKind> {
  readonly warnings: string[];
  /** A problem with the file as a whole (a required column missing): no row can be built. */
  readonly fileError: string | null;
  private readonly reader: RowReader;
  private readonly plans: AttrReader[];
  private readonly countryOf = memo(normalizeCountry);
  private readonly domainOf = memo(registrableDomain);
  private readonly keyColumns: ReadonlySet<number>;
  private unknownCountries = 0;
  /** Deals: rows whose close date is before their create date. */
  private readonly closeBeforeCreate: number[] = [];
  private closeBeforeCreateCount = 0;
  /** Deals: stages nobody said the meaning of, with their row count. */
  readonly unknownStages = new Map<string, number>();
  /** External ids seen, to count repeats (and every id written, for linking). */
  readonly ids = new Set<string>();
  repeated = 0;
  /** --churn-column: how each row's churn day is read; rows with a churn day so far. */
  readonly churnSignal: ChurnSignal | null;
  churnSignals = 0;

  constructor(
    readonly kind: K,
    readonly columns: ColumnMap<string>,
    private readonly headers: readonly string[],
    decisions: ColumnDecisions,
    private readonly stageMap?: StageMap,
    churnColumn?: string,
  ) {
    this.reader = new RowReader(headers, columns.fields, decisions);
    const endAt = (columns.fields as Partial<Record<string, number>>).endedOn;
    this.churnSignal = churnColumn
      ? new ChurnSignal(kind, churnColumn, decisions.plans, endAt === undefined ? undefined : headers[endAt])
      : null;
    const fields = columns.fields as Partial<Record<string, number>>;
    this.keyColumns = new Set(KEY_FIELDS.map((f) => fields[f]).filter((i) => i !== undefined));
    this.plans = attrReaders(decisions.plans);
    this.warnings = [...columns.notes];
    this.fileError =
      kind === 'accounts' && columns.fields.name === undefined
        ? 'no company name column (e.g. "Company name", "Account Name", "name", "account")'
        : kind === 'subscriptions' && columns.fields.startedOn === undefined
          ? 'no subscription start date column (e.g. "start_date", "Started At")'
          : kind === 'churn' && columns.fields.churnedOn === undefined
            ? 'no churn date column (e.g. "churn_date", "Churned On", "Cancellation Date")'
            : kind === 'deals' && !hasOutcomeColumn(columns) && !hasAccountColumn(columns)
              ? 'this deals file has no stage or won/closed column and no account column, so it cannot say which deals were won nor whose they are: add a "Stage" (or "Won") column and an "Account Name" (or "Account ID") column'
              : (this.churnSignal?.fileError ?? null);
  }

  /** Row errors so far (capped) and their total count. */
  get errors(): readonly RowError[] {
    return this.reader.errors;
  }
  get errorCount(): number {
    return this.reader.errorCount;
  }

  /** Adds errors found outside the rows' cells (field counts), keeping the cap. */
  addErrors(errors: readonly RowError[]): void {
    for (const e of errors) this.reader.push(e);
  }

  /** Row errors for cells no record may hold; true when the row has none. */
  private cellsOk(row: CsvRow): boolean {
    let ok = true;
    row.cells.forEach((cell, i) => {
      const problem = cellProblem(cell, this.keyColumns.has(i) ? MAX_KEY_CHARS : MAX_CELL_CHARS);
      if (!problem) return;
      ok = false;
      this.reader.push({ row: row.line, column: this.headers[i] || `column ${i + 1}`, value: cell, problem });
    });
    return ok;
  }

  /** The record of one row, or null when the row has errors (then they are in `errors`). */
  build(row: CsvRow): RecordsByKind[K] | null {
    if (!this.cellsOk(row)) return null;
    let r: AccountRecord | DealRecord | ChurnRecord | SubscriptionRecord | null;
    if (this.kind === 'accounts') {
      const a = buildAccount(this.reader, row, this.plans, this.columns.revenueScale, this.countryOf, this.domainOf);
      if (a?.countryUnknown) this.unknownCountries++;
      r = a ? a.record : null;
    } else if (this.kind === 'deals') {
      const before = this.reader.errorCount;
      const d = buildDeal(this.reader, row, this.plans, this.stageMap, hasOutcomeColumn(this.columns));
      r = this.reader.errorCount > before ? null : this.checkDeal(row, d);
    } else {
      r =
        this.kind === 'subscriptions'
          ? buildSubscription(this.reader, row, this.plans)
          : buildChurn(this.reader, row, this.plans);
    }
    if (r && this.churnSignal && (this.kind === 'accounts' || this.kind === 'subscriptions')) {
      const before = this.reader.errorCount;
      const rec = r as AccountRecord | SubscriptionRecord;
      rec.churnedOn = this.churnSignal.churnedOn(rec, row, this.reader);
      if (this.reader.errorCount > before) return null;
      if (rec.churnedOn) this.churnSignals++;
    }
    if (r) {
      const n = this.ids.size;
      this.ids.add(r.externalId);
      if (this.ids.size === n) this.repeated++;
    }
    return r as RecordsByKind[K] | null;
  }

  /** Records a deal's unknown stage (an error on its first row only) and a close date before creation. */
  private checkDeal(row: CsvRow, d: DealRecord | 'unknown'): DealRecord | null {
    if (d === 'unknown') {
      const stage = this.reader.raw(row, 'stage') ?? '';
      const n = this.unknownStages.get(stage) ?? 0;
      this.unknownStages.set(stage, n + 1);
      if (n === 0)
        this.reader.fail(
          row,
          'stage',
          `unknown deal stage: say whether it means won, lost or open with --stage-map "${stage}=lost"`,
        );
      else this.reader.errorCount++;
      return null;
    }
    if (d.createdOn && d.closeDate && d.closeDate < d.createdOn) {
      this.closeBeforeCreateCount++;
      if (this.closeBeforeCreate.length < 10) this.closeBeforeCreate.push(row.line);
    }
    return d;
  }

  /** Summary warnings, once every row has been built. */
  finish(): string[] {
    const warnings = [...this.warnings];
    if (this.closeBeforeCreateCount > 0) {
      const n = this.closeBeforeCreateCount;
      const more = n > this.closeBeforeCreate.length ? ', …' : '';
      warnings.push(
        `${n} deal(s) close before they were created (row${n > 1 ? 's' : ''} ${this.closeBeforeCreate.join(', ')}${more}): imported, but left out of sales-cycle figures`,
      );
    }
    if (this.unknownCountries > 0) {
      warnings.push(
        `${this.unknownCountries} row(s) have a country that was not recognised (kept in attributes.country_raw)`,
      );
    }
    if (this.repeated > 0) {
      warnings.push(`${this.repeated} row(s) repeat an earlier id in this file; the last one of each was kept`);
    }
    return warnings;
  }
}
