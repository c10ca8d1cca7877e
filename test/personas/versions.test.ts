import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  applyPersonas,
  diffPersonaVersions,
  ensurePersonas,
  getCurrentPersonas,
  getPersonaVersion,
  listPersonaVersions,
  rollbackPersonas,
} from '../../db/queries/personas.ts';
import { AppError } from '../../src/errors.ts';
import { PersonaProvider } from '../../src/personas/provider.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const defaults = readFileSync(new URL('../../db/seed/personas.default.yml', import.meta.url), 'utf8');
const edited = defaults
  .replace('name: Sarah the Sales Director', 'name: Sam the Sales Director')
  .replace('last_reviewed: 2026-11-01', 'last_reviewed: 2026-11-15');

describe(`persona versions (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.truncateAll();
  });

  it('applies the default file as version 1 for a fresh workspace, once', async () => {
    const provider = new PersonaProvider(db.db, defaults);
    const [a, b] = await Promise.all([provider.current('T1'), provider.current('T1')]);
    expect(a.version).toBe(1);
    expect(b.version).toBe(1);
    expect(a.origin).toBe('default');
    expect(a.createdBy).toBe('system');
    expect(a.spec.personas.map((p) => p.id)).toContain('sales_director');
    expect(await listPersonaVersions(db.db, 'T1')).toHaveLength(1);
  });

  it('applies a new version with who, when and the changes', async () => {
    await ensurePersonas(db.db, 'T1', defaults);
    const r = await applyPersonas(db.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER' });
    expect(r.unchanged).toBe(false);
    expect(r.version.version).toBe(2);
    expect(r.version.createdBy).toBe('U0OWNER');
    expect(r.version.createdAt).toBeInstanceOf(Date);
    expect(r.changes).toContain('Sam the Sales Director: name "Sarah the Sales Director" → "Sam the Sales Director"');
    expect(r.changes.some((c) => c.includes('last reviewed 2026-11-01 → 2026-11-15'))).toBe(true);
    expect((await getCurrentPersonas(db.db, 'T1'))?.spec.personas[0]?.name).toBe('Sam the Sales Director');
  });

  it('reports no change when the file equals the current version', async () => {
    await ensurePersonas(db.db, 'T1', defaults);
    const r = await applyPersonas(db.db, { teamId: 'T1', source: defaults, createdBy: 'U0OWNER' });
    expect(r.unchanged).toBe(true);
    expect(r.version.version).toBe(1);
  });

  it('refuses an invalid file and stores nothing', async () => {
    await ensurePersonas(db.db, 'T1', defaults);
    const bad = defaults.replace('buying_role: decision_maker', 'buying_role: boss');
    const err = await applyPersonas(db.db, { teamId: 'T1', source: bad, createdBy: 'U0OWNER' }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).details.join('\n')).toContain('personas[0].buying_role');
    expect(await listPersonaVersions(db.db, 'T1')).toHaveLength(1);
  });

  it('rolls back by applying an old version again as a new one', async () => {
    await ensurePersonas(db.db, 'T1', defaults);
    await applyPersonas(db.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER' });
    const r = await rollbackPersonas(db.db, { teamId: 'T1', version: 1, createdBy: 'U0OTHER' });
    expect(r.version.version).toBe(3);
    expect(r.version.origin).toBe('rollback');
    expect(r.version.restoredFrom).toBe(1);
    expect(r.version.source).toBe(defaults);
    expect(r.changes.some((c) => c.includes('"Sam the Sales Director" → "Sarah the Sales Director"'))).toBe(true);
    const history = await listPersonaVersions(db.db, 'T1');
    expect(history.map((h) => [h.version, h.origin])).toEqual([
      [3, 'rollback'],
      [2, 'apply'],
      [1, 'default'],
    ]);
    await expect(rollbackPersonas(db.db, { teamId: 'T1', version: 9, createdBy: 'U0OTHER' })).rejects.toThrow(
      /version 9 does not exist/,
    );
  });

  it('diffs two versions, previous → current by default', async () => {
    await ensurePersonas(db.db, 'T1', defaults);
    await applyPersonas(db.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER' });
    const d = await diffPersonaVersions(db.db, 'T1');
    expect(d).toMatchObject({ from: 1, to: 2 });
    expect(d.changes.length).toBeGreaterThan(0);
    expect((await diffPersonaVersions(db.db, 'T1', 2, 1)).changes[0]).toContain('"Sam the Sales Director" → "Sarah');
    expect((await diffPersonaVersions(db.db, 'T1', 1, 1)).changes).toEqual([]);
    await expect(diffPersonaVersions(db.db, 'T1', 7)).rejects.toThrow(/version 7/);
  });

  it('keeps each workspace’s personas apart', async () => {
    await ensurePersonas(db.db, 'T1', defaults);
    await applyPersonas(db.db, { teamId: 'T1', source: edited, createdBy: 'U0OWNER' });
    const provider = new PersonaProvider(db.db, defaults);
    const t2 = await provider.current('T2');
    expect(t2.version).toBe(1);
    expect(t2.spec.personas[0]?.name).toBe('Sarah the Sales Director');
    expect(await getPersonaVersion(db.db, 'T2', 2)).toBeNull();
    await expect(rollbackPersonas(db.db, { teamId: 'T2', version: 2, createdBy: 'U0X' })).rejects.toThrow();
    expect((await provider.current('T1')).version).toBe(2);
  });
});
