/**
 * `icp personas apply|show|versions|diff|rollback` and `icp persona "<query>" [--for <company>]`: persona
 * files and cheat sheets from the command line, spread into the `icp` command table by src/cli/icp.ts.
 */
import {
  applyPersonas,
  diffPersonaVersions,
  getPersonaVersion,
  listPersonaVersions,
  rollbackPersonas,
} from '../../db/queries/personas.ts';
import { renderBlocks } from '../console/render.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { summaryLine } from '../personas/match.ts';
import { daysSinceReview, type Persona } from '../personas/spec.ts';
import { personaCard } from '../slack/blocks/persona.ts';
import { type PersonaAnswer, personaQuery } from '../usecases/personas.ts';
import { bullets, type CliCtx, type CliHandler, need, print, readFile, versionArg, versionCommands } from './common.ts';

export const PERSONAS_USAGE = `Personas
  personas apply <personas.yml>   validate and apply a persona file as a new version
  personas show [--version N]     print the current (or a given) persona file
  personas versions               list every version (who, when, what changed)
  personas diff [v1] [v2]         what changed between two versions (default: previous → current)
  personas rollback <version>     re-apply an earlier version as a new one
  persona "<name|role|title>" [--for <company>]   the cheat sheet; with only --for, the buying committee`;

/** The part of the CLI context these handlers use (src/cli/icp.ts passes its full context). */
export type PersonaCliCtx = CliCtx;

type Handler = CliHandler<PersonaCliCtx>;

const sub: Record<string, Handler> = {
  ...versionCommands({
    label: 'Persona',
    current: (ctx) => ctx.deps.personas.current(ctx.teamId),
    get: (ctx, v) => getPersonaVersion(ctx.deps.db, ctx.teamId, v),
    list: (ctx) => listPersonaVersions(ctx.deps.db, ctx.teamId),
    summary: (r) => `${r.personas} personas`,
    diff: (ctx, from, to) => diffPersonaVersions(ctx.deps.db, ctx.teamId, from, to),
  }),

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
