/**
 * Builds the Bolt app for the configured mode. The receiver only carries transport (and, in the HTTP
 * modes, /healthz, /metrics and the CRM OAuth callback); the composition root registers the listeners
 * (commands/index.ts registerCommands) on the app this returns.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, ErrorCode as BoltErrorCode, type LogLevel, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { databaseAnswers } from '../../db/client.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode, sentenceFor } from '../errors.ts';
import { registry } from '../metrics.ts';
import { notice } from './blocks/check.ts';
import { crmOAuthRoute } from './crm-oauth-route.ts';
import { createInstallationStore } from './installation-store.ts';
import { createHttpReceiver } from './receiver.ts';

/** Must equal oauth_config.scopes.bot in manifest.yml (a test checks). */
export const botScopes = [
  'commands',
  'chat:write',
  'chat:write.public',
  'files:write',
  'channels:history',
  'groups:history',
  'channels:join',
];

export interface SlackAppOptions {
  /** Replaces the mode's receiver (the local console uses an in-process one). */
  receiver?: Receiver;
  /** Web API fetch (the local console renders calls instead of sending them). */
  fetch?: typeof globalThis.fetch;
  /** Skip auth.test (console, tests): the bot identity to use. */
  botIdentity?: { botId: string; botUserId: string };
  /** Extra Web API client options (tests shorten the retry policy). */
  clientOptions?: Partial<WebClientOptions>;
  /** Interface to listen on in HTTP modes (default: all). */
  host?: string;
}

export interface SlackApp {
  app: App;
  /** Starts receiving; resolves with the bound HTTP port in HTTP modes. */
  start(): Promise<number | undefined>;
  stop(): Promise<void>;
}

function healthRoute(deps: Deps) {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: async (_req: IncomingMessage, res: ServerResponse) => {
      // Healthy means we can answer: the database responds, within a second.
      const ok = await databaseAnswers(deps.db, 1_000);
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(ok ? '{"ok":true}' : '{"ok":false}');
    },
  };
}

/** Prometheus scrapes this: request counts and answer latency, reminders, import rows (src/metrics.ts). */
const metricsRoute = {
  path: '/metrics',
  method: ['GET'],
  handler: async (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(await registry.metrics());
  },
};

/**
 * OAuth mode, a request from a workspace with no installation (never installed, or uninstalled): Bolt
 * runs no listener and acks empty. Its response_url needs no token, so the user still gets a sentence.
 */
async function tellNotInstalled(deps: Deps, body: unknown): Promise<void> {
  const b = (body ?? {}) as { response_url?: unknown; team_id?: unknown; team?: { id?: unknown } };
  const teamId = typeof b.team_id === 'string' ? b.team_id : b.team?.id;
  deps.logger.warn('request from a workspace where the app is not installed', { teamId });
  if (typeof b.response_url !== 'string') return;
  const f = deps.fetch ?? globalThis.fetch;
  await f(b.response_url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', ...notice(sentenceFor(ErrorCode.NotInstalled)) }),
    signal: AbortSignal.timeout(10_000),
  }).catch((err) => deps.logger.warn('could not tell a workspace it is not installed', { teamId }, err));
}

/** Looks the bot up once at start-up so no request ever waits on auth.test. */
async function botIdentity(token: string, apiUrl: string | undefined, fetchFn?: typeof fetch) {
  const client = new WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    ...(fetchFn ? { fetch: fetchFn } : {}),
  });
  const auth = await client.auth.test();
  if (!auth.ok || !auth.bot_id || !auth.user_id) {
    throw new AppError(ErrorCode.ConfigInvalid, 'SLACK_BOT_TOKEN was rejected by Slack (auth.test failed).');
  }
  return { botId: auth.bot_id, botUserId: auth.user_id };
}

export async function createSlackApp(deps: Deps, opts: SlackAppOptions = {}): Promise<SlackApp> {
  const { config, logger } = deps;
  const s = config.slack;
  const clientOptions: WebClientOptions = {
    ...opts.clientOptions,
    ...(s.apiUrl ? { slackApiUrl: s.apiUrl } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };
  // No listener keeps conversation state: skip Bolt's per-request conversation-store middleware.
  // Bolt resets a custom logger to INFO unless it is given the level: LOG_LEVEL=debug then really is debug.
  const common = {
    convoStore: false as const,
    clientOptions,
    logger,
    logLevel: config.logLevel as LogLevel,
    // The error handler gets the request body: a workspace without an installation can then be told so.
    extendedErrorHandler: true,
  };
  let app: App;
  if (opts.receiver) {
    app = new App({
      receiver: opts.receiver,
      token: s.botToken ?? 'xoxb-local-console',
      ...(opts.botIdentity ?? { botId: 'B_LOCAL', botUserId: 'U_LOCAL_BOT' }),
      ...common,
    });
  } else if (s.mode === 'oauth') {
    const receiver = createHttpReceiver({
      signingSecret: s.signingSecret!,
      clientId: s.clientId!,
      clientSecret: s.clientSecret!,
      stateSecret: s.stateSecret!,
      scopes: botScopes,
      installationStore: createInstallationStore(deps.db),
      installerOptions: { directInstall: true, clientOptions },
      customRoutes: [healthRoute(deps), metricsRoute, crmOAuthRoute(deps)],
      logger,
      logLevel: common.logLevel,
      port: config.port,
    });
    // Authorization comes from the receiver's installer (the installation store).
    app = new App({ receiver, ...common });
  } else if (s.mode === 'socket') {
    const identity = opts.botIdentity ?? (await botIdentity(s.botToken!, s.apiUrl, opts.fetch));
    app = new App({
      socketMode: true,
      appToken: s.appToken!,
      token: s.botToken!,
      ...identity,
      ...common,
    });
  } else if (s.mode === 'http') {
    const identity = opts.botIdentity ?? (await botIdentity(s.botToken!, s.apiUrl, opts.fetch));
    const receiver = createHttpReceiver({
      signingSecret: s.signingSecret!,
      customRoutes: [healthRoute(deps), metricsRoute, crmOAuthRoute(deps)],
      logger,
      logLevel: common.logLevel,
      port: config.port,
    });
    app = new App({ receiver, token: s.botToken!, ...identity, ...common });
  } else {
    throw new AppError(ErrorCode.ConfigInvalid, 'No Slack credentials: use the local console instead.');
  }

  app.error(async ({ error, body }: { error: Error & { code: string }; body: unknown }) => {
    if (error.code === BoltErrorCode.AuthorizationError) {
      // Not awaited: Bolt acks after this handler returns, and the ack must not wait on the post.
      void tellNotInstalled(deps, body);
      return;
    }
    logger.error('unhandled error in a listener', error);
  });

  return {
    app,
    async start() {
      if (opts.receiver) return undefined;
      const server = (await app.start(
        s.mode === 'socket' ? {} : { port: config.port, ...(opts.host ? { host: opts.host } : {}) },
      )) as unknown;
      const address = (server as Partial<Server> | undefined)?.address?.();
      return address && typeof address === 'object' ? (address as AddressInfo).port : undefined;
    },
    async stop() {
      await app.stop();
    },
  };
}

/** A receiver for the local console and routing tests: events are handed in directly. */
export class InProcessReceiver implements Receiver {
  private app: App | undefined;

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /**
   * Delivers one request body and resolves with what the listener acked. `onAck` sees the ack when it
   * happens, before the listener's later answers (a holding line, then the answer through response_url).
   */
  async send(body: Record<string, unknown>, onAck?: (response: unknown) => void): Promise<unknown> {
    if (!this.app) throw new Error('receiver not initialised');
    let acked: unknown;
    let ackedOnce = false;
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => {
        if (ackedOnce) return;
        ackedOnce = true;
        acked = response;
        onAck?.(response);
      },
    };
    await this.app.processEvent(event);
    return acked;
  }
}
