/**
 * ICP as code: the YAML file RevOps edits, its zod schema, and a parser whose errors point at the exact
 * place in the file ("criteria[2].weight: must be a positive number") so nobody has to guess.
 */
import { type ParseOptions, parseDocument } from 'yaml';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.ts';
import { SLACK_USER_ID } from '../slack/ids.ts';
import { normalizeCountry, regions } from './geo.ts';

const positive = 'must be a positive number';
const credit = 'must be a number from 0 to 1';

const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'must be lower-case letters, digits, "-" or "_" (e.g. company_size)' });
const Field = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, { error: 'must be a facts key such as industry, employees or tech_stack' });
const Label = z.string().trim().min(1, { error: 'must not be empty' });
const Weight = z.number({ error: positive }).positive({ error: positive }).finite({ error: positive });
const Credit = z.number({ error: credit }).min(0, { error: credit }).max(1, { error: credit });
const TextList = z.array(z.string().trim().min(1, { error: 'must not be empty' }));
const Synonyms = z.record(z.string(), TextList);

/** Inclusive numeric interval; a missing end is open. */
const Interval = z.strictObject({ min: z.number().optional(), max: z.number().optional() });
const Band = z.strictObject({ min: z.number().optional(), max: z.number().optional(), credit: Credit });

const common = { id: Id, label: Label, field: Field, weight: Weight, description: z.string().optional() };

export const CategoryCriterionSchema = z.strictObject({
  ...common,
  kind: z.literal('category'),
  values: TextList.min(1, { error: 'must list at least one value' }),
  partial: TextList.optional(),
  partial_credit: Credit.default(0.5),
  synonyms: Synonyms.optional(),
});

export const RangeCriterionSchema = z.strictObject({
  ...common,
  kind: z.literal('range'),
  ideal: Interval,
  bands: z.array(Band).default([]),
  /** How numbers read in rules and values: 'currency', 'percent', or a noun such as 'employees'. */
  unit: z.string().optional(),
});

export const OverlapCriterionSchema = z.strictObject({
  ...common,
  kind: z.literal('overlap'),
  values: TextList.min(1, { error: 'must list at least one value' }),
  full_at: z.number().int({ error: 'must be a whole number of at least 1' }).min(1).default(1),
  synonyms: Synonyms.optional(),
});

export const SignalCriterionSchema = z.strictObject({
  ...common,
  kind: z.literal('signal'),
  expect: z.boolean({ error: 'must be true or false' }).default(true),
});

export const GeoCriterionSchema = z.strictObject({
  ...common,
  kind: z.literal('geo'),
  regions: TextList.optional(),
  countries: TextList.optional(),
  partial_regions: TextList.optional(),
  partial_countries: TextList.optional(),
  partial_credit: Credit.default(0.5),
});

export const CriterionSchema = z.discriminatedUnion('kind', [
  CategoryCriterionSchema,
  RangeCriterionSchema,
  OverlapCriterionSchema,
  SignalCriterionSchema,
  GeoCriterionSchema,
]);

export const ExclusionSchema = z.strictObject({
  id: Id,
  label: Label,
  reason: Label,
  field: Field,
  in: TextList.min(1, { error: 'must list at least one value' }).optional(),
  synonyms: Synonyms.optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  countries: TextList.optional(),
  regions: TextList.optional(),
  is: z.boolean({ error: 'must be true or false' }).optional(),
});

const Threshold = z.number({ error: 'must be a score from 0 to 100' }).min(0).max(100);
export const TiersSchema = z.strictObject({ tier1: Threshold, tier2: Threshold, tier3: Threshold });

const durationDays: Record<string, number> = { d: 1, w: 7, m: 30, y: 365 };
const Duration = z.union([z.string(), z.number()], { error: 'must be a duration such as 180d, 26w or 6m' });

/** Days in a review cadence such as "180d", "26w", "6m" or "1y" (a bare number means days); null when unreadable. */
export function parseDurationDays(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? text : null;
  const m = /^\s*(\d+)\s*(d|w|m|y)\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]) * (durationDays[m[2]!.toLowerCase()] ?? 0);
  return n > 0 ? n : null;
}

export const IcpSpecSchema = z
  .strictObject({
    name: Label,
    description: z.string().optional(),
    owners: z
      .array(z.string().regex(SLACK_USER_ID, { error: 'must be a Slack user id such as U0123ABCD' }))
      .min(1, { error: 'must list at least one Slack user id' }),
    review_every: Duration,
    review_remind_days_before: z.number().int().min(0).default(14),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, { error: 'must be a three-letter currency code such as USD' })
      .default('USD'),
    tiers: TiersSchema,
    criteria: z.array(CriterionSchema).min(1, { error: 'must list at least one criterion' }),
    exclusions: z.array(ExclusionSchema).default([]),
  })
  .transform((s) => ({
    ...s,
    review_every: String(s.review_every),
    review_every_days: parseDurationDays(s.review_every) ?? 0,
  }));

export type IcpSpec = z.output<typeof IcpSpecSchema>;
export type IcpCriterion = IcpSpec['criteria'][number];
export type CategoryCriterion = z.output<typeof CategoryCriterionSchema>;
export type RangeCriterion = z.output<typeof RangeCriterionSchema>;
export type OverlapCriterion = z.output<typeof OverlapCriterionSchema>;
export type SignalCriterion = z.output<typeof SignalCriterionSchema>;
export type GeoCriterion = z.output<typeof GeoCriterionSchema>;
export type IcpExclusion = IcpSpec['exclusions'][number];
export type CriterionKind = IcpCriterion['kind'];

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

function describeValue(v: unknown): string {
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
function issueLines(issue: z.core.$ZodIssue, input: unknown): string[] {
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
function semanticProblems(spec: IcpSpec, raw: { review_every?: unknown }): string[] {
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

/**
 * Text normalised for comparing category values: lower case, accents dropped, "&" read as "and",
 * punctuation as spaces, runs of spaces collapsed ("Health-Care & Life Sciences" → "health care and life sciences").
 */
export function normalizeText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}+#]+/gu, ' ')
    .trim();
}

function invalid(details: string[], cause?: unknown): AppError {
  return new AppError(ErrorCode.IcpInvalid, `The ICP file has ${details.length} problem(s); nothing was changed.`, {
    details,
    cause,
  });
}

const yamlOptions: ParseOptions = { prettyErrors: true, uniqueKeys: true };

/**
 * Parse and validate an ICP YAML file. Throws AppError(IcpInvalid) listing every problem, each prefixed with
 * its place in the file (a path such as `criteria[2].weight`, or `line 4, column 3` for YAML syntax).
 */
export function parseIcpYaml(text: string): IcpSpec {
  if (text.trim() === '') throw invalid(['(file): is empty; expected an ICP with name, owners, tiers and criteria']);
  const doc = parseDocument(text, yamlOptions);
  if (doc.errors.length > 0) {
    throw invalid(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : '(file)';
        return `${where}: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
      doc.errors[0],
    );
  }
  const data: unknown = doc.toJS();
  return validateIcp(data);
}

/** Validate an already-parsed object (e.g. JSON) as an ICP spec; same errors as parseIcpYaml. */
export function validateIcp(data: unknown): IcpSpec {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw invalid([`(file): must be a mapping with name, owners, tiers and criteria (found ${describeValue(data)})`]);
  }
  const result = IcpSpecSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.flatMap((i) => issueLines(i, data));
    throw invalid([...new Set(lines)], result.error);
  }
  const problems = semanticProblems(result.data, data as { review_every?: unknown });
  if (problems.length > 0) throw invalid(problems);
  return result.data;
}
