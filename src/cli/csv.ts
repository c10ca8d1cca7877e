/**
 * CSV cells as the bot writes them (`icp scores --csv`, and any CSV export after it). Account names
 * come from CRMs and users, so a cell a spreadsheet would run as a formula (starting with =, +, -, @,
 * a tab or a carriage return) is neutralised the way OWASP recommends: a leading single quote, and
 * the cell quoted. See https://owasp.org/www-community/attacks/CSV_Injection.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: numbers as they are, text quoted when it needs to be, formulas neutralised. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  let s = String(value);
  const formula = FORMULA_START.test(s);
  if (formula) s = `'${s}`;
  return formula || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line of cells. */
export const csvLine = (cells: readonly unknown[]): string => cells.map(csvCell).join(',');
