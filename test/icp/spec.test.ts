import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../src/errors.ts';
import { normalizeText, parseDurationDays, parseIcpYaml } from '../../src/icp/spec.ts';
import { baseCriteria, icpYaml, loadSeed } from './helpers.ts';

function problems(yaml: string): string[] {
  try {
    parseIcpYaml(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.code).toBe(ErrorCode.IcpInvalid);
    expect(e.message).toBe(`The ICP file has ${e.details.length} problem(s); nothing was changed.`);
    return [...e.details];
  }
  throw new Error('expected the ICP to be rejected');
}

describe('parseIcpYaml', () => {
  it('parses the default ICP with defaults filled in', () => {
    const spec = loadSeed('icp.default.yml');
    expect(spec.review_every).toBe('180d');
    expect(spec.review_every_days).toBe(180);
    expect(spec.review_remind_days_before).toBe(14);
    expect(spec.currency).toBe('USD');
    expect(spec.tiers).toEqual({ tier1: 75, tier2: 55, tier3: 35 });
    expect(spec.criteria.map((c) => c.field)).toEqual(
      expect.arrayContaining(['industry', 'employees', 'revenue', 'country', 'tech_stack', 'recent_funding']),
    );
    expect(spec.exclusions.length).toBeGreaterThanOrEqual(3);
  });

  it('parses the enterprise security example', () => {
    const spec = loadSeed('icp.example-enterprise-security.yml');
    expect(spec.review_every_days).toBe(91);
    expect(spec.owners).toHaveLength(2);
  });

  it('fills criterion defaults', () => {
    const spec = parseIcpYaml(icpYaml(baseCriteria));
    const industry = spec.criteria[0];
    expect(industry?.kind === 'category' && industry.partial_credit).toBe(0.5);
    expect(spec.exclusions).toEqual([]);
    const signal = spec.criteria[4];
    expect(signal?.kind === 'signal' && signal.expect).toBe(true);
  });

  it.each([
    ['180d', 180],
    ['26w', 182],
    ['6m', 180],
    ['1y', 365],
    [90, 90],
    ['6q', null],
    ['0d', null],
  ])('reads the review cadence %s as %s days', (text, days) => {
    expect(parseDurationDays(text)).toBe(days);
  });

  it('points at a non-positive weight by path', () => {
    const yaml = icpYaml(baseCriteria.replace('weight: 20\n    values: [HubSpot', 'weight: -3\n    values: [HubSpot'));
    expect(problems(yaml)).toEqual(['criteria[3].weight: must be a positive number']);
  });

  it('says a weight written as text must be a positive number', () => {
    expect(problems(icpYaml(baseCriteria.replace('weight: 20\n    ideal', 'weight: lots\n    ideal')))).toEqual([
      'criteria[1].weight: must be a positive number',
    ]);
  });

  it('names a missing required key', () => {
    expect(problems(icpYaml(baseCriteria.replace('    label: Region\n', '')))).toEqual([
      'criteria[2].label: is required',
    ]);
  });

  it('suggests the right spelling of an unknown key', () => {
    expect(
      problems(
        icpYaml(
          baseCriteria.replace('    weight: 20\n    values: [Software]', '    weight: 20\n    valeus: [Software]'),
        ),
      ),
    ).toEqual(['criteria[0].values: is required', 'criteria[0].valeus: unknown key (did you mean "values"?)']);
  });

  it('lists the allowed kinds for an unknown kind', () => {
    expect(problems(icpYaml(baseCriteria.replace('kind: signal', 'kind: boolean')))).toEqual([
      'criteria[4].kind: must be one of category, range, overlap, signal, geo (found "boolean")',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const details = problems('name: x\ncriteria:\n  - id: a\n    weight: [1, 2\n');
    expect(details[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('reports duplicate YAML keys with their line', () => {
    expect(problems('name: a\nname: b\n')[0]).toMatch(/^line 2, column 1: Map keys must be unique/);
  });

  it('rejects an empty file and a file that is not a mapping', () => {
    expect(problems('  \n')[0]).toMatch(/^\(file\): is empty/);
    expect(problems('- a\n- b\n')[0]).toMatch(/^\(file\): must be a mapping/);
  });

  it('rejects unknown region names with a suggestion', () => {
    const [line] = problems(icpYaml(baseCriteria.replace('regions: [Nordics, DACH]', 'regions: [Nordix, DACH]')));
    expect(line).toMatch(
      /^criteria\[2\]\.regions\[0\]: unknown region "Nordix" \(did you mean "nordics"\?\); known regions: /,
    );
  });

  it('rejects unknown countries', () => {
    const yaml = icpYaml(baseCriteria.replace('partial_regions: [EMEA]', 'partial_countries: [Atlantis]'));
    expect(problems(yaml)).toEqual([
      'criteria[2].partial_countries[0]: unknown country "Atlantis" (use a name or an ISO code such as SE)',
    ]);
  });

  it('rejects duplicate criterion ids', () => {
    expect(problems(icpYaml(baseCriteria.replace('id: geo', 'id: size')))).toEqual([
      'criteria[2].id: "size" is already used by criteria[1]',
    ]);
  });

  it('rejects tier thresholds that do not go down', () => {
    const yaml = icpYaml(baseCriteria).replace('tier1: 75, tier2: 55', 'tier1: 50, tier2: 55');
    expect(problems(yaml)).toEqual([
      'tiers: thresholds must go down from tier1 to tier3 (found tier1 50, tier2 55, tier3 35)',
    ]);
  });

  it('rejects tier thresholds outside 0–100', () => {
    const yaml = icpYaml(baseCriteria).replace('tier1: 75', 'tier1: 175');
    expect(problems(yaml)).toEqual(['tiers.tier1: must be a score from 0 to 100']);
  });

  it('rejects an exclusion with no condition', () => {
    const yaml = icpYaml(baseCriteria, 'exclusions:\n  - { id: x, label: X, reason: Because, field: industry }\n');
    expect(problems(yaml)).toEqual([
      'exclusions[0]: needs one condition: in, gt, gte, lt, lte, countries, regions or is',
    ]);
  });

  it('rejects an exclusion mixing kinds of condition', () => {
    const yaml = icpYaml(
      baseCriteria,
      'exclusions:\n  - { id: x, label: X, reason: Because, field: employees, gt: 5, in: [a] }\n',
    );
    expect(problems(yaml)).toEqual([
      'exclusions[0]: has more than one kind of condition (in, numbers); split it into separate exclusions',
    ]);
  });

  it('rejects an exclusion with an empty value list and unknown regions', () => {
    const yaml = icpYaml(
      baseCriteria,
      'exclusions:\n  - { id: x, label: X, reason: R, field: industry, in: [] }\n  - { id: y, label: Y, reason: R, field: country, regions: [Mars] }\n',
    );
    const details = problems(yaml);
    expect(details).toEqual(['exclusions[0].in: must list at least one value']);
    const second = problems(
      icpYaml(baseCriteria, 'exclusions:\n  - { id: y, label: Y, reason: R, field: country, regions: [Mars] }\n'),
    );
    expect(second[0]).toMatch(/^exclusions\[0\]\.regions\[0\]: unknown region "Mars"/);
  });

  it('rejects duplicate exclusion ids', () => {
    const yaml = icpYaml(
      baseCriteria,
      'exclusions:\n  - { id: x, label: X, reason: R, field: employees, gt: 5 }\n  - { id: x, label: Y, reason: R, field: employees, lt: 1 }\n',
    );
    expect(problems(yaml)).toEqual(['exclusions[1].id: "x" is already used by exclusions[0]']);
  });

  it('rejects credit outside 0–1, inverted bands and an empty ideal', () => {
    const yaml = icpYaml(
      baseCriteria
        .replace('{ min: 20, max: 49, credit: 0.5 }', '{ min: 49, max: 20, credit: 0.5 }')
        .replace('{ min: 251, max: 500, credit: 0.5 }', '{ min: 251, max: 500, credit: 2 }'),
    );
    expect(problems(yaml)).toEqual(['criteria[1].bands[1].credit: must be a number from 0 to 1']);
    const yaml2 = icpYaml(
      baseCriteria
        .replace('{ min: 20, max: 49, credit: 0.5 }', '{ min: 49, max: 20, credit: 0.5 }')
        .replace('ideal: { min: 50, max: 250 }', 'ideal: {}'),
    );
    expect(problems(yaml2)).toEqual([
      'criteria[1].ideal: needs a min, a max or both',
      'criteria[1].bands[0]: min (49) must not be above max (20)',
    ]);
  });

  it('rejects a value listed as both full and partial, and full_at above the list', () => {
    const yaml = icpYaml(
      baseCriteria.replace('partial: [Fintech]', 'partial: [software]').replace('full_at: 2', 'full_at: 4'),
    );
    expect(problems(yaml)).toEqual([
      'criteria[0].partial[0]: "software" is already a full-credit value',
      'criteria[3].full_at: needs 4 matches but only 3 value(s) are listed',
    ]);
  });

  it('validates owners, cadence and currency', () => {
    const yaml = icpYaml(baseCriteria)
      .replace('owners: [U0123ABCD]', 'owners: [alice]\ncurrency: usd')
      .replace('review_every: 180d', 'review_every: every half year');
    expect(problems(yaml)).toEqual([
      'owners[0]: must be a Slack user id such as U0123ABCD',
      'currency: must be a three-letter currency code such as USD',
    ]);
    expect(problems(icpYaml(baseCriteria).replace('review_every: 180d', 'review_every: 6q'))).toEqual([
      'review_every: must be a duration such as 180d, 26w or 6m (found "6q")',
    ]);
  });

  it('counts every problem in the message', () => {
    const yaml = icpYaml(
      baseCriteria
        .replace('weight: 20\n    values: [Software]', 'weight: 0\n    values: [Software]')
        .replace('kind: signal', 'kind: flag'),
    );
    try {
      parseIcpYaml(yaml);
      expect.unreachable();
    } catch (err) {
      const e = err as AppError;
      expect(e.message).toBe('The ICP file has 2 problem(s); nothing was changed.');
      expect(e.userMessage).toContain('• criteria[0].weight: must be a positive number');
    }
  });
});

describe('normalizeText', () => {
  it.each([
    ['Health-Care & Life Sciences', 'health care and life sciences'],
    ['  SOFTWARE  ', 'software'],
    ['Café', 'cafe'],
    ['R&D', 'r and d'],
    ['B2B  SaaS.', 'b2b saas'],
  ])('normalises %j to %j', (input, out) => {
    expect(normalizeText(input)).toBe(out);
  });
});
