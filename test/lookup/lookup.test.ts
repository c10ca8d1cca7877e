import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAccount, insertAccounts, type NewAccount } from '../../db/queries/accounts.ts';
import { normalizeCompanyName } from '../../src/lookup/normalize.ts';
import { resolveCompany } from '../../src/usecases/find-company.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const dataDir = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

function readData(path: string): string {
  const file = `${dataDir}${path}`;
  if (!existsSync(file)) throw new Error(`test data missing: ${file} (the shared data folder sits beside the repo)`);
  return readFileSync(file, 'utf8');
}

function secAccounts(count: number): NewAccount[] {
  const lines = readData('sec-cik-sic/cik_ticker.csv')
    .split('\n')
    .slice(1, count + 1);
  return lines
    .map((line) => line.split('|'))
    .filter((f) => f[2])
    .map((f) => ({ name: f[2] as string, externalId: `cik-${f[0]}`, industry: `SIC ${f[4]}`, country: 'US' }));
}

function datablistAccounts(): NewAccount[] {
  const rows = parse(readData('datablist-orgs-10k/organizations-10000.csv'), { columns: true }) as Record<
    string,
    string
  >[];
  return rows.map((r) => ({
    name: r.Name as string,
    domain: r.Website ?? null,
    externalId: r['Organization Id'] as string,
    industry: r.Industry ?? null,
    employees: Number(r['Number of employees']),
  }));
}

describe(`resolveCompany (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  const SEC = 'T_SEC';
  const ORGS = 'T_ORGS';
  const OTHER = 'T_OTHER';
  let orgs: NewAccount[];

  beforeAll(async () => {
    t = await createTestDb();
    await insertAccounts(t.db, SEC, [
      ...secAccounts(3000),
      { name: 'Globex Corporation', domain: 'https://www.globex.com/', externalId: 'globex' },
      { name: 'Initech LLC', domain: 'initech.io', externalId: 'initech' },
    ]);
    orgs = datablistAccounts();
    await insertAccounts(t.db, ORGS, orgs);
    await insertAccounts(t.db, OTHER, [{ name: 'Secret Sauce Ltd', domain: 'secretsauce.com' }]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(['Agilent Technologies', 'agilent technologies inc.', 'AGILENT TECHNOLOGIES, INC'])(
    'finds %j by exact normalised name',
    async (text) => {
      const r = await resolveCompany(t.db, SEC, text);
      expect(r.kind).toBe('match');
      expect(r.kind === 'match' && [r.via, r.account.name]).toEqual(['name', 'Agilent Technologies Inc']);
    },
  );

  it('finds "Alcoa" by exact name', async () => {
    const r = await resolveCompany(t.db, SEC, 'Alcoa');
    expect(r.kind === 'match' && r.account.name).toBe('Alcoa Inc');
  });

  it('finds a typo by fuzzy similarity and says how sure it is', async () => {
    const r = await resolveCompany(t.db, SEC, 'Agilant Technologies');
    expect(r).toMatchObject({ kind: 'match', via: 'fuzzy', account: { name: 'Agilent Technologies Inc' } });
    expect(r.kind === 'match' && r.similarity).toBeCloseTo(0.75, 2);
  });

  it('asks which one when several names are close', async () => {
    const r = await resolveCompany(t.db, SEC, 'American Community Banc');
    expect(r.kind).toBe('ambiguous');
    const names = r.kind === 'ambiguous' ? r.candidates.map((c) => c.name) : [];
    expect(names).toEqual(
      expect.arrayContaining(['American Community Bancorp Inc', 'American Community Bancshares Inc']),
    );
  });

  it('asks which one when two registrants share a normalised name', async () => {
    const r = await resolveCompany(t.db, SEC, 'Alberto Culver');
    expect(r).toMatchObject({ kind: 'ambiguous', reason: '2 accounts are named "Alberto Culver"' });
  });

  it('only suggests when the best name is not close enough', async () => {
    const r = await resolveCompany(t.db, SEC, 'Agilent');
    expect(r.kind).toBe('none');
    expect(r.kind === 'none' && r.suggestions.map((s) => s.name)).toContain('Agilent Technologies Inc');
  });

  it('returns none without suggestions for gibberish', async () => {
    expect(await resolveCompany(t.db, SEC, 'Zzyzx Qqqq')).toEqual({
      kind: 'none',
      query: { name: 'Zzyzx Qqqq' },
      suggestions: [],
    });
  });

  it.each(['globex.com', 'https://www.globex.com/about', 'ceo@globex.com', '<http://globex.com|globex.com>'])(
    'matches %j by domain',
    async (text) => {
      const r = await resolveCompany(t.db, SEC, text);
      expect(r).toMatchObject({ kind: 'match', via: 'domain', account: { name: 'Globex Corporation' } });
    },
  );

  it('matches a name and domain that agree', async () => {
    const r = await resolveCompany(t.db, SEC, 'Globex (globex.com)');
    expect(r).toEqual({
      kind: 'match',
      via: 'domain',
      account: expect.objectContaining({ name: 'Globex Corporation' }),
    });
  });

  it('asks when the name and the domain point at different accounts', async () => {
    const r = await resolveCompany(t.db, SEC, 'Initech globex.com');
    expect(r.kind).toBe('ambiguous');
    expect(r.kind === 'ambiguous' && r.candidates.map((c) => c.name)).toEqual(['Globex Corporation', 'Initech LLC']);
  });

  it('warns when the name contradicts the domain and matches nothing else', async () => {
    const r = await resolveCompany(t.db, SEC, 'Hooli globex.com');
    expect(r).toMatchObject({ kind: 'match', via: 'domain', account: { name: 'Globex Corporation' } });
    expect(r.kind === 'match' && r.warning).toMatch(/does not look like "Hooli"/);
  });

  it('matches an unknown domain by its label only when the label is exactly a name', async () => {
    const r = await resolveCompany(t.db, SEC, 'alcoa.com');
    expect(r).toMatchObject({ kind: 'match', via: 'name', account: { name: 'Alcoa Inc' } });
    expect(r.kind === 'match' && r.warning).toMatch(/No account has the domain alcoa\.com/);
  });

  it('only suggests for an unknown domain whose label is not exactly a name', async () => {
    const r = await resolveCompany(t.db, SEC, 'https://agilant-technologies.com');
    expect(r.kind).toBe('none');
    expect(r.kind === 'none' && r.suggestions[0]?.name).toBe('Agilent Technologies Inc');
  });

  it('asks which one for every duplicated datablist name, with distinct domains', async () => {
    const byKey = new Map<string, NewAccount[]>();
    for (const o of orgs) {
      const k = normalizeCompanyName(o.name);
      byKey.set(k, [...(byKey.get(k) ?? []), o]);
    }
    const dups = [...byKey.values()].filter((v) => v.length > 1);
    expect(dups.length).toBeGreaterThan(100);
    for (const group of dups.slice(0, 40)) {
      const first = group[0] as NewAccount;
      const r = await resolveCompany(t.db, ORGS, first.name, { limit: 10 });
      expect(r.kind, first.name).toBe('ambiguous');
      if (r.kind !== 'ambiguous') continue;
      expect(r.candidates.length).toBe(Math.min(group.length, 10));
      expect(new Set(r.candidates.map((c) => c.domain)).size).toBeGreaterThan(1);
    }
  });

  it('resolves "Koch Inc" plus its website to the one account', async () => {
    const koch = orgs.filter((o) => o.name === 'Koch Inc');
    expect(koch.length).toBeGreaterThan(1);
    const r = await resolveCompany(t.db, ORGS, `Koch Inc ${koch[0]?.domain}`);
    expect(r.kind === 'match' && r.via).toBe('domain');
  });

  it('never shows another team its accounts', async () => {
    expect((await resolveCompany(t.db, SEC, 'Secret Sauce')).kind).toBe('none');
    expect((await resolveCompany(t.db, SEC, 'secretsauce.com')).kind).toBe('none');
    expect((await resolveCompany(t.db, SEC, 'Secret Sauc')).kind).toBe('none');
    const mine = await resolveCompany(t.db, OTHER, 'Secret Sauce');
    expect(mine.kind).toBe('match');
    expect((await resolveCompany(t.db, OTHER, 'Agilent Technologies')).kind).toBe('none');
    expect((await resolveCompany(t.db, OTHER, 'globex.com')).kind).toBe('none');
    if (mine.kind === 'match') {
      expect(await getAccount(t.db, SEC, mine.account.id)).toBeNull();
      expect((await getAccount(t.db, OTHER, mine.account.id))?.name).toBe('Secret Sauce Ltd');
    }
  });
});
