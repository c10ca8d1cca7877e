/**
 * Database factory: real PostgreSQL through `pg` when a URL is given, otherwise embedded PGlite
 * (PostgreSQL compiled to WASM) persisted in a local folder. Both are wrapped by drizzle and exposed
 * as one `Db` type, so every query in `db/queries` runs unchanged on either.
 */
import { mkdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { claimDataDir, type EmbeddedRole, SOCKET_PORT, serveEmbedded } from './embedded.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DbDriver = 'postgres' | 'pglite';

export interface DbHandle {
  db: Db;
  driver: DbDriver;
  close(): Promise<void>;
}

export interface DbOptions {
  /** postgres://… ; when absent, PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data folder; `memory://` (or undefined) keeps it in memory. */
  dataDir?: string | undefined;
  /** pg pool size. */
  poolMax?: number;
  /** How long to wait for a connection (TCP + start-up) or a free pool client. Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * Longest a statement may run (server-side `statement_timeout`, and a client-side read timeout a bit
   * longer for a server that no longer answers at all). Default: none (bulk work); the bot sets 10 s.
   */
  statementTimeoutMs?: number;
  onPoolError?: (err: Error) => void;
  /**
   * Who opens an embedded data folder: a `bot` takes it and serves it to the command line; the `cli`
   * takes it or works through the bot that has it (db/embedded.ts). Unset: no lock (tests, benchmarks).
   */
  embeddedRole?: EmbeddedRole;
}

/**
 * PostgreSQL settings for the embedded database. PostgreSQL touches all of shared_buffers at start,
 * so the default 128 MB is resident from the first second; 16 MB holds the bot's working set (the
 * accounts, their trigram index and the check log of a typical CRM are a few MB) and the operating
 * system's file cache keeps the rest close. maintenance_work_mem bounds what an index build or
 * VACUUM may take: WASM memory, once grown, is never given back.
 */
const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'maintenance_work_mem=16MB'];

/** A transaction left open by a crashed request must not hold its locks (and a connection) for long. */
const IDLE_IN_TRANSACTION_MS = 60_000;
/** The client-side read timeout leaves the server this much time to cancel the statement itself. */
const READ_TIMEOUT_MARGIN_MS = 2_000;

/**
 * node-postgres waits forever by default: a server that vanishes without closing TCP would leave every
 * request (and /healthz) hanging. These bound connecting, each statement and idle transactions, and
 * TCP keepalive notices a dead peer on idle connections.
 */
export function poolConfig(options: DbOptions): pg.PoolConfig {
  const statement = options.statementTimeoutMs;
  return {
    connectionString: options.databaseUrl,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(statement ? { statement_timeout: statement, query_timeout: statement + READ_TIMEOUT_MARGIN_MS } : {}),
  };
}

/** Creates the database handle. Never called at import time: the composition root and tests call it. */
export async function createDb(options: DbOptions): Promise<DbHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool(poolConfig(options));
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', (err) => options.onPoolError?.(err));
    const db = drizzlePg({ client: pool, schema }) as unknown as Db;
    return { db, driver: 'postgres', close: () => pool.end() };
  }
  const dir = options.dataDir && options.dataDir !== 'memory://' ? options.dataDir : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const claim = dir && options.embeddedRole ? await claimDataDir(dir, options.embeddedRole) : undefined;
  if (claim?.kind === 'client') {
    // The bot has this folder: work on its database through its socket. One connection, and no
    // session settings: the connection shares the bot's PostgreSQL session.
    const pool = new pg.Pool({
      host: claim.socketDir,
      port: SOCKET_PORT,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      idleTimeoutMillis: 0, // one connection for the whole command (see below)
    });
    pool.on('error', (err) => options.onPoolError?.(err));
    // Named statements outlive a connection in the shared session: start clean.
    await pool.query('DEALLOCATE ALL');
    const db = drizzlePg({ client: pool, schema }) as unknown as Db;
    return { db, driver: 'postgres', close: () => pool.end() };
  }
  // Loaded only for the embedded database: a PostgreSQL deployment never pays for the WASM build.
  const [{ PGlite }, { pg_trgm }, { drizzle: drizzlePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('drizzle-orm/pglite'),
  ]);
  // Compile PostgreSQL's WASM with V8's baseline compiler only. By default V8 also recompiles the
  // whole module with its optimising compiler in the background: measured here, that doubles the
  // CPU time of opening the database (1.6 s → 3.5 s) and keeps ~60 MB of extra machine code
  // resident, while lookups ran no faster (BENCHMARKS.md, "embedded database memory").
  setFlagsFromString('--liftoff-only');
  let client: InstanceType<typeof PGlite>;
  try {
    client = await PGlite.create(dir, {
      extensions: { pg_trgm },
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
    });
  } catch (err) {
    if (claim?.kind === 'owner') claim.release();
    throw err;
  }
  const served = claim?.kind === 'owner' && claim.serveOn ? await serveEmbedded(client, claim.serveOn) : undefined;
  const db = drizzlePglite({ client: served?.db ?? client, schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    async close() {
      await served?.stop();
      await client.close();
      if (claim?.kind === 'owner') claim.release();
    },
  };
}

/**
 * True when the database answers `select 1` within `timeoutMs`. /healthz uses it so a database that
 * stopped answering turns the bot unhealthy within a second instead of hanging the probe.
 */
export async function databaseAnswers(db: Db, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = db.execute('select 1' as never).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, late]);
  } finally {
    clearTimeout(timer);
  }
}
