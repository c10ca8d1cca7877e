/**
 * Scoring engine throughput: compiled scoreFast and full score against a naive interpreter that re-reads
 * the spec for every account (what the engine would be without compiling), all measured in the same run
 * on the default ICP and ~1M synthetic accounts generated up front.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mulberry32 } from '../src/drift/stats.ts';
import { compileIcp } from '../src/icp/engine.ts';
import { normalizeCountry, regions } from '../src/icp/geo.ts';
import { type IcpSpec, normalizeText, parseIcpYaml } from '../src/icp/spec.ts';
import type { Facts, FactValue, Tier } from '../src/icp/types.ts';
import type { BenchResult } from './types.ts';

const ACCOUNTS = 1_000_000;
const TARGET_FAST = 1_000_000;
const TARGET_FULL = 100_000;

const industries = [
  'Software',
  'technolgy',
  'software',
  'services',
  'marketing',
  'retail',
  'medical',
  'finance',
  'entertainment',
  'telecommunications',
  'employment',
  'Fintech',
  'Government',
  'SaaS',
  'Computer Software',
];
const countries = [
  'United States',
  'US',
  'Sweden',
  'SE',
  'Germany',
  'DE',
  'United Kingdom',
  'France',
  'Norway',
  'Brazil',
  'Japan',
  'Iran',
  'Philipines',
  'Kenya',
];
const stacks: readonly (readonly string[])[] = [
  ['HubSpot'],
  ['Salesforce', 'Slack'],
  ['Pipedrive', 'Zendesk'],
  ['Zoho'],
  ['SFDC', 'Marketo', 'Outreach'],
  [],
];
const models = ['B2B', 'B2C', 'Marketplace', 'Agency', 'business to business'];
const stages = ['Seed', 'Series A', 'Series B', 'series-c', 'Bootstrapped', 'Growth'];
const bools: readonly (boolean | string)[] = [true, false, 'yes', 'no'];

/** ~1M varied accounts: mixed spellings, text numbers, lists and strings, ~15% unknown per field. */
export function syntheticFacts(n: number, seed = 42): Facts[] {
  // Seeded (mulberry32) so every run scores the same accounts.
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T>(v: T): T | null => (r() < 0.15 ? null : v);
  const out: Facts[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const employees = Math.floor(5 + r() ** 3 * 20_000);
    const f: Record<string, FactValue | null> = {
      name: `Account ${i}`,
      industry: maybe(pick(industries)),
      business_model: maybe(pick(models)),
      employees: maybe(r() < 0.05 ? `${employees}` : employees),
      revenue: maybe(Math.floor(employees * (50_000 + r() * 200_000))),
      country: maybe(pick(countries)),
      growth: maybe(Math.round(r() * 80 - 10)),
      tech_stack: maybe(r() < 0.1 ? 'HubSpot, Slack' : (pick(stacks) as string[])),
      funding_stage: maybe(pick(stages)),
      recent_funding: maybe(pick(bools)),
      hiring_spike: maybe(pick(bools)),
    };
    // Some stored accounts carry extra custom attributes, as imports do: a second object shape.
    if (i % 10 === 0) f.ownership = 'private';
    out[i] = f;
  }
  return out;
}

/**
 * Baseline: interprets the spec on every call (normalises every listed value, expands regions, parses
 * country names) instead of compiling lookups once. Same rules, far more work per account.
 */
export function naiveScore(spec: IcpSpec, facts: Facts): { score: number; tier: Tier } {
  let earned = 0;
  let total = 0;
  const asList = (v: FactValue): string[] =>
    Array.isArray(v) ? [...(v as string[])] : typeof v === 'string' ? v.split(',') : [String(v)];
  const canon = (s: string, syn: Record<string, readonly string[]> | undefined) => {
    const n = normalizeText(s);
    for (const [k, vs] of Object.entries(syn ?? {}))
      if (vs.some((x) => normalizeText(x) === n)) return normalizeText(k);
    return n;
  };
  const bool = (v: FactValue) => {
    const s = String(v).trim().toLowerCase();
    return ['yes', 'true', '1', 'y'].includes(s) ? true : ['no', 'false', '0', 'n'].includes(s) ? false : null;
  };
  for (const c of spec.criteria) {
    total += c.weight;
    const v = facts[c.field];
    if (v == null || v === '') continue;
    let credit = 0;
    switch (c.kind) {
      case 'category': {
        const n = canon(String(v), c.synonyms);
        if (c.values.some((x) => normalizeText(x) === n)) credit = 1;
        else if (c.partial?.some((x) => normalizeText(x) === n)) credit = c.partial_credit;
        break;
      }
      case 'range': {
        const x = typeof v === 'number' ? v : Number(String(v).replace(/,/g, ''));
        if (Number.isNaN(x)) continue;
        if (x >= (c.ideal.min ?? -Infinity) && x <= (c.ideal.max ?? Infinity)) credit = 1;
        else
          for (const b of c.bands)
            if (x >= (b.min ?? -Infinity) && x <= (b.max ?? Infinity)) credit = Math.max(credit, b.credit);
        break;
      }
      case 'overlap': {
        const have = new Set(asList(v).map((s) => canon(s, c.synonyms)));
        const matches = c.values.filter((x) => have.has(normalizeText(x))).length;
        credit = Math.min(1, matches / c.full_at);
        break;
      }
      case 'signal': {
        const b = bool(v);
        if (b === null) continue;
        credit = b === c.expect ? 1 : 0;
        break;
      }
      case 'geo': {
        const code = normalizeCountry(String(v));
        if (!code) continue;
        const full = [
          ...(c.regions ?? []).flatMap((x) => regions[x.toLowerCase()] ?? []),
          ...(c.countries ?? []).map(normalizeCountry),
        ];
        const part = [
          ...(c.partial_regions ?? []).flatMap((x) => regions[x.toLowerCase()] ?? []),
          ...(c.partial_countries ?? []).map(normalizeCountry),
        ];
        credit = full.includes(code) ? 1 : part.includes(code) ? c.partial_credit : 0;
        break;
      }
    }
    earned += c.weight * credit;
  }
  const score = Math.round((earned / total) * 100);
  let excluded = false;
  for (const e of spec.exclusions) {
    const v = facts[e.field];
    if (v == null || v === '') continue;
    if (e.in?.some((x) => normalizeText(x) === canon(String(v), e.synonyms))) excluded = true;
    if (e.gt !== undefined && typeof v === 'number' && v > e.gt) excluded = true;
    if (e.lt !== undefined && typeof v === 'number' && v < e.lt) excluded = true;
    if (e.countries?.map(normalizeCountry).includes(normalizeCountry(String(v)))) excluded = true;
  }
  const t = spec.tiers;
  const tier: Tier = excluded
    ? 'no_fit'
    : score >= t.tier1
      ? 'tier1'
      : score >= t.tier2
        ? 'tier2'
        : score >= t.tier3
          ? 'tier3'
          : 'no_fit';
  return { score, tier };
}

/**
 * Accounts per CPU-second over `items`, best of `reps` timed passes after one warm-up pass. CPU time
 * (process.cpuUsage) rather than wall time, so other processes sharing the machine do not count against
 * the engine; the loop is single-threaded, so this is the rate on one core.
 */
function throughput(items: readonly Facts[], reps: number, fn: (f: Facts) => number): { perSec: number; sink: number } {
  let sink = 0;
  for (let i = 0; i < items.length; i++) sink += fn(items[i]!);
  let best = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < items.length; i++) sink += fn(items[i]!);
    const used = process.cpuUsage(t0);
    const s = (used.user + used.system) / 1e6;
    best = Math.max(best, items.length / Math.max(s, 1e-6));
  }
  return { perSec: best, sink };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Engine throughput figures for bench/run.ts. */
export async function run(): Promise<BenchResult[]> {
  const path = fileURLToPath(new URL('../db/seed/icp.default.yml', import.meta.url));
  const spec = parseIcpYaml(readFileSync(path, 'utf8'));
  const icp = compileIcp(spec, 1);
  const accounts = syntheticFacts(ACCOUNTS);

  // The naive baseline is slow (a few thousand per second); a 5k slice is plenty for a stable rate.
  const baseline = throughput(accounts.slice(0, 5_000), 1, (f) => naiveScore(spec, f).score);
  const fast = throughput(accounts, 4, (f) => icp.scoreFast(f).score);
  const full = throughput(accounts.slice(0, 100_000), 3, (f) => icp.score(f).lines.length);
  if (Number.isNaN(baseline.sink + fast.sink + full.sink)) throw new Error('unreachable: keeps results alive');

  return [
    {
      name: 'engine: accounts scored per CPU-second (scoreFast, one core)',
      value: Math.round(fast.perSec),
      unit: 'accounts/s',
      baselineName: 'naive interpreter re-reading the ICP spec per account',
      baseline: Math.round(baseline.perSec),
      ratio: Math.round((fast.perSec / baseline.perSec) * 10) / 10,
      target: `≥ ${fmt(TARGET_FAST)}/s: ${fast.perSec >= TARGET_FAST ? 'met' : 'not met'}`,
      met: fast.perSec >= TARGET_FAST,
    },
    {
      name: 'engine: accounts scored per CPU-second with full explanation (score)',
      value: Math.round(full.perSec),
      unit: 'accounts/s',
      baselineName: 'naive interpreter re-reading the ICP spec per account (score only, no explanation)',
      baseline: Math.round(baseline.perSec),
      ratio: Math.round((full.perSec / baseline.perSec) * 10) / 10,
      target: `≥ ${fmt(TARGET_FULL)}/s: ${full.perSec >= TARGET_FULL ? 'met' : 'not met'}`,
      met: full.perSec >= TARGET_FULL,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = Date.now();
  for (const r of await run()) console.log(JSON.stringify(r));
  console.log(`took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
