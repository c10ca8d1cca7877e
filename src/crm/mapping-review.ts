/**
 * The mapping an ICP owner reviews and confirms once (pure: no SDK, no database). Connecting proposes it:
 * which CRM property fills which bot field (from the CSV import's header aliases, src/crm/mapping.ts),
 * which custom properties are kept as attributes, what each deal stage means (won, lost, open: from the
 * pipelines' own metadata), and the churn signal (a company date property, the date a lifecycle stage was
 * entered, or none). The owner changes what is wrong and confirms; only a confirmed mapping is synced.
 * Provider-neutral: a Salesforce org has one "pipeline" (the StageName picklist), and its fields are
 * properties.
 */

import { AppError, ErrorCode } from '../errors.ts';
import { accountAliases, dealAliases, headerKey } from '../import/headers.ts';
import { type Outcome, outcomeFromStage } from '../import/stages.ts';
import { snakeCase } from '../import/values.ts';
import type { HubSpotProperty } from './hubspot.ts';
import { type FieldMapping, type ObjectMapping, proposeObjectMapping } from './mapping.ts';
import type { CrmObject } from './source.ts';

export type { Outcome };

/** One deal stage and what it means; `stage` is the value deals carry (HubSpot's stage id). */
export interface StageChoice {
  pipelineId: string;
  pipeline: string;
  stage: string;
  label: string;
  outcome: Outcome;
}

/** Where churn comes from: a company date property, the day a lifecycle stage was entered, or nowhere. */
export type ChurnChoice =
  | { kind: 'property'; property: string }
  | { kind: 'lifecycle'; stage: string; property: string }
  | { kind: 'none' };

/** A property the CRM lists, kept so the owner can map one the proposal left out. */
export interface CatalogProperty {
  name: string;
  label: string;
  type: string;
}

/** What is stored in crm_connections.field_mapping (and, once confirmed, confirmed_mapping). */
export interface CrmMapping extends FieldMapping {
  stages: StageChoice[];
  churn: ChurnChoice;
  catalog: Record<CrmObject, CatalogProperty[]>;
  /** The lifecycle stages a churn signal may name (value, label). */
  lifecycleStages: { value: string; label: string }[];
}

/** A stage as the CRM describes it (HubSpot: metadata.isClosed and probability). */
export interface PipelineInput {
  id: string;
  label: string;
  stages: { id: string; label: string; isClosed: boolean | null; probability: number | null }[];
}

/** Properties every mapping reads whatever the owner says: the record id (HubSpot, Salesforce) and the merge list. */
export const FIXED = new Set(['hs_object_id', 'hs_merged_object_ids', 'Id']);

/** The bot fields an owner may map a property to, per object (the CSV import's canonical fields). */
export const FIELD_CHOICES: Record<CrmObject, readonly string[]> = {
  companies: Object.keys(accountAliases).filter((f) => f !== 'externalId'),
  deals: Object.keys(dealAliases).filter((f) => f !== 'externalId' && f !== 'accountExternalId'),
};

export type Target = string | 'attribute' | 'ignore';

/**
 * What a stage means: a closed stage with probability 1 is won, 0 lost; an open one is open. When the
 * CRM says nothing, the stage name decides as in a CSV import, and a name it cannot read is open (the
 * owner is shown every stage before confirming).
 */
export function proposeStages(pipelines: readonly PipelineInput[]): StageChoice[] {
  const out: StageChoice[] = [];
  for (const p of pipelines) {
    for (const s of p.stages) {
      const byName = outcomeFromStage(s.label);
      const outcome: Outcome =
        s.isClosed === false
          ? 'open'
          : s.isClosed === true
            ? s.probability === 1
              ? 'won'
              : s.probability === 0
                ? 'lost'
                : byName === 'won'
                  ? 'won'
                  : 'lost'
            : byName === 'unknown'
              ? 'open'
              : byName;
      out.push({ pipelineId: p.id, pipeline: p.label, stage: s.id, label: s.label, outcome });
    }
  }
  return out;
}

/** The whole proposal from what the CRM lists: its properties per object and its deal pipelines. */
export function proposeMapping(
  listed: Record<CrmObject, readonly HubSpotProperty[]>,
  pipelines: readonly PipelineInput[],
): CrmMapping {
  const catalog = (ps: readonly HubSpotProperty[]) => ps.map((p) => ({ name: p.name, label: p.label, type: p.type }));
  const lifecycleStages = listed.companies.find((p) => p.name === 'lifecyclestage')?.options ?? [];
  return {
    companies: proposeObjectMapping('companies', listed.companies),
    deals: proposeObjectMapping('deals', listed.deals),
    stages: proposeStages(pipelines),
    churn: proposeChurn(catalog(listed.companies), lifecycleStages),
    catalog: { companies: catalog(listed.companies), deals: catalog(listed.deals) },
    lifecycleStages,
  };
}

/** Churn date headers of a churn events file ("Churn Date", "Cancelled At"), the general "date" left out. */
const CHURN_KEYS = new Set([
  'churndate',
  'churnedon',
  'churnedat',
  'canceldate',
  'cancellationdate',
  'cancelledat',
  'canceledat',
]);
const isDateType = (t: string) => t === 'date' || t === 'datetime';

/** The property a lifecycle stage's entry date is kept in (HubSpot: hs_lifecyclestage_<stage>_date). */
export const lifecycleDateProperty = (stage: string) => `hs_lifecyclestage_${stage}_date`;

/** Proposes the churn signal: a churn date property, else a lifecycle stage named like churn, else none. */
export function proposeChurn(
  companies: readonly CatalogProperty[],
  lifecycleStages: readonly { value: string; label: string }[],
): ChurnChoice {
  const dated = companies.filter((p) => isDateType(p.type));
  const byName = dated.find((p) => CHURN_KEYS.has(headerKey(p.name)) || CHURN_KEYS.has(headerKey(p.label)));
  const loose = byName ?? dated.find((p) => /churn/i.test(p.name) || /churn/i.test(p.label));
  if (loose) return { kind: 'property', property: loose.name };
  const stage = lifecycleStages.find((s) => /churn/i.test(s.value) || /churn/i.test(s.label));
  if (stage) return { kind: 'lifecycle', stage: stage.value, property: lifecycleDateProperty(stage.value) };
  return { kind: 'none' };
}

/** A stored mapping as this version reads it: one written before owners confirmed has no stages nor churn. */
export function readMapping(stored: unknown): CrmMapping {
  const m = (stored ?? {}) as Partial<CrmMapping>;
  const empty: ObjectMapping = { properties: [], mapped: {} };
  return {
    companies: m.companies ?? empty,
    deals: m.deals ?? empty,
    stages: m.stages ?? [],
    churn: m.churn ?? { kind: 'none' },
    catalog: m.catalog ?? { companies: [], deals: [] },
    lifecycleStages: m.lifecycleStages ?? [],
  };
}

/** True when two mappings sync the same way (the catalogue aside). */
export function sameMapping(a: CrmMapping, b: CrmMapping): boolean {
  const key = (m: CrmMapping) =>
    JSON.stringify([
      m.companies.properties.slice().sort(),
      Object.entries(m.companies.mapped).sort(),
      m.deals.properties.slice().sort(),
      Object.entries(m.deals.mapped).sort(),
      m.stages.map((s) => [s.stage, s.outcome]).sort(),
      m.churn,
    ]);
  return key(a) === key(b);
}

const bad = (msg: string) => new AppError(ErrorCode.BadInput, msg);

/** The object a property belongs to: "companies.name", "deals.amount", or a bare name found in one only. */
export function resolveProperty(m: CrmMapping, ref: string): { object: CrmObject; property: string } {
  const dot = /^(companies|company|deals|deal)\.(.+)$/i.exec(ref.trim());
  if (dot) {
    const object: CrmObject = dot[1]!.toLowerCase().startsWith('deal') ? 'deals' : 'companies';
    return { object, property: dot[2]! };
  }
  const name = ref.trim();
  const known = (o: CrmObject) =>
    m[o].properties.includes(name) || m.catalog[o].some((p) => p.name === name) || name in m[o].mapped;
  const inC = known('companies');
  const inD = known('deals');
  if (inC && inD)
    throw bad(`“${name}” is a property of companies and of deals: write companies.${name} or deals.${name}.`);
  if (!inC && !inD) throw bad(`No company or deal property is called “${name}” (see \`icp crm mapping\`).`);
  return { object: inC ? 'companies' : 'deals', property: name };
}

/** The attribute key a property keeps its values under (as an extra CSV column would). */
export const attributeKey = (property: string) => {
  const k = snakeCase(property);
  return k === 'country_raw' ? 'country_raw_column' : k;
};

/**
 * Maps one property to a bot field, keeps it as an attribute, or stops reading it. A field another
 * property filled moves that property to an attribute (the note says so). The id and merge properties
 * are fixed.
 */
export function setProperty(m: CrmMapping, ref: string, target: Target): { mapping: CrmMapping; note: string | null } {
  const { object, property } = resolveProperty(m, ref);
  if (FIXED.has(property)) throw bad(`${property} is how records are matched and merged: it cannot be remapped.`);
  const t = target.trim();
  const field = FIELD_CHOICES[object].find((f) => f.toLowerCase() === t.toLowerCase());
  if (!field && t !== 'attribute' && t !== 'ignore') {
    throw bad(
      `“${t}” is not a ${object === 'companies' ? 'company' : 'deal'} field: choose one of ${FIELD_CHOICES[object].join(', ')}, attribute or ignore.`,
    );
  }
  const om: ObjectMapping = { properties: [...m[object].properties], mapped: { ...m[object].mapped } };
  let note: string | null = null;
  if (t === 'ignore') {
    om.properties = om.properties.filter((p) => p !== property);
    delete om.mapped[property];
  } else {
    if (!om.properties.includes(property)) om.properties.push(property);
    if (field) {
      const holder = Object.entries(om.mapped).find(([p, f]) => f === field && p !== property)?.[0];
      if (holder) {
        om.mapped[holder] = `attributes.${attributeKey(holder)}`;
        note = `${holder} filled ${field} before: it is now kept as an attribute.`;
      }
      om.mapped[property] = field;
    } else {
      const key = attributeKey(property);
      const clash = Object.entries(om.mapped).find(([p, f]) => f === `attributes.${key}` && p !== property);
      if (clash) throw bad(`${clash[0]} is already kept as the attribute ${key}: ignore one of the two.`);
      om.mapped[property] = `attributes.${key}`;
    }
  }
  return { mapping: { ...m, [object]: om }, note };
}

/** Says what a deal stage means. `stage` is its id, or its label when no other stage has that label. */
export function setStage(m: CrmMapping, ref: string, outcome: string): CrmMapping {
  const o = outcome.trim().toLowerCase();
  if (o !== 'won' && o !== 'lost' && o !== 'open') throw bad(`A stage is won, lost or open, not “${outcome}”.`);
  const byId = m.stages.filter((s) => s.stage === ref.trim());
  const matches = byId.length > 0 ? byId : m.stages.filter((s) => s.label.toLowerCase() === ref.trim().toLowerCase());
  if (matches.length === 0) throw bad(`No deal stage “${ref}” (see \`icp crm mapping\` for the stage ids).`);
  if (matches.length > 1) {
    throw bad(
      `“${ref}” names stages of several pipelines: give the stage id (${matches.map((s) => s.stage).join(', ')}).`,
    );
  }
  const id = matches[0]!.stage;
  return { ...m, stages: m.stages.map((s) => (s.stage === id ? { ...s, outcome: o as Outcome } : s)) };
}

/** Sets the churn signal from `<property>`, `lifecycle:<stage>` or `none`. */
export function setChurn(m: CrmMapping, value: string): CrmMapping {
  const v = value.trim();
  if (v.toLowerCase() === 'none') return { ...m, churn: { kind: 'none' } };
  const lc = /^lifecycle:(.+)$/i.exec(v);
  if (lc) {
    const ref = lc[1]!.trim();
    const stage = m.lifecycleStages.find((s) => s.value === ref || s.label.toLowerCase() === ref.toLowerCase());
    if (!stage && m.lifecycleStages.length > 0) {
      throw bad(`No lifecycle stage “${ref}”: choose one of ${m.lifecycleStages.map((s) => s.value).join(', ')}.`);
    }
    const value = stage?.value ?? ref;
    return { ...m, churn: { kind: 'lifecycle', stage: value, property: lifecycleDateProperty(value) } };
  }
  const p = m.catalog.companies.find((c) => c.name === v);
  if (m.catalog.companies.length > 0 && !p) throw bad(`No company property “${v}”.`);
  if (p && !isDateType(p.type)) throw bad(`${v} is a ${p.type} property: churn needs a date (or lifecycle:<stage>).`);
  return { ...m, churn: { kind: 'property', property: v } };
}

/** The churn signal in words. */
export function churnText(c: ChurnChoice): string {
  return c.kind === 'none'
    ? 'none (churn comes from CSV imports only)'
    : c.kind === 'property'
      ? `the company date property ${c.property}`
      : `the day a company entered the lifecycle stage ${c.stage} (${c.property})`;
}

/** The properties a sync requests for `object`: the mapped ones, and for companies the churn signal's. */
export function propertiesToRead(m: CrmMapping, object: CrmObject): string[] {
  const props = [...m[object].properties];
  if (object === 'companies' && m.churn.kind !== 'none' && !props.includes(m.churn.property))
    props.push(m.churn.property);
  return props;
}

/** The date properties of companies a churn signal may name. */
export const churnCandidates = (m: CrmMapping): CatalogProperty[] =>
  m.catalog.companies.filter((p) => isDateType(p.type));

/** The property of a mapping entry in words: "name → name", "business_model → attribute business_model". */
export const targetText = (t: string) => (t.startsWith('attributes.') ? `attribute ${t.slice(11)}` : t);

/** The proposal or confirmed mapping as lines, for the CLI. */
export function describeMapping(m: CrmMapping): string[] {
  const lines: string[] = [];
  for (const object of ['companies', 'deals'] as const) {
    lines.push(`${object === 'companies' ? 'Companies' : 'Deals'} (property → bot field):`);
    const entries = Object.entries(m[object].mapped).filter(([p]) => !FIXED.has(p));
    for (const [p, f] of entries) lines.push(`  • ${p} → ${targetText(f)}`);
    if (entries.length === 0) lines.push('  none');
  }
  lines.push('Deal stages (per pipeline):');
  let pipeline = '';
  for (const s of m.stages) {
    if (s.pipelineId !== pipeline) {
      pipeline = s.pipelineId;
      lines.push(`  ${s.pipeline}:`);
    }
    lines.push(`    • ${s.stage}${s.label !== s.stage ? ` (${s.label})` : ''} → ${s.outcome}`);
  }
  if (m.stages.length === 0) lines.push('  none read: outcomes come from HubSpot’s closed/won flags');
  lines.push(`Churn: ${churnText(m.churn)}`);
  return lines;
}
