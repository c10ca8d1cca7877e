/**
 * `/icp-check` over real HTTP with 100k accounts in real PostgreSQL, side by side in one run with a
 * bare Bolt app that only acks the same signed command: p50/p99 latency and throughput at 10 and 50
 * concurrent connections, in alternating rounds (bare, full, bare, full…) so that load from other work on
 * a shared machine falls on both alike. Targets: p99 ≤ 1.5× bare, throughput ≥ 0.67× bare.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import { createDb } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { createThrowawayDb } from './throwaway-db.ts';
import type { BenchResult } from './types.ts';

const ACCOUNTS = 100_000;
const SECRET = 'bench-signing-secret';
const TEAM = 'T_BENCH';

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
  seconds: number;
  requests: number;
  errors: number;
}

/** Closed-loop load: `connections` workers each send requests back to back for `requests` in total. */
async function load(port: number, connections: number, requests: number, query: (i: number) => string): Promise<Round> {
  const lat: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (;;) {
        const i = next++;
        if (i >= requests) return;
        const { body, headers } = signed(query(i), i);
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers, body });
        await res.arrayBuffer();
        lat.push(performance.now() - t0);
        if (res.status !== 200) errors++;
      }
    }),
  );
  return { lat, seconds: (performance.now() - started) / 1000, requests, errors };
}

/** Pools rounds: latency percentiles over every request, throughput over the summed time. */
function summarise(rounds: Round[]) {
  const lat = rounds.flatMap((r) => r.lat).sort((a, b) => a - b);
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0);
  const requests = rounds.reduce((a, r) => a + r.requests, 0);
  return {
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    rps: requests / seconds,
    errors: rounds.reduce((a, r) => a + r.errors, 0),
  };
}

/**
 * Rounds per app and connection count, alternating bare and full so load drift on a shared machine
 * hits both alike. 20 rounds: with 8, the throughput ratio of whole runs minutes apart ranged
 * 0.54–0.69× on this machine (the bare app alone 2,400–3,500 req/s); BENCH_HTTP_ROUNDS overrides.
 */
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 20);

export async function run(opts: { databaseUrl: string }): Promise<BenchResult[]> {
  const tmp = await createThrowawayDb(opts.databaseUrl, 'icp_bench_http');
  const handle = await createDb({ databaseUrl: tmp.url });
  let child: ChildProcess | undefined;
  const slack = await fakeSlack();
  try {
    await migrateDb(handle);
    await handle.db.execute(sql`
      insert into accounts (team_id, external_id, name, normalized_name, domain, industry, employees, revenue, country, attributes)
      select ${TEAM}, 'a' || i, 'Company ' || i || ' Ltd', 'company ' || i, 'company' || i || '.com',
             (array['Software','Fintech','Retail','Healthcare','SaaS'])[1 + i % 5], 20 + (i::bigint * 7919) % 2000,
             1e6 + (i::bigint * 104729) % 90000000, (array['SE','NO','DE','US','GB','FI'])[1 + i % 6],
             jsonb_build_object('business_model', 'B2B', 'tech_stack', jsonb_build_array('HubSpot'))
      from generate_series(1, ${ACCOUNTS}) as i`);
    await handle.db.execute(sql`analyze accounts`);
    log(`loaded ${ACCOUNTS.toLocaleString('en-US')} accounts`);

    child = spawn(
      process.execPath,
      [
        // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the servers under load.
        ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        '--import',
        'tsx',
        new URL('./servers.ts', import.meta.url).pathname,
        tmp.url,
        slack.url,
        SECRET,
      ],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const rl = createInterface({ input: child.stdout! });
    const lines: string[] = [];
    const waiting: ((line: string) => void)[] = [];
    rl.on('line', (line) => {
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    });
    const nextLine = () =>
      new Promise<string>((resolve) => {
        const l = lines.shift();
        if (l !== undefined) resolve(l);
        else waiting.push(resolve);
      });
    /** CPU time (µs) the server process has used so far. */
    const serverCpu = async () => {
      child!.stdin!.write('cpu\n');
      return (JSON.parse(await nextLine()) as { cpu: number }).cpu;
    };
    const first = await new Promise<string>((resolve, reject) => {
      void nextLine().then(resolve);
      child!.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
    });
    const ports = JSON.parse(first) as { bare: number; full: number };
    const query = (i: number) =>
      i % 4 === 3 ? `Company ${1 + ((i * 31) % ACCOUNTS)}` : `company${1 + ((i * 7) % ACCOUNTS)}.com`;

    // Warm both (JIT, pools, the compiled ICP).
    await load(ports.bare, 10, 3000, query);
    await load(ports.full, 10, 3000, query);

    const results: BenchResult[] = [];
    for (const connections of [10, 50]) {
      const n = connections * 25;
      const bareRounds: Round[] = [];
      const fullRounds: Round[] = [];
      const cpu = { bare: 0, full: 0 };
      for (let r = 0; r < ROUNDS; r++) {
        for (const app of ['bare', 'full'] as const) {
          const before = await serverCpu();
          (app === 'bare' ? bareRounds : fullRounds).push(await load(ports[app], connections, n, query));
          cpu[app] += (await serverCpu()) - before;
        }
      }
      const bare = summarise(bareRounds);
      const full = summarise(fullRounds);
      // Each full round against the bare round just before it: how much the ratio moves with the machine.
      const pairs = fullRounds.map((f, i) => (bareRounds[i] as Round).seconds / f.seconds).sort((a, b) => a - b);
      log(
        `${connections} conns: throughput ratio of paired rounds: median ${pct(pairs, 50).toFixed(2)}×, ` +
          `middle half ${pct(pairs, 25).toFixed(2)}–${pct(pairs, 75).toFixed(2)}×, range ${pairs[0]?.toFixed(2)}–${pairs.at(-1)?.toFixed(2)}×`,
      );
      const perRequest = (us: number) => (us / (n * ROUNDS) / 1000).toFixed(2);
      log(
        `${connections} conns: server CPU per request: bare ${perRequest(cpu.bare)} ms, icp-check ${perRequest(cpu.full)} ms (both apps run in one process, one at a time)`,
      );
      log(
        `${connections} conns: bare p50 ${bare.p50.toFixed(1)} p99 ${bare.p99.toFixed(1)} ms ${bare.rps.toFixed(0)}/s · ` +
          `icp-check p50 ${full.p50.toFixed(1)} p99 ${full.p99.toFixed(1)} ms ${full.rps.toFixed(0)}/s · errors ${full.errors}`,
      );
      const p99Ratio = full.p99 / bare.p99;
      const rpsRatio = full.rps / bare.rps;
      results.push(
        {
          name: `/icp-check p99 latency, ${connections} connections (p50 ${full.p50.toFixed(1)} ms)`,
          value: full.p99,
          unit: 'ms',
          baselineName: `bare Bolt ack (p99; p50 ${bare.p50.toFixed(1)} ms)`,
          baseline: bare.p99,
          ratio: p99Ratio,
          target: '≤ 1.5× bare',
          met: p99Ratio <= 1.5 && full.errors === 0,
        },
        {
          name: `/icp-check throughput, ${connections} connections`,
          value: full.rps,
          unit: 'req/s',
          baselineName: 'bare Bolt ack',
          baseline: bare.rps,
          ratio: rpsRatio,
          target: '≥ 0.67× bare',
          met: rpsRatio >= 0.67 && full.errors === 0,
        },
      );
    }
    return results;
  } finally {
    if (child) {
      child.stdin?.end();
      await new Promise((r) => child!.once('exit', r));
    }
    slack.server.close();
    await handle.close();
    await tmp.drop();
  }
}
