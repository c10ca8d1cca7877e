/**
 * HubSpot records as the CSV import reads them (pure: no SDK, no database). A HubSpot property name is a
 * header, a record is a row: the field mapping is proposed by the same header aliases the CSV import
 * uses (src/import/headers.ts), the account's own custom properties are kept as attributes like extra
 * CSV columns, and every value is validated by the import's RecordBuilder, so a synced company or deal is
 * exactly what importing the same data from a HubSpot export would store.
 */
import type { CrmSyncProblem } from '../../db/queries/crm.ts';
import { type ColumnMap, mapHeaders } from '../import/headers.ts';
import type { CsvRow } from '../import/read.ts';
import { type AccountRecord, ColumnStats, type DealRecord, RecordBuilder } from '../import/records.ts';
import type { HubSpotProperty, HubSpotRecord } from './hubspot.ts';
import type { CrmObject, CrmRecord } from './source.ts';

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
 * CSV aliases know, then every custom property (kept as an attribute).
 */
export function proposeObjectMapping(object: CrmObject, listed: readonly HubSpotProperty[]): ObjectMapping {
  const names = new Set(listed.map((p) => p.name));
  // hs_object_id and hs_merged_object_ids exist on every account, listed or not.
  const always = new Set(['hs_object_id', 'hs_merged_object_ids']);
  const properties = PREFERRED[object].filter((p) => always.has(p) || names.has(p));
  for (const p of listed) if (!p.hubspotDefined && !properties.includes(p.name)) properties.push(p.name);
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
 * One page of HubSpot records as import records. Column-wide decisions (number style, attribute types)
 * are taken from the page itself, as the importer takes them from a file. Records with a problem are
 * left out and each problem is returned with the record id and property.
 */
export function buildRecords<O extends CrmObject>(
  object: O,
  mapping: ObjectMapping,
  page: readonly CrmRecord[],
  companyOf: ReadonlyMap<string, string> = new Map(),
): BuiltRecords<O extends 'companies' ? AccountRecord : DealRecord> {
  // The bookkeeping properties stay out of the columns: they would become attributes.
  const kept = mapping.properties.filter((p) => !SKIP.has(p));
  const headers = headersOf(object, kept);
  const columns = mapHeaders(KIND[object], headers, 'hubspot') as ColumnMap<string>;
  const rows: CsvRow[] = page.map((r, i) => ({
    line: i + 1,
    cells: headers.map((h) =>
      h === 'hs_object_id' ? r.id : h === ASSOCIATED_COMPANY ? (companyOf.get(r.id) ?? '') : (r.properties[h] ?? ''),
    ),
  }));
  const stats = new ColumnStats(columns);
  for (const row of rows) stats.add(row);
  const builder = new RecordBuilder(KIND[object], columns, headers, stats.decide());
  const records: (AccountRecord | DealRecord)[] = [];
  const problems: CrmSyncProblem[] = [];
  if (builder.fileError) {
    problems.push({ object, id: '', property: '', value: '', problem: builder.fileError });
    return { columns, records: [], problems } as never;
  }
  let seen = 0;
  for (const row of rows) {
    const r = builder.build(row);
    if (r) records.push(r as AccountRecord | DealRecord);
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
  }
  return { columns, records, problems } as never;
}
