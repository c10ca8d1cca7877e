/**
 * The ICP file's zod schema and the types it gives: criteria (category, range, overlap, signal, geo),
 * exclusions, tiers and the review cadence. What a valid file looks like; spec.ts parses, spec-issues.ts
 * words what is wrong.
 */
import { z } from 'zod';
import { SLACK_USER_ID } from '../ids.ts';

const positive = 'must be a positive number';

export const credit = 'must be a number from 0 to 1';

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

export const Band = z.strictObject({ min: z.number().optional(), max: z.number().optional(), credit: Credit });

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
