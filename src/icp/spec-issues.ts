/**
 * Problems of an ICP file in words that point at the exact place ("criteria[2].weight: must be a positive
 * number", "did you mean …?"): zod issues turned into lines, and the checks zod cannot express.
 */
import type { z } from 'zod';
import { normalizeCountry, regions } from './geo.ts';
import {
  Band,
  CriterionSchema,
  ExclusionSchema,
  type IcpSpec,
  IcpSpecSchema,
  normalizeText,
  parseDurationDays,
  TiersSchema,
} from './spec-schema.ts';

type Path = readonly PropertyKey[];

/** `criteria[2].weight` from ['criteria', 2, 'weight']. */
export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(file)' : out;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return String(v);
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

const typeWords: Record<string, string> = { object: 'mapping', array: 'list', string: 'text' };

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      best = o;
      bestD = d;
    }
  }
  return best;
}

// Keys allowed per object, to suggest the right spelling of an unknown key.
function knownKeys(schema: unknown): string[] {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/** One readable problem per zod issue; `schema-level` messages win, this fills in the rest. */
export function issueLines(issue: z.core.$ZodIssue, input: unknown): string[] {
  const at = (p: Path) => formatPath(p);
  const valueAt = (p: Path): unknown => {
    let v: unknown = input;
    for (const k of p) v = v != null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    return v;
  };
  switch (issue.code) {
    case 'invalid_type': {
      const v = valueAt(issue.path);
      if (v === undefined) return [`${at(issue.path)}: is required`];
      if (!issue.message.startsWith('Invalid input')) return [`${at(issue.path)}: ${issue.message}`];
      const expected = typeWords[issue.expected] ?? issue.expected;
      return [`${at(issue.path)}: must be ${article(expected)} (found ${describeValue(v)})`];
    }
    case 'unrecognized_keys': {
      const parent = valueAt(issue.path) as Record<string, unknown> | undefined;
      const kind = parent && typeof parent.kind === 'string' ? parent.kind : undefined;
      const schema = issueSchemaFor(issue.path, kind);
      return issue.keys.map((k) => {
        const hint = closest(k, knownKeys(schema));
        return `${at([...issue.path, k])}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`;
      });
    }
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator) {
        const v = valueAt(issue.path);
        const options = (issue as { options?: unknown[] }).options?.join(', ') ?? '';
        return [
          v === undefined
            ? `${at(issue.path)}: is required (one of ${options})`
            : `${at(issue.path)}: must be one of ${options} (found ${describeValue(v)})`,
        ];
      }
      return [`${at(issue.path)}: ${issue.message}`];
    }
    case 'too_small':
    case 'too_big': {
      if (!issue.message.startsWith('Too')) return [`${at(issue.path)}: ${issue.message}`];
      const cmp =
        issue.code === 'too_small'
          ? issue.inclusive
            ? 'at least'
            : 'more than'
          : issue.inclusive
            ? 'at most'
            : 'less than';
      const what = issue.origin === 'array' ? ' item(s)' : issue.origin === 'string' ? ' character(s)' : '';
      return [
        `${at(issue.path)}: must be ${cmp} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}${what}`,
      ];
    }
    default:
      return [`${at(issue.path)}: ${issue.message}`];
  }
}

function issueSchemaFor(path: Path, kind: string | undefined): unknown {
  const top = path[0];
  if (path.length === 0) return IcpSpecSchema.in;
  if (top === 'tiers') return TiersSchema;
  if (top === 'exclusions' && path.length === 2) return ExclusionSchema;
  if (top === 'criteria' && path.length === 2) {
    return CriterionSchema.options.find((o) => o.shape.kind.value === kind);
  }
  if (top === 'criteria' && (path[2] === 'ideal' || path[2] === 'bands')) return Band;
  return undefined;
}

const regionNames = () => Object.keys(regions).sort().join(', ');

/** Checks zod cannot express per field: cross references, order, duplicates, known places. */
export function semanticProblems(spec: IcpSpec, raw: { review_every?: unknown }): string[] {
  const out: string[] = [];
  if (parseDurationDays(raw.review_every as string | number) === null) {
    out.push(`review_every: must be a duration such as 180d, 26w or 6m (found ${describeValue(raw.review_every)})`);
  }
  const { tier1, tier2, tier3 } = spec.tiers;
  if (!(tier1 > tier2 && tier2 > tier3)) {
    out.push(
      `tiers: thresholds must go down from tier1 to tier3 (found tier1 ${tier1}, tier2 ${tier2}, tier3 ${tier3})`,
    );
  }
  const checkRegions = (path: string, list: readonly string[] | undefined) => {
    list?.forEach((r, i) => {
      if (!regions[r.trim().toLowerCase()]) {
        const hint = closest(r.trim(), Object.keys(regions));
        out.push(
          `${path}[${i}]: unknown region "${r}"${hint ? ` (did you mean "${hint}"?)` : ''}; known regions: ${regionNames()}`,
        );
      }
    });
  };
  const checkCountries = (path: string, list: readonly string[] | undefined) => {
    list?.forEach((c, i) => {
      if (!normalizeCountry(c))
        out.push(`${path}[${i}]: unknown country "${c}" (use a name or an ISO code such as SE)`);
    });
  };
  const checkNoOverlap = (path: string, full: readonly string[], partial: readonly string[] | undefined) => {
    const seen = new Set(full.map(normalizeText));
    partial?.forEach((p, i) => {
      if (seen.has(normalizeText(p))) out.push(`${path}[${i}]: "${p}" is already a full-credit value`);
    });
  };
  const checkSynonyms = (path: string, syn: Record<string, readonly string[]> | undefined) => {
    if (!syn) return;
    const owner = new Map<string, string>();
    for (const [canon, variants] of Object.entries(syn)) {
      variants.forEach((v, i) => {
        const key = normalizeText(v);
        const prev = owner.get(key);
        if (prev !== undefined && prev !== canon) {
          out.push(`${path}.${canon}[${i}]: "${v}" is already a synonym of "${prev}"`);
        }
        owner.set(key, canon);
      });
    }
  };
  const checkInterval = (path: string, iv: { min?: number | undefined; max?: number | undefined }) => {
    if (iv.min !== undefined && iv.max !== undefined && iv.min > iv.max) {
      out.push(`${path}: min (${iv.min}) must not be above max (${iv.max})`);
    }
  };

  const ids = new Map<string, string>();
  spec.criteria.forEach((c, i) => {
    const p = `criteria[${i}]`;
    const prev = ids.get(c.id);
    if (prev) out.push(`${p}.id: "${c.id}" is already used by ${prev}`);
    else ids.set(c.id, p);
    switch (c.kind) {
      case 'category':
        checkNoOverlap(`${p}.partial`, c.values, c.partial);
        checkSynonyms(`${p}.synonyms`, c.synonyms);
        break;
      case 'overlap':
        if (c.full_at > c.values.length) {
          out.push(`${p}.full_at: needs ${c.full_at} matches but only ${c.values.length} value(s) are listed`);
        }
        checkSynonyms(`${p}.synonyms`, c.synonyms);
        break;
      case 'range':
        if (c.ideal.min === undefined && c.ideal.max === undefined) out.push(`${p}.ideal: needs a min, a max or both`);
        checkInterval(`${p}.ideal`, c.ideal);
        c.bands.forEach((b, j) => {
          if (b.min === undefined && b.max === undefined) out.push(`${p}.bands[${j}]: needs a min, a max or both`);
          checkInterval(`${p}.bands[${j}]`, b);
        });
        break;
      case 'geo':
        if (!c.regions?.length && !c.countries?.length) out.push(`${p}: needs regions, countries or both`);
        checkRegions(`${p}.regions`, c.regions);
        checkRegions(`${p}.partial_regions`, c.partial_regions);
        checkCountries(`${p}.countries`, c.countries);
        checkCountries(`${p}.partial_countries`, c.partial_countries);
        break;
      case 'signal':
        break;
    }
  });

  const exIds = new Map<string, string>();
  spec.exclusions.forEach((e, i) => {
    const p = `exclusions[${i}]`;
    const prev = exIds.get(e.id);
    if (prev) out.push(`${p}.id: "${e.id}" is already used by ${prev}`);
    else exIds.set(e.id, p);
    const kinds = [
      e.in !== undefined ? 'in' : null,
      [e.gt, e.gte, e.lt, e.lte].some((x) => x !== undefined) ? 'numbers' : null,
      e.countries !== undefined || e.regions !== undefined ? 'places' : null,
      e.is !== undefined ? 'is' : null,
    ].filter((k) => k !== null);
    if (kinds.length === 0) {
      out.push(`${p}: needs one condition: in, gt, gte, lt, lte, countries, regions or is`);
    } else if (kinds.length > 1) {
      out.push(`${p}: has more than one kind of condition (${kinds.join(', ')}); split it into separate exclusions`);
    }
    if (e.synonyms && e.in === undefined) out.push(`${p}.synonyms: only applies to an "in" condition`);
    if (e.gt !== undefined && e.gte !== undefined) out.push(`${p}: use gt or gte, not both`);
    if (e.lt !== undefined && e.lte !== undefined) out.push(`${p}: use lt or lte, not both`);
    checkRegions(`${p}.regions`, e.regions);
    checkCountries(`${p}.countries`, e.countries);
    checkSynonyms(`${p}.synonyms`, e.synonyms);
  });
  return out;
}
