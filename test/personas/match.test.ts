import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listPersonas, matchPersonas, normalizeTokens, rankPersonas, summaryLine } from '../../src/personas/match.ts';
import { parsePersonasYaml } from '../../src/personas/spec.ts';

const spec = parsePersonasYaml(readFileSync(new URL('../../db/seed/personas.default.yml', import.meta.url), 'utf8'));

const oneOf = (query: string) => {
  const m = matchPersonas(spec, query);
  return m.kind === 'one' ? m.persona.id : `${m.kind}`;
};

describe('matchPersonas', () => {
  it.each([
    ['vp sales', 'sales_director'],
    ['VP of Sales', 'sales_director'],
    ['vice president, sales', 'sales_director'],
    ['SVP Sales', 'sales_director'],
    ['head of sales', 'sales_director'],
    ['cro', 'sales_director'],
    ['chief revenue officer', 'sales_director'],
    ['cheif revenue oficer', 'sales_director'],
    ['Sales Director', 'sales_director'],
    ['salesdirector', 'sales_director'],
    ['sarah', 'sales_director'],
    ['revops', 'revops_manager'],
    ['rev ops', 'revops_manager'],
    ['RevOps', 'revops_manager'],
    ['revenue operations', 'revops_manager'],
    ['Head of Rev Ops', 'revops_manager'],
    ['sales ops', 'revops_manager'],
    ['Sales Operations Mgr', 'revops_manager'],
    ['crm admin', 'revops_manager'],
    ['mike', 'revops_manager'],
    ['cfo', 'finance_cfo'],
    ['Chief Financial Officer', 'finance_cfo'],
    ['finance', 'finance_cfo'],
    ['VP Finance', 'finance_cfo'],
    ['controller', 'finance_cfo'],
    ['marketing', 'marketing_director'],
    ['markting', 'marketing_director'],
    ['Sr. Dir. Marketing', 'marketing_director'],
    ['Director, Demand Gen', 'marketing_director'],
    ['CMO', 'marketing_director'],
    ['ciso', 'ciso'],
    ['chief information security officer', 'ciso'],
    ['security', 'ciso'],
    ['infosec', 'ciso'],
    ['Head of Information Security', 'ciso'],
    ['priya', 'ciso'],
    ['it ops', 'it_operations'],
    ['IT Operations', 'it_operations'],
    ['head of IT', 'it_operations'],
    ['IT Director', 'it_operations'],
    ['procurement', 'procurement'],
    ['procurment', 'procurement'],
    ['purchasing', 'procurement'],
    ['Strategic Sourcing Manager', 'procurement'],
    ['it_operations', 'it_operations'],
  ])('%s → %s', (query, id) => {
    expect(oneOf(query)).toBe(id);
  });

  it.each([
    ['sales', ['sales_director', 'revops_manager']],
    ['ops', ['it_operations', 'revops_manager']],
  ])('asks which one for the ambiguous "%s"', (query, ids) => {
    const m = matchPersonas(spec, query);
    expect(m.kind).toBe('several');
    if (m.kind === 'several') expect(m.personas.map((r) => r.persona.id).sort()).toEqual([...ids].sort());
  });

  it('ranks several matches best first and keeps at most five', () => {
    const m = matchPersonas(spec, 'vp');
    expect(m.kind).toBe('several');
    if (m.kind !== 'several') return;
    expect(m.personas).toHaveLength(5);
    const scores = m.personas.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it.each(['ceo', 'banana', 'astronaut', '???'])('finds nothing for "%s" and lists everyone', (query) => {
    const m = matchPersonas(spec, query);
    expect(m).toEqual({ kind: 'none', all: spec.personas });
  });

  it('lists every persona for an empty query', () => {
    expect(matchPersonas(spec, '   ')).toEqual({ kind: 'none', all: listPersonas(spec) });
  });

  it('says what matched', () => {
    const m = matchPersonas(spec, 'vice president of sales');
    expect(m).toMatchObject({ kind: 'one', matched: 'VP Sales', score: 1 });
  });

  it('never throws and keeps scores within 0–1 for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (query) => {
        const m = matchPersonas(spec, query);
        expect(['one', 'several', 'none']).toContain(m.kind);
        for (const r of rankPersonas(spec, query)) {
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('matches every title in the file to its own persona', () => {
    for (const p of spec.personas) {
      for (const title of p.titles) {
        const m = matchPersonas(spec, title);
        expect(m.kind === 'one' ? m.persona.id : m.kind, title).toBe(p.id);
      }
    }
  });
});

describe('normalizeTokens', () => {
  it('folds abbreviations and spellings onto one form', () => {
    expect(normalizeTokens('Vice President of Sales & Ops')).toEqual(['vp', 'sale', 'operation']);
    expect(normalizeTokens('Sr. Dir., Rev Ops')).toEqual(['senior', 'director', 'revops']);
    expect(normalizeTokens('Chief Revenue Officer')).toEqual(['cro']);
    expect(normalizeTokens('Société Générale')).toEqual(['societe', 'generale']);
  });
});

describe('summaryLine', () => {
  it('gives the role in the decision and the top goal on one line', () => {
    const sarah = spec.personas[0]!;
    expect(summaryLine(sarah)).toBe(
      'Decision maker · Call the quarter within a few percent and stop explaining misses to the board.',
    );
  });

  it('shortens a long first goal', () => {
    const p = { ...spec.personas[0]!, goals: ['x'.repeat(300)] };
    const line = summaryLine(p);
    expect(line.length).toBeLessThanOrEqual('Decision maker · '.length + 140);
    expect(line.endsWith('…')).toBe(true);
    expect(line).not.toContain('\n');
  });
});
