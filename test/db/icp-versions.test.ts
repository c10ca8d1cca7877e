import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  applyIcp,
  diffIcpVersions,
  ensureIcp,
  getCurrentIcp,
  listIcpVersions,
  rollbackIcp,
} from '../../db/queries/icp.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const base = readDefaultIcp();
const edited = base.replace('tier1: 75', 'tier1: 80');

describe(`ICP versions (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
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

  it('applies the default as version 1 once, even when two first requests race', async () => {
    const [a, b] = await Promise.all([ensureIcp(t.db, 'T1', base), ensureIcp(t.db, 'T1', base)]);
    expect(a.version).toBe(1);
    expect(b.version).toBe(1);
    expect(await listIcpVersions(t.db, 'T1')).toHaveLength(1);
  });

  it('creates a new version with who, when and a diff; an identical file changes nothing', async () => {
    await ensureIcp(t.db, 'T1', base);
    const r = await applyIcp(t.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER1' });
    expect(r.unchanged).toBe(false);
    expect(r.version.version).toBe(2);
    expect(r.version.createdBy).toBe('U0OWNER1');
    expect(r.changes.join('\n')).toMatch(/75.*80/);
    const again = await applyIcp(t.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER1' });
    expect(again.unchanged).toBe(true);
    expect(await listIcpVersions(t.db, 'T1')).toHaveLength(2);
  });

  it('rejects an invalid file with path-level problems and keeps the current version', async () => {
    await ensureIcp(t.db, 'T1', base);
    const bad = base.replace(/weight: 20/, 'weight: -3');
    await expect(applyIcp(t.db, { teamId: 'T1', source: bad, createdBy: 'U0OWNER1' })).rejects.toMatchObject({
      code: 'icp_invalid',
      details: expect.arrayContaining([expect.stringMatching(/^criteria\[0\]\.weight: /)]),
    });
    expect((await getCurrentIcp(t.db, 'T1'))?.version).toBe(1);
  });

  it('rolls back by re-applying an earlier version as a new one', async () => {
    await ensureIcp(t.db, 'T1', base);
    await applyIcp(t.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER1' });
    const r = await rollbackIcp(t.db, { teamId: 'T1', version: 1, createdBy: 'U0OWNER1' });
    expect(r.version).toMatchObject({ version: 3, origin: 'rollback', restoredFrom: 1, source: base });
    const d = await diffIcpVersions(t.db, 'T1', 2, 3);
    expect(d.changes.join('\n')).toMatch(/80.*75/);
    await expect(rollbackIcp(t.db, { teamId: 'T1', version: 9, createdBy: 'U0OWNER1' })).rejects.toMatchObject({
      code: 'version_not_found',
    });
  });

  it('keeps each workspace’s versions apart', async () => {
    await ensureIcp(t.db, 'T1', base);
    await applyIcp(t.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER1' });
    expect(await getCurrentIcp(t.db, 'T2')).toBeNull();
    expect((await ensureIcp(t.db, 'T2', base)).version).toBe(1);
    expect((await getCurrentIcp(t.db, 'T1'))?.version).toBe(2);
  });
});

describe('ICP diff after a round trip through jsonb', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists only what changed, not key-order noise', async () => {
    await ensureIcp(t.db, 'T1', base);
    const r = await applyIcp(t.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER1' });
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatch(/tier/i);
  });
});
