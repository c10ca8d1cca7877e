/**
 * A throw-away database on the benchmark's PostgreSQL server: created under a random name for one
 * run and dropped (WITH FORCE, so leftover connections do not keep it) when the run ends.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ThrowawayDb {
  name: string;
  /** Connection string of the new database (the server's, with the database name swapped in). */
  url: string;
  drop(): Promise<void>;
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** Creates the database `name` on the server of `serverUrl` and returns its connection string. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** A new database named `${prefix}_<random>`; call drop() in a finally block. */
export async function createThrowawayDb(serverUrl: string, prefix: string): Promise<ThrowawayDb> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = await createDatabase(serverUrl, name);
  return { name, url, drop: () => dropDatabase(serverUrl, name) };
}

/**
 * A database kept between benchmark runs (BENCH_*_KEEP=1): created on first use, then reused, so a
 * million rows are loaded once. `existed` says whether it was already there.
 */
export async function keptDatabase(serverUrl: string, name: string): Promise<{ url: string; existed: boolean }> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  let existed: boolean;
  try {
    existed = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
  if (!existed) return { url: await createDatabase(serverUrl, name), existed };
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), existed };
}
