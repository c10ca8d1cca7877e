/**
 * `icp personas apply|show|versions|diff|rollback` and `icp persona "<query>" [--for <company>]`: persona
 * files and cheat sheets from the command line, spread into the `icp` command table by src/cli/icp.ts.
 */
import { readFileSync } from 'node:fs';
import { personaQuery } from '../../commands/icp-persona.ts';
import {
  applyPersonas,
  diffPersonaVersions,
  getPersonaVersion,
  listPersonaVersions,
  rollbackPersonas,
} from '../../db/queries/personas.ts';
import { renderBlocks } from '../console/render.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { summaryLine } from '../personas/match.ts';
import { daysSinceReview, type Persona } from '../personas/spec.ts';
import type { PersonaAnswer } from '../personas/tailor.ts';
import { personaCard } from '../slack/blocks/persona.ts';

export const PERSONAS_USAGE = `Personas
  personas apply <personas.yml>   validate and apply a persona file as a new version
  personas show [--version N]     print the current (or a given) persona file
  personas versions               list every version (who, when, what changed)
  personas diff [v1] [v2]         what changed between two versions (default: previous → current)
  personas rollback <version>     re-apply an earlier version as a new one
  persona "<name|role|title>" [--for <company>]   the cheat sheet; with only --for, the buying committee`;

/** The part of the CLI context these handlers use (src/cli/icp.ts passes its full context). */
export interface PersonaCliCtx {
  deps: Deps;
  io: { out(text: string): void; err(text: string): void };
  json: boolean;
  teamId: string;
  userId: string;
  flags: Record<string, string | boolean | undefined>;
}

type Handler = (ctx: PersonaCliCtx, args: string[]) => Promise<number>;

function print(ctx: PersonaCliCtx, value: unknown, text: () => string): void {
  ctx.io.out(ctx.json ? JSON.stringify(value, null, 2) : text());
}

function need(arg: string | undefined, what: string): string {
  if (!arg) throw new AppError(ErrorCode.BadInput, `Missing ${what}. Run \`icp help\` for usage.`);
  return arg;
}

function versionArg(arg: string | undefined, what = 'version'): number {
  const n = Number(need(arg, what));
  if (!Number.isInteger(n) || n < 1) {
    throw new AppError(ErrorCode.BadInput, `${what} must be a whole number ≥ 1, got “${arg}”.`);
  }
  return n;
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError(ErrorCode.BadInput, `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`, {
      cause: err,
    });
  }
}

const bullets = (lines: readonly string[], none: string) => lines.map((c) => `  • ${c}`).join('\n') || `  ${none}`;

const sub: Record<string, Handler> = {
  async apply(ctx, [file]) {
    const source = readFile(need(file, 'the persona file path'));
    await ctx.deps.personas.current(ctx.teamId);
    const r = await applyPersonas(ctx.deps.db, { teamId: ctx.teamId, source, createdBy: ctx.userId });
    print(ctx, { version: r.version.version, unchanged: r.unchanged, changes: r.changes }, () =>
      r.unchanged
        ? `No change: the file equals persona version ${r.version.version}.`
        : `Applied the persona file as version ${r.version.version}.\n${bullets(r.changes, '(no differences)')}`,
    );
    return 0;
  },

  async show(ctx) {
    const v = ctx.flags.version ? versionArg(String(ctx.flags.version)) : undefined;
    const row = v ? await getPersonaVersion(ctx.deps.db, ctx.teamId, v) : await ctx.deps.personas.current(ctx.teamId);
    if (!row) throw new AppError(ErrorCode.VersionNotFound, `Persona version ${v} does not exist.`);
    print(
      ctx,
      row,
      () =>
        `# Persona version ${row.version} (${row.origin}, ${row.createdAt.toISOString()} by ${row.createdBy})\n${row.source}`,
    );
    return 0;
  },

  async versions(ctx) {
    await ctx.deps.personas.current(ctx.teamId);
    const rows = await listPersonaVersions(ctx.deps.db, ctx.teamId);
    print(ctx, rows, () =>
      rows
        .map(
          (r) =>
            `v${r.version}  ${r.createdAt.toISOString().slice(0, 16)}  ${r.createdBy}  ${r.origin}${r.restoredFrom ? ` of v${r.restoredFrom}` : ''}  ${r.personas} personas`,
        )
        .join('\n'),
    );
    return 0;
  },

  async diff(ctx, [a, b]) {
    await ctx.deps.personas.current(ctx.teamId);
    const d = await diffPersonaVersions(
      ctx.deps.db,
      ctx.teamId,
      a ? versionArg(a, 'v1') : undefined,
      b ? versionArg(b, 'v2') : undefined,
    );
    print(ctx, d, () => `${d.from ? `v${d.from}` : '(nothing)'} → v${d.to}\n${bullets(d.changes, 'no differences')}`);
    return 0;
  },

  async rollback(ctx, [v]) {
    const version = versionArg(v);
    const r = await rollbackPersonas(ctx.deps.db, { teamId: ctx.teamId, version, createdBy: ctx.userId });
    print(
      ctx,
      { version: r.version.version, restoredFrom: version, changes: r.changes },
      () =>
        `Restored persona version ${version} as version ${r.version.version}.\n${bullets(r.changes, 'no differences')}`,
    );
    return 0;
  },
};

function brief(p: Persona, today: Date, reviewEveryDays: number) {
  return {
    id: p.id,
    name: p.name,
    buying_role: p.buying_role,
    summary: summaryLine(p),
    last_reviewed: p.last_reviewed,
    stale: reviewEveryDays > 0 && daysSinceReview(p, today) > reviewEveryDays,
  };
}

/** The machine-readable answer: persona fields and our own account facts, never rendering details. */
function answerJson(answer: PersonaAnswer, today: Date, cadence: number): unknown {
  const account = (a: Extract<PersonaAnswer, { kind: 'committee' }>['account'] | undefined) =>
    a && {
      name: a.name,
      domain: a.domain,
      tier: a.tier,
      score: a.score,
      industry: a.industry,
      segment: a.segment,
      icpVersion: a.icpVersion,
    };
  switch (answer.kind) {
    case 'one':
      return { kind: 'one', persona: answer.persona, account: account(answer.account) ?? null };
    case 'several':
      return { kind: 'several', query: answer.query, personas: answer.personas.map((p) => brief(p, today, cadence)) };
    case 'list':
      return {
        kind: 'list',
        query: answer.query ?? null,
        personas: answer.personas.map((p) => brief(p, today, cadence)),
      };
    case 'committee':
      return {
        kind: 'committee',
        account: account(answer.account),
        basis: answer.committee.basis,
        matchedSegment: answer.committee.matchedSegment,
        emptyReason: answer.committee.emptyReason,
        members: answer.committee.members.map((m) => ({ ...brief(m.persona, today, cadence), why: m.why })),
      };
    default:
      return answer;
  }
}

/** Terminal text without the button labels: the CLI cannot press them. */
function withoutButtons(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/\s*\[\d+: [^\]]*\]/g, ''))
    .filter((l, i, all) => l.trim() !== '' || (i > 0 && all[i - 1]?.trim() !== ''))
    .join('\n');
}

export const personaCommands: Record<string, Handler> = {
  async personas(ctx, [name, ...rest]) {
    const handler = sub[name ?? ''];
    if (!handler) {
      throw new AppError(ErrorCode.BadInput, 'Say what to do: `icp personas apply|show|versions|diff|rollback`.');
    }
    return handler(ctx, rest);
  },

  async persona(ctx, args) {
    const query = args.join(' ').trim();
    const company = typeof ctx.flags.for === 'string' ? ctx.flags.for.trim() : '';
    const text = company ? `${query} for ${company}`.trim() : query;
    const { answer, message, rc, current } = await personaQuery(ctx.deps, ctx.teamId, text);
    if (ctx.json) {
      ctx.io.out(JSON.stringify(answerJson(answer, rc.freshness.today, rc.freshness.reviewEveryDays), null, 2));
    } else {
      // No More button in a terminal: print the full sheet straight away.
      const shown =
        answer.kind === 'one'
          ? personaCard(answer.persona, {
              full: true,
              freshness: rc.freshness,
              version: current.version,
              ...(answer.account ? { account: { ref: answer.account.ref, name: answer.account.name } } : {}),
            })
          : message;
      ctx.io.out(withoutButtons(renderBlocks(shown.blocks as never).text));
    }
    const found =
      ['one', 'several', 'committee', 'help'].includes(answer.kind) ||
      (answer.kind === 'list' && answer.query === undefined);
    return found ? 0 : 2;
  },
};
