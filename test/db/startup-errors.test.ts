/**
 * Start-up failures name their real cause in one line (issue #12, item 8), and a role without the
 * CREATE privilege runs the bot once an owner has applied the migrations. The role tests need a real
 * PostgreSQL server where roles can be created (TEST_DATABASE_URL, as in `.ci/run`).
 */

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingMigrations } from '../../db/migrate.ts';
import { openDatabase } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const logger = createLogger({ level: 'error', write: () => {} });

async function startupError(databaseUrl: string): Promise<string> {
  try {
    const handle = await openDatabase(
      loadConfig({ DATABASE_URL: databaseUrl, DATABASE_CONNECT_TIMEOUT_MS: '2000' }),
      logger,
    );
    await handle.close();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('opened');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('start-up failures name their cause', () => {
  it('a refused connection', async () => {
    const port = await freePort();
    const message = await startupError(`postgres://icp:secret@127.0.0.1:${port}/icp`);
    expect(message).toBe(
      `PostgreSQL refused the connection at 127.0.0.1:${port}: is the server running, and is DATABASE_URL's host and port right?`,
    );
    expect(message).not.toContain('secret');
  });

  it('a server that never answers', async () => {
    const silent = createServer(() => {}); // accepts, then says nothing
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const t0 = performance.now();
      const message = await startupError(`postgres://icp@127.0.0.1:${port}/icp`);
      expect(message).toBe(`PostgreSQL at 127.0.0.1:${port} did not answer in time: is the server up and reachable?`);
      expect(performance.now() - t0).toBeLessThan(6_000);
    } finally {
      silent.close();
    }
  });
});

describe.runIf(usingRealPostgres)('start-up on a real PostgreSQL server', () => {
  const base = process.env.TEST_DATABASE_URL ?? '';
  const role = `icp_app_${randomBytes(4).toString('hex')}`;
  let migrated: TestDb;
  const admin = new pg.Client({ connectionString: base });
  const emptyDb = `icp_empty_${randomBytes(4).toString('hex')}`;
  const urlFor = (database: string, user = role) => {
    const u = new URL(base);
    u.username = user;
    u.password = 'pw';
    u.pathname = `/${database}`;
    return u.toString();
  };

  beforeAll(async () => {
    migrated = await createTestDb(); // migrated by the owner
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
    await admin.query(`CREATE DATABASE ${emptyDb}`);
    const dbName = new URL(migrated.url!).pathname.slice(1);
    // What an admin grants an application role: data access, no CREATE on the database or schemas.
    const grants = new pg.Client({ connectionString: migrated.url });
    await grants.connect();
    await grants.query(`GRANT CONNECT ON DATABASE ${dbName} TO ${role}`);
    await grants.query(`REVOKE CREATE ON DATABASE ${dbName} FROM PUBLIC`);
    await grants.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await grants.query(`GRANT USAGE ON SCHEMA public, drizzle TO ${role}`);
    await grants.query(`GRANT SELECT ON ALL TABLES IN SCHEMA drizzle TO ${role}`);
    await grants.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await grants.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    await grants.end();
    await admin.query(`REVOKE CREATE ON DATABASE ${emptyDb} FROM PUBLIC`);
  });

  afterAll(async () => {
    await migrated?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${emptyDb} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it('a role without CREATE privilege starts once the migrations are applied', async () => {
    const dbName = new URL(migrated.url!).pathname.slice(1);
    const handle = await openDatabase(loadConfig({ DATABASE_URL: urlFor(dbName) }), logger);
    try {
      expect(await pendingMigrations(handle)).toBe(0);
      const res = (await handle.db.execute('select count(*)::int as n from accounts' as never)) as unknown as {
        rows: { n: number }[];
      };
      expect(res.rows[0]?.n).toBe(0);
    } finally {
      await handle.close();
    }
  });

  it('the same role on a database with pending migrations is told what to run', async () => {
    const message = await startupError(urlFor(emptyDb));
    expect(message).toMatch(
      new RegExp(
        `^The PostgreSQL role "${role}" may not change database "${emptyDb}" \\(permission denied.*\\) and migrations are pending: run \`npm run db:migrate\` once with a role that owns the database, then start again\\.$`,
      ),
    );
    expect(message).not.toContain('Failed query');
    expect(message).not.toContain('\n');
  });

  it('a missing database and a rejected login', async () => {
    expect(await startupError(urlFor('icp_no_such_db', new URL(base).username || 'root'))).toMatch(
      /^PostgreSQL database "icp_no_such_db" does not exist on .+: create it \(createdb icp_no_such_db\) or fix DATABASE_URL\.$/,
    );
    expect(await startupError(urlFor(emptyDb, `${role}_nobody`))).toMatch(
      new RegExp(
        `^PostgreSQL rejected the login of "${role}_nobody" on .+: check the user and password in DATABASE_URL\\.$`,
      ),
    );
  });
});
