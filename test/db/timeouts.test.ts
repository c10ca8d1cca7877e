/**
 * A database server that stops answering without closing TCP (issue #12, item 7): the pool gives up
 * on connections and statements instead of waiting forever, /healthz says 503 within a second, and
 * the bot answers again once the server is back. The database sits behind a local TCP proxy that
 * turns into a black hole: the real PostgreSQL with TEST_DATABASE_URL, else PGlite served over the
 * PostgreSQL protocol (pglite-socket), so both runs test the node-postgres pool.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle, databaseAnswers } from '../../db/client.ts';
import { type RealApp, startRealApp } from '../helpers/app.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await check()) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

describe(`a database that stops answering (${usingRealPostgres ? 'PostgreSQL' : 'PGlite over pglite-socket'})`, () => {
  let real: TestDb | undefined;
  let lite: { db: PGlite; server: PGLiteSocketServer } | undefined;
  let proxy: TcpProxy;
  let handle: DbHandle;
  let fake: FakeSlack;
  let app: RealApp;

  beforeAll(async () => {
    let host = '127.0.0.1';
    let port: number;
    let path = '/postgres';
    if (usingRealPostgres) {
      real = await createTestDb();
      const u = new URL(real.url!);
      host = u.hostname;
      port = Number(u.port || 5432);
      path = u.pathname;
    } else {
      const db = await PGlite.create();
      const server = new PGLiteSocketServer({ db, port: 0, host, maxConnections: 20 });
      await server.start();
      port = Number(server.getServerConn().split(':')[1]);
      lite = { db, server };
    }
    proxy = await startTcpProxy(host, port);
    handle = await createDb({
      databaseUrl: `postgres://root@127.0.0.1:${proxy.port}${path}`,
      connectTimeoutMs: 500,
      statementTimeoutMs: 1_000,
      poolMax: 3,
    });
    fake = await startFakeSlack();
    app = await startRealApp({ ...handle, url: undefined, truncateAll: async () => {} }, fake);
  });

  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await handle?.close().catch(() => {});
    await proxy?.close();
    await lite?.server.stop();
    await lite?.db.close();
    await real?.close();
  });

  it('answers, 503s within a second while the server is silent, and recovers when it is back', async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(await databaseAnswers(handle.db)).toBe(true);

    proxy.blackhole(true);
    // A statement on a connection that went silent fails after the read timeout instead of hanging.
    const t0 = performance.now();
    await expect(handle.db.execute('select 1' as never)).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(6_000);

    // Every probe, with pool clients stuck and new connections unanswered, is a 503 within a second.
    for (let i = 0; i < 3; i++) {
      const p0 = performance.now();
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(503);
      expect(performance.now() - p0).toBeLessThan(1_500);
    }

    proxy.blackhole(false);
    await until(async () => (await fetch(`${app.url}/healthz`)).status === 200, 10_000);
    const rows = (await handle.db.execute('select 41 + 1 as n' as never)) as unknown as { rows: { n: number }[] };
    expect(Number(rows.rows[0]?.n)).toBe(42);
  }, 30_000);
});
