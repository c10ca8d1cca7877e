/**
 * One CSV row → one record of its kind (account, deal, churn event, subscription), through the RowReader
 * that validates each mapped field (src/import/records.ts). Pure functions of the row: errors go to the
 * reader, a row with errors gives null.
 */
import { createHash } from 'node:crypto';
import { normalizeCompanyName } from '../lookup/normalize.ts';
import type { AccountField, ChurnField, ColumnMap, DealField, SubscriptionField } from './headers.ts';
import type { CsvRow } from './read.ts';
import type {
  AccountRecord,
  Attributes,
  AttrReader,
  ChurnRecord,
  DealRecord,
  RowReader,
  SubscriptionRecord,
} from './records.ts';
import { decideOutcome, type StageMap } from './stages.ts';

// Field-name checkers (module-level: no closure per row).
const fa = (x: AccountField) => x;
const fd = (x: DealField) => x;
const fc = (x: ChurnField) => x;
const fs = (x: SubscriptionField) => x;

/** Stable id for a row without one: the same cells always give the same id. */
export function rowHash(cells: readonly string[]): string {
  return `row:${createHash('sha1')
    .update(cells.map((c) => c.trim()).join('\u001f'))
    .digest('hex')
    .slice(0, 20)}`;
}

export function attributesOf(readers: readonly AttrReader[], row: CsvRow): Attributes {
  const out: Attributes = {};
  for (const p of readers) {
    const v = p.read(row.cells[p.index] ?? '');
    if (v !== null) out[p.key] = v;
  }
  return out;
}

export function buildAccount(
  reader: RowReader,
  row: CsvRow,
  plans: readonly AttrReader[],
  revenueScale: number,
  countryOf: (raw: string) => string | null,
  domainOf: (raw: string) => string | null,
): { record: AccountRecord; countryUnknown: boolean } | null {
  const before = reader.errorCount;
  const name = reader.text(row, fa('name'));
  if (!name) reader.fail(row, fa('name'), 'company name is required');
  const employees = reader.count(row, fa('employees'));
  const revenueRaw = reader.number(row, fa('revenue'));
  const attributes = attributesOf(plans, row);

  let domain: string | null = null;
  const domainRaw = reader.text(row, fa('domain'));
  const websiteRaw = reader.text(row, fa('website'));
  if (domainRaw) {
    domain = domainOf(domainRaw);
    if (!domain) attributes.domain_raw = domainRaw;
  }
  if (websiteRaw) {
    attributes.website = websiteRaw;
    domain ??= domainOf(websiteRaw);
  }

  const countryRaw = reader.text(row, fa('country'));
  const country = countryRaw ? countryOf(countryRaw) : null;
  const customerSince = reader.date(row, fa('customerSince'));
  if (countryRaw && !country) attributes.country_raw = countryRaw;

  if (reader.errorCount > before || !name) return null;
  const normalizedName = normalizeCompanyName(name);
  const id = reader.text(row, fa('externalId'));
  return {
    record: {
      externalId: id ?? normalizedName,
      name,
      normalizedName,
      domain,
      industry: reader.text(row, fa('industry')),
      employees,
      revenue: revenueRaw === null ? null : Math.round(revenueRaw * revenueScale * 100) / 100,
      country,
      customerSince,
      attributes,
    },
    countryUnknown: Boolean(countryRaw && !country),
  };
}

const OUTCOME_FIELDS = ['stage', 'isClosedWon', 'isWon', 'isClosed'] as const;
const ACCOUNT_FIELDS = ['accountName', 'accountExternalId'] as const;

/** Whether a deals file says anything about outcomes (a stage or a won/closed flag column). */
export const hasOutcomeColumn = (c: ColumnMap<string>) => OUTCOME_FIELDS.some((f) => c.fields[f] !== undefined);
export const hasAccountColumn = (c: ColumnMap<string>) => ACCOUNT_FIELDS.some((f) => c.fields[f] !== undefined);

export function buildDeal(
  reader: RowReader,
  row: CsvRow,
  plans: readonly AttrReader[],
  stageMap: StageMap | undefined,
  withOutcome: boolean,
): DealRecord | 'unknown' {
  const stage = reader.text(row, fd('stage'));
  const decided = withOutcome
    ? decideOutcome(
        {
          stage,
          isClosedWon: reader.bool(row, fd('isClosedWon')),
          isWon: reader.bool(row, fd('isWon')),
          isClosed: reader.bool(row, fd('isClosed')),
        },
        stageMap,
      )
    : null;
  if (decided === 'unknown') return 'unknown';
  const attributes = attributesOf(plans, row);
  const accountName = reader.text(row, fd('accountName'));
  return {
    externalId: reader.text(row, fd('externalId')) ?? rowHash(row.cells),
    name: reader.text(row, fd('name')),
    accountName,
    accountNormalizedName: accountName ? normalizeCompanyName(accountName) : null,
    accountExternalId: reader.text(row, fd('accountExternalId')),
    stage,
    outcome: decided,
    amount: reader.number(row, fd('amount')),
    createdOn: reader.date(row, fd('createdOn')),
    closeDate: reader.date(row, fd('closedOn')),
    owner: reader.text(row, fd('owner')),
    product: reader.text(row, fd('product')),
    attributes,
  };
}

export function buildChurn(reader: RowReader, row: CsvRow, plans: readonly AttrReader[]): ChurnRecord | null {
  const churnedOn = reader.date(row, fc('churnedOn'));
  if (churnedOn === null && !reader.raw(row, fc('churnedOn')))
    reader.fail(row, fc('churnedOn'), 'churn date is required');
  const accountName = reader.text(row, fc('accountName'));
  const record: ChurnRecord = {
    externalId: reader.text(row, fc('externalId')) ?? rowHash(row.cells),
    accountExternalId: reader.text(row, fc('accountExternalId')),
    accountName,
    accountNormalizedName: accountName ? normalizeCompanyName(accountName) : null,
    churnedOn: churnedOn ?? '',
    reason: reader.text(row, fc('reason')),
    amount: reader.number(row, fc('amount')),
    attributes: attributesOf(plans, row),
  };
  return churnedOn ? record : null;
}

/** A subscription: start date required, an end before the start refused, account by id or name. */
export function buildSubscription(
  reader: RowReader,
  row: CsvRow,
  plans: readonly AttrReader[],
): SubscriptionRecord | null {
  const before = reader.errorCount;
  const startedOn = reader.date(row, fs('startedOn'));
  if (startedOn === null && !reader.raw(row, fs('startedOn')))
    reader.fail(row, fs('startedOn'), 'subscription start date is required');
  const endedOn = reader.date(row, fs('endedOn'));
  if (startedOn && endedOn && endedOn < startedOn)
    reader.fail(row, fs('endedOn'), `ends before it starts (${startedOn})`);
  const accountName = reader.text(row, fs('accountName'));
  const record: SubscriptionRecord = {
    externalId: reader.text(row, fs('externalId')) ?? rowHash(row.cells),
    accountExternalId: reader.text(row, fs('accountExternalId')),
    accountName,
    accountNormalizedName: accountName ? normalizeCompanyName(accountName) : null,
    startedOn: startedOn ?? '',
    endedOn,
    plan: reader.text(row, fs('plan')),
    mrr: reader.number(row, fs('mrr')),
    arr: reader.number(row, fs('arr')),
    attributes: attributesOf(plans, row),
  };
  return reader.errorCount > before || !startedOn ? null : record;
}
