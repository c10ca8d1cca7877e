/**
 * What a CRM provider hands the sync (src/usecases/crm-sync.ts): pages of companies and of deals changed
 * since a cursor, the ids deleted since then, and the merges. The provider's own calls (HubSpot's list
 * and search, Salesforce's SOQL) stay behind this; the writes, problems and cursors are the sync's.
 */

/** The bot's two synced objects: HubSpot companies and deals, Salesforce Accounts and Opportunities. */
export type CrmObject = 'companies' | 'deals';

/** One CRM record: its id, its property (field) values as text, and when the CRM last changed it. */
export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
  updatedAt: Date;
}

/**
 * Records merged into `survivor`, folded once the survivor is written: merged companies' deals and churn
 * follow the survivor; a merged deal is removed (the survivor carries it on, so it is not counted twice).
 */
export interface CrmMerge {
  survivor: string;
  merged: string[];
}

export interface CrmPage {
  records: CrmRecord[];
  /** Deals: each deal's company id (absent: no company). */
  companyOf?: ReadonlyMap<string, string>;
  /** Merges this page's records tell of (HubSpot lists them on the surviving company or deal). */
  merges?: CrmMerge[];
}

export interface CrmDeletions {
  /** Ids the CRM deleted; deleting what is already gone is a no-op. */
  ids: string[];
  /** Deleted companies that were merged into another (Salesforce: MasterRecordId): folded first. */
  merges?: CrmMerge[];
}

export interface CrmSource {
  /** The `source` column of what it writes: 'hubspot' | 'salesforce'. */
  readonly provider: string;
  /** The object's records modified after `since` (all when null), oldest first, reading `properties`. */
  pages(object: CrmObject, properties: readonly string[], since: Date | null): AsyncIterable<CrmPage>;
  /** Deletions of the object since `since` (all the CRM still tells of when null). */
  deletions(object: CrmObject, since: Date | null): AsyncIterable<CrmDeletions>;
}
