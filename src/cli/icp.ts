#!/usr/bin/env -S node --import tsx
/**
 * `icp`: the command line for operators, tests and benchmarks, on the same database as the bot.
 * Every command accepts --json; bad input exits non-zero with one readable message. This file parses the
 * arguments, opens the database and dispatches; the commands live in the files named in `commands`.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DbHandle } from '../../db/client.ts';
import { buildDeps, openDatabase } from '../app.ts';
import { loadConfig } from '../config.ts';
import { formatRowError, ImportError, isAppError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { type CliCtx, type CliHandler, print } from './common.ts';
import { CRM_USAGE, crmCommands } from './crm.ts';
import { WRITEBACK_USAGE, writebackCommands } from './crm-writeback.ts';
import { dataCommands } from './data.ts';
import { icpVersionCommands } from './icp-versions.ts';
import { PERSONAS_USAGE, personaCommands } from './personas.ts';
import { reviewCommands } from './reviews.ts';

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

${CRM_USAGE}

${WRITEBACK_USAGE}

Reviews
  drift [--window 90d] [--as-of <date>] [--json]   drift report: summary and signal table
  remind --now                 send the review reminders due now, once (same claims as the scheduler)
  review [--note "…"] [--changed]                 record an ICP review as --user, with the drift figures

Other
  migrate                      apply database migrations

Options: --json (machine-readable), --team <id> (workspace; default DEFAULT_TEAM_ID or T_LOCAL), --user <id>`;

export const commands: Record<string, CliHandler> = {
  ...icpVersionCommands,
  ...personaCommands,
  ...crmCommands,
  ...writebackCommands,
  ...dataCommands,
  ...reviewCommands,

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
        token: { type: 'string' },
        jwt: { type: 'boolean' },
        username: { type: 'string' },
        code: { type: 'string' },
        full: { type: 'boolean' },
        set: { type: 'string', multiple: true },
        stage: { type: 'string', multiple: true },
        churn: { type: 'string' },
        confirm: { type: 'boolean' },
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
    const ctx: CliCtx = {
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
