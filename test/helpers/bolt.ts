/**
 * A real Bolt App with its HTTP receiver on an ephemeral 127.0.0.1 port, pointed at a fake Slack.
 * Kept small on purpose: the composition root will replace the body later.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type AppOptions, type Logger, LogLevel } from '@slack/bolt';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID } from './fake-slack.ts';

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const TEST_BOT_TOKEN = 'xoxb-test-0000-fake-token';

export interface TestAppOptions {
  /** Usually `fake.url` from startFakeSlack(). */
  slackApiUrl: string;
  signingSecret?: string;
  token?: string;
  /** Extra App options (processBeforeResponse, customRoutes, …); clientOptions are merged. */
  appOptions?: Partial<AppOptions>;
}

export interface TestApp {
  app: App;
  /** `http://127.0.0.1:<port>`; Bolt listens on `/slack/events`. */
  url: string;
  port: number;
  signingSecret: string;
  /** Lines Bolt logged, as `level: message`. */
  logs: string[];
  close(): Promise<void>;
}

function captureLogger(lines: string[]): Logger {
  let level: LogLevel = LogLevel.DEBUG;
  const put =
    (lvl: string) =>
    (...msg: unknown[]) => {
      lines.push(`${lvl}: ${msg.map((m) => (m instanceof Error ? (m.stack ?? m.message) : String(m))).join(' ')}`);
    };
  return {
    debug: put('debug'),
    info: put('info'),
    warn: put('warn'),
    error: put('error'),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export async function startTestApp(register: (app: App) => void, opts: TestAppOptions): Promise<TestApp> {
  const signingSecret = opts.signingSecret ?? TEST_SIGNING_SECRET;
  const logs: string[] = [];
  const app = new App({
    signingSecret,
    token: opts.token ?? TEST_BOT_TOKEN,
    // botId + botUserId with a single token: Bolt skips auth.test entirely.
    botId: FAKE_BOT_ID,
    botUserId: FAKE_BOT_USER_ID,
    logger: captureLogger(logs),
    ...opts.appOptions,
    clientOptions: {
      slackApiUrl: opts.slackApiUrl,
      // web-api's default retry policy waits ~1 s and up to 30 min; keep retries but make them fast.
      retryConfig: { retries: 3, minTimeout: 0, maxTimeout: 1 },
      ...opts.appOptions?.clientOptions,
    },
  });
  register(app);
  // HTTPReceiver.start resolves with the node http.Server; listen options pick an ephemeral loopback port.
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const { port } = server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    signingSecret,
    logs,
    async close() {
      server.closeAllConnections();
      await app.stop();
    },
  };
}
