/**
 * Writes of a subscriptions import (src/usecases/import-file.ts): batched upserts keyed on (team_id,
 * external_id), in the caller's transaction. Linking to accounts is db/queries/import.ts's linkRows.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { SubscriptionRecord } from '../../src/import/records.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';

/** Subscription fields a file may lack: a column the file has no header for keeps what is stored. */
export type SubscriptionColumn = 'accountExternalId' | 'accountName' | 'endedOn' | 'plan' | 'mrr' | 'arr';

export interface SubscriptionUpsert {
  teamId: string;
  source: string;
  records: readonly SubscriptionRecord[];
  present: ReadonlySet<SubscriptionColumn>;
  /** Attribute keys the file has a column for: an empty cell there clears the stored value, others stay. */
  attributeKeys: readonly string[];
}

/** Upserts one batch; returns how many rows were new. */
export async function upsertSubscriptions(db: Db, a: SubscriptionUpsert): Promise<number> {
  const [row] = await queryRows<{ inserted: number }>(db, upsertSql(a));
  return Number(row?.inserted ?? 0);
}

// One JSON parameter per batch (as the other imports): one round trip, no parameter limit.
function upsertSql(a: SubscriptionUpsert): SQL {
  const { teamId, source, present } = a;
  const json = JSON.stringify(
    a.records.map((r) => ({
      external_id: r.externalId,
      account_external_id: r.accountExternalId,
      started_on: r.startedOn,
      ended_on: r.endedOn,
      plan: r.plan,
      mrr: r.mrr,
      arr: r.arr,
      attributes: {
        ...r.attributes,
        ...(r.accountName ? { account_name: r.accountName } : {}),
        ...(r.accountNormalizedName ? { account_normalized_name: r.accountNormalizedName } : {}),
      },
    })),
  );
  const pick = (c: SubscriptionColumn, col: string) => (present.has(c) ? sql.raw(`x.${col}`) : sql.raw(`d.${col}`));
  const drop = JSON.stringify([
    ...a.attributeKeys,
    ...(present.has('accountName') ? ['account_name', 'account_normalized_name'] : []),
  ]);
  return sql`
    WITH x AS (
      SELECT * FROM json_to_recordset(${json}::json) AS x(external_id text, account_external_id text, started_on date,
        ended_on date, plan text, mrr double precision, arr double precision, attributes jsonb)
    ), up AS (
      INSERT INTO subscriptions (team_id, external_id, source, account_external_id, started_on, ended_on, plan, mrr,
        arr, attributes)
      SELECT ${teamId}, x.external_id, ${source}, ${pick('accountExternalId', 'account_external_id')}, x.started_on,
        ${pick('endedOn', 'ended_on')}, ${pick('plan', 'plan')}, ${pick('mrr', 'mrr')}, ${pick('arr', 'arr')},
        (coalesce(d.attributes, '{}'::jsonb) - array(SELECT jsonb_array_elements_text(${drop}::jsonb)))
          || coalesce(x.attributes, '{}'::jsonb)
      FROM x LEFT JOIN subscriptions d ON d.team_id = ${teamId} AND d.external_id = x.external_id
      ON CONFLICT (team_id, external_id) DO UPDATE SET
        source = excluded.source,
        -- The account link survives only while the row still points at the same account.
        account_id = CASE
          WHEN subscriptions.account_external_id IS NOT DISTINCT FROM excluded.account_external_id
            AND subscriptions.attributes->>'account_normalized_name'
              IS NOT DISTINCT FROM excluded.attributes->>'account_normalized_name'
          THEN subscriptions.account_id END,
        account_external_id = excluded.account_external_id,
        started_on = excluded.started_on,
        ended_on = excluded.ended_on,
        plan = excluded.plan,
        mrr = excluded.mrr,
        arr = excluded.arr,
        attributes = excluded.attributes
      WHERE (subscriptions.source, subscriptions.account_external_id, subscriptions.started_on, subscriptions.ended_on,
          subscriptions.plan, subscriptions.mrr, subscriptions.arr, subscriptions.attributes)
        IS DISTINCT FROM (excluded.source, excluded.account_external_id, excluded.started_on, excluded.ended_on,
          excluded.plan, excluded.mrr, excluded.arr, excluded.attributes)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM up`;
}
