/**
 * HubSpot records as the CSV import reads them (pure: no SDK, no database). A HubSpot property name is a
 * header, a record is a row: the field mapping is proposed by the same header aliases the CSV import
 * uses (src/import/headers.ts), the account's own custom properties are kept as attributes like extra
 * CSV columns, and every value is validated by the import's RecordBuilder, so a synced company or deal is
 * exactly what importing the same data from a HubSpot export would store.
 */
import type { CrmSyncProblem } from '../../db/queries/crm.ts';
import { type AttributeColumn, type ColumnMap, mapHeaders, TEXT_ATTRIBUTE } from '../import/headers.ts';
import type { CsvRow } from '../import/read.ts';
import { type AccountRecord, ColumnStats, type DealRecord, RecordBuilder } from '../import/records.ts';
import { type StageMap, stageKey } from '../import/stages.ts';
import type { HubSpotProperty, HubSpotRecord } from './hubspot.ts';
import type { ChurnChoice, StageChoice } from './mapping-review.ts';
import type { CrmObject, CrmRecord } from './source.ts';
import { WRITEBACK_PROPERTIES } from './writeback.ts';

/** What one object's sync reads: the properties requested, and the bot field each one fills. */
export interface ObjectMapping {
  properties: string[];
  /** property → canonical field, or `attributes.<key>` (the CSV import's `mapped`). */
  mapped: Record<string, string>;
}

export interface FieldMapping {
  companies: ObjectMapping;
  deals: ObjectMapping;
}

/** The deal's associated company id travels as this extra column (the CSV alias "Associated Company ID"). */
export const ASSOCIATED_COMPANY = 'associatedcompanyid';

/** Standard properties read first, so they win a field over any alias-matching custom property. */
const PREFERRED: Record<CrmObject, readonly string[]> = {
  companies: [
    'hs_object_id',
    'name',
    'domain',
    'website',
    'industry',
    'numberofemployees',
    'annualrevenue',
    'country',
    'hs_lifecyclestage_customer_date',
    'hs_merged_object_ids',
  ],
  // Outcome comes from HubSpot's own closed/won flags: they hold whatever each pipeline's stages are called.
  deals: [
    'hs_object_id',
    'dealname',
    'dealstage',
    'hs_is_closed_won',
    'hs_is_closed',
    'amount',
    'createdate',
    'closedate',
    'hubspot_owner_id',
    'pipeline',
  ],
};

const KIND = { companies: 'accounts', deals: 'deals' } as const;

/** Internal bookkeeping properties, never worth an attribute. */
const SKIP = new Set(['hs_merged_object_ids', 'hs_lastmodifieddate', 'pipeline']);

function headersOf(object: CrmObject, properties: readonly string[]): string[] {
  return object === 'deals' ? [...properties, ASSOCIATED_COMPANY] : [...properties];
}

/**
 * Proposes the mapping of one object from the properties HubSpot lists: the standard properties the
 * CSV aliases know, then every custom property (kept as an attribute), except the write-back's own
 * (the bot's output is never its input).
 */
export function proposeObjectMapping(object: CrmObject, listed: readonly HubSpotProperty[]): ObjectMapping {
  const names = new Set(listed.map((p) => p.name));
  // hs_object_id and hs_merged_object_ids exist on every account, listed or not.
  const always = new Set(['hs_object_id', 'hs_merged_object_ids']);
  const properties = PREFERRED[object].filter((p) => always.has(p) || names.has(p));
  const own = new Set(object === 'companies' ? WRITEBACK_PROPERTIES.map((p) => p.name) : []);
  for (const p of listed) {
    if (!p.hubspotDefined && !properties.includes(p.name) && !own.has(p.name)) properties.push(p.name);
  }
  const columns = mapHeaders(KIND[object], headersOf(object, properties), 'hubspot');
  const mapped: Record<string, string> = {};
  for (const [header, field] of Object.entries(columns.mapped)) {
    if (header !== ASSOCIATED_COMPANY && !SKIP.has(header)) mapped[header] = field;
  }
  return { properties, mapped };
}

/** Ids of the companies HubSpot merged into this one (`hs_merged_object_ids`, semicolon-separated). */
export function mergedIds(r: HubSpotRecord): string[] {
  const v = r.properties.hs_merged_object_ids ?? '';
  return v
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== r.id);
}

export interface BuiltRecords<R> {
  /** The page's columns as the import's writes expect them (which fields are present, attribute keys). */
  columns: ColumnMap<string>;
  records: R[];
  problems: CrmSyncProblem[];
}

/**
 * The columns of one object as the stored mapping says (not re-guessed from the names): each read
 * property is a header, filling the field or attribute the owner confirmed; the bookkeeping properties
 * and the ones mapped to nothing stay out.
 */
export function columnsFor(
  object: CrmObject,
  mapping: ObjectMapping,
): { headers: string[]; columns: ColumnMap<string> } {
  const kept = mapping.properties.filter((p) => !SKIP.has(p) && mapping.mapped[p] !== undefined);
  const headers = headersOf(object, kept);
  const fields: Partial<Record<string, number>> = {};
  const attributes: AttributeColumn[] = [];
  const mapped: Record<string, string> = {};
  headers.forEach((header, index) => {
    const target = header === ASSOCIATED_COMPANY ? 'accountExternalId' : mapping.mapped[header]!;
    mapped[header] = target;
    if (target.startsWith('attributes.')) {
      const key = target.slice('attributes.'.length);
      attributes.push({ index, header, key, textOnly: TEXT_ATTRIBUTE.test(key) });
    } else if (fields[target] === undefined) fields[target] = index;
  });
  return {
    headers,
    columns: { format: 'hubspot', fields, attributes, mapped, ignored: [], revenueScale: 1, notes: [] },
  };
}

/** A CRM date or datetime value as the day it names (UTC): "2024-03-01", ISO times, epoch milliseconds. */
export function crmDay(v: string): string | null {
  const s = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const d = /^\d{11,}$/.test(s) ? new Date(Number(s)) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? new Date(s) : null;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString().slice(0, 10) : null;
}

export interface BuildOptions {
  /** What each deal stage means, as the owner confirmed: decides a deal's outcome over HubSpot's flags. */
  stages?: readonly StageChoice[];
  /** The churn signal read from each company (its churn day, or none). */
  churn?: ChurnChoice;
}

/**
 * One page of HubSpot records as import records. Column-wide decisions (number style, attribute types)
 * are taken from the page itself, as the importer takes them from a file. Records with a problem are
 * left out and each problem is returned with the record id and property.
 */
export function buildRecords<O extends CrmObject>(
  object: O,
  mapping: ObjectMapping,
  page: readonly CrmRecord[],
  companyOf: ReadonlyMap<string, string> = new Map(),
  opts: BuildOptions = {},
): BuiltRecords<O extends 'companies' ? AccountRecord : DealRecord> {
  const { headers, columns } = columnsFor(object, mapping);
  const rows: CsvRow[] = page.map((r, i) => ({
    line: i + 1,
    cells: headers.map((h) =>
      h === 'hs_object_id' ? r.id : h === ASSOCIATED_COMPANY ? (companyOf.get(r.id) ?? '') : (r.properties[h] ?? ''),
    ),
  }));
  const stats = new ColumnStats(columns);
  for (const row of rows) stats.add(row);
  // The owner's stage meanings: a stage HubSpot's flags would read otherwise still means what they said.
  const outcomes = new Map((opts.stages ?? []).map((s) => [s.stage, s.outcome] as const));
  const stageMap: StageMap = new Map((opts.stages ?? []).map((s) => [stageKey(s.stage), s.outcome] as const));
  const builder = new RecordBuilder(KIND[object], columns, headers, stats.decide(), stageMap);
  const records: (AccountRecord | DealRecord)[] = [];
  const problems: CrmSyncProblem[] = [];
  if (builder.fileError) {
    problems.push({ object, id: '', property: '', value: '', problem: builder.fileError });
    return { columns, records: [], problems } as never;
  }
  const churn = opts.churn && opts.churn.kind !== 'none' ? opts.churn.property : null;
  let seen = 0;
  page.forEach((source, i) => {
    const r = builder.build(rows[i]!);
    for (const e of builder.errors.slice(seen)) {
      problems.push({
        object,
        id: page[e.row - 1]?.id ?? '',
        property: e.column,
        value: e.value,
        problem: e.problem,
      });
    }
    seen = builder.errors.length;
    if (!r) return;
    if ('outcome' in r && r.stage !== null && outcomes.has(r.stage)) r.outcome = outcomes.get(r.stage)!;
    if (churn !== null && 'customerSince' in r) {
      const raw = source.properties[churn] ?? '';
      const day = raw.trim() === '' ? null : crmDay(raw);
      if (raw.trim() !== '' && day === null) {
        problems.push({ object, id: source.id, property: churn, value: raw, problem: 'the churn date is not a date' });
        return;
      }
      r.churnedOn = day;
    }
    records.push(r as AccountRecord | DealRecord);
  });
  return { columns, records, problems } as never;
}
