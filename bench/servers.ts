/**
 * Child process for the HTTP benchmark: starts (a) a bare Bolt app that only acks /icp-check and
 * (b) the real app on the benchmark database (PostgreSQL or the embedded one), both against a local fake Slack API, then prints
 * their ports as one JSON line. Runs apart from the load generator so neither steals the other's CPU.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { App } from '@slack/bolt';
import { registerCommands } from '../commands/index.ts';
import { buildDeps, openDatabase } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createSlackApp } from '../src/slack/create-app.ts';

/** A postgres:// URL, or `pglite:<folder>` for the embedded database. */
const [database, slackApiUrl, secret] = process.argv.slice(2) as [string, string, string];
const identity = { botId: 'B0BENCH', botUserId: 'U0BENCHBOT' };
const quiet = {
  debug() {},
  info() {},
  warn() {},
  error: console.error,
  setLevel() {},
  getLevel: () => 'error' as never,
  setName() {},
};

const bare = new App({
  signingSecret: secret,
  token: 'xoxb-bench',
  ...identity,
  logger: quiet as never,
  clientOptions: { slackApiUrl },
});
bare.command('/icp-check', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
const bareServer = (await bare.start({ port: 0, host: '127.0.0.1' })) as Server;

const config = loadConfig({
  ...(database.startsWith('pglite:') ? { DATA_DIR: database.slice('pglite:'.length) } : { DATABASE_URL: database }),
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_SIGNING_SECRET: secret,
  SLACK_API_URL: slackApiUrl,
  PORT: '0',
  DEFAULT_TEAM_ID: 'T_BENCH',
  LOG_LEVEL: 'error',
});
const logger = createLogger({ level: 'error' });
const handle = await openDatabase(config, logger);
const deps = buildDeps(config, handle, logger);
const full = await createSlackApp(deps, { botIdentity: identity, host: '127.0.0.1' });
registerCommands(full.app, deps);
const fullPort = await full.start();

process.stdout.write(`${JSON.stringify({ bare: (bareServer.address() as AddressInfo).port, full: fullPort })}\n`);
// "cpu" on stdin → this process's CPU time so far (µs), so the load generator can charge each round to its app.
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'cpu') {
    const u = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpu: u.user + u.system })}\n`);
  }
});
process.stdin.on('end', async () => {
  await bare.stop();
  await full.stop();
  await handle.close();
  process.exit(0);
});
