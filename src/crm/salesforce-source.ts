/**
 * Salesforce as a CrmSource: SOQL through the REST Query resource, paged by nextRecordsUrl. A full sync
 * reads every Account and Opportunity, an incremental one those whose SystemModstamp is after the
 * cursor, oldest first. Deletions come from queryAll (IsDeleted = true, kept in the recycle bin for 15
 * days); a deleted Account with a MasterRecordId was merged into that master, and its deals follow it.
 */
import type { SalesforceApi, SoqlPage } from './salesforce.ts';
import { SOBJECT } from './salesforce-mapping.ts';
import type { CrmObject, CrmRecord, CrmSource } from './source.ts';

/** A SOQL datetime literal (unquoted, UTC). */
const soqlTime = (d: Date) => d.toISOString();

/** Salesforce writes datetimes as 2024-01-10T12:00:00.000+0000. */
export const parseSalesforceTime = (v: unknown): Date => new Date(String(v).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

/** A field value as the text a CSV cell would hold (null stays null). */
function cell(v: unknown): string | null {
  // A Bulk API CSV writes a blank for none.
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'object') return null;
  return String(v);
}

async function* pagesOf(api: SalesforceApi, soql: string, all = false): AsyncGenerator<Record<string, unknown>[]> {
  let page: SoqlPage = await api.query(soql, { all });
  for (;;) {
    if (page.records.length > 0) yield page.records;
    if (page.done || !page.nextRecordsUrl) return;
    page = await api.queryMore(page.nextRecordsUrl);
  }
}

const toRecord = (r: Record<string, unknown>, properties: readonly string[]): CrmRecord => ({
  id: String(r.Id),
  properties: Object.fromEntries(properties.map((p) => [p, cell(r[p])])),
  updatedAt: parseSalesforceTime(r.SystemModstamp),
});

/** Records a page of a Bulk API 2.0 query is cut into (the REST API's largest batch). */
export const BULK_PAGE = 2000;

/** A Bulk API 2.0 job's records in pages of BULK_PAGE. */
async function* bulkPages(records: AsyncIterable<Record<string, string>>): AsyncGenerator<Record<string, unknown>[]> {
  let page: Record<string, unknown>[] = [];
  for await (const r of records) {
    // Every results page is a CSV with its own header row, and jsforce parses the pages as one file: a
    // later page's header arrives as a record (its Id is "Id", which no record's is).
    if (r.Id === 'Id') continue;
    page.push(r);
    if (page.length >= BULK_PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

export interface SalesforceSourceOptions {
  /**
   * A full sync of an object with at least this many records reads them through one Bulk API 2.0 query
   * job instead of REST query pages (0: never).
   */
  bulkThreshold?: number;
}

export function salesforceSource(api: SalesforceApi, opts: SalesforceSourceOptions = {}): CrmSource {
  /** Bulk API 2.0 for a large first (or --full) sync, counted first; REST query pages otherwise. */
  async function* rowsOf(object: CrmObject, fields: string[], since: Date | null) {
    const from = `FROM ${SOBJECT[object]}`;
    const threshold = opts.bulkThreshold ?? 0;
    if (since === null && threshold > 0 && (await api.count(`SELECT COUNT() ${from}`)) >= threshold) {
      const records = await api.bulkQuery(`SELECT ${fields.join(', ')} ${from}`);
      if (records) {
        yield* bulkPages(records);
        return;
      }
    }
    const where = since ? ` WHERE SystemModstamp > ${soqlTime(since)}` : '';
    yield* pagesOf(api, `SELECT ${fields.join(', ')} ${from}${where} ORDER BY SystemModstamp, Id`);
  }

  return {
    provider: 'salesforce',
    async *pages(object, properties, since) {
      const fields = [
        ...new Set(['Id', ...properties, 'SystemModstamp', ...(object === 'deals' ? ['AccountId'] : [])]),
      ];
      for await (const rows of rowsOf(object, fields, since)) {
        const records = rows.map((r) => toRecord(r, properties));
        if (object === 'deals') {
          const companyOf = new Map<string, string>();
          for (const r of rows)
            if (typeof r.AccountId === 'string' && r.AccountId) companyOf.set(String(r.Id), r.AccountId);
          yield { records, companyOf };
        } else {
          yield { records };
        }
      }
    },
    async *deletions(object: CrmObject, since) {
      const fields = object === 'companies' ? 'Id, MasterRecordId' : 'Id';
      const after = since ? ` AND SystemModstamp > ${soqlTime(since)}` : '';
      const soql = `SELECT ${fields} FROM ${SOBJECT[object]} WHERE IsDeleted = true${after} ORDER BY SystemModstamp, Id`;
      for await (const rows of pagesOf(api, soql, true)) {
        const merges = rows
          .filter((r) => typeof r.MasterRecordId === 'string' && r.MasterRecordId)
          .map((r) => ({ survivor: String(r.MasterRecordId), merged: [String(r.Id)] }));
        yield { ids: rows.map((r) => String(r.Id)), merges };
      }
    },
  };
}
