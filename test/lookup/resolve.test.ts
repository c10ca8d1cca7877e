import { describe, expect, it } from 'vitest';
import {
  type AccountSummary,
  decideResolution,
  everyWordAccounted,
  type LookupEvidence,
  parseCompanyQuery,
  trigramSimilarity,
} from '../../src/lookup/resolve.ts';

let nextId = 1;
function acct(name: string, domain: string | null = null, similarity?: number): AccountSummary {
  const a: AccountSummary = { id: nextId++, name, domain, industry: null, employees: null, country: null };
  if (similarity !== undefined) a.similarity = similarity;
  return a;
}

function evidence(text: string, parts: Partial<Omit<LookupEvidence, 'query'>> = {}): LookupEvidence {
  return { query: parseCompanyQuery(text), domainMatches: [], exactName: [], fuzzy: [], ...parts };
}

describe('parseCompanyQuery', () => {
  it.each([
    ['Acme', { name: 'Acme', nameKey: 'acme' }],
    ['acme.com', { domain: 'acme.com', labelKeys: ['acme', 'acme com'] }],
    ['https://www.acme.co.uk/about', { domain: 'acme.co.uk', labelKeys: ['acme'] }],
    ['sales@acme.com', { domain: 'acme.com', labelKeys: ['acme'] }],
    ['Acme acme.com', { name: 'Acme', domain: 'acme.com' }],
    ['Acme (globex.com)', { name: 'Acme', domain: 'globex.com' }],
    ['Acme - acme.com', { name: 'Acme', domain: 'acme.com' }],
    ['Acme Inc.', { name: 'Acme Inc.', nameKey: 'acme' }],
  ])('%s', (text, expected) => {
    expect(parseCompanyQuery(text)).toMatchObject(expected);
  });
});

describe('trigramSimilarity', () => {
  it('matches pg_trgm on known pairs', () => {
    expect(trigramSimilarity('agilant technologies', 'agilent technologies')).toBeCloseTo(0.75, 5);
    expect(trigramSimilarity('acme', 'acme')).toBe(1);
    expect(trigramSimilarity('acme', '')).toBe(0);
  });
});

describe('decideResolution', () => {
  it('matches the one account with the typed domain', () => {
    const a = acct('Acme', 'acme.com');
    expect(decideResolution(evidence('acme.com', { domainMatches: [a] }))).toEqual({
      kind: 'match',
      account: a,
      via: 'domain',
    });
  });

  it('asks when several accounts share the domain', () => {
    const r = decideResolution(
      evidence('acme.com', { domainMatches: [acct('Acme', 'acme.com'), acct('Acme EU', 'acme.com')] }),
    );
    expect(r.kind).toBe('ambiguous');
  });

  it('uses the typed name to pick among accounts sharing a domain', () => {
    const eu = acct('Acme Europe', 'acme.com');
    const r = decideResolution(evidence('Globex acme.com', { domainMatches: [acct('Globex', 'acme.com'), eu] }));
    expect(r).toMatchObject({ kind: 'match', via: 'domain' });
    expect(r.kind === 'match' && r.account.name).toBe('Globex');
  });

  it('matches the domain when the typed name agrees', () => {
    const a = acct('Acme Widgets Inc', 'acme.com');
    const r = decideResolution(evidence('Acme acme.com', { domainMatches: [a] }));
    expect(r).toEqual({ kind: 'match', account: a, via: 'domain' });
  });

  it('warns when the typed name contradicts the domain and names no other account', () => {
    const g = acct('Globex', 'globex.com');
    const r = decideResolution(evidence('Acme (globex.com)', { domainMatches: [g] }));
    expect(r.kind).toBe('match');
    expect(r.kind === 'match' && r.warning).toMatch(/globex\.com belongs to "Globex"/);
  });

  it('asks when the typed name points at another account than the domain', () => {
    const g = acct('Globex', 'globex.com');
    const a = acct('Acme', 'acme.com');
    const r = decideResolution(evidence('Acme (globex.com)', { domainMatches: [g], exactName: [a] }));
    expect(r).toMatchObject({ kind: 'ambiguous', candidates: [g, a] });
  });

  it('matches one exact name', () => {
    const a = acct('Acme Inc');
    expect(decideResolution(evidence('acme', { exactName: [a] }))).toEqual({ kind: 'match', account: a, via: 'name' });
  });

  it('asks when several accounts have the exact name', () => {
    const r = decideResolution(
      evidence('Koch Inc', { exactName: [acct('Koch Inc', 'weeks.com'), acct('Koch Inc', 'koch.org')] }),
    );
    expect(r).toMatchObject({ kind: 'ambiguous', reason: '2 accounts are named "Koch Inc"' });
  });

  it('matches a clear fuzzy winner with its similarity', () => {
    const a = acct('Agilent Technologies Inc', null, 0.75);
    const r = decideResolution(evidence('Agilant Technologies', { fuzzy: [a, acct('Align Technology', null, 0.36)] }));
    expect(r).toEqual({ kind: 'match', account: a, via: 'fuzzy', similarity: 0.75 });
  });

  it('asks when the fuzzy best is not clearly ahead of the runner-up', () => {
    const r = decideResolution(
      evidence('American Community Banc', {
        fuzzy: [acct('American Community Bancorp', null, 0.8), acct('American Community Bancshares', null, 0.74)],
      }),
    );
    expect(r.kind === 'ambiguous' && r.candidates.length).toBe(2);
  });

  it('only suggests when the fuzzy best is below the confidence threshold', () => {
    const s = acct('Agilent Technologies', null, 0.38);
    const r = decideResolution(evidence('Agilent', { fuzzy: [s, acct('Diligent', null, 0.2)] }));
    expect(r).toEqual({ kind: 'none', query: { name: 'Agilent' }, suggestions: [s] });
  });

  it('matches an unknown domain whose label is exactly one name, with a warning', () => {
    const a = acct('Acme Inc', 'acme.io');
    const r = decideResolution(evidence('acme.com', { exactName: [a] }));
    expect(r).toMatchObject({ kind: 'match', via: 'name', account: a });
    expect(r.kind === 'match' && r.warning).toMatch(/No account has the domain acme\.com.*acme\.io/);
  });

  it('only suggests fuzzy names for an unknown domain', () => {
    const s = acct('Acme Widgets', null, 0.9);
    const r = decideResolution(evidence('acme.com', { fuzzy: [s] }));
    expect(r).toEqual({ kind: 'none', query: { domain: 'acme.com' }, suggestions: [s] });
  });

  it('warns when the name matches but the typed domain is not on file', () => {
    const a = acct('Acme', 'acme.com');
    const r = decideResolution(evidence('Acme acme.io', { exactName: [a] }));
    expect(r).toMatchObject({ kind: 'match', via: 'name' });
    expect(r.kind === 'match' && r.warning).toMatch(/acme\.io/);
  });

  it('returns none with the query when nothing is found', () => {
    expect(decideResolution(evidence('Nothing Like It'))).toEqual({
      kind: 'none',
      query: { name: 'Nothing Like It' },
      suggestions: [],
    });
  });
});

describe('everyWordAccounted', () => {
  it.each([
    ['agilant technologies', 'Agilent Technologies Inc', true],
    ['ventures star energy corporaoion', 'Ventures Star Energy Corporation', true],
    ['labs berry tu', 'Labs Berry Ltd', false],
    ['globex nordic sales', 'Globex Nordic AB', false],
  ])('%s / %s → %s', (typed, name, expected) => {
    expect(everyWordAccounted(typed, name)).toBe(expected);
  });

  it('a fuzzy best leaving a typed word unexplained is only a suggestion', () => {
    const best = acct('Labs Berry Ltd', null, 0.77);
    const r = decideResolution(evidence('Labs Berry-Tu', { fuzzy: [best, acct('Labs Berry-Wu', null, 0.5)] }));
    expect(r).toMatchObject({ kind: 'none', suggestions: [best, expect.anything()] });
  });

  it('asks which one when several names hold every typed word, and suggests the only one otherwise', () => {
    const a = acct('Globex Nordic', 'globex.se', 0.5);
    const b = acct('Globex Nordics', 'globex.no', 0.47);
    expect(
      decideResolution(evidence('Globex', { fuzzy: [a, b], containing: [a, b], containingCount: 2 })),
    ).toMatchObject({ kind: 'ambiguous', candidates: [a, b] });
    const only = acct('Initech Software Labs', null, 0.2);
    expect(decideResolution(evidence('Initech', { containing: [only], containingCount: 1 }))).toMatchObject({
      kind: 'none',
      suggestions: [only],
    });
  });
});
