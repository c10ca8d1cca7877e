/**
 * Writes of the CSV import (the pipeline itself is src/usecases/import-file.ts): batched upserts keyed
 * on (team_id, external_id), and the set-based linking of deals and churn events to accounts. Callers
 * run them inside one transaction so a file imports all-or-nothing.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { AccountRecord, ChurnRecord, DealRecord } from '../../src/import/records.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';

/** Rows written by one upsert call; returns how many of them were new. */
export interface UpsertArgs<R> {
  teamId: string;
  /** 'hubspot', 'salesforce' or 'csv'. */
  source: string;
  records: readonly R[];
}

async function inserted(db: Db, q: SQL): Promise<number> {
  const [row] = await queryRows<{ inserted: number }>(db, q);
  return Number(row?.inserted ?? 0);
}

export const upsertAccounts = (db: Db, a: UpsertArgs<AccountRecord>) =>
  inserted(db, upsertAccountsSql(a.teamId, a.source, a.records));

// Each batch travels as one JSON parameter expanded by json_to_recordset: one round trip and no
// 65,535-parameter limit, whatever the batch size, on both node-postgres and PGlite.
function upsertAccountsSql(teamId: string, source: string, batch: readonly AccountRecord[]): SQL {
  const json = JSON.stringify(
    batch.map((r) => ({
      external_id: r.externalId,
      name: r.name,
      normalized_name: r.normalizedName,
      domain: r.domain,
      industry: r.industry,
      employees: r.employees,
      revenue: r.revenue,
      country: r.country,
      customer_since: r.customerSince,
      attributes: r.attributes,
    })),
  );
  // An empty cell means "unknown", so it never erases what an earlier import or enrichment stored.
  return sql`
    WITH up AS (
      INSERT INTO accounts (team_id, external_id, source, name, normalized_name, domain, industry, employees,
        revenue, country, customer_since, attributes)
      SELECT ${teamId}, x.external_id, ${source}, x.name, x.normalized_name, x.domain, x.industry, x.employees,
        x.revenue, x.country, x.customer_since, coalesce(x.attributes, '{}'::jsonb)
      FROM json_to_recordset(${json}::json) AS x(external_id text, name text, normalized_name text, domain text,
        industry text, employees integer, revenue double precision, country text, customer_since date,
        attributes jsonb)
      ON CONFLICT (team_id, external_id) DO UPDATE SET
        source = excluded.source,
        name = excluded.name,
        normalized_name = excluded.normalized_name,
        domain = coalesce(excluded.domain, accounts.domain),
        industry = coalesce(excluded.industry, accounts.industry),
        employees = coalesce(excluded.employees, accounts.employees),
        revenue = coalesce(excluded.revenue, accounts.revenue),
        country = coalesce(excluded.country, accounts.country),
        customer_since = coalesce(excluded.customer_since, accounts.customer_since),
        attributes = accounts.attributes || excluded.attributes,
        updated_at = now()
      -- A row the file does not change is left alone: a re-import rewrites (and re-indexes) only what changed.
      WHERE (accounts.source, accounts.name, accounts.normalized_name, accounts.domain, accounts.industry,
          accounts.employees, accounts.revenue, accounts.country, accounts.customer_since, accounts.attributes)
        IS DISTINCT FROM (excluded.source, excluded.name, excluded.normalized_name,
          coalesce(excluded.domain, accounts.domain), coalesce(excluded.industry, accounts.industry),
          coalesce(excluded.employees, accounts.employees), coalesce(excluded.revenue, accounts.revenue),
          coalesce(excluded.country, accounts.country), coalesce(excluded.customer_since, accounts.customer_since),
          accounts.attributes || excluded.attributes)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM up`;
}

/** Deal fields a file may lack; outcome stands for the stage and won/closed flag columns together. */
export type DealColumn =
  | 'accountName'
  | 'accountExternalId'
  | 'name'
  | 'stage'
  | 'outcome'
  | 'amount'
  | 'createdOn'
  | 'closedOn'
  | 'owner'
  | 'product';
export type ChurnColumn = 'accountExternalId' | 'accountName' | 'reason' | 'amount';

/** Which columns the file has: a field it lacks keeps what is stored (a new row gets null). */
export interface PartialUpsertArgs<R, C extends string> extends UpsertArgs<R> {
  present: ReadonlySet<C>;
  /** Attribute keys the file has a column for: an empty cell there clears the stored value, others stay. */
  attributeKeys: readonly string[];
}

export const upsertDeals = (db: Db, a: PartialUpsertArgs<DealRecord, DealColumn>) => inserted(db, upsertDealsSql(a));
export const upsertChurn = (db: Db, a: PartialUpsertArgs<ChurnRecord, ChurnColumn>) => inserted(db, upsertChurnSql(a));

const textArray = (keys: readonly string[]) => sql`${JSON.stringify(keys)}::jsonb`;

/** Stored attributes without the keys the file speaks for, then the file's own. */
const mergedAttributes = (stored: SQL, drop: readonly string[]) =>
  sql`(coalesce(${stored}, '{}'::jsonb) - array(SELECT jsonb_array_elements_text(${textArray(drop)}))) || coalesce(x.attributes, '{}'::jsonb)`;

// A deal row is a snapshot of the CRM: every field the file has a column for is replaced (an empty
// cell clears it), and a field it has no column for keeps what is stored, so a partial file (ids and
// amounts only) never erases stages, accounts, dates or owners. The account link survives only when
// the deal still points at the same account.
function upsertDealsSql(a: PartialUpsertArgs<DealRecord, DealColumn>): SQL {
  const { teamId, source, present } = a;
  const json = JSON.stringify(
    a.records.map((r) => ({
      external_id: r.externalId,
      account_name: r.accountName,
      name: r.name,
      stage: r.stage,
      outcome: r.outcome,
      amount: r.amount,
      created_on: r.createdOn,
      close_date: r.closeDate,
      owner: r.owner,
      product: r.product,
      // The link keys live in attributes: the deals table has no column for them.
      attributes: {
        ...r.attributes,
        ...(r.accountExternalId ? { account_external_id: r.accountExternalId } : {}),
        ...(r.accountNormalizedName ? { account_normalized_name: r.accountNormalizedName } : {}),
      },
    })),
  );
  const pick = (c: DealColumn, col: string) => (present.has(c) ? sql.raw(`x.${col}`) : sql.raw(`d.${col}`));
  const drop = [
    ...a.attributeKeys,
    'expected_close_date',
    ...(present.has('accountName') ? ['account_normalized_name'] : []),
    ...(present.has('accountExternalId') ? ['account_external_id'] : []),
  ];
  return sql`
    WITH x AS (
      SELECT * FROM json_to_recordset(${json}::json) AS x(external_id text, account_name text, name text, stage text,
        outcome text, amount double precision, created_on date, close_date date, owner text, product text,
        attributes jsonb)
    ), m AS (
      SELECT x.external_id, ${pick('accountName', 'account_name')} AS account_name, ${pick('name', 'name')} AS name,
        ${pick('stage', 'stage')} AS stage,
        ${present.has('outcome') ? sql`x.outcome` : sql`coalesce(d.outcome, 'open')`} AS outcome,
        ${pick('amount', 'amount')} AS amount, ${pick('createdOn', 'created_on')} AS created_on,
        ${present.has('closedOn') ? sql`x.close_date` : sql`coalesce(d.closed_on, (d.attributes->>'expected_close_date')::date)`} AS close_date,
        ${pick('owner', 'owner')} AS owner, ${pick('product', 'product')} AS product,
        ${mergedAttributes(sql`d.attributes`, drop)} AS attributes
      FROM x LEFT JOIN deals d ON d.team_id = ${teamId} AND d.external_id = x.external_id
    ), up AS (
      INSERT INTO deals (team_id, external_id, source, account_name, name, stage, outcome, amount, created_on,
        closed_on, owner, product, attributes)
      SELECT ${teamId}, m.external_id, ${source}, m.account_name, m.name, m.stage, m.outcome, m.amount, m.created_on,
        -- An open deal's close date is a forecast, not a fact: it is kept apart from closed_on.
        CASE WHEN m.outcome = 'open' THEN NULL ELSE m.close_date END, m.owner, m.product,
        CASE WHEN m.outcome = 'open' AND m.close_date IS NOT NULL
          THEN m.attributes || jsonb_build_object('expected_close_date', m.close_date) ELSE m.attributes END
      FROM m
      ON CONFLICT (team_id, external_id) DO UPDATE SET
        source = excluded.source,
        account_id = CASE
          WHEN deals.account_name IS NOT DISTINCT FROM excluded.account_name
            AND deals.attributes->>'account_external_id' IS NOT DISTINCT FROM excluded.attributes->>'account_external_id'
          THEN deals.account_id END,
        account_name = excluded.account_name,
        name = excluded.name,
        stage = excluded.stage,
        outcome = excluded.outcome,
        amount = excluded.amount,
        created_on = excluded.created_on,
        closed_on = excluded.closed_on,
        owner = excluded.owner,
        product = excluded.product,
        attributes = excluded.attributes
      -- Unchanged rows are left alone (their account link stays, as the CASE above would keep it).
      WHERE (deals.source, deals.account_name, deals.name, deals.stage, deals.outcome, deals.amount, deals.created_on,
          deals.closed_on, deals.owner, deals.product, deals.attributes)
        IS DISTINCT FROM (excluded.source, excluded.account_name, excluded.name, excluded.stage, excluded.outcome,
          excluded.amount, excluded.created_on, excluded.closed_on, excluded.owner, excluded.product,
          excluded.attributes)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM up`;
}

// Churn events follow the deals' rule: a column the file lacks keeps what is stored.
function upsertChurnSql(a: PartialUpsertArgs<ChurnRecord, ChurnColumn>): SQL {
  const { teamId, source, present } = a;
  const json = JSON.stringify(
    a.records.map((r) => ({
      external_id: r.externalId,
      account_external_id: r.accountExternalId,
      churned_on: r.churnedOn,
      reason: r.reason,
      amount: r.amount,
      attributes: {
        ...r.attributes,
        ...(r.accountName ? { account_name: r.accountName } : {}),
        ...(r.accountNormalizedName ? { account_normalized_name: r.accountNormalizedName } : {}),
      },
    })),
  );
  const pick = (c: ChurnColumn, col: string) => (present.has(c) ? sql.raw(`x.${col}`) : sql.raw(`d.${col}`));
  const drop = [...a.attributeKeys, ...(present.has('accountName') ? ['account_name', 'account_normalized_name'] : [])];
  return sql`
    WITH x AS (
      SELECT * FROM json_to_recordset(${json}::json) AS x(external_id text, account_external_id text, churned_on date,
        reason text, amount double precision, attributes jsonb)
    ), up AS (
      INSERT INTO churn_events (team_id, external_id, source, account_external_id, churned_on, reason, amount,
        attributes)
      SELECT ${teamId}, x.external_id, ${source}, ${pick('accountExternalId', 'account_external_id')}, x.churned_on,
        ${pick('reason', 'reason')}, ${pick('amount', 'amount')}, ${mergedAttributes(sql`d.attributes`, drop)}
      FROM x LEFT JOIN churn_events d ON d.team_id = ${teamId} AND d.external_id = x.external_id
      ON CONFLICT (team_id, external_id) DO UPDATE SET
        source = excluded.source,
        account_id = CASE
          WHEN churn_events.account_external_id IS NOT DISTINCT FROM excluded.account_external_id
            AND churn_events.attributes->>'account_normalized_name'
              IS NOT DISTINCT FROM excluded.attributes->>'account_normalized_name'
          THEN churn_events.account_id END,
        account_external_id = excluded.account_external_id,
        churned_on = excluded.churned_on,
        reason = excluded.reason,
        amount = excluded.amount,
        attributes = excluded.attributes
      WHERE (churn_events.source, churn_events.account_external_id, churn_events.churned_on, churn_events.reason,
          churn_events.amount, churn_events.attributes)
        IS DISTINCT FROM (excluded.source, excluded.account_external_id, excluded.churned_on, excluded.reason,
          excluded.amount, excluded.attributes)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM up`;
}

/** Tables whose rows point at an account by CRM id or name until linked. */
export type LinkedTable = 'deals' | 'churn_events' | 'subscriptions';

/**
 * Refreshes the planner's statistics of the tables an import wrote, before the set-based linking reads them
 * (PostgreSQL's own advice after a bulk load). Rows just written in this transaction have none: PGlite never
 * runs autovacuum, and PostgreSQL's cannot see uncommitted rows. Without them the planner takes a few rows
 * for thousands and nests loops, in the link and in the first-won trigger it fires: linking 4,100 deals to
 * 1,200 accounts took 11.8 s on PGlite and 5.2 s on PostgreSQL, and 0.25 s and 0.11 s after ANALYZE, which
 * samples at most 30,000 rows a table however big the file. Accounts always come first, so two imports
 * running at once take ANALYZE's table locks (held to commit) in the same order.
 */
export async function refreshImportStatistics(
  tx: Db,
  kind: 'accounts' | 'deals' | 'churn' | 'subscriptions',
): Promise<void> {
  await tx.execute(sql`ANALYZE accounts`);
  if (kind === 'deals') await tx.execute(sql`ANALYZE deals`);
  if (kind === 'churn') await tx.execute(sql`ANALYZE churn_events`);
  if (kind === 'subscriptions') await tx.execute(sql`ANALYZE subscriptions`);
}

/**
 * Ties the team's unlinked deals, churn events or subscriptions to accounts: by the account's CRM id first, then by
 * normalised name when exactly one account of the team has it (namesakes are left for a person).
 * Set-based joins, not a lookup per row: linking 100k rows stays one hash join.
 */
async function linkRows(tx: Db, tableName: LinkedTable, teamId: string): Promise<number> {
  const t = sql.identifier(tableName);
  const accountRef = tableName === 'deals' ? sql`r.attributes->>'account_external_id'` : sql`r.account_external_id`;
  const [pending] = await queryRows<{ n: boolean }>(
    tx,
    sql`SELECT EXISTS (SELECT 1 FROM ${t} WHERE team_id = ${teamId} AND account_id IS NULL) AS n`,
  );
  if (!pending?.n) return 0;
  const [row] = await queryRows<{ n: number }>(
    tx,
    sql`
      WITH by_name AS (
        SELECT normalized_name, min(id) AS id FROM accounts
        WHERE team_id = ${teamId} GROUP BY normalized_name HAVING count(*) = 1
      ), m AS (
        SELECT r.id AS row_id, coalesce(ax.id, an.id) AS account_id
        FROM ${t} r
        LEFT JOIN accounts ax ON ax.team_id = ${teamId} AND ax.external_id = ${accountRef}
        LEFT JOIN by_name an ON an.normalized_name = r.attributes->>'account_normalized_name'
        WHERE r.team_id = ${teamId} AND r.account_id IS NULL
      ), u AS (
        UPDATE ${t} SET account_id = m.account_id FROM m
        WHERE ${t}.id = m.row_id AND ${t}.team_id = ${teamId} AND m.account_id IS NOT NULL
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM u`,
  );
  return Number(row?.n ?? 0);
}

/** Ties the team's unlinked deals to accounts; returns how many were linked. */
export const linkDeals = (db: Db, teamId: string) => linkRows(db, 'deals', teamId);
/** Ties the team's unlinked churn events to accounts; returns how many were linked. */
export const linkChurn = (db: Db, teamId: string) => linkRows(db, 'churn_events', teamId);
/** Ties the team's unlinked subscriptions to accounts; returns how many were linked. */
export const linkSubscriptions = (db: Db, teamId: string) => linkRows(db, 'subscriptions', teamId);

/** Of the rows with these external ids, how many are tied to an account and how many are not. */
export async function linkCounts(
  tx: Db,
  args: { table: LinkedTable; teamId: string; externalIds: Iterable<string> },
): Promise<{ linked: number; unlinked: number }> {
  const { table: tableName, teamId } = args;
  const idsJson = JSON.stringify([...args.externalIds]);
  const [row] = await queryRows<{ linked: number; unlinked: number }>(
    tx,
    sql`
      SELECT count(*) FILTER (WHERE t.account_id IS NOT NULL)::int AS linked,
        count(*) FILTER (WHERE t.account_id IS NULL)::int AS unlinked
      FROM ${sql.identifier(tableName)} t
      WHERE t.team_id = ${teamId}
        AND t.external_id IN (SELECT jsonb_array_elements_text(${idsJson}::jsonb))`,
  );
  return { linked: Number(row?.linked ?? 0), unlinked: Number(row?.unlinked ?? 0) };
}
