/**
 * Streaming CSV reader for CRM exports. Handles a byte-order mark, CRLF, quoted fields with commas
 * and line breaks, and skips junk rows (blank lines, all-empty rows, "Total" rows, report footers)
 * instead of failing on them. Line numbers are counted here because a quoted CRLF would otherwise
 * be counted twice.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { RowError } from '../errors.ts';
import { isBlank, isFailure, parseNumber } from './values.ts';

export interface CsvRow {
  /** 1-based line where the record starts; the header is line 1. */
  line: number;
  cells: string[];
}

export interface CsvTable {
  headers: string[];
  /** Header line (1 unless blank lines precede it). */
  headerLine: number;
  rows: CsvRow[];
  /** Junk rows skipped, by reason: blank, total, footer. */
  skipped: Record<string, number>;
  /** Rows whose field count differs from the header's and that are followed by real data. */
  errors: RowError[];
}

export type CsvInput = string | NodeJS.ReadableStream;

function lineBreaks(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) {
    if (c.includes('\n') || c.includes('\r')) n += (c.match(/\r\n|\r|\n/g) ?? []).length;
  }
  return n;
}

const TOTAL_LABEL = /^(grand\s*|sub-?\s*)?totals?\b/i;

/** A summary row: labelled "Total…" with nothing but numbers (or counts) in the other cells. */
function isTotalRow(cells: readonly string[]): boolean {
  const filled = cells.filter((c) => !isBlank(c));
  const first = filled[0];
  if (first === undefined || !TOTAL_LABEL.test(first.trim())) return false;
  return filled.slice(1).every((c) => {
    const v = parseNumber(c);
    return (v !== null && !isFailure(v)) || /^\d+\s*(rows?|records?)$/i.test(c.trim());
  });
}

function fieldCountError(p: CsvRow, headers: readonly string[]): RowError {
  return {
    row: p.line,
    column: '',
    value: p.cells.join(',').slice(0, 200),
    problem: `has ${p.cells.length} fields but the header has ${headers.length}`,
  };
}

function toStream(input: CsvInput): NodeJS.ReadableStream {
  return typeof input === 'string' ? createReadStream(input) : input;
}

/**
 * Reads a whole CSV file or stream into memory as rows of strings (values are parsed later, once
 * every value of a column has been seen). `onRow` receives the count of data rows read so far.
 */
export async function readCsv(input: CsvInput, onRow?: (rowsRead: number) => void): Promise<CsvTable> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    relax_quotes: true,
  });
  const source = toStream(input);
  const stream = (source instanceof Readable ? source : Readable.from(source as AsyncIterable<Buffer>)).pipe(parser);

  let headers: string[] | undefined;
  let headerLine = 1;
  const rows: CsvRow[] = [];
  const skipped: Record<string, number> = {};
  const errors: RowError[] = [];
  // Rows with the wrong field count: a footer if nothing but junk follows, an error otherwise.
  let pending: CsvRow[] = [];
  let nextLine = 1;
  const skip = (reason: string) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };

  for await (const record of stream as AsyncIterable<string[]>) {
    const line = nextLine;
    nextLine += 1 + lineBreaks(record);
    const allBlank = record.every((c) => c.trim() === '');
    if (!headers) {
      if (allBlank) continue;
      headers = record.map((h) => h.trim());
      headerLine = line;
      continue;
    }
    if (allBlank) {
      skip('blank');
      continue;
    }
    if (record.length !== headers.length) {
      // Spreadsheets sometimes drop trailing empty cells or add empty ones: harmless.
      const extraEmpty = record.length > headers.length && record.slice(headers.length).every((c) => c.trim() === '');
      if (!extraEmpty) {
        pending.push({ line, cells: record });
        continue;
      }
      record.length = headers.length;
    }
    if (isTotalRow(record)) {
      skip('total');
      continue;
    }
    for (const p of pending) errors.push(fieldCountError(p, headers));
    pending = [];
    rows.push({ line, cells: record });
    if (onRow && rows.length % 1000 === 0) onRow(rows.length);
  }
  // Footers follow data; a file whose every row has the wrong field count is broken, not all footer.
  if (rows.length === 0) errors.push(...pending.map((p) => fieldCountError(p, headers ?? [])));
  else for (const _ of pending) skip('footer');
  onRow?.(rows.length);
  return { headers: headers ?? [], headerLine, rows, skipped, errors };
}
