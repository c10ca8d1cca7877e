/**
 * What changed between two ICP versions, in lines a RevOps person can read in Slack:
 * "Company size: weight 15 → 20", "Industry: added values Fintech". Also a plain line diff for raw text.
 */
import { canonicalJson } from '../canonical-json.ts';
import { criterionRule, exclusionRule } from './describe.ts';
import type { IcpCriterion, IcpExclusion, IcpSpec } from './spec.ts';

const q = (s: string) => `"${s}"`;

function listChange(
  what: string,
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
): string[] {
  const a = before ?? [];
  const b = after ?? [];
  const added = b.filter((x) => !a.includes(x));
  const removed = a.filter((x) => !b.includes(x));
  const out: string[] = [];
  if (added.length) out.push(`added ${what} ${added.join(', ')}`);
  if (removed.length) out.push(`removed ${what} ${removed.join(', ')}`);
  return out;
}

/** Equal as data: key order does not count (a spec read back from jsonb has its keys reordered). */
function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function criterionChanges(a: IcpCriterion, b: IcpCriterion, currency: string): string[] {
  const out: string[] = [];
  if (a.label !== b.label) out.push(`renamed ${q(a.label)} → ${q(b.label)}`);
  if (a.field !== b.field) out.push(`now reads ${b.field} instead of ${a.field}`);
  if (a.weight !== b.weight) out.push(`weight ${a.weight} → ${b.weight}`);
  if (a.kind !== b.kind) {
    out.push(`kind ${a.kind} → ${b.kind}; rule now: ${criterionRule(b, currency)}`);
    return out;
  }
  const list = <K extends string>(key: K, words: string) => {
    const av = (a as Record<string, unknown>)[key] as string[] | undefined;
    const bv = (b as Record<string, unknown>)[key] as string[] | undefined;
    out.push(...listChange(words, av, bv));
  };
  switch (b.kind) {
    case 'category':
      list('values', 'values');
      list('partial', 'partial values');
      if (a.kind === 'category' && a.partial_credit !== b.partial_credit) {
        out.push(`partial credit ${a.partial_credit} → ${b.partial_credit}`);
      }
      if (a.kind === 'category' && !same(a.synonyms ?? {}, b.synonyms ?? {})) out.push('synonyms changed');
      break;
    case 'overlap':
      list('values', 'values');
      if (a.kind === 'overlap' && a.full_at !== b.full_at)
        out.push(`matches needed for full points ${a.full_at} → ${b.full_at}`);
      if (a.kind === 'overlap' && !same(a.synonyms ?? {}, b.synonyms ?? {})) out.push('synonyms changed');
      break;
    case 'geo':
      list('regions', 'regions');
      list('countries', 'countries');
      list('partial_regions', 'partial regions');
      list('partial_countries', 'partial countries');
      if (a.kind === 'geo' && a.partial_credit !== b.partial_credit) {
        out.push(`partial credit ${a.partial_credit} → ${b.partial_credit}`);
      }
      break;
    case 'range': {
      const ar = criterionRule(a, currency);
      const br = criterionRule(b, currency);
      if (ar !== br) out.push(`rule ${q(ar)} → ${q(br)}`);
      else if (a.kind === 'range' && a.unit !== b.unit)
        out.push(`unit ${a.unit ?? '(default)'} → ${b.unit ?? '(default)'}`);
      break;
    }
    case 'signal':
      if (a.kind === 'signal' && a.expect !== b.expect) out.push(`now expects ${b.expect ? 'yes' : 'no'}`);
      break;
  }
  return out;
}

function exclusionChanges(a: IcpExclusion, b: IcpExclusion, currency: string): string[] {
  const out: string[] = [];
  if (a.label !== b.label) out.push(`renamed ${q(a.label)} → ${q(b.label)}`);
  if (a.field !== b.field) out.push(`now reads ${b.field} instead of ${a.field}`);
  const places = (e: IcpExclusion) => e.countries !== undefined || e.regions !== undefined;
  if (a.in && b.in) out.push(...listChange('values', a.in, b.in));
  else if (places(a) && places(b)) {
    out.push(...listChange('countries', a.countries, b.countries), ...listChange('regions', a.regions, b.regions));
  } else {
    const ar = exclusionRule(a, currency);
    const br = exclusionRule(b, currency);
    if (ar !== br) out.push(`rule ${q(ar)} → ${q(br)}`);
  }
  if (a.reason !== b.reason) out.push(`reason now: ${b.reason}`);
  if (!same(a.synonyms ?? {}, b.synonyms ?? {})) out.push('synonyms changed');
  return out;
}

function byId<T extends { id: string; label: string }>(
  prev: readonly T[],
  next: readonly T[],
  noun: string,
  describeNew: (x: T) => string,
  changes: (a: T, b: T) => string[],
): string[] {
  const out: string[] = [];
  const before = new Map(prev.map((x) => [x.id, x]));
  const after = new Set(next.map((x) => x.id));
  for (const x of next) {
    const old = before.get(x.id);
    if (!old) out.push(`Added ${noun} ${describeNew(x)}`);
    else for (const c of changes(old, x)) out.push(`${x.label}: ${c}`);
  }
  for (const x of prev) if (!after.has(x.id)) out.push(`Removed ${noun} ${q(x.label)} (${x.id})`);
  const order = (xs: readonly T[]) => xs.map((x) => x.id).filter((id) => before.has(id) && after.has(id));
  if (!same(order(prev), order(next))) out.push(`Reordered ${noun}s`);
  return out;
}

/**
 * Human lines describing how `next` differs from `prev` (null = first version). Empty when nothing
 * that affects scoring, ownership or cadence changed.
 */
export function diffIcp(prev: IcpSpec | null, next: IcpSpec): string[] {
  if (!prev) {
    return [
      `New ICP ${q(next.name)}: ${next.criteria.length} criteria (total weight ${next.criteria.reduce((s, c) => s + c.weight, 0)}), ${next.exclusions.length} exclusion(s), tiers ${next.tiers.tier1}/${next.tiers.tier2}/${next.tiers.tier3}, review every ${next.review_every}`,
    ];
  }
  const out: string[] = [];
  const cur = next.currency;
  if (prev.name !== next.name) out.push(`Name: ${q(prev.name)} → ${q(next.name)}`);
  if ((prev.description ?? '') !== (next.description ?? '')) out.push('Description changed');
  for (const c of listChange('owners', prev.owners, next.owners)) out.push(`Owners: ${c.replace(/owners /, '')}`);
  if (prev.review_every !== next.review_every)
    out.push(`Review cadence: every ${prev.review_every} → every ${next.review_every}`);
  if (prev.review_remind_days_before !== next.review_remind_days_before) {
    out.push(`Review reminder: ${prev.review_remind_days_before} → ${next.review_remind_days_before} days before`);
  }
  if (prev.currency !== next.currency) out.push(`Currency: ${prev.currency} → ${next.currency}`);
  for (const t of ['tier1', 'tier2', 'tier3'] as const) {
    if (prev.tiers[t] !== next.tiers[t])
      out.push(`${t.replace('tier', 'Tier ')} threshold: ${prev.tiers[t]} → ${next.tiers[t]}`);
  }
  out.push(
    ...byId(
      prev.criteria,
      next.criteria,
      'criterion',
      (c) => `${q(c.label)} (${c.kind} on ${c.field}, weight ${c.weight}): ${criterionRule(c, cur)}`,
      (a, b) => criterionChanges(a, b, cur),
    ),
  );
  out.push(
    ...byId(
      prev.exclusions,
      next.exclusions,
      'exclusion',
      (e) => `${q(e.label)}: ${exclusionRule(e, cur)}`,
      (a, b) => exclusionChanges(a, b, cur),
    ),
  );
  return out;
}

/**
 * Plain line diff (longest common subsequence), for raw YAML when a structural diff is not possible:
 * "- old line" / "+ new line", unchanged lines left out.
 */
export function diffText(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  // LCS table; ICP files are a few hundred lines, so O(n·m) is fine.
  const t: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (t[i + 1]![j]! >= t[i]![j + 1]!) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < n) out.push(`- ${a[i++]}`);
  while (j < m) out.push(`+ ${b[j++]}`);
  return out;
}
