/**
 * `icp suggest` benchmark on real PostgreSQL: 100k accounts (industry, employees, revenue, country and two
 * attributes: plan, source) and 1M decided deals whose win rate depends on industry and size. Measures the
 * whole use case (outcome counts aggregated per account in SQL, then profile, proposal and backtest in
 * JavaScript) against the naive alternative in the same run: fetch every decided deal with its account's
 * fields into JavaScript, count there, then run the same domain code.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { createDb, type Db } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { type AccountFactColumns, defaultHoldoutFrom } from '../db/queries/learn.ts';
import { queryRows } from '../db/raw.ts';
import { factsFromAccount } from '../src/icp/engine.ts';
import type { LearnUnit } from '../src/learn/profile.ts';
import { suggestFromUnits } from '../src/learn/suggest.ts';
import { IcpProvider } from '../src/usecases/icp-provider.ts';
import { suggestIcp } from '../src/usecases/suggest-icp.ts';
import { createDatabase, dropDatabase } from './throwaway-db.ts';
import type { BenchResult } from './types.ts';

const TEAM = 'bench';
const TARGET_MS = 10_000;

/** Fills the tables with generate_series; deals' secondary indexes are built after the load (far faster). */
async function load(db: Db): Promise<void> {
  const indexes = await queryRows<{ name: string; def: string }>(
    db,
    sql`SELECT indexname AS name, indexdef AS def FROM pg_indexes
        WHERE schemaname = 'public' AND tablename = 'deals' AND indexname NOT LIKE '%pkey'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = indexname)`,
  );
  for (const i of indexes) await db.execute(sql.raw(`DROP INDEX "${i.name}"`));
  await db.execute(sql`SELECT setseed(0.7)`);
  await db.execute(sql`
    INSERT INTO accounts (team_id, external_id, name, normalized_name, industry, employees, revenue, country, attributes)
    SELECT ${TEAM}, 'a' || g, 'Account ' || g, 'account ' || g,
      (ARRAY['Software','Fintech','Retail','Healthcare','Manufacturing','Education','Logistics','Media'])[1 + floor(random() * 8)::int],
      greatest(1, round(exp(ln(100) + 1.4 * (random() + random() + random() - 1.5))))::int,
      round(exp(ln(5e6) + 2 * (random() + random() - 1)))::float8,
      (ARRAY['US','GB','DE','SE','FR','NL'])[1 + floor(random() * 6)::int],
      jsonb_build_object('plan', (ARRAY['Free','Pro','Enterprise'])[1 + floor(random() * 3)::int],
        'source', (ARRAY['Inbound','Outbound','Partner','Event','Referral'])[1 + floor(random() * 5)::int])
    FROM generate_series(1, 100000) g`);
  await db.execute(sql`
    INSERT INTO deals (team_id, external_id, account_id, outcome, closed_on)
    SELECT ${TEAM}, 'd' || s.g, a.id,
      CASE WHEN s.r < 1 / (1 + exp(-(
        CASE a.industry WHEN 'Software' THEN 0.9 WHEN 'Fintech' THEN 0.7 WHEN 'Education' THEN -1.2 ELSE 0 END
        + 0.8 * (ln(a.employees) / ln(10) - 2)))) THEN 'won' ELSE 'lost' END,
      DATE '2024-01-01' + floor(random() * 730)::int
    FROM (SELECT g, random() AS r, 1 + floor(random() * 100000)::int AS k FROM generate_series(1, 1000000) g) s
    JOIN accounts a ON a.team_id = ${TEAM} AND a.external_id = 'a' || s.k`);
  for (const i of indexes) await db.execute(sql.raw(i.def));
  await db.execute(sql`VACUUM (ANALYZE) accounts, deals`);
}

/** The naive way: every decided deal with its account's fields into JavaScript, counted there. */
async function naiveSuggest(db: Db, icp: IcpProvider) {
  const holdoutFrom = await defaultHoldoutFrom(db, TEAM, 'win');
  const rows = await queryRows<AccountFactColumns & { id: number; outcome: string; closed_on: string | null }>(
    db,
    sql`SELECT a.id, d.outcome, d.closed_on::text, a.name, a.domain, a.industry, a.employees, a.revenue, a.country,
          a.attributes
        FROM deals d JOIN accounts a ON a.id = d.account_id
        WHERE d.team_id = ${TEAM} AND d.outcome IN ('won', 'lost') ORDER BY a.id`,
  );
  const units = new Map<number, LearnUnit>();
  for (const r of rows) {
    let u = units.get(r.id);
    if (!u) {
      u = { facts: factsFromAccount(r), trainWon: 0, trainLost: 0, holdWon: 0, holdLost: 0 };
      units.set(r.id, u);
    }
    const hold = holdoutFrom !== null && r.closed_on !== null && r.closed_on >= holdoutFrom;
    if (r.outcome === 'won') hold ? u.holdWon++ : u.trainWon++;
    else hold ? u.holdLost++ : u.trainLost++;
  }
  const current = await icp.current(TEAM);
  return suggestFromUnits([...units.values()], {
    outcome: 'win',
    current: { spec: current.version.spec, version: current.version.version },
    holdoutFrom,
  });
}

export async function run(opts: { databaseUrl: string }): Promise<BenchResult[]> {
  const name = `icp_bench_suggest_${randomBytes(4).toString('hex')}`;
  const handle = await createDb({ databaseUrl: await createDatabase(opts.databaseUrl, name), poolMax: 2 });
  try {
    await migrateDb(handle);
    const t0 = performance.now();
    await load(handle.db);
    process.stderr.write(
      `[bench] suggest: loaded 100k accounts, 1M deals in ${Math.round(performance.now() - t0)} ms\n`,
    );
    const icp = new IcpProvider(handle.db);
    const deps = { db: handle.db, icp };
    const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
      const t = performance.now();
      const r = await fn();
      return [r, performance.now() - t];
    };
    // Interleaved, so both see the same machine load; the faster of two runs each.
    const [s1, a1] = await time(() => suggestIcp(deps, { teamId: TEAM }));
    const [n1, b1] = await time(() => naiveSuggest(handle.db, icp));
    const [, a2] = await time(() => suggestIcp(deps, { teamId: TEAM }));
    const [, b2] = await time(() => naiveSuggest(handle.db, icp));
    if (s1.data.n !== n1.data.n || s1.signal !== n1.signal || s1.proposal?.yaml !== n1.proposal?.yaml)
      throw new Error('bench: SQL-aggregated and JS-aggregated suggestions disagree');
    if (s1.signal !== 'found') throw new Error(`bench: planted signal not found: ${s1.summary}`);
    const ms = Math.min(a1, a2);
    const naive = Math.min(b1, b2);
    return [
      {
        name: `suggest: 100k accounts, ${s1.data.n.toLocaleString('en-US')} decided deals (SQL aggregation, whole use case)`,
        value: ms,
        unit: 'ms',
        baselineName: 'fetch every deal row into JS and count there',
        baseline: naive,
        ratio: naive / ms,
        target: `≤ ${TARGET_MS.toLocaleString('en-US')} ms: ${ms <= TARGET_MS ? 'met' : 'missed'}`,
        met: ms <= TARGET_MS,
      },
    ];
  } finally {
    await handle.close();
    await dropDatabase(opts.databaseUrl, name);
  }
}
