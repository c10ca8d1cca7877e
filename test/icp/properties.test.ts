import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileIcp } from '../../src/icp/engine.ts';
import { regions } from '../../src/icp/geo.ts';
import type { IcpCriterion, IcpExclusion, IcpSpec } from '../../src/icp/spec.ts';
import type { Facts, FactValue } from '../../src/icp/types.ts';
import { baseSpec, loadSeed } from './helpers.ts';

const specs: [string, IcpSpec][] = [
  ['default', loadSeed('icp.default.yml')],
  ['enterprise security', loadSeed('icp.example-enterprise-security.yml')],
  ['base', baseSpec()],
];

const text = fc.constantFrom(
  'Software',
  'technolgy',
  'retail',
  'Fintech',
  'Government',
  'B2B',
  'Agency',
  'Series B',
  'seed',
  'Healthcare',
  'SOC 2',
  'yes',
  'no',
  '',
  '  ',
  'Sweden',
  'US',
  'Iran',
  'Atlantis',
  '1,200',
  '51-200',
  'n/a',
);
const value: fc.Arbitrary<FactValue | null | undefined> = fc.oneof(
  text,
  fc.integer({ min: -10, max: 200_000_000 }),
  fc.double({ min: 0, max: 1e9, noNaN: false }),
  fc.boolean(),
  fc.array(fc.constantFrom('HubSpot', 'salesforce', 'Okta', 'Splunk', 'Zoho', ''), { maxLength: 4 }),
  fc.constant(null),
  fc.constant(undefined),
);

function factsFor(spec: IcpSpec): fc.Arbitrary<Facts> {
  const fields = [...new Set([...spec.criteria, ...spec.exclusions].map((x) => x.field))];
  return fc.record(Object.fromEntries(fields.map((f) => [f, value])), { requiredKeys: [] }) as fc.Arbitrary<Facts>;
}

/** A value that fully matches a criterion. */
function matching(c: IcpCriterion): FactValue {
  switch (c.kind) {
    case 'category':
      return c.values[0]!;
    case 'range':
      return c.ideal.min ?? c.ideal.max!;
    case 'overlap':
      return c.values.slice(0, c.full_at);
    case 'signal':
      return c.expect;
    case 'geo':
      return c.countries?.[0] ?? regions[c.regions![0]!.toLowerCase()]![0]!;
  }
}

/** A value that fires an exclusion. */
function firing(e: IcpExclusion): FactValue {
  if (e.in) return e.in[0]!;
  if (e.is !== undefined) return e.is;
  if (e.countries) return e.countries[0]!;
  if (e.regions) return regions[e.regions[0]!.toLowerCase()]![0]!;
  if (e.gt !== undefined) return e.gt + 1;
  if (e.gte !== undefined) return e.gte;
  if (e.lt !== undefined) return e.lt - 1;
  return e.lte!;
}

describe.each(specs)('scoring properties (%s ICP)', (_name, spec) => {
  const icp = compileIcp(spec, 1);
  const facts = factsFor(spec);

  it('keeps the score within 0–100 and the range around it', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const r = icp.score(f);
        expect(r.score).toBeGreaterThanOrEqual(0);
        expect(r.score).toBeLessThanOrEqual(100);
        expect(r.range.min).toBe(r.score);
        expect(r.range.max).toBeGreaterThanOrEqual(r.score);
        expect(r.range.max).toBeLessThanOrEqual(100);
        expect(r.coverage).toBeGreaterThanOrEqual(0);
        expect(r.coverage).toBeLessThanOrEqual(1);
        expect(r.possibleTiers).toContain(r.tier);
      }),
      { numRuns: 300 },
    );
  });

  it('never lowers the score when an unknown or a miss becomes a match', () => {
    fc.assert(
      fc.property(facts, fc.nat({ max: spec.criteria.length - 1 }), (f, i) => {
        const c = spec.criteria[i]!;
        const before = icp.score(f);
        const status = before.lines[i]!.status;
        fc.pre(status === 'unknown' || status === 'miss');
        const after = icp.score({ ...f, [c.field]: matching(c) });
        expect(after.lines[i]!.status).toBe('match');
        expect(after.score).toBeGreaterThanOrEqual(before.score);
        if (status === 'unknown') expect(after.score).toBeLessThanOrEqual(before.range.max);
      }),
      { numRuns: 300 },
    );
  });

  it('always gives no_fit when an exclusion fires', () => {
    fc.assert(
      fc.property(facts, fc.nat({ max: spec.exclusions.length - 1 }), (f, i) => {
        const e = spec.exclusions[i]!;
        const r = icp.score({ ...f, [e.field]: firing(e) });
        expect(r.exclusions.map((x) => x.id)).toContain(e.id);
        expect(r.tier).toBe('no_fit');
        expect(icp.scoreFast({ ...f, [e.field]: firing(e) }).tier).toBe('no_fit');
      }),
      { numRuns: 200 },
    );
  });

  it('scoreFast gives exactly the score, tier and best reachable tier of score', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const r = icp.score(f);
        expect(icp.scoreFast(f)).toEqual({ score: r.score, tier: r.tier, best: r.tierRange?.high ?? r.tier });
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic across compilations', () => {
    const again = compileIcp(structuredClone(spec), 1);
    fc.assert(
      fc.property(facts, (f) => {
        expect(again.score(f)).toEqual(icp.score(f));
      }),
      { numRuns: 100 },
    );
  });
});
