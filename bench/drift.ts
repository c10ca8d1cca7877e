/**
 * Drift report benchmark on real PostgreSQL: 100k scored accounts, 1M deals, 5k churn events in a
 * throw-away database. Measures getDriftReport (one SQL statement) against the naive alternative measured
 * in the same run: fetch the window's deal rows, every won deal and every churn event into JavaScript and
 * aggregate there.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { createDb } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { driftAggregateQuery } from '../db/queries/drift.ts';
import { queryRows } from '../db/raw.ts';
import { median } from '../src/drift/stats.ts';
import { driftWindows } from '../src/drift/windows.ts';
import { getDriftReport, getDriftSeries } from '../src/usecases/drift-report.ts';
import { createDatabase, dropDatabase } from './throwaway-db.ts';
import type { BenchResult } from './types.ts';

const TEAM = 'bench';
const AS_OF = '2018-01-01';
const TARGET_MS = 500;

/** Tables the load fills; their secondary indexes and foreign keys are dropped first and rebuilt after. */
const LOADED = ['accounts', 'deals', 'churn_events'] as const;

/**
 * Loads the data set in three INSERT … SELECT generate_series statements. Per-row index maintenance and
 * foreign-key triggers are what made the naive load slow (109 s): the secondary indexes and the FKs of the
 * loaded tables are dropped before the load and recreated (same definitions, read from the catalog)
 * after it, then ANALYZE. The schema the queries run against is exactly the migrated one.
 */
async function load(db: Db): Promise<void> {
  const names = sql.join(
    LOADED.map((t) => sql`${t}`),
    sql`, `,
  );
  const indexes = await queryRows<{ name: string; def: string }>(
    db,
    sql`SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename IN (${names})
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  );
  const fks = await queryRows<{ tbl: string; name: string; def: string }>(
    db,
    sql`SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def
        FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN (${names})`,
  );
  for (const f of fks) await db.execute(sql.raw(`ALTER TABLE "${f.tbl}" DROP CONSTRAINT "${f.name}"`));
  for (const i of indexes) await db.execute(sql.raw(`DROP INDEX "${i.name}"`));

  await db.execute(sql`SELECT setseed(0.42)`);
  await db.execute(sql`
    INSERT INTO accounts (team_id, external_id, name, normalized_name, tier, icp_version)
    SELECT ${TEAM}, 'a' || g, 'Account ' || g, 'account ' || g,
      (ARRAY['tier1', 'tier2', 'tier3', 'no_fit', NULL])[1 + floor(random() * 5)::int], NULL
    FROM generate_series(1, 100000) g`);
  // Deals spread over ~2.5 years before asOf; 15 % open, the rest won at a tier-dependent rate.
  await db.execute(sql`
    INSERT INTO deals (team_id, external_id, account_id, outcome, amount, created_on, closed_on)
    SELECT ${TEAM}, 'd' || g, s.k + (SELECT min(id) FROM accounts) - 1,
      CASE WHEN r < 0.15 THEN 'open' WHEN r < 0.15 + 0.85 * (0.2 + 0.1 * (s.k % 3)) THEN 'won' ELSE 'lost' END,
      round((500 + random() * 20000)::numeric, 2)::float8,
      c - (5 + floor(random() * 150))::int,
      CASE WHEN r < 0.15 THEN NULL ELSE c END
    FROM (
      SELECT g, random() AS r, 1 + floor(random() * 100000)::int AS k, (${AS_OF}::date - floor(random() * 900)::int) AS c
      FROM generate_series(1, 1000000) g
    ) s`);
  await db.execute(sql`
    INSERT INTO churn_events (team_id, external_id, account_id, churned_on)
    SELECT ${TEAM}, 'c' || g, (SELECT min(id) FROM accounts) + g * 17 - 1, ${AS_OF}::date - floor(random() * 700)::int
    FROM generate_series(1, 5000) g`);

  for (const i of indexes) await db.execute(sql.raw(i.def));
  for (const f of fks) await db.execute(sql.raw(`ALTER TABLE "${f.tbl}" ADD CONSTRAINT "${f.name}" ${f.def}`));
  await db.execute(sql`VACUUM (ANALYZE) accounts, deals, churn_events`);
}

/** The naive way: pull rows into JS and aggregate there (same definitions, tiers and windows only). */
async function naiveReport(
  db: Db,
): Promise<{ tier1RecentWon: number; tier1RecentDecided: number; customersAtRecentStart: number }> {
  const w = driftWindows(AS_OF);
  const rows = await queryRows<{
    outcome: string;
    amount: number | null;
    created_on: string;
    closed_on: string;
    tier: string | null;
  }>(
    db,
    sql`SELECT d.outcome, d.amount, d.created_on::text, d.closed_on::text, a.tier
        FROM deals d LEFT JOIN accounts a ON a.id = d.account_id
        WHERE d.team_id = ${TEAM} AND d.outcome IN ('won', 'lost')
          AND d.closed_on >= ${w.baseline.start}::date AND d.closed_on <= ${w.recent.end}::date`, // "as of D" includes D
  );
  const won = await queryRows<{ account_id: number; closed_on: string; tier: string | null }>(
    db,
    sql`SELECT d.account_id, d.closed_on::text, a.tier FROM deals d JOIN accounts a ON a.id = d.account_id
        WHERE d.team_id = ${TEAM} AND d.outcome = 'won'`,
  );
  const churn = await queryRows<{ account_id: number; churned_on: string }>(
    db,
    sql`SELECT account_id, churned_on::text FROM churn_events WHERE team_id = ${TEAM}`,
  );
  const groups = new Map<string, { won: number; decided: number; cycles: number[]; amounts: number[] }>();
  for (const r of rows) {
    const win = r.closed_on >= w.recent.start ? 'recent' : 'baseline';
    const tier = r.tier ?? 'unscored';
    const fit = tier === 'tier1' || tier === 'tier2' ? 'fit' : tier === 'unscored' ? null : 'non_fit';
    for (const seg of [tier, fit, 'all']) {
      if (!seg) continue;
      const key = `${seg}/${win}`;
      const g = groups.get(key) ?? { won: 0, decided: 0, cycles: [], amounts: [] };
      g.decided++;
      if (r.outcome === 'won') {
        g.won++;
        g.cycles.push((Date.parse(r.closed_on) - Date.parse(r.created_on)) / 86_400_000);
        if (r.amount !== null) g.amounts.push(r.amount);
      }
      groups.set(key, g);
    }
  }
  for (const g of groups.values()) {
    median(g.cycles);
    median(g.amounts);
  }
  // Customers at the recent start (README "Customers" / "Churn"): the latest won deal before it is later
  // than the latest churn before it (a win after a churn is a reactivation). No subscriptions or
  // customer-since dates here, so won deals alone define customers.
  const lastWon = new Map<number, string>();
  for (const r of won)
    if (r.closed_on < w.recent.start && (!lastWon.has(r.account_id) || r.closed_on > lastWon.get(r.account_id)!))
      lastWon.set(r.account_id, r.closed_on);
  const lastChurn = new Map<number, string>();
  for (const r of churn)
    if (r.churned_on < w.recent.start && (!lastChurn.has(r.account_id) || r.churned_on > lastChurn.get(r.account_id)!))
      lastChurn.set(r.account_id, r.churned_on);
  let active = 0;
  for (const [id, lw] of lastWon) {
    const lc = lastChurn.get(id);
    if (!lc || lc < lw) active++;
  }
  const t1 = groups.get('tier1/recent');
  return { tier1RecentWon: t1?.won ?? 0, tier1RecentDecided: t1?.decided ?? 0, customersAtRecentStart: active };
}

/** Creates and loads the benchmark database; exported so the plan can be inspected by hand. */
export async function createLoaded(databaseUrl: string, name: string) {
  const handle = await createDb({ databaseUrl: await createDatabase(databaseUrl, name), poolMax: 2 });
  await migrateDb(handle);
  await load(handle.db);
  return handle;
}

/** EXPLAIN (ANALYZE) of the report statement with the settings getDriftAggregates uses: executor time and JIT. */
async function explainReport(db: Db): Promise<{ executionMs: number; jit: boolean }> {
  const plan = await db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL jit = off`);
    await tx.execute(sql`SET LOCAL work_mem = '64MB'`);
    return queryRows<{ 'QUERY PLAN': string }>(
      tx as unknown as Db,
      sql`EXPLAIN (ANALYZE, BUFFERS) ${driftAggregateQuery(TEAM, driftWindows(AS_OF))}`,
    );
  });
  const text = plan.map((r) => r['QUERY PLAN']).join('\n');
  return { executionMs: Number(/Execution Time: ([\d.]+)/.exec(text)?.[1] ?? Number.NaN), jit: text.includes('JIT:') };
}

/** Runs the drift benchmark in a throw-away database created (and dropped) on the given server. */
export async function run(opts: { databaseUrl: string }): Promise<BenchResult[]> {
  const name = `icp_bench_drift_${randomBytes(4).toString('hex')}`;
  let handle: Awaited<ReturnType<typeof createLoaded>> | undefined;
  try {
    const t0 = performance.now();
    handle = await createLoaded(opts.databaseUrl, name);
    const loadMs = performance.now() - t0;
    const db = handle.db;
    const report = await getDriftReport(db, { teamId: TEAM, asOf: AS_OF });
    const naive = await naiveReport(db);
    const agree =
      report.segments.tier1.winRate.recent.n === naive.tier1RecentDecided &&
      report.segments.tier1.winRate.recent.value === naive.tier1RecentWon / naive.tier1RecentDecided &&
      report.segments.all.churnRate.recent.n === naive.customersAtRecentStart;
    if (!agree)
      throw new Error(
        `bench: SQL report and JS aggregation disagree: tier 1 recent ${report.segments.tier1.winRate.recent.value} of ${report.segments.tier1.winRate.recent.n} vs ${naive.tier1RecentWon} of ${naive.tier1RecentDecided}; customers at the recent start ${report.segments.all.churnRate.recent.n} vs ${naive.customersAtRecentStart}`,
      );
    // Interleaved, so that both figures see the same machine load (the ratio is what is comparable).
    const sqlTimes: number[] = [];
    const jsTimes: number[] = [];
    const seriesTimes: number[] = [];
    const once = async (fn: () => Promise<unknown>, into: number[]) => {
      const t = performance.now();
      await fn();
      into.push(performance.now() - t);
    };
    await getDriftSeries(db, { teamId: TEAM, asOf: AS_OF, months: 12 });
    for (let i = 0; i < 5; i++) {
      await once(() => getDriftReport(db, { teamId: TEAM, asOf: AS_OF }), sqlTimes);
      await once(() => getDriftSeries(db, { teamId: TEAM, asOf: AS_OF, months: 12 }), seriesTimes);
      if (i < 3) await once(() => naiveReport(db), jsTimes);
    }
    const sqlMs = median(sqlTimes)!;
    const jsMs = median(jsTimes)!;
    const seriesMs = median(seriesTimes)!;
    const ex = await explainReport(db);
    const load1 = loadavg()[0]!.toFixed(1);
    const met = sqlMs <= TARGET_MS;
    return [
      {
        name: `drift: getDriftReport, 100k accounts / 1M deals / 5k churn events (one statement, median of 5; EXPLAIN ANALYZE executor ${Math.round(ex.executionMs)} ms, JIT ${ex.jit ? 'on' : 'off'}; load average ${load1} on ${cpus().length} cores; data load ${(loadMs / 1000).toFixed(1)} s)`,
        value: Math.round(sqlMs),
        unit: 'ms',
        baselineName: 'fetch the rows into JS and aggregate there (median of 3, interleaved)',
        baseline: Math.round(jsMs),
        ratio: Number((jsMs / sqlMs).toFixed(1)),
        target: `≤ ${TARGET_MS} ms: ${met ? 'met' : 'not met'}`,
        met,
      },
      {
        name: 'drift: getDriftSeries, 12 monthly points per segment (chart statement, median of 5)',
        value: Math.round(seriesMs),
        unit: 'ms',
        baselineName: 'getDriftReport in the same run',
        baseline: Math.round(sqlMs),
        ratio: Number((sqlMs / seriesMs).toFixed(1)),
        target: `≤ ${TARGET_MS} ms: ${seriesMs <= TARGET_MS ? 'met' : 'not met'}`,
        met: seriesMs <= TARGET_MS,
      },
    ];
  } finally {
    await handle?.close();
    await dropDatabase(opts.databaseUrl, name);
  }
}
