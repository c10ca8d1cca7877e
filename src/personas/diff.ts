/**
 * Human-readable change lines between two persona files, stored with each version and shown on apply and
 * rollback. Personas are compared by id, so a rename reads as a changed name, not a remove plus an add.
 */
import type { Persona, PersonasSpec } from './spec.ts';

const QUOTE_MAX = 60;

function q(text: string): string {
  const short = text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX - 1).trimEnd()}…` : text;
  return `"${short}"`;
}

/** "a → b" for short values, otherwise just "changed" (long sentences side by side help nobody in Slack). */
function change(before: string, after: string): string {
  return before.length <= QUOTE_MAX && after.length <= QUOTE_MAX ? `${q(before)} → ${q(after)}` : 'changed';
}

function listChange(label: string, before: readonly string[], after: readonly string[]): string | null {
  const added = after.filter((x) => !before.includes(x));
  const removed = before.filter((x) => !after.includes(x));
  if (added.length === 0 && removed.length === 0) {
    return before.join('\u0000') === after.join('\u0000') ? null : `${label}: reordered`;
  }
  const parts: string[] = [];
  // Past three items a count reads better than a wall of quotes.
  if (added.length > 3) parts.push(`${added.length} added`);
  else if (added.length) parts.push(`added ${added.map(q).join(', ')}`);
  if (removed.length > 3) parts.push(`${removed.length} removed`);
  else if (removed.length) parts.push(`removed ${removed.map(q).join(', ')}`);
  return `${label}: ${parts.join('; ')}`;
}

type ScalarKey = 'name' | 'role' | 'seniority' | 'department' | 'buying_role' | 'quote';
const SCALARS: ScalarKey[] = ['name', 'role', 'seniority', 'department', 'buying_role', 'quote'];
type ListKey =
  | 'titles'
  | 'keywords'
  | 'goals'
  | 'kpis'
  | 'pains'
  | 'channels'
  | 'information_sources'
  | 'discovery_questions'
  | 'tiers';
const LISTS: ListKey[] = [
  'titles',
  'keywords',
  'goals',
  'kpis',
  'pains',
  'channels',
  'information_sources',
  'discovery_questions',
  'tiers',
];

function personaChanges(a: Persona, b: Persona): string[] {
  const out: string[] = [];
  for (const k of SCALARS) if (a[k] !== b[k]) out.push(`${k} ${change(a[k], b[k])}`);
  for (const k of LISTS) {
    const line = listChange(k, a[k], b[k]);
    if (line) out.push(line);
  }
  const segs = listChange('segments', a.segments ?? [], b.segments ?? []);
  if (segs) out.push(segs);

  const before = new Map(a.objections.map((o) => [o.objection, o.answer]));
  const after = new Map(b.objections.map((o) => [o.objection, o.answer]));
  for (const [objection, answer] of after) {
    const old = before.get(objection);
    if (old === undefined) out.push(`objection added ${q(objection)}`);
    else if (old !== answer) out.push(`answer to ${q(objection)} changed`);
  }
  for (const objection of before.keys()) if (!after.has(objection)) out.push(`objection removed ${q(objection)}`);

  for (const side of ['do', 'dont'] as const) {
    const line = listChange(`messaging.${side}`, a.messaging[side], b.messaging[side]);
    if (line) out.push(line);
  }
  if (a.talk_track.fifteen_seconds !== b.talk_track.fifteen_seconds) out.push('15-second talk track changed');
  if (a.talk_track.thirty_seconds !== b.talk_track.thirty_seconds) out.push('30-second talk track changed');
  if (a.engage_order !== b.engage_order) out.push(`engage_order ${a.engage_order} → ${b.engage_order}`);
  if (a.owner !== b.owner) out.push(`owner ${a.owner} → ${b.owner}`);
  if (a.last_reviewed !== b.last_reviewed) out.push(`last reviewed ${a.last_reviewed} → ${b.last_reviewed}`);
  return out;
}

/**
 * One line per change: personas added or removed, then each changed persona's fields (owner and review
 * date included). `prev` null means a first version. Identical files give an empty list.
 */
export function diffPersonas(prev: PersonasSpec | null, next: PersonasSpec): string[] {
  if (!prev) {
    return [`First persona file: ${next.personas.length} persona(s) (${next.personas.map((p) => p.name).join(', ')})`];
  }
  const lines: string[] = [];
  const before = new Map(prev.personas.map((p) => [p.id, p]));
  const after = new Map(next.personas.map((p) => [p.id, p]));
  for (const p of next.personas) if (!before.has(p.id)) lines.push(`Added persona ${p.name} (${p.id})`);
  for (const p of prev.personas) if (!after.has(p.id)) lines.push(`Removed persona ${p.name} (${p.id})`);
  for (const p of next.personas) {
    const old = before.get(p.id);
    if (old) for (const c of personaChanges(old, p)) lines.push(`${p.name}: ${c}`);
  }
  if ((prev.default_segment ?? null) !== (next.default_segment ?? null)) {
    lines.push(`default_segment ${prev.default_segment ?? '(none)'} → ${next.default_segment ?? '(none)'}`);
  }
  const order = (s: PersonasSpec) =>
    s.personas
      .filter((p) => before.has(p.id) && after.has(p.id))
      .map((p) => p.id)
      .join(',');
  if (lines.length === 0 && order(prev) !== order(next)) lines.push('Personas reordered in the file');
  return lines;
}
