/**
 * Salesforce Accounts and Opportunities as the CSV import reads them (pure). A field's API name is the
 * header: the mapping is proposed by the same header aliases the import uses (Id, Name, Website,
 * Industry, NumberOfEmployees, AnnualRevenue, BillingCountry; Opportunity Id, Name, StageName, IsWon,
 * IsClosed, Amount, CreatedDate, CloseDate, OwnerId), and the org's custom fields (`__c`) are kept as
 * attributes like extra CSV columns; the stages are the org's OpportunityStage records (one "pipeline":
 * the StageName picklist), the churn signal a date field named like churn. An owner confirms it
 * (src/crm/mapping-review.ts) before the records go through src/crm/mapping.ts buildRecords.
 */
import { mapHeaders } from '../import/headers.ts';
import type { ObjectMapping } from './mapping.ts';
import { type CrmMapping, type PipelineInput, proposeChurn, proposeStages } from './mapping-review.ts';
import type { SalesforceField, SalesforceStage } from './salesforce.ts';
import { SALESFORCE_WRITEBACK_NAMES } from './salesforce-writeback.ts';
import type { CrmObject } from './source.ts';

/** The Salesforce object behind each synced object. */
export const SOBJECT: Record<CrmObject, 'Account' | 'Opportunity'> = { companies: 'Account', deals: 'Opportunity' };

/** Standard fields read when the user can read them, in this order (they win a field over custom ones). */
const PREFERRED: Record<CrmObject, readonly string[]> = {
  companies: ['Id', 'Name', 'Website', 'Industry', 'NumberOfEmployees', 'AnnualRevenue', 'BillingCountry'],
  // The outcome comes from Salesforce's own IsWon / IsClosed: they hold whatever the stages are called.
  deals: ['Id', 'Name', 'StageName', 'IsWon', 'IsClosed', 'Amount', 'CreatedDate', 'CloseDate', 'OwnerId'],
};

/** Fields the sync cannot run without; connecting names the ones the user cannot read. */
export const REQUIRED_FIELDS: Record<CrmObject, readonly string[]> = {
  companies: ['Id', 'Name', 'SystemModstamp', 'IsDeleted', 'MasterRecordId'],
  deals: ['Id', 'Name', 'AccountId', 'StageName', 'IsWon', 'IsClosed', 'CloseDate', 'SystemModstamp', 'IsDeleted'],
};

/** Field types that are not one value a CSV cell could hold. */
const NOT_SCALAR = new Set(['address', 'location', 'base64', 'anyType', 'complexvalue', 'encryptedstring']);

const KIND = { companies: 'accounts', deals: 'deals' } as const;

/** One object's mapping from the fields describe lists (only the ones the user can read are listed). */
export function proposeSalesforceObject(object: CrmObject, fields: readonly SalesforceField[]): ObjectMapping {
  const names = new Set(fields.map((f) => f.name));
  const properties = PREFERRED[object].filter((p) => names.has(p));
  for (const f of fields) {
    // The write-back's own fields are the bot's output, never its input.
    const own = object === 'companies' && SALESFORCE_WRITEBACK_NAMES.includes(f.name);
    if (f.custom && f.name.endsWith('__c') && !NOT_SCALAR.has(f.type) && !properties.includes(f.name) && !own) {
      properties.push(f.name);
    }
  }
  const columns = mapHeaders(KIND[object], properties, 'salesforce');
  return { properties, mapped: { ...columns.mapped } };
}

/** The StageName picklist as the one pipeline the review shows: closed and won as the org defines them. */
export function stagePipeline(stages: readonly SalesforceStage[]): PipelineInput {
  return {
    id: 'StageName',
    label: 'Opportunity stages',
    stages: stages.map((s) => ({
      id: s.apiName,
      label: s.label,
      isClosed: s.isClosed,
      probability: s.isWon ? 1 : s.isClosed ? 0 : null,
    })),
  };
}

/**
 * The whole proposal from describe (the fields the user can read) and the org's opportunity stages
 * (null when unreadable: outcomes then come from each opportunity's IsWon / IsClosed).
 */
export function proposeSalesforceMapping(
  fields: Record<CrmObject, readonly SalesforceField[]>,
  stages: readonly SalesforceStage[] | null,
): CrmMapping {
  const catalog = (fs: readonly SalesforceField[]) =>
    fs.filter((f) => !NOT_SCALAR.has(f.type)).map((f) => ({ name: f.name, label: f.label, type: f.type }));
  const companies = catalog(fields.companies);
  return {
    companies: proposeSalesforceObject('companies', fields.companies),
    deals: proposeSalesforceObject('deals', fields.deals),
    stages: stages && stages.length > 0 ? proposeStages([stagePipeline(stages)]) : [],
    churn: proposeChurn(companies, []),
    catalog: { companies, deals: catalog(fields.deals) },
    lifecycleStages: [],
  };
}

/** What the user cannot read, as `Object` or `Object.Field` names (empty: the sync can run). */
export function missingAccess(
  described: Record<CrmObject, { queryable: boolean; fields: readonly SalesforceField[] } | null>,
): string[] {
  const missing: string[] = [];
  for (const object of ['companies', 'deals'] as const) {
    const d = described[object];
    if (!d?.queryable) {
      missing.push(SOBJECT[object]);
      continue;
    }
    const names = new Set(d.fields.map((f) => f.name));
    for (const f of REQUIRED_FIELDS[object]) if (!names.has(f)) missing.push(`${SOBJECT[object]}.${f}`);
  }
  return missing;
}
