/**
 * Composition root: config → database → migrations → deps → Slack app with every listener (or the local
 * console when no Slack credentials are configured) → scheduled jobs → start. Stops everything cleanly on SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { registerCommands } from '../commands/index.ts';
import { createDb, type DbHandle, type DbOptions } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { explainDatabaseError } from '../db/startup-error.ts';
import { createOpenAiLlm } from './ai/llm.ts';
import { type Config, loadConfig } from './config.ts';
import { runConsole } from './console/terminal.ts';
import type { Deps } from './deps.ts';
import { AppError, ErrorCode, isAppError } from './errors.ts';
import { cliStarterCommands, starterText } from './learn/starter.ts';
import { type AppLogger, createLogger } from './logger.ts';
import { createSlackApp } from './slack/create-app.ts';
import { createCrmScheduler } from './usecases/crm-schedule.ts';
import { demoNotice, loadDemoData } from './usecases/demo-data.ts';
import { IcpProvider } from './usecases/icp-provider.ts';
import { PersonaProvider } from './usecases/persona-provider.ts';
import { createAppReminderScheduler } from './usecases/reminders/cron.ts';
import { starterIcp } from './usecases/starter-icp.ts';

/**
 * Opens the database and applies pending migrations; shared by the app and the CLI (which allows
 * longer statements for bulk imports). A failure is one line naming its real cause.
 */
export async function openDatabase(
  config: Config,
  logger: AppLogger,
  overrides: Pick<DbOptions, 'statementTimeoutMs' | 'embeddedRole'> = {},
): Promise<DbHandle> {
  let handle: DbHandle | undefined;
  try {
    handle = await createDb({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      connectTimeoutMs: config.databaseTimeouts.connectMs,
      statementTimeoutMs: config.databaseTimeouts.statementMs,
      embeddedRole: 'bot',
      ...overrides,
      onPoolError: (err) => logger.error('database pool error', err),
    });
    await migrateDb(handle);
    return handle;
  } catch (err) {
    await handle?.close().catch(() => {});
    if (isAppError(err)) throw err;
    throw new AppError(ErrorCode.ConfigInvalid, explainDatabaseError(err, config.databaseUrl), { cause: err });
  }
}

export function buildDeps(config: Config, handle: DbHandle, logger: AppLogger): Deps {
  return {
    config,
    db: handle.db,
    icp: new IcpProvider(handle.db),
    personas: new PersonaProvider(handle.db),
    llm: config.openai ? createOpenAiLlm(config.openai) : undefined,
    logger,
    now: Date.now,
  };
}

/**
 * What the console says before the first prompt. First run on an empty database: the fictional demo data
 * set (db/seed/demo/), so checks, the drift report and `icp suggest` have something to show at once. A
 * workspace with data of its own that still runs on the example ICP: the starter ICP its data suggests.
 */
export async function consoleIntro(deps: Deps): Promise<string | undefined> {
  const teamId = deps.config.defaultTeamId;
  const started = performance.now();
  const loaded = await loadDemoData(deps, { teamId, today: new Date(deps.now()) });
  if (loaded) {
    deps.logger.info(`loaded the demo data in ${Math.round(performance.now() - started)} ms`);
    return demoNotice(loaded);
  }
  const starter = await starterIcp(deps, teamId);
  return starter
    ? starterText(starter, { see: '`/icp-review suggest`', apply: cliStarterCommands().apply })
    : undefined;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    process.stderr.write(`${isAppError(err) ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, json: config.production });
  const handle = await openDatabase(config, logger);
  const deps = buildDeps(config, handle, logger);
  logger.info(`database: ${handle.driver === 'pglite' ? `embedded (${config.dataDir})` : 'PostgreSQL'}`);

  if (config.slack.mode === 'console') {
    await deps.icp.current(config.defaultTeamId);
    const intro = await consoleIntro(deps);
    logger.info('no Slack credentials configured: starting the local console');
    await runConsole(deps, registerCommands, intro);
    await handle.close();
    return;
  }

  const slack = await createSlackApp(deps);
  registerCommands(slack.app, deps);
  await slack.start();
  logger.info(
    `Slack app started in ${config.slack.mode} mode${config.slack.mode === 'socket' ? '' : ` on port ${config.port}`}`,
  );
  // Review reminders: every replica ticks; the database makes each post happen once.
  const reminders = createAppReminderScheduler(deps);
  reminders.start();
  // CRM syncs: likewise every replica ticks and a lease row makes each workspace's sync run once.
  const crmSync =
    config.crm.encryptionKey && config.crm.syncIntervalMinutes > 0
      ? createCrmScheduler(deps, { intervalMs: config.crm.syncIntervalMinutes * 60_000 })
      : undefined;
  crmSync?.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    try {
      await reminders.stop(); // no new ticks; a running one finishes before the database closes
      await crmSync?.stop();
      await slack.stop(); // stop receiving; in-flight handlers finish
      await handle.close();
      process.exit(0);
    } catch (err) {
      logger.error('error during shutdown', err);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    process.stderr.write(
      `Start-up failed: ${isAppError(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
