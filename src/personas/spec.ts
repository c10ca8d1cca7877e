/**
 * Personas as code: the YAML file a persona owner edits, its schema, and the parser that turns it into a
 * validated spec or one AppError listing every problem with its path. Pure: no Slack, no database.
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.ts';
import type { Tier } from '../icp/types.ts';
import { SLACK_USER_ID } from '../ids.ts';

export const SENIORITIES = ['c_level', 'vp', 'director', 'manager', 'individual_contributor'] as const;
export type Seniority = (typeof SENIORITIES)[number];

export const BUYING_ROLES = [
  'economic_buyer',
  'decision_maker',
  'champion',
  'influencer',
  'technical_evaluator',
  'user',
  'gatekeeper',
] as const;
export type BuyingRole = (typeof BUYING_ROLES)[number];

/** The tiers a persona can matter in; 'no_fit' accounts have no buying committee. */
export type PersonaTier = Exclude<Tier, 'no_fit'>;
export const PERSONA_TIERS = ['tier1', 'tier2', 'tier3'] as const satisfies readonly PersonaTier[];

export const buyingRoleLabels: Record<BuyingRole, string> = {
  economic_buyer: 'Economic buyer',
  decision_maker: 'Decision maker',
  champion: 'Champion',
  influencer: 'Influencer',
  technical_evaluator: 'Technical evaluator',
  user: 'User',
  gatekeeper: 'Gatekeeper',
};

export const seniorityLabels: Record<Seniority, string> = {
  c_level: 'C-level',
  vp: 'VP',
  director: 'Director',
  manager: 'Manager',
  individual_contributor: 'Individual contributor',
};

export interface Objection {
  objection: string;
  /** What the rep says back: the answer that has worked, in a sentence or three. */
  answer: string;
}

export interface Persona {
  /** Stable slug, e.g. 'sales_director'; what versions, diffs and links refer to. */
  id: string;
  /** Memorable name, e.g. "Sarah the Sales Director". */
  name: string;
  /** The role in one line, e.g. "Leads the sales team and owns the number". */
  role: string;
  /** Job titles that map to this persona; titles vary by company, so list the variants. */
  titles: string[];
  /** Words these buyers use for what they do (revops, pipeline, forecast). */
  keywords: string[];
  seniority: Seniority;
  department: string;
  buying_role: BuyingRole;
  goals: string[];
  kpis: string[];
  pains: string[];
  objections: Objection[];
  messaging: { do: string[]; dont: string[] };
  channels: string[];
  information_sources: string[];
  discovery_questions: string[];
  talk_track: { fifteen_seconds: string; thirty_seconds: string };
  quote: string;
  /** ICP tiers in which this persona is part of the buying committee. */
  tiers: PersonaTier[];
  /** Segment tags (e.g. 'security_purchase', 'healthcare') matched against an account's segment/industry. */
  segments?: string[];
  /** Engagement order inside a committee, lower first. */
  engage_order: number;
  /** Slack user id of the person who keeps this persona current. */
  owner: string;
  /** ISO date (YYYY-MM-DD) of the last review. */
  last_reviewed: string;
}

export interface PersonasSpec {
  personas: Persona[];
  /** Segment whose committee applies when an account's segment and industry match no persona's segments. */
  default_segment?: string;
}

/** Longest any single text field may be: a Slack section block holds 3000 characters, a card holds several. */
export const MAX_TEXT = 600;
const SHORT = 120;
const ITEM = 300;

/**
 * Demographic and personal keys B2C templates carry. B2B personas describe a role in a buying decision,
 * so these are refused with a sentence saying why rather than a bare "unknown key".
 */
const PERSONAL_KEYS = new Set([
  'age',
  'age_range',
  'gender',
  'sex',
  'hobbies',
  'hobby',
  'interests',
  'marital_status',
  'family',
  'family_status',
  'children',
  'kids',
  'income',
  'salary',
  'religion',
  'ethnicity',
  'race',
  'nationality',
  'sexual_orientation',
  'date_of_birth',
  'birthday',
  'photo',
  'personality',
]);

const slugPattern = /^[a-z0-9]+(?:[_-][a-z0-9]+)*$/;
const slug = z
  .string()
  .trim()
  .max(40)
  .regex(slugPattern, 'use lower-case letters, digits, _ or - (e.g. sales_director)');
const text = (max: number) => z.string().trim().min(1).max(max);
const list = (max: number, items: number, min = 0) => z.array(text(max)).min(min).max(items);

const objectionSchema = z.strictObject({ objection: text(ITEM), answer: text(MAX_TEXT) });

const personaSchema = z.strictObject({
  id: slug,
  name: text(80),
  role: text(200),
  titles: list(80, 40, 1),
  keywords: list(60, 40).default([]),
  seniority: z.enum(SENIORITIES),
  department: text(60),
  buying_role: z.enum(BUYING_ROLES),
  goals: list(ITEM, 8, 1),
  kpis: list(SHORT, 8).default([]),
  pains: list(ITEM, 8, 1),
  objections: z.array(objectionSchema).min(1).max(8),
  messaging: z.strictObject({ do: list(ITEM, 8).default([]), dont: list(ITEM, 8).default([]) }),
  channels: list(SHORT, 10).default([]),
  information_sources: list(200, 10).default([]),
  discovery_questions: list(ITEM, 10, 1),
  talk_track: z.strictObject({ fifteen_seconds: text(400), thirty_seconds: text(MAX_TEXT) }),
  quote: text(ITEM),
  tiers: z
    .array(z.enum(PERSONA_TIERS))
    .min(1)
    .refine((t) => new Set(t).size === t.length, 'list each tier once'),
  segments: z.array(slug).max(20).optional(),
  engage_order: z.number().int('must be a whole number').min(0).max(1000),
  owner: z.string().trim().regex(SLACK_USER_ID, 'must be a Slack user id such as U012AB3CD (not a name or @mention)'),
  last_reviewed: z.iso.date({
    error: (iss) => (iss.input === undefined ? 'required' : 'must be a date written YYYY-MM-DD'),
  }),
}) satisfies z.ZodType<Persona>;

const specSchema = z
  .strictObject({
    personas: z.array(personaSchema).min(1).max(30),
    default_segment: slug.optional(),
  })
  .superRefine((spec, ctx) => {
    const seenIds = new Map<string, number>();
    const seenNames = new Map<string, number>();
    spec.personas.forEach((p, i) => {
      const firstId = seenIds.get(p.id);
      if (firstId !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['personas', i, 'id'],
          message: `duplicate id '${p.id}' (also used by personas[${firstId}])`,
        });
      } else seenIds.set(p.id, i);
      const key = p.name.toLowerCase();
      const firstName = seenNames.get(key);
      if (firstName !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['personas', i, 'name'],
          message: `duplicate name '${p.name}' (also used by personas[${firstName}])`,
        });
      } else seenNames.set(key, i);
    });
    if (spec.default_segment && !spec.personas.some((p) => p.segments?.includes(spec.default_segment ?? ''))) {
      ctx.addIssue({
        code: 'custom',
        path: ['default_segment'],
        message: `no persona lists the segment '${spec.default_segment}'`,
      });
    }
  }) satisfies z.ZodType<PersonasSpec>;

/** JSON Schema of the persona file, for editors and docs. */
export function personasJsonSchema(): unknown {
  return z.toJSONSchema(specSchema, { io: 'input', unrepresentable: 'any' });
}

/** `personas[2].objections[0].answer` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(file)';
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** One short English message per zod issue, worded for the person editing the YAML. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.input === undefined && iss.code !== 'unrecognized_keys' && iss.code !== 'custom') return 'required';
  switch (iss.code) {
    case 'invalid_type':
      if (
        iss.expected === 'string' &&
        typeof iss.input === 'object' &&
        iss.input !== null &&
        !Array.isArray(iss.input)
      ) {
        // The classic YAML trap: an unquoted "Label: text" list item becomes a mapping.
        return "expected text, got a mapping (unquoted text containing ': ' reads as a key; wrap it in quotes)";
      }
      return `expected ${iss.expected === 'array' ? 'a list' : iss.expected === 'object' ? 'a mapping' : iss.expected}, got ${describe(iss.input)}`;
    case 'too_big':
      if (iss.origin === 'string') {
        const len = typeof iss.input === 'string' ? iss.input.length : 0;
        return `too long: ${len} characters, at most ${String(iss.maximum)}`;
      }
      if (iss.origin === 'array') return `too many items: at most ${String(iss.maximum)}`;
      return `must be at most ${String(iss.maximum)}`;
    case 'too_small':
      if (iss.origin === 'string') return 'must not be empty';
      if (iss.origin === 'array') return `needs at least ${String(iss.minimum)} item(s)`;
      return `must be at least ${String(iss.minimum)}`;
    case 'invalid_value':
      return `must be one of: ${iss.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
};

const personaKeys = Object.keys(personaSchema.shape);

function unknownKeyMessage(path: readonly PropertyKey[], key: string): string {
  const where = formatPath([...path, key]);
  if (path.length === 2 && path[0] === 'personas' && PERSONAL_KEYS.has(key.toLowerCase())) {
    return `${where}: B2B personas describe a role in the buying decision, not a person; remove '${key}' (no age, gender, hobbies or family details)`;
  }
  const allowed = path.length === 2 && path[0] === 'personas' ? personaKeys : null;
  const near = allowed
    ?.map((k) => ({ k, d: editDistance(k, key.toLowerCase()) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d)[0];
  return `${where}: unknown field${near ? ` (did you mean '${near.k}'?)` : ''}`;
}

/**
 * Optimal string alignment distance: Levenshtein plus adjacent transpositions, so the common typo
 * "cheif" is one edit from "chief". Shared by the schema's "did you mean" and persona matching.
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows: the transposition rule looks two rows back.
  let older = new Int32Array(b.length + 1);
  let prev = Int32Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, older[j - 2]! + 1);
      cur[j] = v;
    }
    [older, prev, cur] = [prev, cur, older];
  }
  return prev[b.length]!;
}

const MAX_DETAILS = 25;

function fail(problems: string[]): never {
  const shown = problems.slice(0, MAX_DETAILS);
  if (problems.length > MAX_DETAILS) shown.push(`…and ${problems.length - MAX_DETAILS} more`);
  throw new AppError(
    ErrorCode.PersonaInvalid,
    `The persona file has ${problems.length} problem(s); nothing was changed.`,
    { details: shown },
  );
}

/**
 * Parses and validates persona YAML. Throws one AppError(PersonaInvalid) whose details list every problem:
 * YAML syntax errors with line and column, then schema errors with their path
 * (`personas[2].objections[0].answer: required`), duplicate ids and names.
 */
export function parsePersonasYaml(text: string): PersonasSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    fail(
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return `line ${line}, column ${col}: ${e.message.split('\n')[0] ?? e.message}`;
      }),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) fail(['the file is empty: it needs a top-level `personas:` list']);
  return validatePersonas(data);
}

/** Validates an already-parsed value (e.g. the jsonb `spec` column) against the persona schema. */
export function validatePersonas(data: unknown): PersonasSpec {
  const result = specSchema.safeParse(data, { error: errorMap });
  if (result.success) return result.data;
  const problems: string[] = [];
  for (const iss of result.error.issues) {
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) problems.push(unknownKeyMessage(iss.path, key));
    } else {
      problems.push(`${formatPath(iss.path)}: ${iss.message}`);
    }
  }
  fail(problems);
}

/** Days since the last review; negative when the date is in the future. */
export function daysSinceReview(persona: Pick<Persona, 'last_reviewed'>, today: Date): number {
  const reviewed = Date.parse(`${persona.last_reviewed}T00:00:00Z`);
  const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Math.floor((day - reviewed) / 86_400_000);
}

/** True when the persona has not been reviewed for more than `reviewEveryDays` days (compared in UTC days). */
export function isStale(persona: Pick<Persona, 'last_reviewed'>, reviewEveryDays: number, today: Date): boolean {
  return daysSinceReview(persona, today) > reviewEveryDays;
}
