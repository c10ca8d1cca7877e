/**
 * Column-wide decisions of an import, taken once from all of a column's values before any row is
 * converted (src/import/records.ts reads rows under them): the number style of numeric fields, the
 * day/month order of date fields, and the type of each unmapped column. Gathered by a streaming pass
 * that keeps only per-column counters.
 */
import type { AttributeColumn, ColumnMap } from './headers.ts';
import type { CsvRow } from './read.ts';
import type { AttributeValue } from './records.ts';
import {
  type DateOrder,
  isBlank,
  looksBoolean,
  looksLikeDate,
  type NumberStyle,
  numberStyleOf,
  numericDateParts,
  parseBoolean,
  parseDate,
} from './values.ts';

export type AttrType = 'boolean' | 'number' | 'date' | 'text';

export interface AttrPlan extends AttributeColumn {
  type: AttrType;
  order: DateOrder;
}

const PLAIN_NUMBER = /^-?(0|[1-9]\d{0,14})(\.\d+)?$/;
const DATE_HEADER = /(date|_at$|_on$|^created|^updated|signup|time)/;
const DATE_SEPARATOR = /[-/.]/;

/** Mapped fields whose column-wide number style or day/month order must be known before any row is read. */
const NUMBER_FIELDS = new Set(['employees', 'revenue', 'amount', 'mrr', 'arr']);
const DATE_FIELDS = new Set(['createdOn', 'closedOn', 'churnedOn', 'customerSince', 'startedOn', 'endedOn']);

/** Running day/month-order evidence of one column (what detectDateOrder counts, one value at a time). */
class DateOrderStats {
  dmy = 0;
  mdy = 0;
  dots = 0;
  slashes = 0;
  private readonly parts = memo(numericDateParts, 5000);
  add(v: string): void {
    const p = this.parts(v);
    if (!p) return;
    if (p.a > 12 && p.b <= 12) this.dmy++;
    else if (p.b > 12 && p.a <= 12) this.mdy++;
    if (p.sep === '.') this.dots++;
    else this.slashes++;
  }
  order(): DateOrder {
    if (this.dmy !== this.mdy) return this.dmy > this.mdy ? 'dmy' : 'mdy';
    return this.dots > this.slashes ? 'dmy' : 'mdy';
  }
}

/** Running type evidence of one unmapped column: which types every non-blank value so far fits. */
class AttrStats {
  values = 0;
  allBoolean = true;
  allNumber = true;
  allSeparated = true;
  allDates = true;
  readonly dates = new DateOrderStats();
  private readonly dateHeader: boolean;
  private readonly isDate = memo(looksLikeDate, 5000);

  constructor(readonly col: AttributeColumn) {
    this.dateHeader = DATE_HEADER.test(col.key);
    if (col.textOnly) this.allBoolean = this.allNumber = this.allDates = false;
  }

  add(raw: string): void {
    const v = raw.trim();
    this.values++;
    if (this.allBoolean && !looksBoolean(v)) this.allBoolean = false;
    if (this.allNumber && !PLAIN_NUMBER.test(v)) this.allNumber = false;
    if (this.allSeparated && !DATE_SEPARATOR.test(v)) this.allSeparated = false;
    if (this.allDates) {
      // A date column needs a date-like header or separators in every value, and every value a date.
      if ((!this.dateHeader && !this.allSeparated) || !this.isDate(v)) this.allDates = false;
      else this.dates.add(v);
    }
  }

  plan(): AttrPlan {
    let type: AttrType = 'text';
    if (this.values > 0 && !this.col.textOnly) {
      if (this.allBoolean) type = 'boolean';
      else if (this.allNumber) type = 'number';
      else if (this.allDates) type = 'date';
    }
    return { ...this.col, type, order: this.dates.order() };
  }
}

/**
 * Column-wide facts gathered in a first streaming pass over the file (no row kept): the number style
 * of numeric fields, the day/month order of date fields, and the type of each unmapped column.
 */
export class ColumnStats {
  private readonly numbers = new Map<number, { us: number; eu: number }>();
  private readonly styleOf = memo(numberStyleOf, 20_000);
  private readonly dates = new Map<number, DateOrderStats>();
  private readonly attrs: AttrStats[];

  constructor(readonly columns: ColumnMap<string>) {
    for (const [field, i] of Object.entries(columns.fields)) {
      if (i === undefined) continue;
      if (NUMBER_FIELDS.has(field)) this.numbers.set(i, { us: 0, eu: 0 });
      if (DATE_FIELDS.has(field)) this.dates.set(i, new DateOrderStats());
    }
    this.attrs = columns.attributes.map((c) => new AttrStats(c));
  }

  add(row: CsvRow): void {
    const cells = row.cells;
    for (const [i, n] of this.numbers) {
      const v = cells[i];
      if (v === undefined || isBlank(v)) continue;
      const s = this.styleOf(v);
      if (s === 'us') n.us++;
      else if (s === 'eu') n.eu++;
    }
    for (const [i, d] of this.dates) {
      const v = cells[i];
      if (v !== undefined && !isBlank(v)) d.add(v);
    }
    for (const a of this.attrs) {
      const v = cells[a.col.index];
      if (v !== undefined && v !== '' && !isBlank(v)) a.add(v);
    }
  }

  /** The decisions the rows seen so far support. */
  decide(): ColumnDecisions {
    const numberStyles = new Map<number, NumberStyle>();
    for (const [i, n] of this.numbers) numberStyles.set(i, n.eu > n.us ? 'eu' : 'us');
    const dateOrders = new Map<number, DateOrder>();
    for (const [i, d] of this.dates) dateOrders.set(i, d.order());
    return new ColumnDecisions(
      numberStyles,
      dateOrders,
      this.attrs.map((a) => a.plan()),
    );
  }
}

/** Column-wide decisions, frozen: how every row of the file is read. */
export class ColumnDecisions {
  constructor(
    private readonly numberStyles: ReadonlyMap<number, NumberStyle>,
    private readonly dateOrders: ReadonlyMap<number, DateOrder>,
    readonly plans: readonly AttrPlan[],
  ) {}

  numberStyle(i: number): NumberStyle {
    return this.numberStyles.get(i) ?? 'us';
  }

  dateOrder(i: number): DateOrder {
    return this.dateOrders.get(i) ?? 'mdy';
  }

  /** Whether rows read under `other` come out exactly as under these decisions. */
  sameAs(other: ColumnDecisions): boolean {
    for (const [i, s] of this.numberStyles) if (other.numberStyle(i) !== s) return false;
    for (const [i, o] of this.dateOrders) if (other.dateOrder(i) !== o) return false;
    return this.plans.every((p, k) => {
      const q = other.plans[k];
      // A date column's order matters only for a date column.
      return q !== undefined && q.type === p.type && (p.type !== 'date' || q.order === p.order);
    });
  }
}

export function readAttribute(plan: AttrPlan, raw: string): AttributeValue | null {
  if (raw === '' || isBlank(raw)) return null;
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

/** Caches a pure per-column parser: CRM columns repeat values (dates, sizes, countries) a lot. */
export function memo<T>(fn: (raw: string) => T, cap = 20_000): (raw: string) => T {
  const cache = new Map<string, T>();
  return (raw) => {
    let v = cache.get(raw);
    if (v === undefined && !cache.has(raw)) {
      v = fn(raw);
      if (cache.size < cap) cache.set(raw, v);
    }
    return v as T;
  };
}
