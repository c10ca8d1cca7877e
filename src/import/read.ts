/**
 * Streaming CSV reader for CRM exports. Handles a byte-order mark, CRLF, quoted fields with commas
 * and line breaks, and skips junk rows (blank lines, all-empty rows, "Total" rows, report footers)
 * instead of failing on them. Line numbers are counted here because a quoted CRLF would otherwise
 * be counted twice.
 *
 * Rows are never held in memory as a whole: a `CsvSource` can be scanned any number of times, each
 * scan streaming the file through csv-parse and handing data rows one by one to the caller (the
 * importer scans once, or twice when its early column decisions turn out wrong). A stream input is
 * spooled to a temporary file first so that it can be read again.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import type { RowError } from '../errors.ts';
import { isBlank, isFailure, parseNumber } from './values.ts';

export interface CsvRow {
  /** 1-based line where the record starts; the header is line 1. */
  line: number;
  cells: string[];
}

/** What a scan learnt besides the rows: headers, junk skipped, field-count errors. */
export interface CsvScan {
  headers: string[];
  /** Header line (1 unless blank lines precede it). */
  headerLine: number;
  /** Data rows handed out (junk rows not included). */
  rows: number;
  /** Junk rows skipped, by reason: blank, total, footer. */
  skipped: Record<string, number>;
  /** Rows whose field count differs from the header's and that are followed by real data. */
  errors: RowError[];
}

export type CsvInput = string | NodeJS.ReadableStream;

function lineBreaks(cell: string): number {
  let n = 0;
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (cell.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

const TOTAL_LABEL = /^(grand\s*|sub-?\s*)?totals?\b/i;

/** A summary row: labelled "Total…" with nothing but numbers (or counts) in the other cells. */
function isTotalRow(cells: readonly string[]): boolean {
  let first: string | undefined;
  for (const c of cells) {
    if (c !== '' && !isBlank(c)) {
      first = c;
      break;
    }
  }
  if (first === undefined || !TOTAL_LABEL.test(first.trim())) return false;
  const filled = cells.filter((c) => !isBlank(c));
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

const isWhite = (c: string) => c === '' || c.trim() === '';

/** A CSV file (or a stream spooled to one) that can be scanned repeatedly. Call close() when done. */
export class CsvSource {
  private path: string | null;
  private stream: NodeJS.ReadableStream | null;
  private spoolDir: string | null = null;

  constructor(input: CsvInput) {
    this.path = typeof input === 'string' ? input : null;
    this.stream = typeof input === 'string' ? null : input;
  }

  /** The file's path; a stream input is first copied to a temporary file (once), so it can be re-read. */
  private async filePath(): Promise<string> {
    if (this.path !== null) return this.path;
    const source = this.stream!;
    this.stream = null;
    this.spoolDir = mkdtempSync(join(tmpdir(), 'icp-import-'));
    const spool = join(this.spoolDir, 'input.csv');
    const readable = source instanceof Readable ? source : Readable.from(source as AsyncIterable<Buffer>);
    await pipeline(readable, createWriteStream(spool));
    this.path = spool;
    return spool;
  }

  /**
   * Streams the file, calling `onRow` for every data row as it is parsed (the cells array is the
   * row's own and may be kept). Junk rows are skipped and counted; rows with the wrong field count
   * become errors when real data follows them, footer otherwise. `onRow` may return a promise: the
   * parser waits for it (that is how the importer's writes apply back-pressure).
   */
  async scan(
    onRow: (row: CsvRow) => void | Promise<void>,
    onHeaders?: (headers: string[], headerLine: number) => void,
    onError?: (error: RowError) => void,
  ): Promise<CsvScan> {
    const parser = parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      relax_quotes: true,
    });
    const input = createReadStream(await this.filePath(), { highWaterMark: 256 * 1024 });
    const done = pipeline(input, parser).catch((err: unknown) => {
      parser.destroy(err as Error);
    });

    let headers: string[] | undefined;
    let headerLine = 1;
    let rows = 0;
    const skipped: Record<string, number> = {};
    const errors: RowError[] = [];
    // Rows with the wrong field count: a footer if nothing but junk follows, an error otherwise.
    let pending: CsvRow[] = [];
    let nextLine = 1;
    const skip = (reason: string) => {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    };

    for await (const record of parser as AsyncIterable<string[]>) {
      const line = nextLine;
      let breaks = 0;
      let allBlank = true;
      for (const c of record) {
        if (allBlank && !isWhite(c)) allBlank = false;
        if (c.length > 0 && (c.includes('\n') || c.includes('\r'))) breaks += lineBreaks(c);
      }
      nextLine += 1 + breaks;
      if (!headers) {
        if (allBlank) continue;
        headers = record.map((h) => h.trim());
        headerLine = line;
        onHeaders?.(headers, line);
        continue;
      }
      if (allBlank) {
        skip('blank');
        continue;
      }
      if (record.length !== headers.length) {
        // Spreadsheets sometimes drop trailing empty cells or add empty ones: harmless.
        const extraEmpty = record.length > headers.length && record.slice(headers.length).every(isWhite);
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
      if (pending.length > 0) {
        for (const p of pending) {
          const e = fieldCountError(p, headers);
          errors.push(e);
          onError?.(e);
        }
        pending = [];
      }
      rows++;
      const r = onRow({ line, cells: record });
      if (r) await r;
    }
    await done;
    // Footers follow data; a file whose every row has the wrong field count is broken, not all footer.
    if (rows === 0) {
      for (const p of pending) {
        const e = fieldCountError(p, headers ?? []);
        errors.push(e);
        onError?.(e);
      }
    } else for (const _ of pending) skip('footer');
    return { headers: headers ?? [], headerLine, rows, skipped, errors };
  }

  /** Removes the spooled copy of a stream input, if any. */
  close(): void {
    if (this.spoolDir) rmSync(this.spoolDir, { recursive: true, force: true });
    this.spoolDir = null;
  }
}
