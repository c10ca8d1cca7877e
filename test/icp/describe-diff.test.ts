import { describe, expect, it } from 'vitest';
import {
  creditWords,
  criterionRule,
  exclusionRule,
  formatCompact,
  formatNumber,
  intervalWords,
  joinWords,
} from '../../src/icp/describe.ts';
import { diffIcp, diffText } from '../../src/icp/diff.ts';
import { loadSeed } from './helpers.ts';

describe('rules in words', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [1234567.5, '1,234,567.5'],
    [-42000, '-42,000'],
    [0.125, '0.13'],
  ])('formats %d as %s', (n, s) => {
    expect(formatNumber(n)).toBe(s);
  });

  it('writes money compactly in rules', () => {
    expect(formatCompact(5_000_000)).toBe('5M');
    expect(formatCompact(1_500_000)).toBe('1.5M');
    expect(formatCompact(250_000)).toBe('250k');
    expect(intervalWords({ min: 1e6, max: 5e6 }, { kind: 'currency', currency: 'EUR' })).toBe('€1M–€5M');
    expect(intervalWords({ min: 30 }, { kind: 'percent' })).toBe('30% or more');
    expect(intervalWords({ max: 10 }, { kind: 'count', noun: '' })).toBe('up to 10');
  });

  it('names shares of points', () => {
    expect([1, 0.5, 0.25, 0.75, 0.3, 0].map(creditWords)).toEqual([
      'full points',
      'half',
      'a quarter',
      'three quarters',
      '30%',
      'none',
    ]);
    expect(joinWords(['a', 'b', 'c'])).toBe('a, b or c');
  });

  it('describes every criterion of the default ICP', () => {
    const spec = loadSeed('icp.default.yml');
    const rules = Object.fromEntries(spec.criteria.map((c) => [c.id, criterionRule(c, spec.currency)]));
    expect(rules.company_size).toBe(
      '50–250 employees: full points; 20–49 or 251–500: half; 501–1,000: a quarter; anything else: none',
    );
    expect(rules.revenue).toBe('$5M–$50M: full points; $1M–$5M or $50M–$150M: half; anything else: none');
    expect(rules.region).toBe('Nordics, DACH or UK&I: full points; rest of EMEA: half; elsewhere: none');
    expect(rules.crm_stack).toBe('uses HubSpot, Salesforce or Pipedrive: full points; none of them: none');
    expect(rules.recent_funding).toBe('yes: full points; no: none');
    expect(exclusionRule(spec.exclusions.find((e) => e.id === 'too_large')!)).toBe('employees over 5,000');
  });

  it('describes overlap criteria needing several matches', () => {
    const spec = loadSeed('icp.example-enterprise-security.yml');
    const c = spec.criteria.find((x) => x.id === 'identity_stack')!;
    expect(criterionRule(c)).toMatch(
      /^uses 2 or more of Okta, .* and CrowdStrike: full points; fewer: a share per match/,
    );
  });
});

describe('diffIcp', () => {
  it('summarises a first version', () => {
    const next = loadSeed('icp.default.yml');
    expect(diffIcp(null, next)).toEqual([
      `New ICP "${next.name}": 10 criteria (total weight 110), 4 exclusion(s), tiers 75/55/35, review every 180d`,
    ]);
  });

  it('returns nothing when nothing changed', () => {
    expect(diffIcp(loadSeed('icp.default.yml'), loadSeed('icp.default.yml'))).toEqual([]);
  });

  it('lists weight, value, tier, cadence, owner, criterion and exclusion changes', () => {
    const prev = loadSeed('icp.default.yml');
    const next = loadSeed('icp.default.yml');
    const industry = next.criteria[0]!;
    industry.weight = 25;
    if (industry.kind === 'category') industry.values = [...industry.values.filter((v) => v !== 'Technology'), 'IT'];
    next.tiers.tier1 = 80;
    next.review_every = '6m';
    next.owners = ['U0123ABCD'];
    next.criteria = next.criteria.filter((c) => c.id !== 'hiring_spike');
    next.criteria.push({
      id: 'multi_region',
      label: 'Multi-region',
      kind: 'signal',
      field: 'multi_region',
      weight: 5,
      expect: true,
    });
    const size = next.criteria.find((c) => c.id === 'company_size')!;
    if (size.kind === 'range') size.ideal = { min: 50, max: 300 };
    const big = next.exclusions.find((e) => e.id === 'too_large')!;
    big.gt = 3000;
    next.exclusions = next.exclusions.filter((e) => e.id !== 'agency_reseller');
    expect(diffIcp(prev, next)).toEqual([
      'Owners: added U0123ABCD',
      'Owners: removed U00000000AA',
      'Review cadence: every 180d → every 6m',
      'Tier 1 threshold: 75 → 80',
      'Industry: weight 20 → 25',
      'Industry: added values IT',
      'Industry: removed values Technology',
      'Company size: rule "50–250 employees: full points; 20–49 or 251–500: half; 501–1,000: a quarter; anything else: none" → "50–300 employees: full points; 20–49 or 251–500: half; 501–1,000: a quarter; anything else: none"',
      'Added criterion "Multi-region" (signal on multi_region, weight 5): yes: full points; no: none',
      'Removed criterion "Hiring spike in sales or marketing" (hiring_spike)',
      'Enterprise head-count: rule "employees over 5,000" → "employees over 3,000"',
      'Removed exclusion "Agencies and resellers" (agency_reseller)',
    ]);
  });

  it('falls back to a line diff for raw text', () => {
    expect(diffText('a\nb\nc', 'a\nc\nd')).toEqual(['- b', '+ d']);
  });
});
