import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AppError, ErrorCode } from '../../src/errors.ts';
import {
  isStale,
  MAX_TEXT,
  type PersonasSpec,
  parsePersonasYaml,
  personasJsonSchema,
  validatePersonas,
} from '../../src/personas/spec.ts';

const defaultYaml = readFileSync(new URL('../../db/seed/personas.default.yml', import.meta.url), 'utf8');
const defaults = (): PersonasSpec => structuredClone(parsePersonasYaml(defaultYaml));

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.code).toBe(ErrorCode.PersonaInvalid);
    expect(e.message).toMatch(/^The persona file has \d+ problem\(s\); nothing was changed\.$/);
    return [...e.details];
  }
  throw new Error('expected the persona file to be rejected');
}

function withEdit(edit: (raw: Record<string, unknown>) => void): string {
  const raw = structuredClone(defaults()) as unknown as Record<string, unknown>;
  edit(raw);
  return stringify(raw);
}

const personaAt = (raw: Record<string, unknown>, i: number) => (raw.personas as Record<string, unknown>[])[i]!;

describe('default persona file', () => {
  it('parses', () => {
    const spec = defaults();
    expect(spec.personas.map((p) => p.id)).toEqual([
      'sales_director',
      'revops_manager',
      'finance_cfo',
      'marketing_director',
      'ciso',
      'it_operations',
      'procurement',
    ]);
    expect(spec.default_segment).toBe('revops_purchase');
  });

  it('keeps every text field within Slack-friendly limits', () => {
    const texts: string[] = [];
    const walk = (v: unknown) => {
      if (typeof v === 'string') texts.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(defaults());
    expect(texts.length).toBeGreaterThan(300);
    for (const t of texts) expect(t.length, t).toBeLessThanOrEqual(MAX_TEXT);
  });

  it('gives every persona rich content', () => {
    for (const p of defaults().personas) {
      expect(p.goals.length, p.id).toBeGreaterThanOrEqual(3);
      expect(p.goals.length, p.id).toBeLessThanOrEqual(5);
      expect(p.pains.length, p.id).toBeGreaterThanOrEqual(3);
      expect(p.objections.length, p.id).toBeGreaterThanOrEqual(3);
      expect(p.objections.length, p.id).toBeLessThanOrEqual(4);
      expect(p.discovery_questions.length, p.id).toBeGreaterThanOrEqual(4);
      expect(p.discovery_questions.length, p.id).toBeLessThanOrEqual(6);
      expect(p.titles.length, p.id).toBeGreaterThanOrEqual(5);
      expect(p.talk_track.thirty_seconds.length).toBeGreaterThan(p.talk_track.fifteen_seconds.length);
    }
  });

  it('round-trips through the jsonb column unchanged', () => {
    const spec = defaults();
    expect(validatePersonas(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });
});

describe('parsePersonasYaml', () => {
  it('points at a missing objection answer by path', () => {
    const yaml = withEdit((raw) => {
      delete (personaAt(raw, 2).objections as Record<string, unknown>[])[0]!.answer;
    });
    expect(problems(() => parsePersonasYaml(yaml))).toEqual(['personas[2].objections[0].answer: required']);
  });

  it('reports YAML syntax errors with line and column', () => {
    const details = problems(() => parsePersonasYaml('personas:\n  - id: a\n    titles: [VP Sales\n'));
    expect(details[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('rejects duplicate keys in the YAML', () => {
    const details = problems(() => parsePersonasYaml('personas: []\npersonas: []\n'));
    expect(details[0]).toMatch(/^line 2, column 1: .*unique/i);
  });

  it('rejects an empty file', () => {
    expect(problems(() => parsePersonasYaml('# nothing here\n'))).toEqual([
      'the file is empty: it needs a top-level `personas:` list',
    ]);
  });

  it('rejects duplicate ids and names, naming the first use', () => {
    const yaml = withEdit((raw) => {
      personaAt(raw, 3).id = 'sales_director';
      personaAt(raw, 4).name = 'Sarah the Sales Director';
    });
    expect(problems(() => parsePersonasYaml(yaml))).toEqual([
      "personas[3].id: duplicate id 'sales_director' (also used by personas[0])",
      "personas[4].name: duplicate name 'Sarah the Sales Director' (also used by personas[0])",
    ]);
  });

  it('refuses demographic fields with a B2B explanation', () => {
    const yaml = withEdit((raw) => {
      personaAt(raw, 0).age = '35-44';
      personaAt(raw, 0).hobbies = ['golf'];
      personaAt(raw, 1).gender = 'female';
    });
    const details = problems(() => parsePersonasYaml(yaml));
    expect(details).toHaveLength(3);
    expect(details[0]).toMatch(/^personas\[0\]\.age: B2B personas describe a role in the buying decision/);
    expect(details[1]).toMatch(/^personas\[0\]\.hobbies: /);
    expect(details[2]).toMatch(/^personas\[1\]\.gender: /);
  });

  it('suggests the right spelling for an unknown field', () => {
    const yaml = withEdit((raw) => {
      const p = personaAt(raw, 0);
      p.goal = p.goals;
      delete p.goals;
    });
    expect(problems(() => parsePersonasYaml(yaml))).toEqual([
      'personas[0].goals: required',
      "personas[0].goal: unknown field (did you mean 'goals'?)",
    ]);
  });

  it('lists every problem at once with readable messages', () => {
    const yaml = withEdit((raw) => {
      const p = personaAt(raw, 1);
      p.seniority = 'boss';
      p.buying_role = 'buyer';
      p.tiers = ['tier1', 'tier1'];
      p.engage_order = 1.5;
      p.owner = '@mike';
      p.last_reviewed = '01/02/2026';
      p.quote = 'x'.repeat(301);
      p.id = 'Mike RevOps';
      p.pains = [];
    });
    const details = problems(() => parsePersonasYaml(yaml));
    expect(details).toEqual([
      'personas[1].id: use lower-case letters, digits, _ or - (e.g. sales_director)',
      'personas[1].seniority: must be one of: c_level, vp, director, manager, individual_contributor',
      'personas[1].buying_role: must be one of: economic_buyer, decision_maker, champion, influencer, technical_evaluator, user, gatekeeper',
      'personas[1].pains: needs at least 1 item(s)',
      'personas[1].quote: too long: 301 characters, at most 300',
      'personas[1].tiers: list each tier once',
      'personas[1].engage_order: must be a whole number',
      'personas[1].owner: must be a Slack user id such as U012AB3CD (not a name or @mention)',
      'personas[1].last_reviewed: must be a date written YYYY-MM-DD',
    ]);
  });

  it('explains the unquoted "Label: text" trap', () => {
    const yaml = defaultYaml.replace(
      '- Get every rep to quota without adding headcount.',
      '- Quota: every rep at quota without adding headcount.',
    );
    expect(problems(() => parsePersonasYaml(yaml))).toEqual([
      "personas[0].goals[1]: expected text, got a mapping (unquoted text containing ': ' reads as a key; wrap it in quotes)",
    ]);
  });

  it('rejects a default_segment no persona carries', () => {
    const yaml = withEdit((raw) => {
      raw.default_segment = 'hr_purchase';
    });
    expect(problems(() => parsePersonasYaml(yaml))).toEqual([
      "default_segment: no persona lists the segment 'hr_purchase'",
    ]);
  });

  it('rejects unknown top-level keys and a missing personas list', () => {
    expect(problems(() => parsePersonasYaml('persona: []\n'))).toEqual([
      'personas: required',
      'persona: unknown field',
    ]);
  });

  it('fills optional lists with empty defaults', () => {
    const yaml = withEdit((raw) => {
      const p = personaAt(raw, 0);
      delete p.keywords;
      delete p.kpis;
      delete p.channels;
      delete p.segments;
    });
    const p = parsePersonasYaml(yaml).personas[0]!;
    expect(p.keywords).toEqual([]);
    expect(p.kpis).toEqual([]);
    expect(p.segments).toBeUndefined();
  });

  it('caps the number of details shown', () => {
    const yaml = `personas:\n${Array.from({ length: 30 }, (_, i) => `  - id: p${i}\n`).join('')}`;
    const details = problems(() => parsePersonasYaml(yaml));
    expect(details).toHaveLength(26);
    expect(details[25]).toMatch(/^…and \d+ more$/);
  });
});

describe('personasJsonSchema', () => {
  it('describes the file for editors', () => {
    const schema = personasJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(['personas', 'default_segment']);
    expect(schema.required).toEqual(['personas']);
  });
});

describe('isStale', () => {
  const persona = { last_reviewed: '2026-01-01' };

  it('is fresh up to and including the review interval', () => {
    expect(isStale(persona, 90, new Date('2026-04-01T23:59:00Z'))).toBe(false);
  });

  it('is stale the day after the interval ends', () => {
    expect(isStale(persona, 90, new Date('2026-04-02T00:00:00Z'))).toBe(true);
  });

  it('is never stale for a review date in the future', () => {
    expect(isStale({ last_reviewed: '2027-01-01' }, 0, new Date('2026-06-01T00:00:00Z'))).toBe(false);
  });

  it('treats a zero interval as "review every day"', () => {
    expect(isStale(persona, 0, new Date('2026-01-01T12:00:00Z'))).toBe(false);
    expect(isStale(persona, 0, new Date('2026-01-02T00:00:00Z'))).toBe(true);
  });
});
