/**
 * Word-level lookup: typed words corrected against the team's word dictionary (account_name_words),
 * accounts found through accounts.name_words, whole-word prefixes ("Globex" → which Globex?), and the
 * dictionary kept current by every write path (insertAccounts, CSV import). Runs on both drivers.
 */
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAccounts } from '../../db/queries/accounts.ts';
import { correctWords } from '../../db/queries/lookup-words.ts';
import { queryRows } from '../../db/raw.ts';
import { resolveCompany } from '../../src/usecases/find-company.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const csv = (text: string) => Readable.from([Buffer.from(text)]);

async function words(t: TestDb, team: string): Promise<Record<string, number>> {
  const rows = await queryRows<{ word: string; accounts: number }>(
    t.db,
    sql`select word, accounts from account_name_words where team_id = ${team} order by word`,
  );
  return Object.fromEntries(rows.map((r) => [r.word, Number(r.accounts)]));
}

describe(`word-level lookup (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  const A = 'T_WORDS_A';
  const B = 'T_WORDS_B';

  beforeAll(async () => {
    t = await createTestDb();
    await insertAccounts(t.db, A, [
      { name: 'Globex Nordic AB', domain: 'globex.se' },
      { name: 'Globex Nordics AS', domain: 'globex.no' },
      { name: 'Agilent Technologies Inc', domain: 'agilent.com' },
      { name: 'Applied Signal Technologies Inc' },
      { name: 'Microsoft Corporation', domain: 'microsoft.com' },
      { name: 'Micron Technology Inc' },
      { name: 'Initech Software Labs' },
      { name: 'Labs Berry Ltd' },
      { name: 'Labs Berry-Wu' },
    ]);
    await insertAccounts(t.db, B, [{ name: 'Umbrella Pharmaceuticals' }, { name: 'Globex Holdings' }]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('asks which Globex when the typed name is a whole word of several names', async () => {
    const r = await resolveCompany(t.db, A, 'Globex');
    expect(r.kind).toBe('ambiguous');
    if (r.kind !== 'ambiguous') return;
    expect(r.candidates.map((c) => [c.name, c.domain]).sort()).toEqual([
      ['Globex Nordic AB', 'globex.se'],
      ['Globex Nordics AS', 'globex.no'],
    ]);
    expect(r.reason).toBe('2 accounts have every word of "Globex" in their names');
  });

  it('still matches the exact name or the domain of one Globex', async () => {
    expect(await resolveCompany(t.db, A, 'Globex Nordic')).toMatchObject({
      kind: 'match',
      via: 'name',
      account: { name: 'Globex Nordic AB' },
    });
    expect(await resolveCompany(t.db, A, 'Globex globex.no')).toMatchObject({
      kind: 'match',
      via: 'domain',
      account: { name: 'Globex Nordics AS' },
    });
  });

  it('one account with every typed word: a match only when safe, otherwise a suggestion', async () => {
    // "initech" is a whole word of one name only, and "Initech" vs "Initech Software Labs" is too far to match.
    const r = await resolveCompany(t.db, A, 'Initech');
    expect(r.kind).toBe('none');
    expect(r.kind === 'none' && r.suggestions.map((s) => s.name)).toEqual(['Initech Software Labs']);
  });

  it('corrects a word-level typo in a multi-word name', async () => {
    const r = await resolveCompany(t.db, A, 'Agilant Technologies');
    expect(r).toMatchObject({ kind: 'match', via: 'fuzzy', account: { name: 'Agilent Technologies Inc' } });
    expect(r.kind === 'match' && r.similarity).toBeCloseTo(0.75, 2);
  });

  it('a one-word typo ("Microsfot") gets at least suggestions, never another company', async () => {
    const r = await resolveCompany(t.db, A, 'Microsfot');
    if (r.kind === 'match') expect(r.account.name).toBe('Microsoft Corporation');
    else if (r.kind === 'none') expect(r.suggestions.map((s) => s.name)).toContain('Microsoft Corporation');
    else expect(r.candidates.map((c) => c.name)).toContain('Microsoft Corporation');
  });

  it('never matches a name that leaves a typed word unexplained', async () => {
    // "Berry-Wu" typed with the short word mistyped: "labs berry" is close, but "tu" is nowhere in it.
    const r = await resolveCompany(t.db, A, 'Labs Berry-Tu');
    expect(r.kind).toBe('none');
    expect(r.kind === 'none' && r.suggestions.map((s) => s.name)).toContain('Labs Berry Ltd');
  });

  it('corrects typed words against the own team dictionary only', async () => {
    const a = await correctWords(t.db, A, ['umbrela']);
    expect(a).toEqual([]);
    const b = await correctWords(t.db, B, ['umbrela']);
    expect(b.map((c) => c.word)).toEqual(['umbrella']);
    expect((await resolveCompany(t.db, A, 'Umbrela Pharmaceuticals')).kind).toBe('none');
    expect(await resolveCompany(t.db, B, 'Umbrela Pharmaceuticals')).toMatchObject({
      kind: 'match',
      account: { name: 'Umbrella Pharmaceuticals' },
    });
    // Team B has one Globex: no "which one?" built from team A's names.
    const g = await resolveCompany(t.db, B, 'Globex');
    expect(g.kind).toBe('none');
    expect(g.kind === 'none' && g.suggestions.map((s) => s.name)).toEqual(['Globex Holdings']);
  });

  it('every typed word common: finds the name through all typed words but one', async () => {
    // Each pair of the three rarest words reaches more accounts than a group may rank (200), so the
    // word search retries with every typed word but one, which only the intended account holds. (The
    // whole-name fallback would find it too, more slowly: this runs that part of the SQL on both drivers.)
    const team = 'T_WORDS_COMMON';
    const filler = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `${prefix} Filler${i}`, externalId: `${prefix}-${i}` }));
    await insertAccounts(t.db, team, [
      ...filler('Alpha Bravo', 210),
      ...filler('Alpha Charlie', 210),
      ...filler('Bravo Charlie', 210),
      ...filler('Deltaville', 500),
      { name: 'Alpha Bravo Charlie Deltaville', externalId: 'target' },
    ]);
    expect(await resolveCompany(t.db, team, 'Alpha Bravo Charlie Deltavilke')).toMatchObject({
      kind: 'match',
      via: 'fuzzy',
      account: { name: 'Alpha Bravo Charlie Deltaville' },
    });
  });

  it('keeps the dictionary current after insertAccounts', async () => {
    const team = 'T_WORDS_INSERT';
    await insertAccounts(t.db, team, [{ name: 'Hooli Cloud Inc', externalId: 'h1' }]);
    expect(await words(t, team)).toEqual({ cloud: 1, hooli: 1 });
    await insertAccounts(t.db, team, [{ name: 'Hooli XYZ', externalId: 'h2' }]);
    expect(await words(t, team)).toEqual({ cloud: 1, hooli: 2, xyz: 1 });
    expect((await resolveCompany(t.db, team, 'Hooli')).kind).toBe('ambiguous');
    expect(await resolveCompany(t.db, team, 'Hooli Clowd')).toMatchObject({
      kind: 'match',
      account: { name: 'Hooli Cloud Inc' },
    });
  });

  it('keeps the dictionary current after a CSV import, renames included', async () => {
    const team = 'T_WORDS_IMPORT';
    await importFile(t.db, {
      teamId: team,
      kind: 'accounts',
      input: csv(
        'Record ID,Company name,Company Domain Name\n1,Vandelay Industries,vandelay.com\n2,Pendant Publishing,\n',
      ),
    });
    expect(await words(t, team)).toEqual({ industries: 1, pendant: 1, publishing: 1, vandelay: 1 });
    expect(await resolveCompany(t.db, team, 'Vandeley Industries')).toMatchObject({
      kind: 'match',
      via: 'fuzzy',
      account: { name: 'Vandelay Industries' },
    });
    // Re-import renames record 2: its old words go, the new ones are searchable at once.
    await importFile(t.db, {
      teamId: team,
      kind: 'accounts',
      input: csv('Record ID,Company name,Company Domain Name\n2,Kramerica Industries,\n'),
    });
    expect(await words(t, team)).toEqual({ industries: 2, kramerica: 1, vandelay: 1 });
    expect(await resolveCompany(t.db, team, 'Kramerika Industries')).toMatchObject({
      kind: 'match',
      account: { name: 'Kramerica Industries' },
    });
    expect((await resolveCompany(t.db, team, 'Industries')).kind).toBe('ambiguous');
  });
});
