/**
 * Configuration, read once from the environment and validated with zod. This is the only module that
 * reads `process.env`; everything else receives a `Config`.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEncryptionKey } from './crm/secrets.ts';
import { AppError, ErrorCode } from './errors.ts';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

const describe = {
  DATABASE_URL: 'PostgreSQL connection string; leave unset to use the embedded database',
  DATA_DIR: 'folder for the embedded database',
  DATABASE_CONNECT_TIMEOUT_MS: 'how long to wait for a PostgreSQL connection',
  DATABASE_STATEMENT_TIMEOUT_MS: 'longest a database statement may run while answering',
  PORT: 'HTTP port for Slack requests and /healthz',
  SLACK_BOT_TOKEN: 'bot token (xoxb-…) from the Slack app’s OAuth page',
  SLACK_SIGNING_SECRET: 'signing secret from the Slack app’s Basic Information page',
  SLACK_APP_TOKEN: 'app-level token (xapp-…) for Socket Mode',
  SLACK_CLIENT_ID: 'OAuth client id for multi-workspace installs',
  SLACK_CLIENT_SECRET: 'OAuth client secret for multi-workspace installs',
  SLACK_STATE_SECRET: 'secret that signs the OAuth state parameter',
  SLACK_API_URL: 'base URL of the Slack Web API (proxies and tests)',
  SLACK_SOCKET_MODE: 'set to true to use Socket Mode (development)',
  OPENAI_API_KEY: 'OpenAI (or compatible) API key; leave unset to turn AI extraction off',
  OPENAI_BASE_URL: 'base URL of an OpenAI-compatible server',
  OPENAI_MODEL: 'model used for extraction and tailoring',
  OPENAI_TIMEOUT_MS: 'how long to wait for the model before falling back',
  LOG_LEVEL: 'debug, info, warn or error',
  NODE_ENV: 'production or development',
  DEFAULT_TEAM_ID: 'workspace id used by the CLI and the local console',
  REVIEW_MIN_SAMPLE: 'minimum decided deals per group before drift is reported as a number',
  REVIEW_MIN_EFFECT_POINTS: 'smallest change (percentage points) called drift',
  CRM_ENCRYPTION_KEY: 'key that encrypts CRM tokens at rest: 32 random bytes, base64 (`openssl rand -base64 32`)',
  HUBSPOT_API_URL: 'base URL of the HubSpot API (proxies and tests)',
  HUBSPOT_MAX_REQUESTS_PER_SECOND: 'pace of HubSpot calls (default 9: under the 100 per 10 s burst limit; 0: unpaced)',
  CRM_SYNC_INTERVAL_MINUTES: 'minutes between scheduled CRM syncs of each workspace (0: only `icp sync`)',
  HUBSPOT_API_RETRIES: 'retries of a HubSpot call after a 429 or 5xx (the SDK’s own retry, 0–6)',
  HUBSPOT_CLIENT_ID: 'client id of your HubSpot app (OAuth connections; leave unset for private-app tokens only)',
  HUBSPOT_CLIENT_SECRET: 'client secret of your HubSpot app (OAuth connections)',
  HUBSPOT_REDIRECT_URI: 'the bot’s public URL ending in /crm/oauth/callback, also the HubSpot app’s redirect URL',
  HUBSPOT_OAUTH_SCOPES: 'scopes the HubSpot authorize URL asks (space-separated; must match the app’s required scopes)',
  HUBSPOT_OAUTH_OPTIONAL_SCOPES: 'scopes asked as optional (space-separated; the write-back needs them)',
  SALESFORCE_LOGIN_URL:
    'Salesforce login URL (default https://login.salesforce.com; https://test.salesforce.com for a sandbox)',
  SALESFORCE_CLIENT_ID: 'consumer key of the Salesforce connected app',
  SALESFORCE_CLIENT_SECRET: 'consumer secret of the Salesforce connected app (web-server flow)',
  SALESFORCE_REDIRECT_URI:
    'callback URL of the Salesforce connected app: the bot’s public URL ending in /crm/oauth/callback, or a page to copy the code from (web-server flow)',
  SALESFORCE_JWT_PRIVATE_KEY: 'PEM private key whose certificate is on the connected app (JWT bearer flow)',
  SALESFORCE_JWT_PRIVATE_KEY_FILE: 'file holding that PEM private key (instead of SALESFORCE_JWT_PRIVATE_KEY)',
  SALESFORCE_BULK_THRESHOLD:
    'records from which a full Salesforce sync reads an object with one Bulk API 2.0 query job (default 50000; 0: never)',
} as const;

/** The one path the CRM OAuth callback is served on (src/slack/crm-oauth-route.ts). */
export const CRM_OAUTH_CALLBACK_PATH = '/crm/oauth/callback';

/** What a HubSpot OAuth connection asks: reading companies and deals (the sync). */
export const HUBSPOT_DEFAULT_SCOPES = ['oauth', 'crm.objects.companies.read', 'crm.objects.deals.read'];
/** Asked as optional: the write-back's custom properties and company updates (`icp writeback enable`). */
export const HUBSPOT_DEFAULT_OPTIONAL_SCOPES = ['crm.schemas.companies.write', 'crm.objects.companies.write'];

const bool = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return false;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  });

const intIn = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const EnvSchema = z.object({
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must start with postgres:// or postgresql://',
  }),
  DATA_DIR: optionalString,
  DATABASE_CONNECT_TIMEOUT_MS: intIn(100, 60_000, 5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: intIn(100, 600_000, 10_000),
  PORT: intIn(0, 65535, 3000),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: optionalString,
  SLACK_API_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http(s) URL',
  }),
  SLACK_SOCKET_MODE: bool,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http(s) URL',
  }),
  OPENAI_MODEL: optionalString,
  OPENAI_TIMEOUT_MS: intIn(100, 120_000, 8000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  NODE_ENV: optionalString,
  DEFAULT_TEAM_ID: optionalString,
  REVIEW_MIN_SAMPLE: intIn(1, 100_000, 30),
  REVIEW_MIN_EFFECT_POINTS: intIn(0, 100, 5),
  CRM_ENCRYPTION_KEY: optionalString.refine((v) => v === undefined || parseEncryptionKey(v) !== null, {
    message: 'must be 32 random bytes in base64 (generate one with `openssl rand -base64 32`)',
  }),
  HUBSPOT_API_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http(s) URL',
  }),
  HUBSPOT_API_RETRIES: intIn(0, 6, 6),
  CRM_SYNC_INTERVAL_MINUTES: intIn(0, 10_080, 15),
  HUBSPOT_MAX_REQUESTS_PER_SECOND: intIn(0, 1000, 9),
  HUBSPOT_CLIENT_ID: optionalString,
  HUBSPOT_CLIENT_SECRET: optionalString,
  HUBSPOT_REDIRECT_URI: optionalString.refine(
    (v) =>
      v === undefined || (/^https?:\/\//.test(v) && URL.canParse(v) && new URL(v).pathname === CRM_OAUTH_CALLBACK_PATH),
    { message: `must be an http(s) URL whose path is ${CRM_OAUTH_CALLBACK_PATH}` },
  ),
  HUBSPOT_OAUTH_SCOPES: optionalString,
  HUBSPOT_OAUTH_OPTIONAL_SCOPES: z.string().optional(),
  SALESFORCE_LOGIN_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http(s) URL',
  }),
  SALESFORCE_CLIENT_ID: optionalString,
  SALESFORCE_CLIENT_SECRET: optionalString,
  SALESFORCE_REDIRECT_URI: optionalString.refine(
    (v) => v === undefined || (/^https?:\/\//.test(v) && URL.canParse(v)),
    {
      message: 'must be an http(s) URL',
    },
  ),
  // A PEM in an environment variable often arrives with its newlines written as \n.
  SALESFORCE_JWT_PRIVATE_KEY: optionalString.transform((v) => v?.replace(/\\n/g, '\n')),
  SALESFORCE_JWT_PRIVATE_KEY_FILE: optionalString,
  SALESFORCE_BULK_THRESHOLD: intIn(0, 1_000_000_000, 50_000),
});

const scopeList = (v: string | undefined, fallback: string[]): string[] =>
  v === undefined ? fallback : v.split(/[\s,]+/).filter(Boolean);

/** An OAuth app's settings at one CRM (the authorize URL's and the token exchange's). */
export interface CrmOAuthApp {
  clientId: string;
  clientSecret: string;
  /** Where the CRM sends the browser back: this bot's CRM_OAUTH_CALLBACK_PATH. */
  redirectUri: string;
  scopes: string[];
  optionalScopes: string[];
}

export type SlackMode = 'http' | 'socket' | 'oauth' | 'console';

export interface Config {
  databaseUrl: string | undefined;
  /** PostgreSQL only: connect (and wait-for-a-client) and per-statement timeouts. */
  databaseTimeouts: { connectMs: number; statementMs: number };
  dataDir: string;
  port: number;
  production: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Team id used by the CLI and local console (one workspace, no Slack). */
  defaultTeamId: string;
  slack: {
    mode: SlackMode;
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    stateSecret: string | undefined;
    apiUrl: string | undefined;
  };
  openai: { apiKey: string; baseUrl: string | undefined; model: string; timeoutMs: number } | undefined;
  review: { minSample: number; minEffectPoints: number };
  /** CRM sync: the token key (undefined: connecting is refused) and the HubSpot client's settings. */
  crm: {
    encryptionKey: Buffer | undefined;
    hubspotApiUrl: string | undefined;
    hubspotRetries: number;
    /** HubSpot calls a second at most; 0: unpaced. */
    hubspotPerSecond: number;
    /** Minutes between scheduled syncs; 0 turns the schedule off. */
    syncIntervalMinutes: number;
    /** HubSpot OAuth (HUBSPOT_CLIENT_ID, _SECRET, _REDIRECT_URI); undefined: private-app tokens only. */
    hubspotOAuth: CrmOAuthApp | undefined;
    /** The Salesforce connected app (an undefined part: the flow that needs it cannot be used). */
    salesforce: {
      loginUrl: string;
      clientId: string | undefined;
      clientSecret: string | undefined;
      redirectUri: string | undefined;
      /** PEM private key for the JWT bearer flow. */
      jwtPrivateKey: string | undefined;
      /** A full sync reads an object through Bulk API 2.0 from this many records (0: never). */
      bulkThreshold: number;
    };
  };
}

/** The JWT key from the variable or the file, checked to be a private key; a problem sentence otherwise. */
function jwtKey(text: string | undefined, file: string | undefined, cwd: string): string | { problem: string } {
  let pem = text;
  if (!pem && file) {
    try {
      pem = readFileSync(resolve(cwd, file), 'utf8');
    } catch {
      return {
        problem: `SALESFORCE_JWT_PRIVATE_KEY_FILE cannot be read (${describe.SALESFORCE_JWT_PRIVATE_KEY_FILE})`,
      };
    }
  }
  if (!pem) return '';
  try {
    createPrivateKey(pem);
  } catch {
    return {
      problem: `${text ? 'SALESFORCE_JWT_PRIVATE_KEY' : 'SALESFORCE_JWT_PRIVATE_KEY_FILE'} is not a PEM private key (${describe.SALESFORCE_JWT_PRIVATE_KEY})`,
    };
  }
  return pem;
}

/**
 * Reads and validates the environment. Throws an AppError whose message is one readable line per
 * problem, naming the variable and what it is for.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  opts: { receivesSlackRequests?: boolean } = {},
): Config {
  // The CLI only calls the Web API: secrets that verify or accept Slack's requests are not asked of it.
  const receives = opts.receivesSlackRequests ?? true;
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const what = describe[key as keyof typeof describe];
      return `${key} ${i.message}${what ? ` (${what})` : ''}`;
    });
    throw new AppError(ErrorCode.ConfigInvalid, `Invalid configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  const need = (key: keyof typeof describe, value: string | undefined, why: string) => {
    if (!value) problems.push(`${key} is required ${why} (${describe[key]})`);
  };
  const needToReceive: typeof need = (key, value, why) => {
    if (receives) need(key, value, why);
  };

  let mode: SlackMode = 'console';
  if (e.SLACK_CLIENT_ID || e.SLACK_CLIENT_SECRET) {
    mode = 'oauth';
    need('SLACK_CLIENT_ID', e.SLACK_CLIENT_ID, 'for OAuth installs');
    need('SLACK_CLIENT_SECRET', e.SLACK_CLIENT_SECRET, 'for OAuth installs');
    needToReceive('SLACK_STATE_SECRET', e.SLACK_STATE_SECRET, 'for OAuth installs');
    needToReceive('SLACK_SIGNING_SECRET', e.SLACK_SIGNING_SECRET, 'for OAuth installs');
  } else if (e.SLACK_SOCKET_MODE || e.SLACK_APP_TOKEN) {
    mode = 'socket';
    needToReceive('SLACK_APP_TOKEN', e.SLACK_APP_TOKEN, 'in Socket Mode');
    need('SLACK_BOT_TOKEN', e.SLACK_BOT_TOKEN, 'in Socket Mode');
  } else if (e.SLACK_BOT_TOKEN || e.SLACK_SIGNING_SECRET) {
    mode = 'http';
    need('SLACK_BOT_TOKEN', e.SLACK_BOT_TOKEN, 'in HTTP mode');
    needToReceive('SLACK_SIGNING_SECRET', e.SLACK_SIGNING_SECRET, 'in HTTP mode');
  }
  // HubSpot OAuth: all three or none.
  const hubspotOAuthKeys = ['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'HUBSPOT_REDIRECT_URI'] as const;
  const hubspotOAuth = hubspotOAuthKeys.some((k) => e[k] !== undefined);
  if (hubspotOAuth) for (const k of hubspotOAuthKeys) need(k, e[k], 'for HubSpot OAuth connections');
  const sfKey = jwtKey(e.SALESFORCE_JWT_PRIVATE_KEY, e.SALESFORCE_JWT_PRIVATE_KEY_FILE, cwd);
  if (typeof sfKey !== 'string') problems.push(sfKey.problem);
  if (problems.length > 0) {
    throw new AppError(ErrorCode.ConfigInvalid, `Invalid configuration: ${problems.join('; ')}`);
  }

  const production = e.NODE_ENV === 'production';
  return {
    databaseUrl: e.DATABASE_URL,
    databaseTimeouts: { connectMs: e.DATABASE_CONNECT_TIMEOUT_MS, statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS },
    dataDir: resolve(cwd, e.DATA_DIR ?? '.data/pglite'),
    port: e.PORT,
    production,
    logLevel: e.LOG_LEVEL ?? (production ? 'info' : 'info'),
    defaultTeamId: e.DEFAULT_TEAM_ID ?? 'T_LOCAL',
    slack: {
      mode,
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      clientId: e.SLACK_CLIENT_ID,
      clientSecret: e.SLACK_CLIENT_SECRET,
      stateSecret: e.SLACK_STATE_SECRET,
      apiUrl: e.SLACK_API_URL,
    },
    openai: e.OPENAI_API_KEY
      ? {
          apiKey: e.OPENAI_API_KEY,
          baseUrl: e.OPENAI_BASE_URL,
          model: e.OPENAI_MODEL ?? 'gpt-4o-mini',
          timeoutMs: e.OPENAI_TIMEOUT_MS,
        }
      : undefined,
    review: { minSample: e.REVIEW_MIN_SAMPLE, minEffectPoints: e.REVIEW_MIN_EFFECT_POINTS },
    crm: {
      encryptionKey: e.CRM_ENCRYPTION_KEY ? (parseEncryptionKey(e.CRM_ENCRYPTION_KEY) ?? undefined) : undefined,
      hubspotApiUrl: e.HUBSPOT_API_URL,
      hubspotRetries: e.HUBSPOT_API_RETRIES,
      hubspotPerSecond: e.HUBSPOT_MAX_REQUESTS_PER_SECOND,
      syncIntervalMinutes: e.CRM_SYNC_INTERVAL_MINUTES,
      hubspotOAuth: hubspotOAuth
        ? {
            clientId: e.HUBSPOT_CLIENT_ID!,
            clientSecret: e.HUBSPOT_CLIENT_SECRET!,
            redirectUri: e.HUBSPOT_REDIRECT_URI!,
            scopes: scopeList(e.HUBSPOT_OAUTH_SCOPES, HUBSPOT_DEFAULT_SCOPES),
            optionalScopes: scopeList(e.HUBSPOT_OAUTH_OPTIONAL_SCOPES, HUBSPOT_DEFAULT_OPTIONAL_SCOPES),
          }
        : undefined,
      salesforce: {
        loginUrl: (e.SALESFORCE_LOGIN_URL ?? 'https://login.salesforce.com').replace(/\/+$/, ''),
        clientId: e.SALESFORCE_CLIENT_ID,
        clientSecret: e.SALESFORCE_CLIENT_SECRET,
        redirectUri: e.SALESFORCE_REDIRECT_URI,
        jwtPrivateKey: typeof sfKey === 'string' && sfKey !== '' ? sfKey : undefined,
        bulkThreshold: e.SALESFORCE_BULK_THRESHOLD,
      },
    },
  };
}
