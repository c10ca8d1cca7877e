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
  if (v === null || v === undefined) return null;
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

export function salesforceSource(api: SalesforceApi): CrmSource {
  return {
    provider: 'salesforce',
    async *pages(object, properties, since) {
      const fields = [
        ...new Set(['Id', ...properties, 'SystemModstamp', ...(object === 'deals' ? ['AccountId'] : [])]),
      ];
      const where = since ? ` WHERE SystemModstamp > ${soqlTime(since)}` : '';
      const soql = `SELECT ${fields.join(', ')} FROM ${SOBJECT[object]}${where} ORDER BY SystemModstamp, Id`;
      for await (const rows of pagesOf(api, soql)) {
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
