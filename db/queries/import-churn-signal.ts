/**
 * Churn events from an accounts or subscriptions file's churn column (--churn-column, see
 * src/import/churn-signal.ts): one event per flagged row, with the external id `account:<id>` or
 * `subscription:<id>`, so a re-import updates it in place and a row no longer flagged loses it.
 */
import { sql } from 'drizzle-orm';
import type { AccountRecord, ChurnRecord, SubscriptionRecord } from '../../src/import/records.ts';
import type { Db } from '../client.ts';
import { upsertChurn } from './import.ts';

/** Writes the batch's churn signals as churn events and removes those of its rows no longer flagged. */
export async function syncSignalChurn(
  tx: Db,
  args: {
    teamId: string;
    source: string;
    /** The column's header, kept as the events' reason. */
    column: string;
    records: readonly (AccountRecord | SubscriptionRecord)[];
  },
): Promise<void> {
  const events: ChurnRecord[] = [];
  const cleared: string[] = [];
  for (const r of args.records) {
    const isAccount = 'name' in r;
    const externalId = `${isAccount ? 'account' : 'subscription'}:${r.externalId}`;
    if (!r.churnedOn) {
      cleared.push(externalId);
      continue;
    }
    events.push({
      externalId,
      accountExternalId: isAccount ? r.externalId : r.accountExternalId,
      accountName: isAccount ? r.name : r.accountName,
      accountNormalizedName: isAccount ? r.normalizedName : r.accountNormalizedName,
      churnedOn: r.churnedOn,
      reason: isAccount ? args.column : `${args.column} (subscription ended)`,
      amount: null,
      attributes: {},
    });
  }
  if (events.length > 0) {
    await upsertChurn(tx, {
      teamId: args.teamId,
      source: args.source,
      records: events,
      present: new Set(['accountExternalId', 'accountName', 'reason']),
      attributeKeys: [],
    });
  }
  if (cleared.length > 0) {
    await tx.execute(sql`DELETE FROM churn_events WHERE team_id = ${args.teamId}
      AND external_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(cleared)}::jsonb))`);
  }
}
