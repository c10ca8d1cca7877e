#!/usr/bin/env -S node --import tsx
/**
 * `icp`: the command line for operators, tests and benchmarks, on the same database as the bot.
 * Every command accepts --json; bad input exits non-zero with one readable message.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DbHandle } from '../../db/client.ts';
import { applyIcp, diffIcpVersions, getIcpVersion, listIcpVersions, rollbackIcp } from '../../db/queries/icp.ts';
import { listScores, rescoreAll } from '../../db/queries/scores.ts';
import { buildDeps, openDatabase } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import { renderBlocks } from '../console/render.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode, formatRowError, ImportError, isAppError } from '../errors.ts';
import { type StoredTier, storedTierLabels, storedTierText } from '../icp/types.ts';
import { parseStageMap } from '../import/stages.ts';
import { cliStarterCommands, starterText } from '../learn/starter.ts';
import { suggestionText } from '../learn/text.ts';
import { createLogger } from '../logger.ts';
import { driftReportFor, reviewContext } from '../review/compose.ts';
import { sendDueReminders } from '../review/pass.ts';
import { renderOutcome } from '../slack/blocks/outcome.ts';
import { driftReportText } from '../slack/blocks/review.ts';
import { checkCompany } from '../usecases/check-company.ts';
import { importFile } from '../usecases/import-file.ts';
import { markReviewed } from '../usecases/mark-reviewed.ts';
import { starterIcp } from '../usecases/starter-icp.ts';
import { suggestIcp } from '../usecases/suggest-icp.ts';
import { bullets, need, print, readFile, versionArg, versionCommands } from './common.ts';
import { csvLine } from './csv.ts';
import { PERSONAS_USAGE, personaCommands } from './personas.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const USAGE = `Usage: icp <command> [options]   (npm run icp -- <command> …)

ICP versions
  apply <icp.yml>              validate and apply an ICP file as a new version
  show [--version N]           print the current (or a given) ICP file
  versions                     list every version (who, when, what changed)
  diff [v1] [v2]               what changed between two versions (default: previous → current)
  rollback <version>           re-apply an earlier version as a new one

Data
  import accounts|deals|churn|subscriptions <file.csv> [--format auto|hubspot|salesforce|generic]
                               [--stage-map "Stage=won|lost|open,…"]   what your own deal stages mean
                               [--churn-column <column>]   accounts/subscriptions: the column that says who churned
  rescore                      score every account under the current ICP and store tiers
  suggest [--holdout-from YYYY-MM-DD] [--outcome win|churn] [--json]
                               profile your accounts against won/lost deals (or churn), propose an ICP
                               only where the data shows a signal, backtested out of time
  scores [--csv]               every account with its score and tier (to write back into the CRM)

Checks
  check "<company or domain>" [key=value …]

${PERSONAS_USAGE}

Reviews
  drift [--window 90d] [--as-of <date>] [--json]   drift report: summary and signal table
  remind --now                 send the review reminders due now, once (same claims as the scheduler)
  review [--note "…"] [--changed]                 record an ICP review as --user, with the drift figures

Other
  migrate                      apply database migrations

Options: --json (machine-readable), --team <id> (workspace; default DEFAULT_TEAM_ID or T_LOCAL), --user <id>`;

type Handler = (ctx: Ctx, args: string[]) => Promise<number>;

interface Ctx {
  deps: Deps;
  config: Config;
  io: CliIo;
  json: boolean;
  teamId: string;
  userId: string;
  flags: Record<string, string | boolean | undefined>;
}

/** `90d`, `12w`, `3m` or a plain number of days. */
function windowArg(v: string | boolean | undefined): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const m = /^(\d+)\s*([dwm]?)$/i.exec(v.trim());
  const days = m
    ? Number(m[1]) * ({ d: 1, w: 7, m: 30 }[(m[2] || 'd').toLowerCase() as 'd' | 'w' | 'm'] ?? 1)
    : Number.NaN;
  if (!(days >= 1 && days <= 3650))
    throw new AppError(ErrorCode.BadInput, `--window must be a duration such as 90d, 12w or 3m, got “${v}”.`);
  return days;
}

function dateArg(v: string, flag = '--as-of'): Date {
  const d = /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(`${v.slice(0, 10)}T00:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime()))
    throw new AppError(ErrorCode.BadInput, `${flag} must be a date such as 2017-12-31, got “${v}”.`);
  return d;
}

export const commands: Record<string, Handler> = {
  ...personaCommands,
  ...versionCommands({
    label: 'ICP',
    current: async (ctx) => (await ctx.deps.icp.current(ctx.teamId)).version,
    get: (ctx, v) => getIcpVersion(ctx.deps.db, ctx.teamId, v),
    list: (ctx) => listIcpVersions(ctx.deps.db, ctx.teamId),
    summary: (r) => r.name,
    diff: (ctx, from, to) => diffIcpVersions(ctx.deps.db, ctx.teamId, from, to),
  }),

  async apply(ctx, [file]) {
    const source = readFile(need(file, 'the ICP file path'));
    const r = await applyIcp(ctx.deps.db, { teamId: ctx.teamId, source, createdBy: ctx.userId });
    print(ctx, { version: r.version.version, unchanged: r.unchanged, changes: r.changes }, () =>
      r.unchanged
        ? `No change: the file equals version ${r.version.version}.`
        : `Applied “${r.version.name}” as version ${r.version.version}.\n${bullets(r.changes, '(first version)')}\nRun \`icp rescore\` to store tiers under this version.`,
    );
    return 0;
  },

  async rollback(ctx, [v]) {
    const version = versionArg(v);
    const r = await rollbackIcp(ctx.deps.db, { teamId: ctx.teamId, version, createdBy: ctx.userId });
    print(
      ctx,
      { version: r.version.version, restoredFrom: version, changes: r.changes },
      () =>
        `Restored version ${version} as version ${r.version.version}.\n${r.changes.map((c) => `  • ${c}`).join('\n')}\nRun \`icp rescore\` to store tiers under it.`,
    );
    return 0;
  },

  // Not written as a method named import(…): tsx's module lexer would take it for a dynamic import.
  import: async (ctx, [kind, file]) => {
    if (kind !== 'accounts' && kind !== 'deals' && kind !== 'churn' && kind !== 'subscriptions') {
      throw new AppError(
        ErrorCode.BadInput,
        'Say what to import: `icp import accounts|deals|churn|subscriptions <file.csv>`.',
      );
    }
    const path = need(file, 'the CSV file path');
    readFile(path);
    const format = String(ctx.flags.format ?? 'auto');
    if (!['auto', 'hubspot', 'salesforce', 'generic'].includes(format)) {
      throw new AppError(ErrorCode.BadInput, `--format must be auto, hubspot, salesforce or generic, got “${format}”.`);
    }
    const stageMap = parseStageMap(([] as unknown[]).concat(ctx.flags['stage-map'] ?? []).map(String));
    const progress = !ctx.json && process.stderr.isTTY;
    const summary = await importFile(ctx.deps.db, {
      teamId: ctx.teamId,
      kind,
      input: path,
      format: format as 'auto',
      stageMap,
      ...(typeof ctx.flags['churn-column'] === 'string' ? { churnColumn: ctx.flags['churn-column'] } : {}),
      onProgress: (n) => {
        if (progress && n % 5000 === 0) process.stderr.write(`\r  ${n.toLocaleString('en-US')} rows…`);
        else if (!progress && !ctx.json && n % 50_000 === 0) ctx.io.err(`  ${n.toLocaleString('en-US')} rows…`);
      },
    });
    if (progress) process.stderr.write('\r');
    // Still on the example ICP with accounts and deals in: say what their own data suggests instead.
    const starter = kind === 'accounts' || kind === 'deals' ? await starterIcp(ctx.deps, ctx.teamId) : null;
    const teamFlag = typeof ctx.flags.team === 'string' ? ` --team ${ctx.flags.team}` : '';
    print(ctx, { ...summary, starter }, () =>
      [
        `Imported ${summary.rows.toLocaleString('en-US')} ${kind} rows (${summary.format} format): ${summary.inserted} new, ${summary.updated} updated${summary.skipped ? `, ${summary.skipped} junk rows skipped` : ''}.`,
        ...(summary.linked !== undefined
          ? [`Linked to accounts: ${summary.linked}; without an account: ${summary.unlinked ?? 0}.`]
          : []),
        ...summary.warnings.map((w) => `  ! ${w}`),
        kind === 'accounts' ? 'Run `icp rescore` to score them.' : '',
        starter ? starterText(starter, cliStarterCommands(teamFlag)) : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    return 0;
  },

  async suggest(ctx) {
    const outcome = String(ctx.flags.outcome ?? 'win');
    if (outcome !== 'win' && outcome !== 'churn')
      throw new AppError(ErrorCode.BadInput, `--outcome must be win or churn, got “${outcome}”.`);
    const from = ctx.flags['holdout-from'];
    const holdoutFrom =
      typeof from === 'string' ? dateArg(from, '--holdout-from').toISOString().slice(0, 10) : undefined;
    const s = await suggestIcp(ctx.deps, {
      teamId: ctx.teamId,
      outcome,
      ...(holdoutFrom ? { holdoutFrom } : {}),
    });
    print(ctx, s, () => suggestionText(s, s.currentVersion));
    return 0;
  },

  async rescore(ctx) {
    const current = await ctx.deps.icp.current(ctx.teamId);
    const started = performance.now();
    const r = await rescoreAll(ctx.deps.db, ctx.teamId, current.compiled);
    const ms = Math.round(performance.now() - started);
    print(
      ctx,
      { icpVersion: current.version.version, ...r, ms },
      () =>
        `Scored ${r.accounts.toLocaleString('en-US')} accounts under ICP v${current.version.version} in ${ms} ms: ${Object.entries(
          r.byTier,
        )
          .map(([t, n]) => `${storedTierLabels[t as StoredTier] ?? t} ${n}`)
          .join(', ')}.`,
    );
    return 0;
  },

  async scores(ctx) {
    const rows = await listScores(ctx.deps.db, ctx.teamId);
    if (ctx.flags.csv) {
      const header = 'external_id,name,domain,score,tier,tier_low,tier_high,icp_version';
      const label = (t: string | null) => (t ? (storedTierLabels[t as StoredTier] ?? t) : '');
      const lines = rows.map((r) =>
        csvLine([
          r.externalId,
          r.name,
          r.domain,
          r.score,
          label(r.tier),
          label(r.tierLow),
          label(r.tierHigh),
          r.icpVersion,
        ]),
      );
      ctx.io.out([header, ...lines].join('\n'));
      return 0;
    }
    print(
      ctx,
      rows,
      () =>
        rows
          .map(
            (r) =>
              `${String(r.score ?? '–').padStart(4)}  ${storedTierText(r).padEnd(9)}  ${r.name}${r.domain ? ` (${r.domain})` : ''}`,
          )
          .join('\n') || 'No accounts yet: `icp import accounts <file.csv>`.',
    );
    return 0;
  },

  async check(ctx, args) {
    const text = args.join(' ');
    if (!text.trim())
      throw new AppError(ErrorCode.BadInput, 'Say which company: `icp check "acme.com" [key=value …]`.');
    const outcome = await checkCompany(ctx.deps, { teamId: ctx.teamId, userId: ctx.userId, text, useAi: true });
    if (ctx.json) {
      if (outcome.kind === 'scored') {
        const r = outcome.result;
        ctx.io.out(
          JSON.stringify(
            {
              kind: 'scored',
              company: outcome.company,
              score: r.score,
              tier: r.tier,
              tierRange: r.tierRange,
              exclusions: r.exclusions,
              uncheckedExclusions: r.uncheckedExclusions,
              criteria: r.lines,
              coverage: r.coverage,
              missingFields: r.missingFields,
              range: r.range,
              icpVersion: r.icpVersion,
              warnings: outcome.warnings,
              checkId: outcome.checkId,
            },
            null,
            2,
          ),
        );
      } else ctx.io.out(JSON.stringify(outcome, null, 2));
    } else {
      // The CLI has no buttons: drop the "[1: Share in channel]" row the console shows.
      const rendered = renderBlocks(renderOutcome(outcome).blocks as never).text;
      ctx.io.out(
        rendered
          .split('\n')
          .filter((l) => !l.trimStart().startsWith('[1: '))
          .join('\n'),
      );
    }
    return outcome.kind === 'scored' || outcome.kind === 'help' ? 0 : 2;
  },

  async drift(ctx) {
    const asOfFlag = ctx.flags['as-of'];
    const asOf = typeof asOfFlag === 'string' ? dateArg(asOfFlag) : new Date(ctx.deps.now());
    const report = await driftReportFor(ctx.deps, ctx.teamId, asOf, windowArg(ctx.flags.window));
    print(ctx, report, () => driftReportText(report));
    return 0;
  },

  async remind(ctx) {
    if (!ctx.flags.now) throw new AppError(ErrorCode.BadInput, 'Say `icp remind --now` to send the due reminders now.');
    if (ctx.config.slack.mode === 'console') {
      throw new AppError(
        ErrorCode.BadInput,
        '`icp remind` posts to Slack: set SLACK_BOT_TOKEN (or, for OAuth installs, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET).',
      );
    }
    // Posts as the running app does: its bot token, or each workspace's installed token (OAuth).
    const r = await sendDueReminders(ctx.deps, undefined, { now: new Date(ctx.deps.now()) });
    print(ctx, r, () =>
      [
        `Posted ${r.posted.length}, reconciled ${r.reconciled.length}, retrying ${r.retrying.length}, failed ${r.failed.length}.`,
        ...r.errors.map((e) => `  ${e.teamId}: ${e.error}`),
      ].join('\n'),
    );
    return r.failed.length > 0 || r.errors.length > 0 ? 2 : 0;
  },

  async review(ctx) {
    const now = new Date(ctx.deps.now());
    const note = typeof ctx.flags.note === 'string' && ctx.flags.note.trim() !== '' ? ctx.flags.note.trim() : null;
    const { review: row } = await markReviewed(ctx.deps, {
      teamId: ctx.teamId,
      reviewedBy: ctx.userId,
      note,
      icpChanged: Boolean(ctx.flags.changed),
      now,
    });
    const { status } = await reviewContext(ctx.deps, ctx.teamId, now);
    print(
      ctx,
      {
        id: row.id,
        reviewedBy: row.reviewedBy,
        reviewedAt: row.reviewedAt,
        icpVersion: row.icpVersion,
        icpChanged: row.icpChanged,
        note: row.note,
        nextDueAt: status.dueAt,
      },
      () =>
        `Recorded review #${row.id} of ICP version ${row.icpVersion} by ${row.reviewedBy}${row.icpChanged ? ' (ICP changed)' : ''}. Next review due ${status.dueAt.toISOString().slice(0, 10)}.`,
    );
    return 0;
  },

  async migrate(ctx) {
    print(ctx, { ok: true }, () => 'Migrations applied.');
    return 0;
  },
};

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo, handle?: DbHandle): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        team: { type: 'string' },
        user: { type: 'string' },
        format: { type: 'string' },
        'stage-map': { type: 'string', multiple: true },
        'churn-column': { type: 'string' },
        version: { type: 'string' },
        window: { type: 'string' },
        'as-of': { type: 'string' },
        'holdout-from': { type: 'string' },
        outcome: { type: 'string' },
        for: { type: 'string' },
        now: { type: 'boolean' },
        note: { type: 'string' },
        changed: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  const [name, ...args] = parsed.positionals;
  if (!name || parsed.values.help || name === 'help') {
    io.out(USAGE);
    return name || parsed.values.help ? 0 : 1;
  }
  const handler = commands[name];
  if (!handler) {
    io.err(`Unknown command “${name}”.\n\n${USAGE}`);
    return 1;
  }
  let ownHandle: DbHandle | undefined;
  try {
    const config = loadConfig(env, undefined, { receivesSlackRequests: false });
    const logger = createLogger({ level: 'warn', json: false, write: (l) => io.err(l) });
    // Imports and rescoring of a large CRM run longer than an interactive answer may.
    if (!handle)
      ownHandle = await openDatabase(config, logger, { statementTimeoutMs: 30 * 60_000, embeddedRole: 'cli' });
    const db = (handle ?? ownHandle)!;
    const deps = buildDeps(config, db, logger);
    const ctx: Ctx = {
      deps,
      config,
      io,
      json: Boolean(parsed.values.json),
      teamId: String(parsed.values.team ?? config.defaultTeamId),
      userId: String(parsed.values.user ?? 'cli'),
      flags: parsed.values as Record<string, string | boolean | undefined>,
    };
    return await handler(ctx, args);
  } catch (err) {
    if (err instanceof ImportError) {
      io.err(
        `${err.message}\n${err.rowErrors
          .slice(0, 50)
          .map((e) => `  ${formatRowError(e)}`)
          .join('\n')}${err.rowErrors.length > 50 ? `\n  …and ${err.rowErrors.length - 50} more` : ''}`,
      );
      return 2;
    }
    if (isAppError(err)) {
      io.err(err.userMessage);
      return 2;
    }
    io.err(`Unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 70;
  } finally {
    await ownHandle?.close();
  }
}

// Also true when run through the npm bin symlink.
const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  runCli(process.argv.slice(2), process.env, {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  }).then((code) => process.exit(code));
}
