/**
 * `/icp-check` over real HTTP as a workspace sees it: p50 and p99 answer latency at 1, 5 and 20
 * concurrent connections, side by side in one run with a bare Bolt app that only acks the same signed
 * command, in alternating rounds (bare, full, bare, full…) so load from other work on a shared machine
 * falls on both alike. Twice: on real PostgreSQL with 1,000,000 accounts and on the embedded database
 * (PGlite) with 100,000.
 *
 * Targets: p99 ≤ bare p99 + 10 ms at 1 and 5 connections; at 20, no errors and p99 under 1 s.
 * Slash commands reach a workspace's bot a few per second at most, so latency at low concurrency is
 * what users feel; 20 connections is a burst well beyond that.
 *
 * BENCH_HTTP_DBS=postgres|pglite picks one database; BENCH_HTTP_ROUNDS the rounds per app and level.
 * BENCH_HTTP_KEEP=1 keeps the seeded databases (PostgreSQL database icp_bench_http_keep, PGlite folder
 * in the system temp dir) and reuses them in the next run, so the million accounts are loaded once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import { createDb, type DbHandle } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { queryRows } from '../db/raw.ts';
import { createThrowawayDb, dropDatabase, keptDatabase } from './throwaway-db.ts';
import type { BenchResult } from './types.ts';

const SECRET = 'bench-signing-secret';
const TEAM = 'T_BENCH';
const CONNECTIONS = [1, 5, 20] as const;
/** Requests per round at each connection count: about a second of work per round on this machine. */
const PER_ROUND: Record<number, number> = { 1: 150, 5: 300, 20: 600 };
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 12);
const KEEP = process.env.BENCH_HTTP_KEEP === '1';
const DELTA_TARGET_MS = 10;
const BURST_P99_MS = 1000;

function log(msg: string): void {
  process.stderr.write(`[bench check-http] ${msg}\n`);
}

/** A fake Slack Web API that answers ok to everything (the check path makes no Web API call). */
async function fakeSlack(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/` };
}

function signed(text: string, i: number): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams({
    token: 'x',
    team_id: TEAM,
    team_domain: 'bench',
    channel_id: 'C0BENCH',
    channel_name: 'bench',
    user_id: `U0BENCH${i % 50}`,
    user_name: 'bench',
    command: '/icp-check',
    text,
    response_url: 'http://127.0.0.1:9/respond',
    trigger_id: `t${i}`,
    api_app_id: 'A0BENCH',
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': sig,
      'x-slack-request-timestamp': String(ts),
    },
  };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

interface Round {
  lat: number[];
  errors: number;
}

/**
 * Closed-loop load: `connections` workers each send requests back to back, `requests` in total. An
 * answer counts as an error unless it is a 200 whose body holds `expect` (the full app: a scored card).
 */
async function load(
  port: number,
  connections: number,
  requests: number,
  query: (i: number) => string,
  expect: string,
  offset: number,
): Promise<Round> {
  const lat: number[] = [];
  let next = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (;;) {
        const i = next++;
        if (i >= requests) return;
        const { body, headers } = signed(query(offset + i), offset + i);
        const t0 = performance.now();
        try {
          const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers, body });
          const text = await res.text();
          lat.push(performance.now() - t0);
          if (res.status !== 200 || !text.includes(expect)) errors++;
        } catch {
          lat.push(performance.now() - t0);
          errors++;
        }
      }
    }),
  );
  return { lat, errors };
}

function pooled(rounds: Round[]) {
  const lat = rounds.flatMap((r) => r.lat).sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99), errors: rounds.reduce((a, r) => a + r.errors, 0), n: lat.length };
}

const roundP99 = (r: Round) =>
  pct(
    [...r.lat].sort((a, b) => a - b),
    99,
  );

/** Accounts "Company i Ltd" (company{i}.com) for the bench team, unless the database already has them. */
async function seed(handle: DbHandle, accounts: number): Promise<void> {
  await migrateDb(handle);
  const [have] = await queryRows<{ n: number }>(
    handle.db,
    sql`select count(*)::int as n from accounts where team_id = ${TEAM}`,
  );
  if ((have?.n ?? 0) === accounts) {
    log(`reusing ${accounts.toLocaleString('en-US')} accounts`);
    return;
  }
  const t0 = performance.now();
  await handle.db.execute(sql`delete from accounts where team_id = ${TEAM}`);
  for (let from = 1; from <= accounts; from += 100_000) {
    const to = Math.min(accounts, from + 99_999);
    await handle.db.execute(sql`
      insert into accounts (team_id, external_id, name, normalized_name, domain, industry, employees, revenue, country, attributes)
      select ${TEAM}, 'a' || i, 'Company ' || i || ' Ltd', 'company ' || i, 'company' || i || '.com',
             (array['Software','Fintech','Retail','Healthcare','SaaS'])[1 + i % 5], 20 + (i::bigint * 7919) % 2000,
             1e6 + (i::bigint * 104729) % 90000000, (array['SE','NO','DE','US','GB','FI'])[1 + i % 6],
             jsonb_build_object('business_model', 'B2B', 'tech_stack', jsonb_build_array('HubSpot'))
      from generate_series(${from}::int, ${to}::int) as i`);
  }
  await handle.db.execute(sql`analyze accounts`);
  log(`loaded ${accounts.toLocaleString('en-US')} accounts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

interface Target {
  label: string;
  accounts: number;
  /** What the servers process opens: a postgres:// URL or `pglite:<folder>`. */
  spec: string;
  cleanup(): Promise<void>;
}

async function postgresTarget(serverUrl: string, accounts: number): Promise<Target> {
  let url: string;
  let cleanup = async () => {};
  if (KEEP) {
    url = (await keptDatabase(serverUrl, 'icp_bench_http_keep')).url;
  } else {
    const tmp = await createThrowawayDb(serverUrl, 'icp_bench_http');
    url = tmp.url;
    cleanup = () => dropDatabase(serverUrl, tmp.name);
  }
  const handle = await createDb({ databaseUrl: url });
  try {
    await seed(handle, accounts);
  } finally {
    await handle.close();
  }
  return { label: 'PostgreSQL', accounts, spec: url, cleanup };
}

async function pgliteTarget(accounts: number): Promise<Target> {
  const dir = KEEP ? join(tmpdir(), 'icp-bench-http-pglite') : mkdtempSync(join(tmpdir(), 'icp-bench-http-'));
  if (KEEP && existsSync(dir)) log(`embedded database in ${dir}`);
  const handle = await createDb({ dataDir: dir });
  try {
    await seed(handle, accounts);
  } finally {
    await handle.close();
  }
  return {
    label: 'embedded PGlite',
    accounts,
    spec: `pglite:${dir}`,
    cleanup: async () => {
      if (!KEEP) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts bench/servers.ts on the target and returns the two apps' ports, and a probe of its CPU time. */
async function startServers(
  spec: string,
  slackUrl: string,
): Promise<{ child: ChildProcess; bare: number; full: number; cpu: () => Promise<number> }> {
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the servers under load.
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      new URL('./servers.ts', import.meta.url).pathname,
      spec,
      slackUrl,
      SECRET,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const rl = createInterface({ input: child.stdout! });
  const waiting: ((cpuMicros: number) => void)[] = [];
  const first = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
  });
  rl.on('line', (line) => waiting.shift()?.((JSON.parse(line) as { cpu: number }).cpu));
  const ports = JSON.parse(first) as { bare: number; full: number };
  // The servers process's CPU time (µs) so far: read around a round, it charges the round's work to its app.
  const cpu = () =>
    new Promise<number>((resolve) => {
      waiting.push(resolve);
      child.stdin!.write('cpu\n');
    });
  return { child, ...ports, cpu };
}

async function measure(target: Target, slackUrl: string): Promise<BenchResult[]> {
  const { child, bare, full, cpu } = await startServers(target.spec, slackUrl);
  const n = target.accounts;
  // Three in four by domain, one in four by exact name: both exact lookups, spread over the whole table.
  const query = (i: number) =>
    i % 4 === 3 ? `Company ${1 + ((i * 7919) % n)}` : `company${1 + ((i * 104729) % n)}.com`;
  const ok = { bare: '"ok"', full: 'icp_share_action' };
  try {
    let offset = 0;
    // Warm both (JIT, pools, the compiled ICP).
    await load(bare, 5, 1500, query, ok.bare, offset);
    await load(full, 5, 1500, query, ok.full, offset);
    offset += 1500;
    const results: BenchResult[] = [];
    for (const connections of CONNECTIONS) {
      const per = PER_ROUND[connections] ?? 300;
      const rounds = { bare: [] as Round[], full: [] as Round[] };
      const cpuPer = { bare: [] as number[], full: [] as number[] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const app of ['bare', 'full'] as const) {
          const c0 = await cpu();
          rounds[app].push(await load(app === 'bare' ? bare : full, connections, per, query, ok[app], offset));
          cpuPer[app].push((await cpu()) - c0);
          offset += per;
        }
      }
      // Server CPU per answer (ms), median over rounds: what queues answers at 5 connections, and far less
      // sensitive to other work on the machine than a p99.
      const cpuMs = (app: 'bare' | 'full') =>
        pct(
          [...cpuPer[app]].sort((x, y) => x - y),
          50,
        ) /
        per /
        1000;
      const b = pooled(rounds.bare);
      const f = pooled(rounds.full);
      // Each full round against the bare round just before it: how far the figure moves with the machine.
      const deltas = rounds.full.map((fr, i) => roundP99(fr) - roundP99(rounds.bare[i] as Round)).sort((x, y) => x - y);
      log(
        `${target.label}, ${connections} conn: bare p50 ${b.p50.toFixed(1)} p99 ${b.p99.toFixed(1)} ms · ` +
          `/icp-check p50 ${f.p50.toFixed(1)} p99 ${f.p99.toFixed(1)} ms · errors ${f.errors}/${f.n} · ` +
          `paired-round p99 difference median ${pct(deltas, 50).toFixed(1)} ms, range ${deltas[0]?.toFixed(1)}–${deltas.at(-1)?.toFixed(1)} ms · ` +
          `server CPU per answer: bare ${cpuMs('bare').toFixed(2)} ms, /icp-check ${cpuMs('full').toFixed(2)} ms`,
      );
      const delta = f.p99 - b.p99;
      const burst = connections >= 20;
      results.push({
        name: `/icp-check p99, ${connections} connection${connections > 1 ? 's' : ''}, ${target.label} ${target.accounts.toLocaleString('en-US')} accounts (p50 ${f.p50.toFixed(1)} ms; +${delta.toFixed(1)} ms over bare; paired rounds ${deltas[0]?.toFixed(1)} to ${deltas.at(-1)?.toFixed(1)} ms, errors ${f.errors}; server CPU per answer ${cpuMs('full').toFixed(2)} ms vs bare ${cpuMs('bare').toFixed(2)} ms)`,
        value: f.p99,
        unit: 'ms',
        baselineName: `bare Bolt ack p99 (p50 ${b.p50.toFixed(1)} ms)`,
        baseline: b.p99,
        ratio: f.p99 / b.p99,
        target: burst ? `no errors, p99 < ${BURST_P99_MS} ms` : `≤ bare p99 + ${DELTA_TARGET_MS} ms, no errors`,
        met: f.errors === 0 && (burst ? f.p99 < BURST_P99_MS : delta <= DELTA_TARGET_MS),
      });
    }
    return results;
  } finally {
    child.stdin?.end();
    await new Promise((r) => child.once('exit', r));
  }
}

export async function run(opts: { databaseUrl: string }): Promise<BenchResult[]> {
  const wanted = process.env.BENCH_HTTP_DBS?.split(',') ?? ['postgres', 'pglite'];
  const slack = await fakeSlack();
  const results: BenchResult[] = [];
  try {
    for (const db of wanted) {
      const target =
        db === 'postgres' ? await postgresTarget(opts.databaseUrl, 1_000_000) : await pgliteTarget(100_000);
      try {
        results.push(...(await measure(target, slack.url)));
      } finally {
        await target.cleanup();
      }
    }
    return results;
  } finally {
    slack.server.close();
  }
}
