import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertAccounts } from '../../db/queries/accounts.ts';
import {
  applyPersonas,
  diffPersonaVersions,
  ensurePersonas,
  getCurrentPersonas,
  getPersonaVersion,
  listPersonaVersions,
  rollbackPersonas,
} from '../../db/queries/personas.ts';
import { runCli } from '../../src/cli/icp.ts';
import { AppError } from '../../src/errors.ts';
import { PersonaProvider } from '../../src/usecases/persona-provider.ts';
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

describe(`icp personas / icp persona CLI (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDb();
    dir = mkdtempSync(join(tmpdir(), 'personas-cli-'));
    writeFileSync(join(dir, 'edited.yml'), edited);
    writeFileSync(join(dir, 'bad.yml'), defaults.replace('seniority: vp', 'seniority: boss\n    age: 45'));
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.truncateAll();
  });

  async function icp(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      argv,
      { DEFAULT_TEAM_ID: 'T_CLI' },
      { out: (t) => out.push(t), err: (t) => err.push(t) },
      db,
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('applies, shows, lists, diffs and rolls back persona files', async () => {
    const applied = await icp('personas', 'apply', join(dir, 'edited.yml'), '--user', 'U0OWNER');
    expect(applied.code).toBe(0);
    expect(applied.out).toContain('Applied the persona file as version 2');
    expect(applied.out).toContain('"Sarah the Sales Director" → "Sam the Sales Director"');
    expect((await icp('personas', 'show')).out).toContain('name: Sam the Sales Director');
    expect((await icp('personas', 'show', '--version', '1')).out).toContain('# Persona version 1 (default');
    expect((await icp('personas', 'versions')).out).toMatch(/v2 .* U0OWNER {2}apply {2}7 personas/);
    expect((await icp('personas', 'diff', '1', '2', '--json')).out).toContain('"from": 1');
    const rolled = await icp('personas', 'rollback', '1');
    expect(rolled.out).toContain('Restored persona version 1 as version 3');
    const bad = await icp('personas', 'apply', join(dir, 'bad.yml'));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('personas[0].seniority');
    expect(bad.err).toContain("remove 'age'");
    expect((await icp('personas', 'frobnicate')).code).toBe(2);
  });

  it('prints the cheat sheet, the list and a committee', async () => {
    await insertAccounts(db.db, 'T_CLI', [
      {
        name: 'Northwind Analytics AB',
        domain: 'northwind-analytics.se',
        industry: 'Software',
        employees: 140,
        country: 'SE',
      },
    ]);
    const card = await icp('persona', 'vp', 'sales');
    expect(card.code).toBe(0);
    expect(card.out).toContain('Sarah the Sales Director');
    expect(card.out).toContain('Discovery questions');
    expect(card.out).not.toMatch(/\[\d+: /);
    const json = JSON.parse((await icp('persona', 'cfo', '--json')).out) as { kind: string; persona: { id: string } };
    expect(json).toMatchObject({ kind: 'one', persona: { id: 'finance_cfo' } });
    expect((await icp('persona')).out).toContain('Priya the CISO');
    const committee = await icp('persona', '--for', 'northwind-analytics.se');
    expect(committee.code).toBe(0);
    expect(committee.out).toContain('Buying committee: Northwind Analytics AB');
    const committeeJson = JSON.parse((await icp('persona', '--for', 'northwind-analytics.se', '--json')).out) as {
      members: { id: string }[];
    };
    expect(committeeJson.members[0]?.id).toBe('sales_director');
    expect((await icp('persona', 'cfo', '--for', 'northwind-analytics.se')).out).toContain('Frank the CFO · Northwind');
    expect((await icp('persona', '--for', 'nowhere-at-all.example')).code).toBe(2);
  });
});
