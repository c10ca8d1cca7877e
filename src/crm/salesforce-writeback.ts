/**
 * The write-back's Salesforce side: the four custom fields on Account it writes, the check an owner's
 * consent runs (describe Account: the fields exist and the connected user may edit them), and account
 * updates 200 at a time through sObject Collections with allOrNone false
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm),
 * each refused record kept with Salesforce's reason.
 *
 * The bot checks the fields rather than creating them: creating a custom field through the Tooling or
 * Metadata API needs "Customize Application" and "Modify Metadata" for the integration user (far more
 * than writing four values needs), and a field created that way is invisible to everyone until its
 * field-level security is granted through a permission set and assigned; an admin does all of it in one
 * screen of Setup, and most orgs want a person to review new fields on Account. So consent names exactly
 * what to create, once, and checks it.
 */
import { AppError, ErrorCode } from '../errors.ts';
import type { StoredTier } from '../icp/types.ts';
import { storedTierLabels } from '../icp/types.ts';
import type { SalesforceApi, SaveResult } from './salesforce.ts';
import { clip, type WritebackValues } from './writeback.ts';

/** Records one sObject Collections call takes (Salesforce's limit). */
export const SALESFORCE_BATCH_SIZE = 200;

/** The explanation's length: Long Text Area's default (Salesforce allows up to 131,072). */
export const SALESFORCE_EXPLANATION_MAX = 32_768;

export interface SalesforceFieldDef {
  name: string;
  /** How an admin creates it in Setup → Object Manager → Account → Fields & Relationships → New. */
  setup: string;
  /** The value the field takes from the provider-neutral values. */
  value: (v: WritebackValues) => string | number;
}

export const SALESFORCE_WRITEBACK_FIELDS: readonly SalesforceFieldDef[] = [
  {
    name: 'ICP_Fit_Score__c',
    setup: 'Number, length 4, 1 decimal place',
    value: (v) => Number(v.icp_fit_score),
  },
  {
    name: 'ICP_Tier__c',
    setup: 'Text, length 40',
    value: (v) => storedTierLabels[v.icp_tier as StoredTier] ?? v.icp_tier,
  },
  { name: 'ICP_Version__c', setup: 'Text, length 20', value: (v) => v.icp_version },
  {
    name: 'ICP_Explanation__c',
    setup: `Long Text Area, length ${SALESFORCE_EXPLANATION_MAX.toLocaleString('en-US')}`,
    value: (v) => clip(v.icp_explanation, SALESFORCE_EXPLANATION_MAX),
  },
];

export const SALESFORCE_WRITEBACK_NAMES = SALESFORCE_WRITEBACK_FIELDS.map((f) => f.name);

const listed = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/**
 * Checks that Account has the four fields and that the connected user may edit them; the sentence
 * saying what to do otherwise (nothing is written until it passes).
 */
export async function checkAccountFields(api: Pick<SalesforceApi, 'describe'>): Promise<void> {
  const account = await api.describe('Account');
  if (!account) {
    throw new AppError(
      ErrorCode.CrmRefused,
      'The connected Salesforce user cannot see Accounts any more: give it Read and Edit on Account, then run `icp writeback enable` again.',
    );
  }
  const have = new Map(account.fields.map((f) => [f.name, f]));
  const absent = SALESFORCE_WRITEBACK_FIELDS.filter((f) => !have.has(f.name));
  if (absent.length > 0) {
    throw new AppError(
      ErrorCode.CrmRefused,
      `Salesforce Accounts do not have the field${absent.length > 1 ? 's' : ''} ICP Coach writes yet: ask an admin with “Customize Application” to create ${listed(
        absent.map((f) => `${f.name} (${f.setup})`),
      )} in Setup → Object Manager → Account → Fields & Relationships → New, visible and editable for the connected user, then run \`icp writeback enable\` again (nothing was written).`,
    );
  }
  const readOnly = SALESFORCE_WRITEBACK_FIELDS.filter((f) => have.get(f.name)?.updateable === false);
  if (readOnly.length > 0) {
    throw new AppError(
      ErrorCode.CrmRefused,
      `The connected Salesforce user cannot edit ${listed(readOnly.map((f) => f.name))} (INSUFFICIENT_ACCESS): give it Edit access to ${
        readOnly.length > 1 ? 'them' : 'it'
      } (field-level security, in a permission set assigned to that user), then run \`icp writeback enable\` again (nothing was written).`,
    );
  }
}

/** The Account record an update sends for one company's values. */
export function accountRecord(id: string, v: WritebackValues): { Id: string } & Record<string, string | number> {
  return { Id: id, ...Object.fromEntries(SALESFORCE_WRITEBACK_FIELDS.map((f) => [f.name, f.value(v)])) };
}

/** The records a collections call refused (results come back in the order sent), each with its reason. */
export function refusedRecords(
  sent: readonly { id: string }[],
  results: readonly SaveResult[],
): { id: string; problem: string }[] {
  return sent.flatMap((s, i) => {
    const r = results[i];
    if (r?.success) return [];
    const reason =
      r?.errors.map((e) => `${e.statusCode ?? e.errorCode ?? 'ERROR'}: ${e.message}`).join('; ') ||
      'Salesforce gave no result for this record';
    return [{ id: s.id, problem: reason }];
  });
}

/** A whole call refused for want of access: the sentence for the write-back (not the sync's). */
export function writeRefusal(err: unknown): AppError | null {
  const cause = err instanceof AppError ? err.original : err;
  const code = (cause as { errorCode?: string; name?: string } | undefined)?.errorCode;
  if (code !== 'INSUFFICIENT_ACCESS' && code !== 'INSUFFICIENT_ACCESS_OR_READONLY') return null;
  return new AppError(
    ErrorCode.CrmRefused,
    `Salesforce refused to update Accounts (${code}): the connected user needs Edit on Account and on ${listed(
      SALESFORCE_WRITEBACK_NAMES,
    )} (a permission set assigned to that user); the write-back tries again next sync.`,
    { cause: err },
  );
}
