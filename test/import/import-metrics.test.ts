import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRows } from '../../src/metrics.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const rowsCounted = async (kind: string) =>
  (await importRows.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;

describe(`/metrics import rows (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'import-metrics-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  beforeAll(async () => {
    t = await createTestDb();
    await t.truncateAll();
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the rows of a committed import once, and nothing for a refused file', async () => {
    const before = await rowsCounted('accounts');
    const good = file('good.csv', 'name,domain,industry\nAcme,acme.example,Software\nBeta,beta.example,Fintech\n');
    await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: good, format: 'auto' });
    expect(await rowsCounted('accounts')).toBe(before + 2);

    const bad = file('bad.csv', 'name,domain,employees\nGamma,gamma.example,12\nDelta,delta.example,"unclosed\n');
    await expect(importFile(t.db, { teamId: 'T1', kind: 'accounts', input: bad, format: 'auto' })).rejects.toThrow();
    expect(await rowsCounted('accounts')).toBe(before + 2);
  });
});
