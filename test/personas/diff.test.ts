import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffPersonas } from '../../src/personas/diff.ts';
import { type PersonasSpec, parsePersonasYaml } from '../../src/personas/spec.ts';

const base = parsePersonasYaml(readFileSync(new URL('../../db/seed/personas.default.yml', import.meta.url), 'utf8'));
const copy = (): PersonasSpec => structuredClone(base);

describe('diffPersonas', () => {
  it('describes a first version', () => {
    const [line] = diffPersonas(null, base);
    expect(line).toMatch(/^First persona file: 7 persona\(s\) \(Sarah the Sales Director, Mike the RevOps Manager, /);
  });

  it('says nothing when nothing changed', () => {
    expect(diffPersonas(base, copy())).toEqual([]);
  });

  it('lists added and removed personas', () => {
    const next = copy();
    const removed = next.personas.splice(6, 1)[0]!;
    next.personas.push({ ...removed, id: 'legal_counsel', name: 'Lena the Legal Counsel' });
    expect(diffPersonas(base, next)).toEqual([
      'Added persona Lena the Legal Counsel (legal_counsel)',
      'Removed persona Paula the Procurement Lead (procurement)',
    ]);
  });

  it('lists field changes per persona, owner and review date included', () => {
    const next = copy();
    const sarah = next.personas[0]!;
    sarah.owner = 'U0NEWOWNER';
    sarah.last_reviewed = '2026-12-01';
    sarah.seniority = 'c_level';
    sarah.goals.push('Expand into two new regions this year.');
    sarah.titles = sarah.titles.filter((t) => t !== 'CRO');
    sarah.tiers = ['tier1'];
    sarah.objections[0]!.answer = 'A new answer.';
    sarah.objections.push({ objection: 'Too expensive.', answer: 'Look at the payback.' });
    sarah.talk_track.fifteen_seconds = 'Shorter.';
    sarah.messaging.dont = [];
    sarah.engage_order = 5;
    expect(diffPersonas(base, next)).toEqual([
      'Sarah the Sales Director: seniority "vp" → "c_level"',
      'Sarah the Sales Director: titles: removed "CRO"',
      'Sarah the Sales Director: goals: added "Expand into two new regions this year."',
      'Sarah the Sales Director: tiers: removed "tier2", "tier3"',
      'Sarah the Sales Director: answer to "My reps already hate the CRM; another tool will not get use…" changed',
      'Sarah the Sales Director: objection added "Too expensive."',
      'Sarah the Sales Director: messaging.dont: removed "Do not open with features, integrations or admin settings.", "Do not promise rep adoption without showing how it happens…"',
      'Sarah the Sales Director: 15-second talk track changed',
      'Sarah the Sales Director: engage_order 10 → 5',
      'Sarah the Sales Director: owner U00000000 → U0NEWOWNER',
      'Sarah the Sales Director: last reviewed 2026-11-01 → 2026-12-01',
    ]);
  });

  it('reads a rename as a changed name, and long texts as "changed"', () => {
    const next = copy();
    next.personas[1]!.name = 'Mia the RevOps Manager';
    next.personas[1]!.role = 'x'.repeat(100);
    expect(diffPersonas(base, next)).toEqual([
      'Mia the RevOps Manager: name "Mike the RevOps Manager" → "Mia the RevOps Manager"',
      'Mia the RevOps Manager: role changed',
    ]);
  });

  it('summarises many list changes as counts', () => {
    const next = copy();
    next.personas[2]!.keywords = ['a', 'b', 'c', 'd'];
    expect(diffPersonas(base, next)).toEqual(['Frank the CFO: keywords: 4 added; 7 removed']);
  });

  it('notices reordering, segments and the default segment', () => {
    const next = copy();
    next.personas[4]!.segments = ['security_purchase'];
    next.personas[0]!.kpis.reverse();
    delete next.default_segment;
    expect(diffPersonas(base, next)).toEqual([
      'Sarah the Sales Director: kpis: reordered',
      'Priya the CISO: segments: removed "healthcare", "hospitals", "financial_services"',
      'default_segment revops_purchase → (none)',
    ]);
    const moved = copy();
    moved.personas.reverse();
    expect(diffPersonas(base, moved)).toEqual(['Personas reordered in the file']);
  });
});
