/**
 * What the `icp` command handlers share: argument checks, output, and the show / versions / diff
 * commands of a versioned document (the ICP file, the persona file).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';

/** The part of the CLI context the handlers use (src/cli/icp.ts passes its full context). */
export interface CliCtx {
  deps: Deps;
  config: Config;
  io: { out(text: string): void; err(text: string): void };
  json: boolean;
  teamId: string;
  userId: string;
  flags: Record<string, string | boolean | undefined>;
}

export type CliHandler<C extends CliCtx = CliCtx> = (ctx: C, args: string[]) => Promise<number>;

/** Prints `value` as JSON under --json, else the text. */
export function print(ctx: CliCtx, value: unknown, text: () => string): void {
  ctx.io.out(ctx.json ? JSON.stringify(value, null, 2) : text());
}

export function need(arg: string | undefined, what: string): string {
  if (!arg) throw new AppError(ErrorCode.BadInput, `Missing ${what}. Run \`icp help\` for usage.`);
  return arg;
}

export function versionArg(arg: string | undefined, what = 'version'): number {
  const n = Number(need(arg, what));
  if (!Number.isInteger(n) || n < 1) {
    throw new AppError(ErrorCode.BadInput, `${what} must be a whole number ≥ 1, got “${arg}”.`);
  }
  return n;
}

export function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError(ErrorCode.BadInput, `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`, {
      cause: err,
    });
  }
}

/** `90d`, `12w`, `3m` or a plain number of days. */
export function windowArg(v: string | boolean | undefined): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const m = /^(\d+)\s*([dwm]?)$/i.exec(v.trim());
  const days = m
    ? Number(m[1]) * ({ d: 1, w: 7, m: 30 }[(m[2] || 'd').toLowerCase() as 'd' | 'w' | 'm'] ?? 1)
    : Number.NaN;
  if (!(days >= 1 && days <= 3650))
    throw new AppError(ErrorCode.BadInput, `--window must be a duration such as 90d, 12w or 3m, got “${v}”.`);
  return days;
}

export function dateArg(v: string, flag = '--as-of'): Date {
  const d = /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(`${v.slice(0, 10)}T00:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime()))
    throw new AppError(ErrorCode.BadInput, `${flag} must be a date such as 2017-12-31, got “${v}”.`);
  return d;
}

/** One indented bullet per line, or `none` when there are no lines. */
export const bullets = (lines: readonly string[], none: string) =>
  lines.map((c) => `  • ${c}`).join('\n') || `  ${none}`;

interface ShownVersion {
  version: number;
  source: string;
  origin: string;
  createdBy: string;
  createdAt: Date;
}

interface ListedVersion {
  version: number;
  origin: string;
  restoredFrom: number | null;
  createdBy: string;
  createdAt: Date;
}

/** show, versions and diff for one versioned document; `current` applies the default when there is none. */
export function versionCommands<S extends ShownVersion, L extends ListedVersion>(doc: {
  /** How messages name a version: "ICP", "Persona". */
  label: string;
  current(ctx: CliCtx): Promise<S>;
  get(ctx: CliCtx, version: number): Promise<S | null>;
  list(ctx: CliCtx): Promise<L[]>;
  /** The last column of `versions` (the ICP's name, the number of personas). */
  summary(row: L): string;
  diff(
    ctx: CliCtx,
    from: number | undefined,
    to: number | undefined,
  ): Promise<{ from: number | null; to: number; changes: string[] }>;
}): Record<'show' | 'versions' | 'diff', CliHandler> {
  return {
    async show(ctx) {
      const v = ctx.flags.version ? versionArg(String(ctx.flags.version)) : undefined;
      const row = v ? await doc.get(ctx, v) : await doc.current(ctx);
      if (!row) throw new AppError(ErrorCode.VersionNotFound, `${doc.label} version ${v} does not exist.`);
      print(
        ctx,
        row,
        () =>
          `# ${doc.label} version ${row.version} (${row.origin}, ${row.createdAt.toISOString()} by ${row.createdBy})\n${row.source}`,
      );
      return 0;
    },

    async versions(ctx) {
      await doc.current(ctx);
      const rows = await doc.list(ctx);
      print(ctx, rows, () =>
        rows
          .map(
            (r) =>
              `v${r.version}  ${r.createdAt.toISOString().slice(0, 16)}  ${r.createdBy}  ${r.origin}${r.restoredFrom ? ` of v${r.restoredFrom}` : ''}  ${doc.summary(r)}`,
          )
          .join('\n'),
      );
      return 0;
    },

    async diff(ctx, [a, b]) {
      await doc.current(ctx);
      const from = a ? versionArg(a, 'v1') : undefined;
      const to = b ? versionArg(b, 'v2') : undefined;
      const d = await doc.diff(ctx, from, to);
      print(ctx, d, () => `${d.from ? `v${d.from}` : '(nothing)'} → v${d.to}\n${bullets(d.changes, 'no differences')}`);
      return 0;
    },
  };
}
