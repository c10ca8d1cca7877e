/**
 * Structured logger: JSON lines in production, readable lines in development. Implements the
 * `Logger` interface Bolt expects, so the same logger serves Bolt, listeners and services.
 * Anything that looks like a Slack or OpenAI token is redacted before a line is written.
 */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';

const TOKEN_RE = /\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{8,})/g;

/** Replaces token-looking substrings; used on every log line. */
export function redact(text: string): string {
  return text.replace(TOKEN_RE, (m) => `${m.slice(0, 5)}…[redacted]`);
}

const order: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 10,
  [LogLevel.INFO]: 20,
  [LogLevel.WARN]: 30,
  [LogLevel.ERROR]: 40,
};

function serialise(arg: unknown): unknown {
  if (arg instanceof Error) {
    return {
      name: arg.name,
      message: arg.message,
      stack: arg.stack,
      cause: arg.cause ? serialise(arg.cause) : undefined,
    };
  }
  return arg;
}

export interface AppLogger extends BoltLogger {
  child(name: string): AppLogger;
}

export function createLogger(
  opts: { level?: string; json?: boolean; name?: string; write?: (line: string) => void } = {},
): AppLogger {
  let level = (opts.level as LogLevel) ?? LogLevel.INFO;
  let name = opts.name ?? 'icp-bot';
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (lvl: LogLevel, args: unknown[]) => {
    if (order[lvl] < order[level]) return;
    let line: string;
    if (opts.json) {
      const [first, ...rest] = args;
      const msg = typeof first === 'string' ? first : '';
      const extra = typeof first === 'string' ? rest : args;
      line = JSON.stringify({
        time: new Date().toISOString(),
        level: lvl,
        name,
        msg,
        ...(extra.length > 0 ? { data: extra.map(serialise) } : {}),
      });
    } else {
      const text = args
        .map((a) => (typeof a === 'string' ? a : a instanceof Error ? (a.stack ?? a.message) : JSON.stringify(a)))
        .join(' ');
      line = `${new Date().toISOString().slice(11, 19)} ${lvl.toUpperCase().padEnd(5)} [${name}] ${text}`;
    }
    write(redact(line));
  };
  const logger: AppLogger = {
    debug: (...a: unknown[]) => emit(LogLevel.DEBUG, a),
    info: (...a: unknown[]) => emit(LogLevel.INFO, a),
    warn: (...a: unknown[]) => emit(LogLevel.WARN, a),
    error: (...a: unknown[]) => emit(LogLevel.ERROR, a),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      name = n;
    },
    child: (n: string) => createLogger({ ...opts, level, name: `${name}:${n}` }),
  };
  return logger;
}
