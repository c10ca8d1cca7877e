import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyIcp } from '../../db/queries/icp.ts';
import { IcpProvider, readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { suggestIcp } from '../../src/usecases/suggest-icp.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { seedPlanted } from '../learn/planted-db.ts';

const T1 = 'T0WORKER1';

/** Runs `work` while timing the event loop: the longest gap between 5 ms timer ticks. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    const value = await work();
    return { value, stallMs: Math.max(stallMs, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

describe(`suggest in a worker thread (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    await seedPlanted(t.db, T1, { seed: 11, accounts: 3000, signal: true });
    await applyIcp(t.db, { teamId: T1, source: readDefaultIcp(), createdBy: 'U0OWNER01' });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('gives exactly the inline result while the event loop stays free', async () => {
    const deps = { db: t.db, icp: new IcpProvider(t.db) };
    const inline = await longestStall(() => suggestIcp(deps, { teamId: T1, inWorker: false }));
    const worker = await longestStall(() => suggestIcp(deps, { teamId: T1, inWorker: true }));
    expect(worker.value.signal).toBe('found');
    expect(JSON.stringify(worker.value)).toBe(JSON.stringify(inline.value));
    expect(worker.stallMs).toBeLessThan(inline.stallMs);
  }, 120_000);
});
