/**
 * Company lookup at scale: 1,000,000 accounts in one team on real PostgreSQL, resolveCompany latency
 * over mixed queries (exact domain, exact name, one-letter typo), against an unindexed ILIKE scan
 * measured in the same run. Creates and drops its own throw-away database.
 *
 *   npm run bench -- lookup   (BENCH_DATABASE_URL picks the server)
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createDb } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { refreshNameWords } from '../db/queries/accounts.ts';
import { queryRows } from '../db/raw.ts';
import { normalizeCompanyName } from '../src/lookup/normalize.ts';
import { resolveCompany } from '../src/usecases/find-company.ts';
import { createDatabase, createThrowawayDb, dropDatabase, keptDatabase } from './throwaway-db.ts';
import type { BenchResult } from './types.ts';

const TEAM = 'T_BENCH';
const ROWS = 1_000_000;
const QUERIES_PER_KIND = 600;
const BASELINE_QUERIES = 30;
const P99_TARGET_MS = 10;

/** Words appended to the real names to reach a million distinct accounts (index 0: the name as is). */
const MODIFIERS = [
  '',
  'Systems',
  'Labs',
  'Partners',
  'Europe',
  'Holdings',
  'Group',
  'Digital',
  'Analytics',
  'Capital',
  'Ventures',
  'Software',
  'Health',
  'Energy',
  'Logistics',
  'Media',
  'Solutions',
  'Consulting',
  'Networks',
  'Foods',
  'Retail',
  'Pharma',
  'Robotics',
  'Security',
  'Cloud',
  'Mobility',
  'Finance',
  'Insurance',
  'Realty',
  'Studios',
  'Asia',
  'Nordic',
  'Iberia',
  'Canada',
  'Brasil',
  'Africa',
  'Pacific',
  'Atlantic',
  'Industries',
  'Technologies',
  'Services',
  'International',
  'Worldwide',
  'Trading',
  'Materials',
];

const dataDir = fileURLToPath(new URL('../../shared/data/', import.meta.url));

function readData(path: string): string {
  const file = `${dataDir}${path}`;
  if (!existsSync(file)) throw new Error(`bench data missing: ${file}`);
  return readFileSync(file, 'utf8');
}

/** Real names: SEC registrants and the datablist organisations, deduplicated by normalised key. */
function baseNames(): { names: string[]; keys: string[] } {
  const sec = readData('sec-cik-sic/cik_ticker.csv')
    .split('\n')
    .slice(1)
    .map((l) => l.split('|')[2] ?? '');
  const orgs = (
    parse(readData('datablist-orgs-10k/organizations-10000.csv'), { columns: true }) as { Name: string }[]
  ).map((r) => r.Name);
  const seen = new Set<string>();
  const names: string[] = [];
  const keys: string[] = [];
  for (const name of [...sec, ...orgs]) {
    const key = normalizeCompanyName(name);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    names.push(name);
    keys.push(key);
  }
  return { names, keys };
}

/** Row i (1-based) of the generated table, computed the same way the SQL generator does. */
function row(i: number, names: string[], keys: string[]) {
  const nb = names.length;
  const b = i % nb;
  const m = Math.floor(i / nb) % MODIFIERS.length;
  const mod = MODIFIERS[m] as string;
  // The variation goes first so the legal suffix stays last: the SQL key then equals normalizeCompanyName(name).
  const name = m === 0 ? (names[b] as string) : `${mod} ${names[b]}`;
  const key = m === 0 ? (keys[b] as string) : `${mod.toLowerCase()} ${keys[b]}`;
  return { name, key, domain: `${key.replace(/[^a-z0-9]/g, '')}-${i}.com` };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Deterministic PRNG so runs are comparable. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One-letter substitution inside the longest word (keeps the typo away from legal suffixes). */
function typo(name: string, rand: () => number): string {
  const words = name.split(' ');
  let w = 0;
  for (let i = 1; i < words.length; i++) if ((words[i] as string).length > (words[w] as string).length) w = i;
  const word = words[w] as string;
  if (word.length < 5) return name;
  const pos = 1 + Math.floor(rand() * (word.length - 2));
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let c = letters[Math.floor(rand() * 26)] as string;
  if (c === word[pos]?.toLowerCase()) c = c === 'a' ? 'e' : 'a';
  words[w] = word.slice(0, pos) + c + word.slice(pos + 1);
  return words.join(' ');
}

function log(msg: string): void {
  process.stderr.write(`[bench lookup] ${msg}\n`);
}

/** BENCH_LOOKUP_KEEP=1 keeps the loaded database (icp_bench_lookup_keep) and reuses it in the next run. */
const KEEP = process.env.BENCH_LOOKUP_KEEP === '1';

async function target(serverUrl: string): Promise<{ url: string; reuse: boolean; drop(): Promise<void> }> {
  if (!KEEP) return { ...(await createThrowawayDb(serverUrl, 'icp_bench_lookup')), reuse: false };
  const name = 'icp_bench_lookup_keep';
  const { url, existed: exists } = await keptDatabase(serverUrl, name);
  let reuse = false;
  if (exists) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const n = await c.query<{ n: number }>('select count(*)::int as n from accounts where team_id = $1', [TEAM]);
    await c.end();
    reuse = n.rows[0]?.n === ROWS;
    if (!reuse) {
      await dropDatabase(serverUrl, name);
      await createDatabase(serverUrl, name);
    }
  }
  return { url, reuse, drop: async () => {} };
}

export async function run(opts: { databaseUrl: string }): Promise<BenchResult[]> {
  const tmp = await target(opts.databaseUrl);
  const handle = await createDb({ databaseUrl: tmp.url, poolMax: 8 });
  try {
    await migrateDb(handle);
    const db = handle.db;
    const { names, keys } = baseNames();
    log(`${names.length} distinct real base names × ${MODIFIERS.length} variations`);

    // Load without secondary indexes, then build them (much faster than maintaining a GIN per row).
    const t0 = performance.now();
    let loadSeconds = Number.NaN;
    if (!tmp.reuse) {
      const indexes = await queryRows<{ indexname: string; indexdef: string }>(
        db,
        sql`select indexname, indexdef from pg_indexes where tablename = 'accounts' and indexname <> 'accounts_pkey'`,
      );
      for (const ix of indexes) await db.execute(sql.raw(`DROP INDEX ${ix.indexname}`));
      // The real names go in once as small lookup tables (a big array parameter subscripted per row
      // would be detoasted for every row); the million rows are then a join over generate_series.
      await db.execute(
        sql`create unlogged table bench_base (ord int primary key, name text not null, key text not null)`,
      );
      await db.execute(sql`create unlogged table bench_mods (ord int primary key, word text not null)`);
      // Arrays go as one parameter each (drizzle would expand a bare JS array into a list).
      await db.execute(sql`insert into bench_base select (o - 1)::int, n, k
      from unnest(${sql.param(names)}::text[], ${sql.param(keys)}::text[]) with ordinality as u(n, k, o)`);
      await db.execute(sql`insert into bench_mods select (o - 1)::int, w
      from unnest(${sql.param(MODIFIERS)}::text[]) with ordinality as u(w, o)`);
      const chunks = 4;
      const per = Math.ceil(ROWS / chunks);
      await Promise.all(
        Array.from({ length: chunks }, (_, c) => {
          const from = c * per + 1;
          const to = Math.min(ROWS, (c + 1) * per);
          return db.execute(sql`
          insert into accounts (team_id, external_id, source, name, normalized_name, domain, industry, employees, country)
          select ${TEAM}, 'b' || g.i, 'bench',
                 case when m.ord = 0 then b.name else m.word || ' ' || b.name end,
                 kk.k,
                 regexp_replace(kk.k, '[^a-z0-9]', '', 'g') || '-' || g.i || '.com',
                 'Industry ' || (g.i % 40), 10 + (g.i::bigint * 7919) % 50000, 'US'
          from generate_series(${from}::int, ${to}::int) as g(i)
          join bench_base b on b.ord = g.i % ${names.length}
          join bench_mods m on m.ord = (g.i / ${names.length}) % ${MODIFIERS.length},
          lateral (select case when m.ord = 0 then b.key else lower(m.word) || ' ' || b.key end as k) as kk`);
        }),
      );
      const tLoaded = performance.now();
      await Promise.all(
        indexes.map(async (ix) => {
          await db.transaction(async (tx) => {
            await tx.execute(sql`select set_config('maintenance_work_mem', '512MB', true)`);
            await tx.execute(sql.raw(ix.indexdef));
          });
        }),
      );
      await db.execute(sql`ANALYZE accounts`);
      // The word dictionary, as every write path refreshes it (one set-based statement over the team).
      const tWords = performance.now();
      await refreshNameWords(db, TEAM);
      await db.execute(sql`ANALYZE account_name_words`);
      const [dict] = await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from account_name_words where team_id = ${TEAM}`,
      );
      log(
        `word dictionary: ${dict?.n} distinct words, refreshed in ${((performance.now() - tWords) / 1000).toFixed(1)} s`,
      );
      const tIndexed = performance.now();
      log(
        `loaded ${ROWS} rows in ${((tLoaded - t0) / 1000).toFixed(1)} s, indexes + ANALYZE ${((tIndexed - tLoaded) / 1000).toFixed(1)} s`,
      );
      loadSeconds = (tIndexed - t0) / 1000;
    } else log(`reusing ${ROWS} accounts in icp_bench_lookup_keep`);

    // Does the fuzzy query use the trigram index? (`%` should; a bare similarity() filter cannot.)
    const probe = row(123_457, names, keys).key;
    const planOf = async (q: ReturnType<typeof sql>) =>
      (await queryRows<{ 'QUERY PLAN': string }>(db, q)).map((r) => r['QUERY PLAN']).join('\n');
    const planPct = await planOf(
      sql`explain select id from accounts where team_id = ${TEAM} and normalized_name % ${probe} order by similarity(normalized_name, ${probe}) desc limit 6`,
    );
    const planSim = await planOf(
      sql`explain select id from accounts where team_id = ${TEAM} and similarity(normalized_name, ${probe}) >= 0.3 order by similarity(normalized_name, ${probe}) desc limit 6`,
    );
    const pctUsesIndex = planPct.includes('accounts_normalized_name_trgm_idx');
    log(
      `'%' plan uses trigram index: ${pctUsesIndex}; bare similarity() plan uses it: ${planSim.includes('trgm_idx')}`,
    );

    // Mixed queries: exact domain, exact name as a user types it, one-letter typo.
    const rand = mulberry32(42);
    const pick = () => 1 + Math.floor(rand() * ROWS);
    const queries: { kind: 'domain' | 'name' | 'typo'; text: string; key: string }[] = [];
    for (let q = 0; q < QUERIES_PER_KIND; q++) {
      const d = row(pick(), names, keys);
      queries.push({ kind: 'domain', text: `https://www.${d.domain}/`, key: d.key });
      const n = row(pick(), names, keys);
      queries.push({ kind: 'name', text: n.name, key: n.key });
      const t = row(pick(), names, keys);
      queries.push({ kind: 'typo', text: typo(t.name, rand), key: t.key });
    }
    for (const q of queries.slice(0, 30)) await resolveCompany(db, TEAM, q.text); // warm-up
    const latencies: number[] = [];
    const byKind: Record<string, number[]> = { domain: [], name: [], typo: [] };
    const outcomes: Record<string, number> = {};
    const wrongExamples: string[] = [];
    const missExamples: string[] = [];
    const slowest: { ms: number; text: string; kind: string }[] = [];
    let typoShown = 0;
    for (const q of queries) {
      const s = performance.now();
      const r = await resolveCompany(db, TEAM, q.text);
      const ms = performance.now() - s;
      latencies.push(ms);
      if (q.kind === 'typo') {
        slowest.push({ ms, text: q.text, kind: r.kind });
        const shown = r.kind === 'match' ? [r.account] : r.kind === 'none' ? r.suggestions : r.candidates;
        if (shown.some((c) => normalizeCompanyName(c.name) === q.key)) typoShown++;
      }
      byKind[q.kind]?.push(ms);
      // A match on another company than the one the query was made from is the failure that matters.
      const wrong = r.kind === 'match' && normalizeCompanyName(r.account.name) !== q.key ? ':WRONG' : '';
      if (wrong && r.kind === 'match' && wrongExamples.length < 5) wrongExamples.push(`${q.text} → ${r.account.name}`);
      if (q.kind === 'typo' && r.kind !== 'match' && missExamples.length < 12) {
        const shown = r.kind === 'none' ? r.suggestions : r.candidates;
        missExamples.push(`${q.text} [${q.key}] → ${r.kind} ${shown.map((c) => c.name).join(', ')}`);
      }
      const key = `${q.kind}:${r.kind}${r.kind === 'match' ? `/${r.via}` : ''}${wrong}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
    const typoQueries = queries.filter((q) => q.kind === 'typo').length;
    const typoResolved = outcomes['typo:match/fuzzy'] ?? 0;
    const wrongMatches = Object.entries(outcomes)
      .filter(([k]) => k.endsWith(':WRONG'))
      .reduce((a, [, n]) => a + n, 0);
    log(
      `typo accuracy: ${typoResolved}/${typoQueries} resolved to the intended account ` +
        `(${((100 * typoResolved) / typoQueries).toFixed(1)}%), wrong matches: ${wrongMatches}`,
    );
    latencies.sort((a, b) => a - b);
    for (const k of Object.keys(byKind)) byKind[k]?.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    log(
      `resolveCompany over ${queries.length} queries: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; ` +
        Object.entries(byKind)
          .map(([k, v]) => `${k} p50 ${percentile(v, 50).toFixed(2)} / p99 ${percentile(v, 99).toFixed(2)}`)
          .join('; '),
    );
    log(`outcomes: ${JSON.stringify(outcomes)}`);
    slowest.sort((a, b) => b.ms - a.ms);
    log(
      `slowest typo queries: ${slowest
        .slice(0, 8)
        .map((x) => `${x.text} (${x.kind}) ${x.ms.toFixed(1)} ms`)
        .join(' | ')}`,
    );
    log(
      `typo queries: the intended account is the match or among the candidates/suggestions in ${typoShown}/${QUERIES_PER_KIND}`,
    );
    log(`typo queries not matched (examples): ${missExamples.join(' | ')}`);
    if (wrongExamples.length > 0) log(`matched another company than intended: ${wrongExamples.join(' | ')}`);

    // Baseline: what a lookup without the trigram index does, a substring scan of every name.
    const baseline: number[] = [];
    for (const q of queries.filter((x) => x.kind === 'name').slice(0, BASELINE_QUERIES)) {
      const s = performance.now();
      await queryRows(
        db,
        sql`select id, name from accounts where team_id = ${TEAM} and name ilike ${`%${q.text}%`} order by length(name) limit 10`,
      );
      baseline.push(performance.now() - s);
    }
    baseline.sort((a, b) => a - b);
    const baseP50 = percentile(baseline, 50);
    log(`ILIKE '%…%' scan over ${baseline.length} queries: p50 ${baseP50.toFixed(1)} ms`);

    return [
      {
        name: 'lookup: resolveCompany p99 latency, 1M accounts, mixed domain/name/typo queries',
        value: round(p99),
        unit: 'ms',
        baselineName: `unindexed ILIKE '%…%' scan p50 (${baseline.length} queries)`,
        baseline: round(baseP50),
        ratio: round(baseP50 / p99),
        target: `p99 ≤ ${P99_TARGET_MS} ms: ${p99 <= P99_TARGET_MS ? 'met' : 'not met'}`,
        met: p99 <= P99_TARGET_MS,
      },
      {
        name: 'lookup: resolveCompany p50 latency, 1M accounts, mixed queries',
        value: round(p50),
        unit: 'ms',
        baselineName: `unindexed ILIKE '%…%' scan p50 (${baseline.length} queries)`,
        baseline: round(baseP50),
        ratio: round(baseP50 / p50),
        target: 'faster than the scan (speed-up = ratio)',
        met: p50 < baseP50,
      },
      ...(['domain', 'name', 'typo'] as const).map((k) => {
        const v = byKind[k] ?? [];
        const kp99 = percentile(v, 99);
        return {
          name: `lookup: ${k} queries p99 (p50 ${round(percentile(v, 50))} ms), 1M accounts`,
          value: round(kp99),
          unit: 'ms',
          baselineName: `unindexed ILIKE '%…%' scan p50 (${baseline.length} queries)`,
          baseline: round(baseP50),
          ratio: round(baseP50 / kp99),
          target: `p99 ≤ ${P99_TARGET_MS} ms: ${kp99 <= P99_TARGET_MS ? 'met' : 'not met'}`,
          met: kp99 <= P99_TARGET_MS,
        };
      }),
      {
        name: 'lookup: one-letter typo queries resolved to the intended account (wrong matches must be 0)',
        value: round((100 * typoResolved) / typoQueries),
        unit: '%',
        baselineName: 'wrong matches (any query kind)',
        baseline: wrongMatches,
        ratio: round(typoResolved / typoQueries),
        target: `0 wrong matches: ${wrongMatches === 0 ? 'met' : 'not met'}`,
        met: wrongMatches === 0,
      },
      // A kept database was loaded in an earlier run: no load time to report.
      ...(Number.isNaN(loadSeconds)
        ? []
        : [
            {
              name: 'lookup: bulk load of 1M accounts incl. indexes and ANALYZE',
              value: round(loadSeconds),
              unit: 's',
              baselineName: 'target',
              baseline: 60,
              ratio: round(60 / loadSeconds),
              target: `< 60 s: ${loadSeconds < 60 ? 'met' : 'not met'}`,
              met: loadSeconds < 60,
            },
          ]),
    ];
  } finally {
    await handle.close();
    await tmp.drop();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
