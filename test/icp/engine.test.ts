import { describe, expect, it } from 'vitest';
import { compileIcp, factsFromAccount, parseBoolean, parseNumber } from '../../src/icp/engine.ts';
import type { Facts } from '../../src/icp/types.ts';
import { baseSpec, loadSeed } from './helpers.ts';

const icp = compileIcp(baseSpec(), 3);
const full: Facts = {
  industry: 'Software',
  employees: 120,
  country: 'SE',
  tech_stack: ['HubSpot', 'Salesforce'],
  recent_funding: true,
};
const line = (facts: Facts, id: string) => {
  const l = icp.score(facts).lines.find((x) => x.id === id);
  if (!l) throw new Error(`no line ${id}`);
  return l;
};

describe('compileIcp › score', () => {
  it('gives 100 and tier 1 when everything matches', () => {
    const r = icp.score(full);
    expect(r).toMatchObject({
      score: 100,
      tier: 'tier1',
      coverage: 1,
      missingFields: [],
      range: { min: 100, max: 100 },
    });
    expect(r.possibleTiers).toEqual(['tier1']);
    expect(r.icpVersion).toBe(3);
    expect(r.lines.every((l) => l.status === 'match' && l.earned === 20 && l.possible === 20)).toBe(true);
  });

  describe('category', () => {
    it('matches across case, spacing and punctuation', () => {
      expect(line({ industry: '  SOFTWARE. ' }, 'industry').status).toBe('match');
    });
    it('matches synonyms, including the misspelling in CRM exports', () => {
      expect(line({ industry: 'technolgy' }, 'industry')).toMatchObject({
        status: 'match',
        earned: 20,
        value: 'technolgy',
      });
    });
    it('gives partial credit to partial values', () => {
      expect(line({ industry: 'FinTech' }, 'industry')).toMatchObject({ status: 'partial', earned: 10 });
    });
    it('misses other values', () => {
      expect(line({ industry: 'retail' }, 'industry')).toMatchObject({ status: 'miss', earned: 0 });
    });
    it('takes the best of a list', () => {
      expect(line({ industry: ['retail', 'fintech'] }, 'industry').status).toBe('partial');
    });
    it('treats "&" and "and" alike', () => {
      const spec = baseSpec();
      const c = spec.criteria[0];
      if (c?.kind !== 'category') throw new Error('expected category');
      c.values = ['Energy & Utilities'];
      expect(compileIcp(spec, 1).score({ industry: 'energy and utilities' }).lines[0]?.status).toBe('match');
    });
  });

  describe('range', () => {
    it.each([
      [50, 'match', 20],
      [250, 'match', 20],
      [20, 'partial', 10],
      [499, 'partial', 10],
      [19, 'miss', 0],
      [10_000, 'miss', 0],
    ])('scores %d employees as %s', (employees, status, earned) => {
      expect(line({ employees }, 'size')).toMatchObject({ status, earned });
    });
    it('reads numbers written as text', () => {
      expect(line({ employees: '1,200' }, 'size')).toMatchObject({ status: 'miss', value: '1,200' });
      expect(line({ employees: '51-200' }, 'size')).toMatchObject({ status: 'match' });
    });
    it('treats unreadable numbers as unknown', () => {
      expect(line({ employees: 'lots' }, 'size')).toMatchObject({ status: 'unknown', value: 'lots (not a number)' });
    });
    it('states the rule in words', () => {
      expect(line({}, 'size').rule).toBe('50–250 employees: full points; 20–49 or 251–500: half; anything else: none');
    });
  });

  describe('overlap', () => {
    it('gives proportional credit below full_at', () => {
      expect(line({ tech_stack: ['hubspot', 'Slack'] }, 'crm')).toMatchObject({ status: 'partial', earned: 10 });
    });
    it('counts each value once', () => {
      expect(line({ tech_stack: ['HubSpot', 'hubspot'] }, 'crm').earned).toBe(10);
    });
    it('accepts a comma-separated string', () => {
      expect(line({ tech_stack: 'Pipedrive, Salesforce, Slack' }, 'crm')).toMatchObject({
        status: 'match',
        value: 'Pipedrive, Salesforce (also Slack)',
      });
    });
    it('shows the items that earned the points before the rest of the stack, as typed', () => {
      expect(line({ tech_stack: ['Slack', 'Snowflake', 'salesforce'] }, 'crm').value).toBe(
        'salesforce (also Slack, Snowflake)',
      );
      expect(line({ tech_stack: ['Slack', ' '] }, 'crm').value).toBe('Slack');
      expect(line({ tech_stack: ['HubSpot', 'Salesforce'] }, 'crm').value).toBe('HubSpot, Salesforce');
    });
    it('misses when none match and is unknown for an empty list', () => {
      expect(line({ tech_stack: ['Zoho'] }, 'crm').status).toBe('miss');
      expect(line({ tech_stack: [] }, 'crm').status).toBe('unknown');
    });
  });

  describe('signal', () => {
    it.each([
      [true, 'match'],
      ['yes', 'match'],
      ['TRUE', 'match'],
      [1, 'match'],
      [false, 'miss'],
      ['no', 'miss'],
      ['0', 'miss'],
      ['maybe', 'unknown'],
    ])('reads %j as %s', (value, status) => {
      expect(line({ recent_funding: value }, 'funding').status).toBe(status);
    });
    it('can expect false', () => {
      const spec = baseSpec();
      const c = spec.criteria[4];
      if (c?.kind !== 'signal') throw new Error('expected signal');
      c.expect = false;
      expect(compileIcp(spec, 1).score({ recent_funding: 'no' }).lines[4]?.status).toBe('match');
    });
  });

  describe('geo', () => {
    it.each([
      ['Sweden', 'match', 'Sweden'],
      ['DE', 'match', 'Germany'],
      ['Sverige', 'match', 'Sweden'],
      ['France', 'partial', 'France'],
      ['United States', 'miss', 'United States of America'],
    ])('scores %s as %s', (country, status, value) => {
      expect(line({ country }, 'geo')).toMatchObject({ status, value });
    });
    it('treats an unrecognised country as unknown', () => {
      expect(line({ country: 'Atlantis' }, 'geo')).toMatchObject({ status: 'unknown' });
    });
    it('states the rule in words', () => {
      expect(line({}, 'geo').rule).toBe('Nordics or DACH: full points; rest of EMEA: half; elsewhere: none');
    });
  });

  describe('exclusions', () => {
    it('make the tier no_fit whatever the points', () => {
      const r = icp.score({ ...full, employees: 6000 });
      expect(r.tier).toBe('no_fit');
      expect(r.possibleTiers).toEqual(['no_fit']);
      expect(r.exclusions).toEqual([
        { id: 'big', label: 'Too big', field: 'employees', value: '6,000', reason: 'Stalls' },
      ]);
      expect(r.score).toBe(80);
    });
    it('use the same normalisation as categories', () => {
      expect(icp.score({ ...full, industry: 'public-sector' }).exclusions.map((e) => e.id)).toEqual(['gov']);
    });
    it('list exclusions that could not be checked', () => {
      const r = icp.score({ industry: 'Software' });
      expect(r.uncheckedExclusions).toEqual([{ id: 'big', label: 'Too big', field: 'employees' }]);
    });
    it('support countries, regions and is', () => {
      const spec = loadSeed('icp.default.yml');
      spec.exclusions.push({ id: 'no_hire', label: 'No hiring', reason: 'r', field: 'hiring_spike', is: false });
      const c = compileIcp(spec, 1);
      expect(c.score({ country: 'Iran' }).exclusions.map((e) => e.id)).toEqual(['sanctioned']);
      expect(c.score({ country: 'Iran' }).exclusions[0]?.value).toBe('Islamic Republic of Iran');
      expect(c.score({ hiring_spike: 'no' }).exclusions.map((e) => e.id)).toEqual(['no_hire']);
      const sec = compileIcp(loadSeed('icp.example-enterprise-security.yml'), 1);
      expect(sec.score({ country: 'Brazil' }).exclusions.map((e) => e.id)).toEqual(['outside_market']);
      expect(sec.score({ employees: 150 }).exclusions.map((e) => e.id)).toEqual(['too_small']);
      expect(sec.score({ employees: 200 }).exclusions).toEqual([]);
    });
  });

  describe('unknown data', () => {
    it('earns nothing but lowers coverage and widens the range', () => {
      const r = icp.score({ industry: 'Software', employees: 100 });
      expect(r.score).toBe(40);
      expect(r.coverage).toBeCloseTo(0.4);
      expect(r.range).toEqual({ min: 40, max: 100 });
      expect(r.missingFields).toEqual(['country', 'tech_stack', 'recent_funding']);
      expect(r.possibleTiers).toEqual(['tier1', 'tier2', 'tier3']);
      expect(r.tier).toBe('tier3');
    });
    it('treats null, empty text, whitespace and NaN as unknown', () => {
      const r = icp.score({
        industry: null,
        employees: Number.NaN,
        country: '  ',
        tech_stack: [''],
        recent_funding: undefined,
      });
      expect(r.lines.map((l) => l.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
      expect(r.lines.map((l) => l.value)).toEqual([null, null, null, null, null]);
      expect(r).toMatchObject({ score: 0, coverage: 0, range: { min: 0, max: 100 }, tier: 'no_fit' });
      expect(r.possibleTiers).toEqual(['tier1', 'tier2', 'tier3', 'no_fit']);
    });
    it('lists each missing field once, criteria first', () => {
      const r = icp.score({});
      expect(r.missingFields).toEqual(['industry', 'employees', 'country', 'tech_stack', 'recent_funding']);
    });
  });

  it('rounds the score and points', () => {
    const spec = baseSpec();
    const c = spec.criteria[3];
    if (c?.kind !== 'overlap') throw new Error('expected overlap');
    c.full_at = 3;
    const r = compileIcp(spec, 1).score({ tech_stack: ['HubSpot'] });
    expect(r.lines[3]?.earned).toBe(6.7);
    expect(r.score).toBe(7);
  });

  it('is deterministic', () => {
    const a = compileIcp(baseSpec(), 1);
    const b = compileIcp(baseSpec(), 1);
    const facts: Facts = { industry: 'fintech', employees: '300', country: 'fr', tech_stack: 'hubspot' };
    expect(JSON.stringify(a.score(facts))).toBe(JSON.stringify(b.score(facts)));
    expect(JSON.stringify(a.score(facts))).toBe(JSON.stringify(a.score(facts)));
  });

  it('scores the default ICP as described in its comments', () => {
    const d = compileIcp(loadSeed('icp.default.yml'), 1);
    const r = d.score({
      industry: 'software',
      business_model: 'B2B',
      employees: 120,
      revenue: 12_000_000,
      country: 'Sweden',
      growth: 40,
      tech_stack: ['HubSpot'],
      funding_stage: 'Series B',
      recent_funding: true,
      hiring_spike: 'yes',
    });
    expect(r).toMatchObject({ score: 100, tier: 'tier1', coverage: 1 });
    const maven = d.score({
      industry: 'technolgy',
      employees: 2_822,
      revenue: 1_223_720_000,
      country: 'United States',
    });
    expect(maven.lines.find((l) => l.id === 'industry')?.status).toBe('match');
    expect(maven.lines.find((l) => l.id === 'revenue')?.value).toBe('$1,223,720,000');
    expect(maven.tier).toBe('no_fit');
  });
});

describe('compileIcp › scoreFast', () => {
  it('gives the same score, tier and best reachable tier as score', () => {
    for (const facts of [full, {}, { ...full, employees: 9000 }, { industry: 'fintech', country: 'FR' }]) {
      const r = icp.score(facts);
      expect(icp.scoreFast(facts)).toEqual({ score: r.score, tier: r.tier, best: r.tierRange?.high ?? r.tier });
    }
  });
});

describe('parseNumber and parseBoolean', () => {
  it.each([
    ['1,200', 1200],
    ['$12.5M', 12_500_000],
    ['35%', 35],
    ['10k', 10_000],
    ['51-200', 126],
    ['10000+', 10_000],
    ['2bn', 2_000_000_000],
    ['n/a', Number.NaN],
  ])('reads %j as %d', (text, n) => {
    expect(parseNumber(text)).toBe(n);
  });
  it('reads yes/no words', () => {
    expect([parseBoolean('Y'), parseBoolean('false'), parseBoolean(2), parseBoolean(['yes'])]).toEqual([1, 0, 1, -1]);
  });
});

describe('factsFromAccount', () => {
  it('flattens columns and attributes, columns winning', () => {
    const facts = factsFromAccount({
      name: 'Acme',
      domain: 'acme.io',
      industry: 'Software',
      employees: 120,
      revenue: null,
      country: 'SE',
      attributes: {
        'Tech Stack': ['HubSpot', 3],
        recentFunding: true,
        industry: 'ignored',
        revenue: 5_000_000,
        nested: { a: 1 },
        growth: Number.POSITIVE_INFINITY,
      },
    });
    expect(facts).toEqual({
      name: 'Acme',
      domain: 'acme.io',
      industry: 'Software',
      employees: 120,
      revenue: 5_000_000,
      country: 'SE',
      tech_stack: ['HubSpot', '3'],
      recent_funding: true,
    });
  });
  it('ignores attributes that are not an object', () => {
    expect(
      factsFromAccount({
        name: 'A',
        domain: null,
        industry: null,
        employees: null,
        revenue: null,
        country: null,
        attributes: 'x',
      }),
    ).toEqual({ name: 'A' });
  });
});
