import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buyingCommittee,
  NO_FIT_REASON,
  noPersonasForTierReason,
  resolveCommittee,
  segmentMatches,
} from '../../src/personas/committee.ts';
import { summaryLine } from '../../src/personas/match.ts';
import { type PersonasSpec, parsePersonasYaml } from '../../src/personas/spec.ts';

const spec = parsePersonasYaml(readFileSync(new URL('../../db/seed/personas.default.yml', import.meta.url), 'utf8'));
const ids = (...args: Parameters<typeof buyingCommittee>) => buyingCommittee(...args).map((m) => m.persona.id);

describe('buyingCommittee', () => {
  it.each([
    ['tier1', ['sales_director', 'revops_manager', 'marketing_director', 'finance_cfo']],
    ['tier2', ['sales_director', 'revops_manager', 'finance_cfo']],
    ['tier3', ['sales_director', 'revops_manager']],
  ] as const)('lists the RevOps committee of a %s SaaS account in engagement order', (tier, expected) => {
    expect(ids(spec, { tier, industry: 'B2B SaaS' })).toEqual(expected);
  });

  it.each([
    ['tier1', ['ciso', 'it_operations', 'procurement']],
    ['tier2', ['ciso', 'it_operations', 'procurement']],
    ['tier3', ['ciso', 'it_operations']],
  ] as const)('lists the security committee of a %s hospital', (tier, expected) => {
    expect(ids(spec, { tier, industry: 'Hospitals & Health Care' })).toEqual(expected);
  });

  it('lets the segment win over the industry', () => {
    const c = resolveCommittee(spec, { tier: 'tier1', industry: 'Software', segment: 'security_purchase' });
    expect(c.basis).toBe('segment');
    expect(c.matchedSegment).toBe('security_purchase');
    expect(c.members.map((m) => m.persona.id)).toEqual(['ciso', 'it_operations', 'procurement']);
  });

  it('falls back to the default segment when nothing matches', () => {
    const c = resolveCommittee(spec, { tier: 'tier2', industry: 'Mining', segment: null });
    expect(c.basis).toBe('default');
    expect(c.matchedSegment).toBe('revops_purchase');
    expect(c.members.map((m) => m.persona.id)).toEqual(['sales_director', 'revops_manager', 'finance_cfo']);
  });

  it('lists every persona of the tier when there is no default segment', () => {
    const noDefault: PersonasSpec = { personas: spec.personas };
    const c = resolveCommittee(noDefault, { tier: 'tier3' });
    expect(c.basis).toBe('tier_only');
    expect(c.members.map((m) => m.persona.id)).toEqual(['sales_director', 'ciso', 'revops_manager', 'it_operations']);
  });

  it('adds personas without segments to every committee of their tiers', () => {
    const [first, ...rest] = spec.personas;
    const { segments: _unused, ...champion } = {
      ...first!,
      id: 'champion',
      name: 'Chris the Champion',
      engage_order: 5,
    };
    const withChampion: PersonasSpec = { ...spec, personas: [...rest, first!, { ...champion, tiers: ['tier1'] }] };
    expect(ids(withChampion, { tier: 'tier1', segment: 'security_purchase' })).toEqual([
      'champion',
      'ciso',
      'it_operations',
      'procurement',
    ]);
    expect(ids(withChampion, { tier: 'tier2', segment: 'security_purchase' })).not.toContain('champion');
  });

  it('gives each member the one line that matters', () => {
    const [first] = buyingCommittee(spec, { tier: 'tier1', segment: 'revops_purchase' });
    expect(first?.why).toBe(summaryLine(spec.personas[0]!));
    expect(first?.why).toMatch(/^Decision maker · /);
  });

  it('is empty for a no_fit account, with the reason available separately', () => {
    expect(buyingCommittee(spec, { tier: 'no_fit', industry: 'B2B SaaS' })).toEqual([]);
    expect(resolveCommittee(spec, { tier: 'no_fit' })).toMatchObject({ basis: 'none', emptyReason: NO_FIT_REASON });
  });

  it('explains an empty committee when no persona covers the tier', () => {
    const only1: PersonasSpec = { personas: spec.personas.map((p) => ({ ...p, tiers: ['tier1'] })) };
    const c = resolveCommittee(only1, { tier: 'tier3' });
    expect(c.members).toEqual([]);
    expect(c.emptyReason).toBe(noPersonasForTierReason('tier3'));
  });
});

describe('segmentMatches', () => {
  it.each([
    ['security_purchase', 'Security purchase', true],
    ['saas', 'B2B SaaS', true],
    ['healthcare', 'Hospitals & Health Care', true],
    ['hospitals', 'Hospital', true],
    ['financial_services', 'Financial Services', true],
    ['software', 'Computer Software', true],
    ['saas', 'Retail', false],
    ['it', 'Hospitality', false],
    ['security_purchase', '', false],
  ])('%s against "%s" → %s', (tag, value, expected) => {
    expect(segmentMatches(tag, value)).toBe(expected);
  });
});
