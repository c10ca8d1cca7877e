/**
 * Streaming CSV reader for CRM exports. Handles a byte-order mark, CRLF, quoted fields with commas
 * and line breaks, UTF-8, UTF-16 and Windows-1252 files (HubSpot and Excel often write the latter),
 * and skips junk rows (blank lines, all-empty rows, "Total" rows, report footers set apart by a blank
 * line) instead of failing on them. A row cut short, an unclosed quote or an encoding it cannot read
 * is an error with its line number, never skipped. Line numbers are counted here because a quoted
 * CRLF would otherwise be counted twice.
 *
 * Rows are never held in memory as a whole: a `CsvSource` can be scanned any number of times, each
 * scan streaming the file through csv-parse and handing data rows one by one to the caller (the
 * importer scans once, or twice when its early column decisions turn out wrong). A stream input is
 * spooled to a temporary file first so that it can be read again.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import iconv from 'iconv-lite';
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

/** How the file's bytes are decoded. */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The file cannot be read at all (its encoding); `line` is where the first bad byte is. */
export class CsvFileError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** A record longer than this is refused before it is held in memory (no CRM cell comes near it). */
export const MAX_RECORD_CHARS = 8 * 1024 * 1024;

// Bytes Windows-1252 leaves undefined: a file holding one is not Windows-1252 either.
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

/**
 * Decides the encoding from the bytes: a UTF-16 byte-order mark, else UTF-8 if every byte sequence is
 * valid UTF-8 (a strict decode, so no character is ever replaced by U+FFFD), else Windows-1252 (a
 * superset of Latin-1) when no byte is one it leaves undefined. Anything else is refused.
 */
export async function detectEncoding(path: string): Promise<CsvEncoding> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let isUtf8 = true;
  let first = true;
  let line = 1;
  let undefinedAt = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    if (first) {
      first = false;
      if (chunk[0] === 0xff && chunk[1] === 0xfe) return 'utf-16le';
      if (chunk[0] === 0xfe && chunk[1] === 0xff) return 'utf-16be';
    }
    if (isUtf8) {
      try {
        utf8.decode(chunk, { stream: true });
      } catch {
        isUtf8 = false;
      }
    }
    if (undefinedAt === 0) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === 10) line++;
        else if (b >= 0x81 && CP1252_UNDEFINED.has(b)) {
          undefinedAt = line;
          break;
        }
      }
    }
    if (!isUtf8 && undefinedAt > 0) break;
  }
  if (isUtf8) {
    try {
      utf8.decode();
      return 'utf-8';
    } catch {
      // The file ends inside a multi-byte character: cut short, or not UTF-8.
    }
  }
  if (undefinedAt > 0) {
    throw new CsvFileError(
      undefinedAt,
      'the file is neither UTF-8 nor Windows-1252 (Latin-1), so its letters cannot be read reliably; save it as "CSV UTF-8" and import it again',
    );
  }
  return 'windows-1252';
}

/** Re-encodes a non-UTF-8 byte stream as UTF-8 for the parser. */
function toUtf8(encoding: CsvEncoding): Transform {
  const decoder = iconv.getDecoder(encoding === 'windows-1252' ? 'win1252' : encoding);
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, Buffer.from(decoder.write(chunk), 'utf8'));
    },
    flush(done) {
      const rest = decoder.end();
      done(null, rest ? Buffer.from(rest, 'utf8') : undefined);
    },
  });
}

/** The sentence for a parser error at the record starting on `line`. */
function parseProblem(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell starts on this row and its closing quote never comes (unbalanced quotes, or the file is cut short)';
    case 'CSV_MAX_RECORD_SIZE':
      return `the row is longer than ${MAX_RECORD_CHARS / 1024 / 1024} MB of text; no CRM export row is that long`;
    default:
      return `cannot be read as CSV (${err.code})`;
  }
}

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

function fieldCountError(p: CsvRow, headers: readonly string[], last: boolean): RowError {
  const short = last && p.cells.length < headers.length;
  return {
    row: p.line,
    column: '',
    value: p.cells.join(',').slice(0, 200),
    problem: `has ${p.cells.length} fields but the header has ${headers.length}${short ? ' (is the file cut short?)' : ''}`,
  };
}

/** A report footer line ("Confidential Information…", "Generated by…"): one cell of text. */
const isFooterLine = (cells: readonly string[]) => cells.filter((c) => !isWhite(c)).length <= 1;

const isWhite = (c: string) => c === '' || c.trim() === '';

/** A CSV file (or a stream spooled to one) that can be scanned repeatedly. Call close() when done. */
export class CsvSource {
  private path: string | null;
  private stream: NodeJS.ReadableStream | null;
  private spoolDir: string | null = null;
  private detected: CsvEncoding | null = null;

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

  /** The file's encoding (decided once, on the first call). Throws CsvFileError when it cannot be read. */
  async encoding(): Promise<CsvEncoding> {
    this.detected ??= await detectEncoding(await this.filePath());
    return this.detected;
  }

  /**
   * Streams the file, calling `onRow` for every data row as it is parsed (the cells array is the
   * row's own and may be kept). Junk rows are skipped and counted; rows with the wrong field count
   * become errors, except one-cell lines set apart from the data by a blank line at the end (a report
   * footer). A parser error (an unclosed quote) ends the scan with an error at the row where the broken
   * record starts. `onRow` may return a promise: the parser waits for it (that is how the importer's
   * writes apply back-pressure).
   */
  async scan(
    onRow: (row: CsvRow) => void | Promise<void>,
    onHeaders?: (headers: string[], headerLine: number) => void,
    onError?: (error: RowError) => void,
  ): Promise<CsvScan> {
    const encoding = await this.encoding();
    const parser = parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      relax_quotes: true,
      max_record_size: MAX_RECORD_CHARS,
    });
    const input = createReadStream(await this.filePath(), { highWaterMark: 256 * 1024 });
    const done = (encoding === 'utf-8' ? pipeline(input, parser) : pipeline(input, toUtf8(encoding), parser)).catch(
      (err: unknown) => {
        parser.destroy(err as Error);
      },
    );

    let headers: string[] | undefined;
    let headerLine = 1;
    let rows = 0;
    const skipped: Record<string, number> = {};
    const errors: RowError[] = [];
    // Rows with the wrong field count: a footer if only junk follows (see scan's comment), an error otherwise.
    let pending: CsvRow[] = [];
    // Whether a blank row came between the last data row and the first pending one.
    let blankSinceData = false;
    let pendingAfterBlank = false;
    let nextLine = 1;
    const skip = (reason: string) => {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    };
    const report = (e: RowError) => {
      errors.push(e);
      onError?.(e);
    };

    try {
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
          blankSinceData = true;
          continue;
        }
        if (record.length !== headers.length) {
          // Spreadsheets sometimes drop trailing empty cells or add empty ones: harmless.
          const extraEmpty = record.length > headers.length && record.slice(headers.length).every(isWhite);
          if (!extraEmpty) {
            if (pending.length === 0) pendingAfterBlank = blankSinceData;
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
          for (const p of pending) report(fieldCountError(p, headers, false));
          pending = [];
        }
        blankSinceData = false;
        rows++;
        const r = onRow({ line, cells: record });
        if (r) await r;
      }
      await done;
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      // The parser cannot go on: the broken record starts at nextLine.
      for (const p of pending) report(fieldCountError(p, headers ?? [], false));
      pending = [];
      report({ row: nextLine, column: '', value: '', problem: parseProblem(err) });
    }
    // A footer is set apart by a blank line and holds one cell per line; anything else with the wrong
    // field count at the end is a row cut short (a truncated export), never skipped.
    const footer = rows > 0 && pendingAfterBlank && pending.every((p) => isFooterLine(p.cells));
    if (footer) for (const _ of pending) skip('footer');
    else
      pending.forEach((p, i) => {
        report(fieldCountError(p, headers ?? [], i === pending.length - 1));
      });
    return { headers: headers ?? [], headerLine, rows, skipped, errors };
  }

  /** Removes the spooled copy of a stream input, if any. */
  close(): void {
    if (this.spoolDir) rmSync(this.spoolDir, { recursive: true, force: true });
    this.spoolDir = null;
  }
}
