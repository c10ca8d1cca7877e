/**
 * One embedded database, several processes. PGlite lives inside one process: two processes opening
 * the same data folder would each work on their own copy and lose each other's writes. So whoever
 * opens the folder takes a lock file in it. A bot (console or Slack) then serves its database over the
 * PostgreSQL protocol on a Unix socket in the same folder (`@electric-sql/pglite-socket`), and the
 * `icp` command line, finding the lock held by a bot, connects there with `pg` and works on the same
 * data. Anything else that finds the folder taken refuses at once with a sentence saying what to do.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { AppError, ErrorCode } from '../src/errors.ts';

export type EmbeddedRole = 'bot' | 'cli';

interface LockInfo {
  pid: number;
  role: EmbeddedRole;
  /** The bot's socket folder (pg connects to `<host>/.s.PGSQL.5432`). */
  socketDir?: string;
}

export const SOCKET_PORT = 5432;
/** Unix socket paths are limited to ~107 bytes on Linux. */
const MAX_SOCKET_PATH = 100;

export const lockPath = (dataDir: string) => join(dataDir, 'icp-coach.pid');
export const socketPath = (dataDir: string) => join(dataDir, `.s.PGSQL.${SOCKET_PORT}`);

function readLock(dataDir: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false; // our own pid in a stale file: a restarted container
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The live holder of the folder, or undefined when it is free (a stale lock is removed). */
async function liveHolder(dataDir: string): Promise<LockInfo | undefined> {
  const lock = readLock(dataDir);
  if (!lock) return undefined;
  const alive = lock.socketDir
    ? processAlive(lock.pid) && (await socketAnswers(socketPath(lock.socketDir)))
    : processAlive(lock.pid);
  if (alive) return lock;
  rmSync(lockPath(dataDir), { force: true });
  return undefined;
}

export type Claim =
  | { kind: 'owner'; release(): void; serveOn?: string }
  | { kind: 'client'; socketDir: string; pid: number };

/**
 * Takes the data folder for this process, or says who has it. A bot takes it or refuses; the CLI takes
 * it, or becomes a client of the bot holding it, or refuses when another CLI holds it.
 */
export async function claimDataDir(dataDir: string, role: EmbeddedRole): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const holder = await liveHolder(dataDir);
    if (holder) {
      if (role === 'cli' && holder.role === 'bot' && holder.socketDir) {
        return { kind: 'client', socketDir: holder.socketDir, pid: holder.pid };
      }
      throw new AppError(ErrorCode.ConfigInvalid, refusal(dataDir, role, holder));
    }
    const info: LockInfo = { pid: process.pid, role, ...(role === 'bot' ? { socketDir: dataDir } : {}) };
    let fd: number;
    try {
      fd = openSync(lockPath(dataDir), 'wx'); // atomic: of two processes starting together, one wins
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    writeSync(fd, JSON.stringify(info));
    closeSync(fd);
    const release = () => {
      if (readLock(dataDir)?.pid === process.pid) rmSync(lockPath(dataDir), { force: true });
    };
    if (role === 'bot') {
      if (socketPath(dataDir).length > MAX_SOCKET_PATH) {
        release();
        throw new AppError(
          ErrorCode.ConfigInvalid,
          `DATA_DIR is too long for the local socket the icp command line uses (${socketPath(dataDir).length} characters, at most ${MAX_SOCKET_PATH}): choose a shorter DATA_DIR.`,
        );
      }
      return { kind: 'owner', release, serveOn: socketPath(dataDir) };
    }
    return { kind: 'owner', release };
  }
  throw new AppError(ErrorCode.ConfigInvalid, `Could not take the embedded database in ${dataDir}: try again.`);
}

function refusal(dataDir: string, role: EmbeddedRole, holder: LockInfo): string {
  if (role === 'bot' && holder.role === 'bot') {
    return `Another ICP Coach (pid ${holder.pid}) is already running on the embedded database in ${dataDir}: stop it first, or give this one its own DATA_DIR. Several replicas need PostgreSQL (DATABASE_URL).`;
  }
  if (role === 'bot') {
    return `The icp command line (pid ${holder.pid}) is using the embedded database in ${dataDir}: start the bot when it has finished. While the bot runs, icp commands work through it.`;
  }
  return `Another icp command (pid ${holder.pid}) is using the embedded database in ${dataDir}: run this one when it has finished.`;
}

/** A mutual-exclusion lock handed out in order. */
class Gate {
  #tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

/**
 * Serves `client` on a Unix socket. The bot's own queries and the socket's share one PostgreSQL
 * session, so they take turns through a gate, and a socket client's transaction keeps the gate
 * until it ends: the bot never runs a statement inside the CLI's transaction, nor the CLI inside
 * the bot's. Returns the PGlite the bot must use (gated) and a stop function.
 */
export async function serveEmbedded(client: PGlite, path: string): Promise<{ db: PGlite; stop(): Promise<void> }> {
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const gate = new Gate();
  let socketHolds: (() => void) | undefined;
  const afterSocketStatement = () => {
    if (socketHolds && !client.isInTransaction()) {
      socketHolds();
      socketHolds = undefined;
    }
  };
  // What pglite-socket calls on its database, routed through the gate.
  const forSocket = {
    waitReady: client.waitReady,
    isInTransaction: () => client.isInTransaction(),
    execProtocolRawStream: client.execProtocolRawStream.bind(client),
    async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
      socketHolds ??= await gate.acquire();
      try {
        return await client.runExclusive(fn);
      } finally {
        afterSocketStatement();
      }
    },
    async exec(query: string) {
      socketHolds ??= await gate.acquire();
      try {
        return await client.exec(query);
      } finally {
        afterSocketStatement();
      }
    },
  };
  const gated =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const release = await gate.acquire();
      try {
        return await fn(...args);
      } finally {
        release();
      }
    };
  const db = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'query' || prop === 'exec' || prop === 'transaction' || prop === 'sql') {
        return gated((target[prop] as (...a: unknown[]) => Promise<unknown>).bind(target));
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  rmSync(path, { force: true }); // a socket file left by a crash (its lock was stale, so nobody serves it)
  const server = new PGLiteSocketServer({ db: forSocket as unknown as PGlite, path, maxConnections: 16 });
  await server.start();
  return {
    db,
    async stop() {
      await server.stop();
      if (existsSync(path)) rmSync(path, { force: true });
    },
  };
}
