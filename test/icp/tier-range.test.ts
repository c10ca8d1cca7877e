import { describe, expect, it } from 'vitest';
import { compileIcp } from '../../src/icp/engine.ts';
import { storedTierText, tierText } from '../../src/icp/types.ts';
import { baseSpec } from './helpers.ts';

const icp = compileIcp(baseSpec(), 1);

describe('tier range when data is missing', () => {
  it('makes the tier unknown when the missing data could lift the account across a tier line', () => {
    const r = icp.score({ industry: 'Software', employees: 100 });
    expect(r.tier).toBe('tier3');
    expect(r.tierRange).toEqual({ low: 'tier3', high: 'tier1' });
    expect(tierText(r.tier, r.tierRange)).toBe('Tier unknown: Tier 3 to Tier 1');
  });

  it('never calls an account with no known data Not a fit: its tier is unknown, Not a fit to Tier 1', () => {
    const r = icp.score({});
    expect(r.tier).toBe('no_fit');
    expect(r.coverage).toBe(0);
    expect(r.tierRange).toEqual({ low: 'no_fit', high: 'tier1' });
  });

  it('keeps the tier when the missing data cannot change it', () => {
    const r = icp.score({ industry: 'Software', employees: 100, country: 'SE', tech_stack: ['HubSpot', 'Salesforce'] });
    expect(r).toMatchObject({ score: 80, tier: 'tier1', missingFields: ['recent_funding'], tierRange: null });
    const low = icp.score({ industry: 'Retail', employees: 9, country: 'US', tech_stack: ['Excel'] });
    expect(low).toMatchObject({ score: 0, tier: 'no_fit', range: { min: 0, max: 20 }, tierRange: null });
  });

  it('keeps Not a fit when an exclusion fired, whatever is unknown', () => {
    const r = icp.score({ industry: 'Government' });
    expect(r.coverage).toBe(0.2);
    expect(r).toMatchObject({ tier: 'no_fit', tierRange: null });
  });

  it('moves the range with each known fact: a miss can settle the tier that a gap left open', () => {
    const gap = icp.score({ industry: 'Software', employees: 100, country: 'SE', tech_stack: ['HubSpot'] });
    expect(gap).toMatchObject({ score: 70, tier: 'tier2', tierRange: { low: 'tier2', high: 'tier1' } });
    const settled = icp.score({
      industry: 'Software',
      employees: 100,
      country: 'SE',
      tech_stack: ['HubSpot'],
      recent_funding: false,
    });
    expect(settled).toMatchObject({ score: 70, tier: 'tier2', tierRange: null });
  });

  it('gives scoreFast the same best tier as the range', () => {
    for (const f of [{}, { industry: 'Software', employees: 100 }, { industry: 'Government' }, { country: 'SE' }]) {
      const r = icp.score(f);
      expect(icp.scoreFast(f).best).toBe(r.tierRange?.high ?? r.tier);
    }
  });

  it('words stored tiers, including unknown ones', () => {
    expect(storedTierText({ tier: 'unknown', tierLow: 'no_fit', tierHigh: 'tier2' })).toBe(
      'Tier unknown: Not a fit to Tier 2',
    );
    expect(storedTierText({ tier: 'tier2', tierLow: 'tier2', tierHigh: 'tier2' })).toBe('Tier 2');
    expect(storedTierText({ tier: null, tierLow: null, tierHigh: null })).toBe('unscored');
  });
});
