/**
 * HubSpot as a CrmSource: the whole list on a full sync (list endpoints, page by page), the search API
 * (records whose hs_lastmodifieddate is after the cursor) on an incremental one, archived records as the
 * deletions, and merges read off the surviving company (hs_merged_object_ids).
 */
import { type HubSpotApi, type HubSpotPage, type HubSpotRecord, PAGE_SIZE } from './hubspot.ts';
import { mergedIds } from './mapping.ts';
import type { CrmMerge, CrmObject, CrmSource } from './source.ts';

/** Results one search query can page through (HubSpot's documented limit). */
export const SEARCH_RESULT_LIMIT = 10_000;

/** Pages of one object: the whole list (full) or the records modified after `since`, oldest first. */
async function* pagesOf(
  api: HubSpotApi,
  object: CrmObject,
  properties: readonly string[],
  since: Date | null,
  archived = false,
  searchLimit = SEARCH_RESULT_LIMIT,
): AsyncGenerator<HubSpotRecord[]> {
  const search = since !== null && !archived;
  let from = since;
  let after: string | undefined;
  let fetched = 0;
  for (;;) {
    const page: HubSpotPage =
      search && from
        ? await api.searchModifiedSince(object, properties, from, after)
        : await api.listPage(object, properties, after, archived);
    if (page.results.length > 0) yield page.results;
    fetched += page.results.length;
    after = page.after;
    if (!after) return;
    const last = page.results.at(-1);
    if (search && from && last && fetched + PAGE_SIZE > searchLimit) {
      // A search query pages through at most 10,000 results: a new query starts from the newest record
      // read (1 ms earlier, so records sharing its time are read again rather than skipped).
      const next = new Date(last.updatedAt.getTime() - 1);
      if (next <= from) throw new Error('over 10,000 HubSpot records share one modification time');
      from = next;
      after = undefined;
      fetched = 0;
    }
  }
}

/** The property HubSpot lists a survivor's merged record ids in. */
const MERGED = 'hs_merged_object_ids';

export function hubspotSource(api: HubSpotApi, opts: { searchLimit?: number | undefined } = {}): CrmSource {
  return {
    provider: 'hubspot',
    async *pages(object, properties, since) {
      // Merges are read off the survivor, companies and deals alike, whatever the mapping lists.
      const read = properties.includes(MERGED) ? properties : [...properties, MERGED];
      for await (const records of pagesOf(api, object, read, since, false, opts.searchLimit)) {
        const merges: CrmMerge[] = records
          .map((r) => ({ survivor: r.id, merged: mergedIds(r) }))
          .filter((m) => m.merged.length > 0);
        if (object === 'deals') {
          yield { records, merges, companyOf: await api.dealCompanies(records.map((r) => r.id)) };
        } else {
          yield { records, merges };
        }
      }
    },
    // Archived (deleted) records: HubSpot lists them apart, for 90 days, whatever the cursor.
    async *deletions(object) {
      for await (const page of pagesOf(api, object, ['hs_object_id'], null, true)) {
        yield { ids: page.map((r) => r.id) };
      }
    },
  };
}
