/**
 * The statements every /icp-check runs, under concurrent requests: they must never mix workspaces up,
 * hand a caller another caller's row, or lose a write.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertAccounts } from '../../db/queries/accounts.ts';
import { getCheck, logCheck } from '../../db/queries/checks.ts';
import { applyIcp, ensureIcp, getCurrentIcpNumber } from '../../db/queries/icp.ts';
import { findByDomain } from '../../db/queries/lookup.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const entry = (teamId: string, i: number) => ({
  teamId,
  userId: `U${i}`,
  query: `company ${i}`,
  accountId: null,
  companyName: `Company ${i}`,
  score: i,
  tier: 'tier2',
  icpVersion: 1,
  latencyMs: i,
  result: { i, teamId },
});

describe(`hot-path statements (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
  });

  it('gives every concurrent check its own committed row and id', async () => {
    const entries = Array.from({ length: 40 }, (_, i) => entry(i % 2 ? 'T1' : 'T2', i));
    const ids = await Promise.all(entries.map((e) => logCheck(t.db, e)));
    expect(new Set(ids).size).toBe(40);
    for (const [i, id] of ids.entries()) {
      const e = entries[i]!;
      const row = await getCheck(t.db, e.teamId, id);
      expect(row).toMatchObject({ id, teamId: e.teamId, query: e.query, score: i, result: { i, teamId: e.teamId } });
      // Scoped: the other workspace cannot read it.
      expect(await getCheck(t.db, e.teamId === 'T1' ? 'T2' : 'T1', id)).toBeNull();
    }
  });

  it('stores a NUL typed by a user as U+FFFD instead of failing the check', async () => {
    const id = await logCheck(t.db, { ...entry('T1', 1), query: 'acme\u0000.com', result: { note: 'a\u0000b' } });
    const row = await getCheck(t.db, 'T1', id);
    expect(row?.query).toBe('acme\uFFFD.com');
    expect(row?.result).toEqual({ note: 'a\uFFFDb' });
  });

  it('answers concurrent exact lookups of two workspaces each from its own accounts', async () => {
    await insertAccounts(t.db, 'T1', [
      { name: 'Acme AB', domain: 'acme.com', employees: 120, revenue: 5e6, attributes: { tech_stack: ['HubSpot'] } },
      { name: 'Globex', domain: 'globex.com' },
    ]);
    await insertAccounts(t.db, 'T2', [{ name: 'Acme Oy', domain: 'acme.com', employees: 9 }]);
    const [d1, d2, d3] = await Promise.all([
      findByDomain(t.db, 'T1', 'acme.com'),
      findByDomain(t.db, 'T2', 'acme.com'),
      findByDomain(t.db, 'T3', 'acme.com'),
    ]);
    expect(d1).toMatchObject([{ name: 'Acme AB', employees: 120 }]);
    expect(d2).toMatchObject([{ name: 'Acme Oy', employees: 9 }]);
    expect(d3).toEqual([]);
  });

  it('reads each workspace its own current ICP version, and a new version at once', async () => {
    await ensureIcp(t.db, 'T1', readDefaultIcp());
    await ensureIcp(t.db, 'T2', readDefaultIcp());
    await applyIcp(t.db, {
      teamId: 'T1',
      source: readDefaultIcp().replace('tier1: 75', 'tier1: 80'),
      createdBy: 'U1',
    });
    const got = await Promise.all(['T1', 'T2', 'T3', 'T1'].map((team) => getCurrentIcpNumber(t.db, team)));
    expect(got).toEqual([2, 1, null, 2]);
    await applyIcp(t.db, { teamId: 'T2', source: readDefaultIcp().replace('tier1: 75', 'tier1: 70'), createdBy: 'U1' });
    expect(await getCurrentIcpNumber(t.db, 'T2')).toBe(2);
  });
});
