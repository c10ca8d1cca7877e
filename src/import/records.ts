/**
 * Turns the rows of a CSV table into account, deal or churn records, validating every value and
 * collecting one RowError per bad cell. Column-wide decisions (day/month order, decimal comma,
 * attribute types) are taken once from all of a column's values before any row is converted.
 */
import { createHash } from 'node:crypto';
import type { RowError } from '../errors.ts';
import { normalizeCountry } from '../icp/geo.ts';
import { normalizeCompanyName, registrableDomain } from '../lookup/normalize.ts';
import {
  type AccountField,
  type AttributeColumn,
  type ChurnField,
  type ColumnMap,
  type DealField,
  type FormatOption,
  type ImportKind,
  mapHeaders,
} from './headers.ts';
import type { CsvRow, CsvTable } from './read.ts';
import {
  type DateOrder,
  detectDateOrder,
  detectNumberStyle,
  isBlank,
  isFailure,
  looksBoolean,
  looksLikeDate,
  type NumberStyle,
  type Parsed,
  parseBoolean,
  parseCount,
  parseDate,
  parseNumber,
} from './values.ts';

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
  attributes: Attributes;
}

export type Outcome = 'won' | 'lost' | 'open';

export interface DealRecord {
  externalId: string;
  name: string | null;
  accountName: string | null;
  /** normalizeCompanyName(accountName): what links the deal to an account by name. */
  accountNormalizedName: string | null;
  accountExternalId: string | null;
  stage: string | null;
  outcome: Outcome;
  amount: number | null;
  createdOn: string | null;
  closedOn: string | null;
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

export interface RecordsByKind {
  accounts: AccountRecord;
  deals: DealRecord;
  churn: ChurnRecord;
}

export interface BuildResult<K extends ImportKind> {
  columns: ColumnMap<string>;
  records: RecordsByKind[K][];
  errors: RowError[];
  warnings: string[];
}

type AttrType = 'boolean' | 'number' | 'date' | 'text';

interface AttrPlan extends AttributeColumn {
  type: AttrType;
  order: DateOrder;
}

const PLAIN_NUMBER = /^-?(0|[1-9]\d{0,14})(\.\d+)?$/;
const DATE_HEADER = /(date|_at$|_on$|^created|^updated|signup|time)/;

/** Chooses how to store an unmapped column from all its values. */
function planAttribute(col: AttributeColumn, rows: readonly CsvRow[]): AttrPlan {
  const values: string[] = [];
  for (const r of rows) {
    const v = r.cells[col.index];
    if (v !== undefined && !isBlank(v)) values.push(v.trim());
  }
  const order = detectDateOrder(values);
  let type: AttrType = 'text';
  if (values.length > 0 && !col.textOnly) {
    if (values.every(looksBoolean)) type = 'boolean';
    else if (values.every((v) => PLAIN_NUMBER.test(v))) type = 'number';
    else if ((DATE_HEADER.test(col.key) || values.every((v) => /[-/.]/.test(v))) && values.every(looksLikeDate)) {
      type = 'date';
    }
  }
  return { ...col, type, order };
}

function readAttribute(plan: AttrPlan, raw: string): AttributeValue | null {
  if (isBlank(raw)) return null;
  switch (plan.type) {
    case 'boolean': {
      const b = parseBoolean(raw);
      return typeof b === 'boolean' ? b : raw.trim();
    }
    case 'number':
      return Number(raw.trim());
    case 'date': {
      const d = parseDate(raw, plan.order);
      return typeof d === 'string' ? d : raw.trim();
    }
    default:
      return raw.trim();
  }
}

/** Stable id for a row without one: the same cells always give the same id. */
export function rowHash(cells: readonly string[]): string {
  return `row:${createHash('sha1')
    .update(cells.map((c) => c.trim()).join('\u001f'))
    .digest('hex')
    .slice(0, 20)}`;
}

const WON_KEYS = new Set(['won', 'closedwon', 'win', 'dealwon']);
const LOST_KEYS = new Set(['lost', 'closedlost', 'loss', 'deallost']);

/** Outcome from a stage label or internal id: Won/Closed Won/closedwon → won, Lost/… → lost, else open. */
export function outcomeFromStage(stage: string | null): Outcome {
  if (!stage) return 'open';
  const lower = stage.toLowerCase();
  const key = lower.replace(/[^a-z]/g, '');
  if (WON_KEYS.has(key)) return 'won';
  if (LOST_KEYS.has(key)) return 'lost';
  const words = lower.split(/[^a-z]+/);
  if (words.includes('won')) return 'won';
  if (words.includes('lost')) return 'lost';
  return 'open';
}

/**
 * Outcome from explicit flags where the export has them (HubSpot "Is Closed Won", Salesforce
 * IsWon + IsClosed: orgs rename stages, the flags stay true), otherwise from the stage name.
 */
export function decideOutcome(flags: {
  stage: string | null;
  isClosedWon?: boolean | null | undefined;
  isWon?: boolean | null | undefined;
  isClosed?: boolean | null | undefined;
}): Outcome {
  const byStage = outcomeFromStage(flags.stage);
  if (flags.isClosed === false) return 'open';
  if (flags.isWon === true || flags.isClosedWon === true) return 'won';
  if (flags.isClosed === true) return flags.isWon === false ? 'lost' : byStage === 'won' ? 'won' : 'lost';
  if (flags.isWon === false || flags.isClosedWon === false) return byStage === 'won' ? 'open' : byStage;
  return byStage;
}

class RowReader {
  readonly errors: RowError[] = [];
  private readonly dateOrders = new Map<number, DateOrder>();
  private readonly numberStyles = new Map<number, NumberStyle>();

  constructor(
    private readonly table: CsvTable,
    private readonly fields: Partial<Record<string, number>>,
  ) {}

  private colValues(index: number): string[] {
    const out: string[] = [];
    for (const r of this.table.rows) {
      const v = r.cells[index];
      if (v !== undefined && !isBlank(v)) out.push(v);
    }
    return out;
  }

  private order(index: number): DateOrder {
    let o = this.dateOrders.get(index);
    if (!o) {
      o = detectDateOrder(this.colValues(index));
      this.dateOrders.set(index, o);
    }
    return o;
  }

  private style(index: number): NumberStyle {
    let s = this.numberStyles.get(index);
    if (!s) {
      s = detectNumberStyle(this.colValues(index));
      this.numberStyles.set(index, s);
    }
    return s;
  }

  raw(row: CsvRow, field: string): string | null {
    const i = this.fields[field];
    if (i === undefined) return null;
    const v = row.cells[i];
    return v === undefined || isBlank(v) ? null : v.trim();
  }

  private check<T>(row: CsvRow, field: string, value: Parsed<T>): T | null {
    if (isFailure(value)) {
      const i = this.fields[field]!;
      this.errors.push({
        row: row.line,
        column: this.table.headers[i] ?? field,
        value: row.cells[i] ?? '',
        problem: value.problem,
      });
      return null;
    }
    return value;
  }

  text(row: CsvRow, field: string): string | null {
    return this.raw(row, field);
  }

  number(row: CsvRow, field: string): number | null {
    const i = this.fields[field];
    return i === undefined ? null : this.check(row, field, parseNumber(row.cells[i], this.style(i)));
  }

  count(row: CsvRow, field: string): number | null {
    const i = this.fields[field];
    return i === undefined ? null : this.check(row, field, parseCount(row.cells[i], this.style(i)));
  }

  date(row: CsvRow, field: string): string | null {
    const i = this.fields[field];
    return i === undefined ? null : this.check(row, field, parseDate(row.cells[i], this.order(i)));
  }

  bool(row: CsvRow, field: string): boolean | null {
    const i = this.fields[field];
    return i === undefined ? null : this.check(row, field, parseBoolean(row.cells[i]));
  }

  fail(row: CsvRow, field: string, problem: string): void {
    const i = this.fields[field];
    this.errors.push({
      row: row.line,
      column: i === undefined ? field : (this.table.headers[i] ?? field),
      value: i === undefined ? '' : (row.cells[i] ?? ''),
      problem,
    });
  }
}

function attributesOf(plans: readonly AttrPlan[], row: CsvRow): Attributes {
  const out: Attributes = {};
  for (const p of plans) {
    const v = readAttribute(p, row.cells[p.index] ?? '');
    if (v !== null) out[p.key] = v;
  }
  return out;
}

/** Keeps the last record of each external id; returns how many earlier ones were dropped. */
function dedupe<T extends { externalId: string }>(records: T[]): { records: T[]; dropped: number } {
  const byId = new Map<string, number>();
  records.forEach((r, i) => {
    byId.set(r.externalId, i);
  });
  if (byId.size === records.length) return { records, dropped: 0 };
  const keep = new Set(byId.values());
  return { records: records.filter((_, i) => keep.has(i)), dropped: records.length - keep.size };
}

function headerError(table: CsvTable, problem: string): RowError {
  return { row: table.headerLine, column: '', value: table.headers.join(',').slice(0, 200), problem };
}

/**
 * Validates and converts every row of `table` into records of `kind`. Never throws for bad data:
 * problems come back in `errors` (row, column, value, problem), so the caller can refuse the file.
 */
export function buildRecords<K extends ImportKind>(
  kind: K,
  table: CsvTable,
  format: FormatOption = 'auto',
): BuildResult<K> {
  const columns = mapHeaders(kind, table.headers, format) as ColumnMap<string>;
  const reader = new RowReader(table, columns.fields);
  const plans = columns.attributes.map((c) => planAttribute(c, table.rows));
  const warnings = [...columns.notes];
  const errors: RowError[] = [...table.errors];
  let records: RecordsByKind[K][] = [];

  if (kind === 'accounts') {
    if (columns.fields.name === undefined) {
      errors.push(
        headerError(table, 'no company name column (e.g. "Company name", "Account Name", "name", "account")'),
      );
    } else {
      const out: AccountRecord[] = [];
      let unknownCountries = 0;
      for (const row of table.rows) {
        const r = buildAccount(reader, row, plans, columns.revenueScale);
        if (r) {
          if (r.countryUnknown) unknownCountries++;
          out.push(r.record);
        }
      }
      if (unknownCountries > 0) {
        warnings.push(
          `${unknownCountries} row(s) have a country that was not recognised (kept in attributes.country_raw)`,
        );
      }
      records = out as RecordsByKind[K][];
    }
  } else if (kind === 'deals') {
    records = table.rows.map((row) => buildDeal(reader, row, plans)) as RecordsByKind[K][];
  } else {
    if (columns.fields.churnedOn === undefined) {
      errors.push(headerError(table, 'no churn date column (e.g. "churn_date", "Churned On", "Cancellation Date")'));
    } else {
      const out: ChurnRecord[] = [];
      for (const row of table.rows) {
        const r = buildChurn(reader, row, plans);
        if (r) out.push(r);
      }
      records = out as RecordsByKind[K][];
    }
  }

  errors.push(...reader.errors);
  errors.sort((a, b) => a.row - b.row);
  const { records: unique, dropped } = dedupe(records as { externalId: string }[]);
  if (dropped > 0) warnings.push(`${dropped} row(s) repeat an earlier id in this file; the last one of each was kept`);
  return { columns, records: unique as RecordsByKind[K][], errors, warnings };
}

function buildAccount(
  reader: RowReader,
  row: CsvRow,
  plans: readonly AttrPlan[],
  revenueScale: number,
): { record: AccountRecord; countryUnknown: boolean } | null {
  const f = (x: AccountField) => x;
  const before = reader.errors.length;
  const name = reader.text(row, f('name'));
  if (!name) reader.fail(row, f('name'), 'company name is required');
  const employees = reader.count(row, f('employees'));
  const revenueRaw = reader.number(row, f('revenue'));
  const attributes = attributesOf(plans, row);

  let domain: string | null = null;
  const domainRaw = reader.text(row, f('domain'));
  const websiteRaw = reader.text(row, f('website'));
  if (domainRaw) {
    domain = registrableDomain(domainRaw);
    if (!domain) attributes.domain_raw = domainRaw;
  }
  if (websiteRaw) {
    attributes.website = websiteRaw;
    domain ??= registrableDomain(websiteRaw);
  }

  const countryRaw = reader.text(row, f('country'));
  const country = countryRaw ? normalizeCountry(countryRaw) : null;
  if (countryRaw && !country) attributes.country_raw = countryRaw;

  if (reader.errors.length > before || !name) return null;
  const normalizedName = normalizeCompanyName(name);
  const id = reader.text(row, f('externalId'));
  return {
    record: {
      externalId: id ?? normalizedName,
      name,
      normalizedName,
      domain,
      industry: reader.text(row, f('industry')),
      employees,
      revenue: revenueRaw === null ? null : Math.round(revenueRaw * revenueScale * 100) / 100,
      country,
      attributes,
    },
    countryUnknown: Boolean(countryRaw && !country),
  };
}

function buildDeal(reader: RowReader, row: CsvRow, plans: readonly AttrPlan[]): DealRecord {
  const f = (x: DealField) => x;
  const stage = reader.text(row, f('stage'));
  const outcome = decideOutcome({
    stage,
    isClosedWon: reader.bool(row, f('isClosedWon')),
    isWon: reader.bool(row, f('isWon')),
    isClosed: reader.bool(row, f('isClosed')),
  });
  const attributes = attributesOf(plans, row);
  const closeDate = reader.date(row, f('closedOn'));
  // An open deal's close date is a forecast, not a fact: keep it out of closedOn.
  if (outcome === 'open' && closeDate) attributes.expected_close_date = closeDate;
  const accountName = reader.text(row, f('accountName'));
  return {
    externalId: reader.text(row, f('externalId')) ?? rowHash(row.cells),
    name: reader.text(row, f('name')),
    accountName,
    accountNormalizedName: accountName ? normalizeCompanyName(accountName) : null,
    accountExternalId: reader.text(row, f('accountExternalId')),
    stage,
    outcome,
    amount: reader.number(row, f('amount')),
    createdOn: reader.date(row, f('createdOn')),
    closedOn: outcome === 'open' ? null : closeDate,
    owner: reader.text(row, f('owner')),
    product: reader.text(row, f('product')),
    attributes,
  };
}

function buildChurn(reader: RowReader, row: CsvRow, plans: readonly AttrPlan[]): ChurnRecord | null {
  const f = (x: ChurnField) => x;
  const churnedOn = reader.date(row, f('churnedOn'));
  if (churnedOn === null && !reader.raw(row, f('churnedOn')))
    reader.fail(row, f('churnedOn'), 'churn date is required');
  const accountName = reader.text(row, f('accountName'));
  const record: ChurnRecord = {
    externalId: reader.text(row, f('externalId')) ?? rowHash(row.cells),
    accountExternalId: reader.text(row, f('accountExternalId')),
    accountName,
    accountNormalizedName: accountName ? normalizeCompanyName(accountName) : null,
    churnedOn: churnedOn ?? '',
    reason: reader.text(row, f('reason')),
    amount: reader.number(row, f('amount')),
    attributes: attributesOf(plans, row),
  };
  return churnedOn ? record : null;
}
