/**
 * The real composition (config → deps → createSlackApp → commands) on an ephemeral port, pointed at
 * the fake Slack Web API and optionally a fake OpenAI server. Requests are signed like Slack's.
 */
import { registerCommands } from '../../commands/index.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { createSlackApp, type SlackApp } from '../../src/slack/create-app.ts';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from './bolt.ts';
import type { TestDb } from './db.ts';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, type FakeSlack } from './fake-slack.ts';
import { interactivityBody, type PostResult, postToApp, slashCommandBody } from './slack-sign.ts';

export interface RealApp {
  url: string;
  deps: Deps;
  slack: SlackApp;
  logs: string[];
  /** POSTs a signed slash command. */
  command(
    text: string,
    o?: { command?: string; team?: string; user?: string; responseId?: string },
  ): Promise<PostResult>;
  /** POSTs a signed interactivity payload. */
  interact(payload: unknown): Promise<PostResult>;
  close(): Promise<void>;
}

export async function startRealApp(
  db: TestDb,
  fake: FakeSlack,
  opts: { env?: Record<string, string>; now?: () => number } = {},
): Promise<RealApp> {
  const config = loadConfig({
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    PORT: '0',
    ...opts.env,
  });
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
  const deps = { ...buildDeps(config, db, logger), ...(opts.now ? { now: opts.now } : {}) };
  const slack = await createSlackApp(deps, {
    botIdentity: { botId: FAKE_BOT_ID, botUserId: FAKE_BOT_USER_ID },
    clientOptions: { retryConfig: { retries: 3, minTimeout: 0, maxTimeout: 1 } },
    host: '127.0.0.1',
  });
  registerCommands(slack.app, deps);
  const port = await slack.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    deps,
    slack,
    logs,
    command(text, o = {}) {
      const body = slashCommandBody({
        command: o.command ?? '/icp-check',
        text,
        team_id: o.team ?? 'T0001',
        user_id: o.user ?? 'U2147483697',
        response_url: fake.responseUrl(o.responseId ?? 'cmd'),
      });
      return postToApp(url, '/slack/events', body, { secret: TEST_SIGNING_SECRET });
    },
    interact(payload) {
      return postToApp(url, '/slack/events', interactivityBody(payload), { secret: TEST_SIGNING_SECRET });
    },
    async close() {
      await slack.stop();
    },
  };
}
