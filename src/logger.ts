/**
 * The one logger (pino): JSON lines in production, readable lines in development. It implements the
 * `Logger` interface Bolt expects, so the same logger serves Bolt, the Web API client, listeners and
 * services, and Bolt's `logLevel` (passed from LOG_LEVEL) really sets it.
 *
 * Secrets never reach a line: pino removes them by key (`redactPaths`), and because Bolt and
 * @slack/web-api log pre-serialised strings (at debug, OAuth request bodies with `client_secret`),
 * every finished line is also scrubbed of token- and secret-looking text before it is written.
 */
import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';
import pino from 'pino';

/** Keys whose values are removed from structured log data, at the top level and one level down. */
const SECRET_KEYS = [
  'token',
  'botToken',
  'bot_token',
  'appToken',
  'app_token',
  'userToken',
  'user_token',
  'access_token',
  'refresh_token',
  'client_secret',
  'clientSecret',
  'signingSecret',
  'signing_secret',
  'stateSecret',
  'state_secret',
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  'password',
  'databaseUrl',
  // CRM connections: the plaintext token, its stored ciphertext, and the key that opens it.
  'accessToken',
  'refreshToken',
  'tokenKey',
  'tokenEncrypted',
  'token_encrypted',
  'encryptionKey',
  'CRM_ENCRYPTION_KEY',
  // Salesforce: the JWT bearer assertion and the key that signs it.
  'assertion',
  'jwtPrivateKey',
  'privateKey',
];
export const redactPaths = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  'headers.authorization',
  '*.headers.authorization',
  'bot.token',
  '*.bot.token',
  'user.token',
  '*.user.token',
];

// HubSpot private-app tokens look like pat-na1-<uuid>; Salesforce access tokens like 00D<org id>!<session>.
const TOKEN_RE =
  /\b(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{8,}|pat-[a-z0-9]+-[A-Za-z0-9-]{8,}|00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{16,})/g;
// `"client_secret":"…"`, `client_secret=…`, `\"client_secret\":\"…\"` (a JSON string inside a JSON line).
const SECRET_FIELD_RE =
  /((?:client_secret|clientSecret|accessToken|access_token|refreshToken|refresh_token|assertion|tokenKey|signing_secret|signingSecret|state_secret|stateSecret|api_key|apiKey|password)\\?"?\s*[:=]\s*\\?"?)([^"\\&\s,}]+)/g;
// Credentials inside a connection string: postgres://user:password@host.
const URL_PASSWORD_RE = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s"]+:)([^@/\s"]+)@/gi;

/** Replaces token- and secret-looking substrings; applied to every line written. */
export function redact(text: string): string {
  return text
    .replace(TOKEN_RE, (m) => `${m.slice(0, 5)}…[redacted]`)
    .replace(SECRET_FIELD_RE, '$1[redacted]')
    .replace(URL_PASSWORD_RE, '$1[redacted]@');
}

export interface AppLogger extends BoltLogger {
  child(name: string): AppLogger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/** Bolt-style arguments (`'what failed', { teamId }, err`) as pino's (merged object, message). */
function toPino(args: unknown[]): [Record<string, unknown>, string] {
  const obj: Record<string, unknown> = {};
  const words: string[] = [];
  for (const a of args) {
    if (typeof a === 'string') words.push(a);
    else if (a instanceof Error) obj.err = a;
    else if (a !== null && typeof a === 'object' && !Array.isArray(a)) Object.assign(obj, a);
    else if (a !== undefined) words.push(typeof a === 'object' ? JSON.stringify(a) : String(a));
  }
  return [obj, words.join(' ')];
}

/** A JSON line as a readable one: `12:00:01 INFO  [icp-bot] message {"teamId":"T1"}` and the stack. */
function pretty(line: string): string {
  try {
    const { time, level, name, msg, err, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const e = err as { stack?: string; message?: string } | undefined;
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    const stack = e ? ` ${e.stack ?? e.message ?? ''}` : '';
    const when = new Date(typeof time === 'number' ? time : Date.now()).toISOString().slice(11, 19);
    return `${when} ${String(level).toUpperCase().padEnd(5)} [${String(name)}] ${String(msg ?? '')}${extra}${stack}`;
  } catch {
    return line.trimEnd();
  }
}

export function createLogger(
  opts: { level?: string; json?: boolean; name?: string; write?: (line: string) => void } = {},
): AppLogger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const json = opts.json ?? false;
  const destination = {
    write(line: string) {
      const clean = redact(line.trimEnd());
      write(json ? clean : pretty(clean));
    },
  };
  const root = pino(
    {
      name: opts.name ?? 'icp-bot',
      level: (opts.level as Level | undefined) ?? 'info',
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: undefined,
      // Level names, not numbers, in JSON lines: what log search and humans expect.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: json ? pino.stdTimeFunctions.isoTime : pino.stdTimeFunctions.epochTime,
    },
    destination,
  );
  return wrap(root);
}

function wrap(p: pino.Logger): AppLogger {
  const at =
    (level: Level) =>
    (...args: unknown[]) => {
      if (!p.isLevelEnabled(level)) return;
      const [obj, msg] = toPino(args);
      p[level](obj, msg);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: (l: LogLevel) => {
      p.level = l;
    },
    getLevel: () => p.level as LogLevel,
    setName: (n: string) => {
      // Bolt names its loggers; pino keeps the name in the line's bindings.
      p.setBindings({ name: n });
    },
    child: (n: string) => wrap(p.child({ name: `${String(p.bindings().name ?? 'icp-bot')}:${n}` })),
  };
}
