/**
 * Header detection and mapping for CRM CSV exports. HubSpot and Salesforce UI exports use labels
 * ("Deal Stage", "Account Name"), their APIs and Data Loader use internal names ("dealstage",
 * "StageName"); both are matched case-insensitively with spacing and punctuation ignored.
 * Labels and names come from the vendors' field references (see crm-export-headers in the shared data).
 */
import { snakeCase } from './values.ts';

export type ImportKind = 'accounts' | 'deals' | 'churn' | 'subscriptions';
export type CsvFormat = 'hubspot' | 'salesforce' | 'generic';
export type FormatOption = CsvFormat | 'auto';

export type AccountField =
  | 'externalId'
  | 'name'
  | 'domain'
  | 'website'
  | 'industry'
  | 'employees'
  | 'revenue'
  | 'country'
  | 'customerSince';
export type DealField =
  | 'externalId'
  | 'name'
  | 'accountName'
  | 'accountExternalId'
  | 'stage'
  | 'isClosedWon'
  | 'isWon'
  | 'isClosed'
  | 'amount'
  | 'createdOn'
  | 'closedOn'
  | 'owner'
  | 'product';
export type ChurnField = 'externalId' | 'accountExternalId' | 'accountName' | 'churnedOn' | 'reason' | 'amount';
export type SubscriptionField =
  | 'externalId'
  | 'accountExternalId'
  | 'accountName'
  | 'startedOn'
  | 'endedOn'
  | 'plan'
  | 'mrr'
  | 'arr';

export type FieldOf<K extends ImportKind> = K extends 'accounts'
  ? AccountField
  : K extends 'deals'
    ? DealField
    : K extends 'churn'
      ? ChurnField
      : SubscriptionField;

/** "Company Domain Name", "company_domain_name" and "CompanyDomainName" all become "companydomainname". */
export function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * Header aliases per canonical field, as header keys. Order inside a list does not matter; when two
 * columns of one file map to the same field, the first column wins and the other becomes an attribute.
 */
export const accountAliases: Record<AccountField, readonly string[]> = {
  // HubSpot "Record ID"/hs_object_id, Salesforce "Account ID"/Id, generic ids (RavenStack account_id).
  externalId: [
    'recordid',
    'hsobjectid',
    'accountid',
    'id',
    'companyid',
    'organizationid',
    'organisationid',
    'externalid',
    'crmid',
    'hubspotid',
    'salesforceid',
    'sfid',
  ],
  name: [
    'companyname',
    'name',
    'accountname',
    'account',
    'company',
    'organization',
    'organisation',
    'organizationname',
    'organisationname',
    'businessname',
  ],
  domain: ['companydomainname', 'domain', 'companydomain', 'domainname', 'emaildomain'],
  website: ['websiteurl', 'website', 'url', 'web', 'homepage', 'companywebsite', 'websiteaddress'],
  industry: ['industry', 'sector', 'vertical', 'industrysector', 'industrytype'],
  employees: [
    'numberofemployees',
    'employees',
    'employeecount',
    'headcount',
    'noofemployees',
    'numemployees',
    'companysize',
    'employeesize',
  ],
  revenue: ['annualrevenue', 'revenue', 'annualrevenueusd', 'revenueusd', 'revenuemusd', 'revenuemillions'],
  // Maven CRM's office_location holds the headquarters country.
  country: [
    'countryregion',
    'country',
    'billingcountry',
    'hqcountry',
    'headquarterscountry',
    'countrycode',
    'officelocation',
  ],
  // When the account became a customer: a signup date (RavenStack), HubSpot's "Became a Customer Date"
  // (hs_lifecyclestage_customer_date), the usual Salesforce custom fields (Customer Since / Customer_Since__c).
  customerSince: [
    'customersince',
    'customersincedate',
    'customersincec',
    'becameacustomerdate',
    'hslifecyclestagecustomerdate',
    'signupdate',
    'signedupon',
    'customerstartdate',
  ],
};

export const dealAliases: Record<DealField, readonly string[]> = {
  externalId: ['recordid', 'hsobjectid', 'opportunityid', 'id', 'dealid', 'externalid', 'crmid', 'sfid'],
  name: ['dealname', 'opportunityname', 'name', 'deal', 'title'],
  accountName: [
    'associatedcompany',
    'accountname',
    'account',
    'company',
    'companyname',
    'associatedcompanyname',
    'customer',
    'customername',
    'organization',
  ],
  accountExternalId: ['accountid', 'companyid', 'associatedcompanyid', 'customerid', 'organizationid'],
  stage: ['dealstage', 'stage', 'stagename', 'salesstage', 'pipelinestage', 'dealstatus', 'status'],
  isClosedWon: ['isclosedwon', 'hsisclosedwon'],
  isWon: ['won', 'iswon'],
  isClosed: ['closed', 'isclosed', 'hsisclosed'],
  amount: [
    'amount',
    'closevalue',
    'dealvalue',
    'value',
    'dealamount',
    'amountusd',
    'amountincompanycurrency',
    'amountinhomecurrency',
  ],
  createdOn: ['createdate', 'createddate', 'engagedate', 'created', 'createdat', 'createdon', 'opendate'],
  closedOn: ['closedate', 'closeddate', 'closedat', 'closedon'],
  owner: [
    'dealowner',
    'hubspotownerid',
    'opportunityowner',
    'ownerid',
    'owner',
    'ownername',
    'salesagent',
    'salesrep',
    'rep',
    'accountexecutive',
  ],
  product: ['product', 'productname', 'products'],
};

export const churnAliases: Record<ChurnField, readonly string[]> = {
  externalId: ['churneventid', 'id', 'eventid', 'churnid', 'recordid', 'hsobjectid', 'externalid'],
  accountExternalId: ['accountid', 'companyid', 'customerid', 'organizationid'],
  accountName: ['accountname', 'account', 'company', 'companyname', 'customer', 'customername'],
  churnedOn: [
    'churndate',
    'churnedon',
    'churnedat',
    'date',
    'canceldate',
    'cancellationdate',
    'cancelledat',
    'canceledat',
    'enddate',
  ],
  reason: ['reasoncode', 'reason', 'churnreason', 'cancellationreason'],
  amount: ['refundamountusd', 'refundamount', 'refund', 'amount'],
};

// Subscription exports (RavenStack, Stripe, Chargebee, HubSpot/Salesforce subscription objects).
export const subscriptionAliases: Record<SubscriptionField, readonly string[]> = {
  externalId: ['subscriptionid', 'id', 'recordid', 'hsobjectid', 'externalid'],
  accountExternalId: ['accountid', 'companyid', 'customerid', 'organizationid'],
  accountName: ['accountname', 'account', 'company', 'companyname', 'customer', 'customername'],
  startedOn: ['startdate', 'startedon', 'startedat', 'subscriptionstartdate', 'currentperiodstart', 'createdat'],
  endedOn: ['enddate', 'endedon', 'endedat', 'subscriptionenddate', 'canceledat', 'cancelledat', 'cancellationdate'],
  plan: ['plantier', 'plan', 'planname', 'product', 'tier'],
  mrr: ['mrramount', 'mrr', 'monthlyrecurringrevenue'],
  arr: ['arramount', 'arr', 'annualrecurringrevenue', 'hsarr'],
};

const aliasesByKind = {
  accounts: accountAliases,
  deals: dealAliases,
  churn: churnAliases,
  subscriptions: subscriptionAliases,
} as const;

// Headers only HubSpot writes (labels and internal names). Ambiguous ones ("Close Date" is also
// Salesforce's CloseDate; "deal_stage" is common in home-made files) are left out or weighed lightly.
const HUBSPOT_STRONG = new Set([
  'recordid',
  'hsobjectid',
  'hubspotownerid',
  'isclosedwon',
  'hsisclosedwon',
  'companydomainname',
  'associatedcompany',
  'dealowner',
  'companyowner',
  'countryregion',
  'stateregion',
  'dealname',
  'lifecyclestage',
  'websiteurl',
  'createdate',
  'hsarr',
  'closedlostreason',
  'closedwonreason',
  'foundedyear',
  'noteslastupdated',
]);
const HUBSPOT_WEAK = new Set(['dealstage', 'pipeline', 'dealtype']);
const SALESFORCE_STRONG = new Set([
  'opportunityname',
  'stagename',
  'iswon',
  'isclosed',
  'opportunityowner',
  'accountowner',
  'billingcountry',
  'billingcity',
  'billingstate',
  'billingstateprovince',
  'billingpostalcode',
  'billingzippostalcode',
  'forecastcategory',
  'forecastcategoryname',
  'opportunitytype',
  'accounttype',
  'accountsource',
  'leadsource',
  'probability',
  'fiscalperiod',
  'createddate',
  'parentaccountid',
  'parentid',
  'ownerid',
]);
const SALESFORCE_WEAK = new Set(['opportunityid', 'accountid', 'accountname', 'stage']);

/** Which CRM wrote these headers: HubSpot, Salesforce, or neither ('generic'). */
export function detectFormat(headers: readonly string[]): CsvFormat {
  let hubspot = 0;
  let hubspotStrong = 0;
  let salesforce = 0;
  let salesforceStrong = 0;
  for (const h of headers) {
    const k = headerKey(h);
    if (HUBSPOT_STRONG.has(k) || h.trim().toLowerCase().startsWith('hs_')) {
      hubspot += 1;
      hubspotStrong++;
    } else if (HUBSPOT_WEAK.has(k)) hubspot += 0.5;
    if (SALESFORCE_STRONG.has(k)) {
      salesforce += 1;
      salesforceStrong++;
    } else if (SALESFORCE_WEAK.has(k)) salesforce += 0.5;
  }
  if (hubspotStrong === 0 && salesforceStrong === 0) return 'generic';
  if (hubspotStrong === 0) return 'salesforce';
  if (salesforceStrong === 0) return 'hubspot';
  return hubspot >= salesforce ? 'hubspot' : 'salesforce';
}

/** Attribute keys that hold identifiers or codes and must stay text even when they look numeric. */
export const TEXT_ATTRIBUTE = /(^|_)(id|ids|zip|postal|postcode|phone|code)(_|$)/;

export interface AttributeColumn {
  index: number;
  header: string;
  /** snake_case key in `attributes`. */
  key: string;
  /** Forces text (ids, postal codes) instead of inferring numbers. */
  textOnly: boolean;
}

export interface ColumnMap<F extends string> {
  format: CsvFormat;
  /** Column index of each canonical field found. */
  fields: Partial<Record<F, number>>;
  attributes: AttributeColumn[];
  /** header → canonical field, or `attributes.<key>`. */
  mapped: Record<string, string>;
  /** Headers not imported (blank or repeated headers, row-number columns). */
  ignored: string[];
  /** Multiplier that turns the revenue column into whole currency units. */
  revenueScale: number;
  /** Notes for the import summary (e.g. how revenue was read). */
  notes: string[];
}

/** Columns that are spreadsheet row numbers, not data. */
const ROW_NUMBER = new Set(['index', 'rownumber', 'row', '']);

/**
 * Maps a file's headers to canonical fields of `kind`; every other header becomes an attribute.
 * `format` only decides the reported source; aliases of every CRM are accepted in any file.
 */
export function mapHeaders<K extends ImportKind>(
  kind: K,
  headers: readonly string[],
  format: FormatOption = 'auto',
): ColumnMap<FieldOf<K>> {
  const aliases = aliasesByKind[kind] as Record<string, readonly string[]>;
  const lookup = new Map<string, string>();
  for (const [field, keys] of Object.entries(aliases)) for (const k of keys) lookup.set(k, field);

  const resolved: CsvFormat = format === 'auto' ? detectFormat(headers) : format;
  const fields: Partial<Record<string, number>> = {};
  const attributes: AttributeColumn[] = [];
  const mapped: Record<string, string> = {};
  const ignored: string[] = [];
  const usedKeys = new Set<string>();
  const notes: string[] = [];
  let revenueScale = 1;

  headers.forEach((header, index) => {
    const k = headerKey(header);
    if (ROW_NUMBER.has(k)) {
      ignored.push(header);
      return;
    }
    const field = lookup.get(k);
    if (field && fields[field] === undefined) {
      fields[field] = index;
      mapped[header] = field;
      return;
    }
    let key = snakeCase(header);
    if (key === '' || usedKeys.has(key)) {
      ignored.push(header);
      return;
    }
    // Never let an attribute shadow a canonical field name in the record.
    if (key === 'country_raw') key = 'country_raw_column';
    usedKeys.add(key);
    attributes.push({ index, header, key, textOnly: TEXT_ATTRIBUTE.test(key) });
    mapped[header] = `attributes.${key}`;
  });

  if (kind === 'accounts' && fields.revenue !== undefined) {
    const h = headerKey(headers[fields.revenue] ?? '');
    const keys = new Set(headers.map(headerKey));
    if (/million|musd|mm$|inm$/.test(h)) revenueScale = 1e6;
    else if (/thousand|kusd|000s$/.test(h)) revenueScale = 1e3;
    else if (keys.has('yearestablished') && keys.has('officelocation') && keys.has('subsidiaryof')) {
      // Maven CRM's accounts.csv: its data dictionary gives revenue "in millions of USD".
      revenueScale = 1e6;
    }
    if (revenueScale !== 1) {
      notes.push(`revenue read as ${revenueScale === 1e6 ? 'millions' : 'thousands'} and stored in whole units`);
    }
  }

  return {
    format: resolved,
    fields: fields as Partial<Record<FieldOf<K>, number>>,
    attributes,
    mapped,
    ignored,
    revenueScale,
    notes,
  };
}
