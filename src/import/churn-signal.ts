/**
 * `--churn-column`: which column of an accounts or subscriptions file is the churn signal. Churn is a
 * rate per window, so every churn needs a day:
 * - a date column ("Churn Date", "cancelled_on"): the account or subscription churned on that day;
 * - a yes/no column on subscriptions (RavenStack's churn_flag): a flagged subscription churned on its end
 *   date, and a flagged one without an end date is a row error;
 * - the subscriptions' end date column itself: every subscription that ended churned on its end date;
 * - a yes/no column on accounts is refused: it says whether an account churned, not when.
 * The importer turns each signal into a churn event (db/queries/import-churn-signal.ts).
 */

import { headerKey, type ImportKind } from './headers.ts';
import type { CsvRow } from './read.ts';
import type { AccountRecord, AttributeValue, RowReader, SubscriptionRecord } from './records.ts';

/** The column's type as decided from all its values (ColumnStats), by attribute key. */
interface PlannedColumn {
  index: number;
  header: string;
  key: string;
  type: 'boolean' | 'number' | 'date' | 'text';
}

export class ChurnSignal {
  /** A problem with the option for this file (no row can be read under it), or null. */
  readonly fileError: string | null;
  private readonly column: PlannedColumn | undefined;
  /** The column named is the subscriptions' end date: every end is a churn. */
  private readonly endIsChurn: boolean;

  /** `endHeader`: the header mapped to the subscription end date, if any. */
  constructor(kind: ImportKind, name: string, plans: readonly PlannedColumn[], endHeader?: string) {
    this.endIsChurn = kind === 'subscriptions' && endHeader !== undefined && headerKey(endHeader) === headerKey(name);
    this.column = this.endIsChurn
      ? { index: -1, header: endHeader!, key: '', type: 'date' }
      : plans.find((p) => headerKey(p.header) === headerKey(name));
    const c = this.column;
    this.fileError =
      kind !== 'accounts' && kind !== 'subscriptions'
        ? '--churn-column applies to accounts and subscriptions files (a churn events file is itself the churn signal)'
        : !c
          ? `no column "${name}" to read churn from (--churn-column names a column of the file that is not an id, name or date the import already reads)`
          : c.type === 'date'
            ? null
            : c.type === 'boolean' && kind === 'subscriptions'
              ? null
              : c.type === 'boolean'
                ? `"${c.header}" says whether an account churned, not when, and churn is counted per window: name a churn date column, import churn events, or import subscriptions with --churn-column (a flagged subscription churns on its end date)`
                : `"${c.header}" holds neither dates nor yes/no values, so it cannot say who churned when`;
  }

  /** True for a date column (the end date included), false for a yes/no flag (dated by the subscription's end). */
  get dated(): boolean {
    return this.column?.type === 'date';
  }

  /** The signal's column header (for messages). */
  get header(): string {
    return this.column?.header ?? '';
  }

  /** The day this row's account or subscription churned, or null; a flag without a date is a row error. */
  churnedOn(record: AccountRecord | SubscriptionRecord, row: CsvRow, reader: RowReader): string | null {
    const c = this.column;
    if (!c) return null;
    if (this.endIsChurn) return 'endedOn' in record ? record.endedOn : null;
    const v: AttributeValue | undefined = record.attributes[c.key];
    if (c.type === 'date') return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null;
    if (v !== true) return null;
    const ended = 'endedOn' in record ? record.endedOn : null;
    if (!ended) {
      reader.push({
        row: row.line,
        column: c.header,
        value: row.cells[c.index] ?? '',
        problem: 'flags the subscription as churned but it has no end date to date the churn',
      });
    }
    return ended;
  }
}
