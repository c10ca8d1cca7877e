/**
 * The bot as it runs in production (`node dist/src/app.js`, HTTP mode, a local fake Slack API) on
 * each database: launch to a healthy /healthz, resident memory idle, first /icp-check answer after
 * start, resident memory after 1,000 answers. The baseline, measured in the same run, is a bare Bolt
 * app (no database, no commands) serving the same /healthz. Targets (issue #16): PostgreSQL ≤ 150 MB
 * idle, ≤ 200 MB after 1,000 answers, healthy ≤ 1.5 s; embedded ≤ 350 MB idle, healthy ≤ 2 s on an
 * existing data folder. Run `npm run build` first (`npm run bench` does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { importFile } from '../src/usecases/import-file.ts';
import { createThrowawayDb } from './throwaway-db.ts';
import type { BenchResult } from './types.ts';

const SECRET = 'bench-signing-secret';
const TEAM = 'T_BENCH';
const ANSWERS = 1_000;
const CONCURRENCY = 4;
const root = fileURLToPath(new URL('..', import.meta.url));
const appJs = join(root, 'dist/src/app.js');
const accountsCsv = join(root, '../shared/data/maven-crm/accounts.csv');

function log(msg: string): void {
  process.stderr.write(`[bench runtime] ${msg}\n`);
}

/** Fake Slack Web API: auth.test names the bot, everything else is ok; response_url posts are recorded. */
async function fakeSlack(): Promise<{ server: Server; url: string; responses: Map<string, () => void> }> {
  const responses = new Map<string, () => void>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const respond = req.url?.match(/^\/respond\/(.+)$/);
      if (respond?.[1]) responses.get(respond[1])?.();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        req.url?.includes('auth.test')
          ? '{"ok":true,"bot_id":"B0BENCH","user_id":"U0BENCHBOT","team_id":"T_BENCH"}'
          : '{"ok":true}',
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}/api/`, responses };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** User + system CPU time of a process so far (ms): launch cost without other processes' load. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in 1/100 s ticks
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Launched {
  child: ChildProcess;
  port: number;
  healthyMs: number;
  /** CPU time the process spent until healthy. */
  healthyCpuMs: number;
  stop(): Promise<void>;
}

/** Spawns `node <args>` with env, and times launch → first 200 from /healthz. */
async function launch(args: string[], env: Record<string, string>, stderr: string[]): Promise<Launched> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d) => stderr.push(String(d)));
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`process exited before it was healthy:\n${stderr.join('')}`);
    if (performance.now() - t0 > 300_000) throw new Error('not healthy within 300 s');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) break;
    } catch {}
    await sleep(10);
  }
  const healthyMs = performance.now() - t0;
  const healthyCpuMs = cpuMs(child.pid!);
  return {
    child,
    port,
    healthyMs,
    healthyCpuMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function signed(text: string, id: string, respondBase: string): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams({
    token: 'x',
    team_id: TEAM,
    team_domain: 'bench',
    channel_id: 'C0BENCH',
    channel_name: 'bench',
    user_id: 'U0BENCH1',
    user_name: 'bench',
    command: '/icp-check',
    text,
    response_url: `${respondBase}respond/${id}`,
    trigger_id: `t${id}`,
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

/** One /icp-check, timed until its answer: the ack itself, or the response_url post after "Checking…". */
async function check(
  port: number,
  slack: Awaited<ReturnType<typeof fakeSlack>>,
  text: string,
  id: string,
): Promise<number> {
  const base = slack.url.replace(/api\/$/, '');
  const posted = new Promise<void>((resolve) => slack.responses.set(id, resolve));
  const { body, headers } = signed(text, id, base);
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body, headers });
  const ack = (await res.text()).trim();
  if (res.status !== 200) throw new Error(`/icp-check answered ${res.status}`);
  const answered = ack.includes('"blocks"');
  if (!answered) await posted;
  slack.responses.delete(id);
  return performance.now() - t0;
}

function names(): string[] {
  const lines = readFileSync(accountsCsv, 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => l.split(',')[0] ?? '').filter(Boolean);
}

interface Measured {
  healthyMs: number;
  healthyCpuMs: number;
  idleMb: number;
  firstAnswerMs: number;
  afterMb: number;
  p50Ms: number;
}

async function measureApp(
  label: string,
  args: string[],
  env: Record<string, string>,
  slack: Awaited<ReturnType<typeof fakeSlack>>,
): Promise<Measured> {
  const stderr: string[] = [];
  const app = await launch(args, env, stderr);
  try {
    await sleep(2_000); // idle: start-up work settled
    const idleMb = rssMb(app.child.pid!);
    const texts = names();
    const firstAnswerMs = await check(app.port, slack, texts[0] ?? 'Acme', `${label}-first`);
    const times: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ANSWERS) {
          const i = next++;
          times.push(await check(app.port, slack, texts[i % texts.length] ?? 'Acme', `${label}-${i}`));
        }
      }),
    );
    await sleep(1_000);
    const afterMb = rssMb(app.child.pid!);
    times.sort((a, b) => a - b);
    const m = {
      healthyMs: app.healthyMs,
      healthyCpuMs: app.healthyCpuMs,
      idleMb,
      firstAnswerMs,
      afterMb,
      p50Ms: times[times.length >> 1] ?? 0,
    };
    log(
      `${label}: healthy ${m.healthyMs.toFixed(0)} ms (${m.healthyCpuMs.toFixed(0)} ms CPU), idle ${m.idleMb.toFixed(0)} MB, first answer ${m.firstAnswerMs.toFixed(0)} ms, after ${ANSWERS} answers ${m.afterMb.toFixed(0)} MB (p50 ${m.p50Ms.toFixed(1)} ms)`,
    );
    return m;
  } finally {
    await app.stop();
  }
}

/** A bare Bolt app with the same /healthz and nothing else: the floor of Node + Bolt. */
const BARE_BOLT = `
import { App } from '@slack/bolt';
const app = new App({
  signingSecret: 's', token: 'xoxb-bench', botId: 'B0', botUserId: 'U0', convoStore: false,
  customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_q, r) => { r.writeHead(200); r.end('{"ok":true}'); } }],
});
await app.start(Number(process.env.PORT));
`;

async function measureBare(): Promise<{ healthyMs: number; healthyCpuMs: number; idleMb: number }> {
  const stderr: string[] = [];
  const app = await launch(['--input-type=module', '-e', BARE_BOLT], {}, stderr);
  try {
    await sleep(2_000);
    const idleMb = rssMb(app.child.pid!);
    log(
      `bare Bolt: healthy ${app.healthyMs.toFixed(0)} ms (${app.healthyCpuMs.toFixed(0)} ms CPU), idle ${idleMb.toFixed(0)} MB`,
    );
    return { healthyMs: app.healthyMs, healthyCpuMs: app.healthyCpuMs, idleMb };
  } finally {
    await app.stop();
  }
}

function result(
  name: string,
  value: number,
  unit: string,
  baselineName: string,
  baseline: number,
  limit: number,
): BenchResult {
  const met = value <= limit;
  return {
    name,
    value,
    unit,
    baselineName,
    baseline,
    ratio: value / baseline,
    target: `≤ ${limit} ${unit}: ${met ? 'met' : 'missed'}`,
    met,
  };
}

export async function run(opts: { databaseUrl: string }): Promise<BenchResult[]> {
  if (!existsSync(appJs)) throw new Error('dist/src/app.js is missing: run `npm run build` first');
  const slack = await fakeSlack();
  const common = {
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    DEFAULT_TEAM_ID: TEAM,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };
  const tmp = await createThrowawayDb(opts.databaseUrl, 'icp_bench_runtime');
  const dataDir = mkdtempSync(join(tmpdir(), 'icp-bench-pglite-'));
  try {
    const bare = await measureBare();

    // PostgreSQL: migrate and import the Maven accounts first, as an operator would.
    const pgHandle = await createDb({ databaseUrl: tmp.url });
    await migrateDb(pgHandle);
    await importFile(pgHandle.db, { teamId: TEAM, kind: 'accounts', input: accountsCsv, format: 'auto' });
    await pgHandle.close();
    const pgEnv = { ...common, DATABASE_URL: tmp.url };
    const pg = await measureApp('PostgreSQL', [appJs], pgEnv, slack);
    // The same start through tsx (how `npm start` ran before the build): what compiling saves.
    const viaTsx = await launch(['--import', 'tsx', join(root, 'src/app.ts')], pgEnv, []);
    await sleep(2_000);
    const tsxIdleMb = rssMb(viaTsx.child.pid!);
    await viaTsx.stop();
    log(
      `PostgreSQL through tsx: healthy ${viaTsx.healthyMs.toFixed(0)} ms (${viaTsx.healthyCpuMs.toFixed(0)} ms CPU), idle ${tsxIdleMb.toFixed(0)} MB`,
    );

    // Embedded: the first launch creates the data folder; the measured launch opens an existing one.
    const liteEnv = { ...common, DATA_DIR: dataDir };
    const fresh = await launch([appJs], liteEnv, []);
    const freshMs = fresh.healthyMs;
    await fresh.stop();
    log(`embedded, fresh data folder: healthy ${freshMs.toFixed(0)} ms (${fresh.healthyCpuMs.toFixed(0)} ms CPU)`);
    const liteHandle = await createDb({ dataDir });
    await importFile(liteHandle.db, { teamId: TEAM, kind: 'accounts', input: accountsCsv, format: 'auto' });
    await liteHandle.close();
    const lite = await measureApp('embedded', [appJs], liteEnv, slack);

    const b = (n: string) => `bare Bolt ${n}`;
    return [
      result('PostgreSQL: resident memory idle', pg.idleMb, 'MB', b('idle'), bare.idleMb, 150),
      result(`PostgreSQL: resident memory after ${ANSWERS} answers`, pg.afterMb, 'MB', b('idle'), bare.idleMb, 200),
      result('PostgreSQL: launch to healthy /healthz', pg.healthyMs, 'ms', b('launch'), bare.healthyMs, 1_500),
      result('PostgreSQL: CPU time to healthy', pg.healthyCpuMs, 'ms', b('CPU to healthy'), bare.healthyCpuMs, 1_500),
      result(
        'PostgreSQL: CPU time to healthy, compiled',
        pg.healthyCpuMs,
        'ms',
        'through tsx',
        viaTsx.healthyCpuMs,
        viaTsx.healthyCpuMs,
      ),
      result('PostgreSQL: resident memory idle, compiled', pg.idleMb, 'MB', 'through tsx', tsxIdleMb, tsxIdleMb),
      result('PostgreSQL: first /icp-check answer after start', pg.firstAnswerMs, 'ms', 'p50 answer', pg.p50Ms, 1_000),
      result('embedded: resident memory idle', lite.idleMb, 'MB', b('idle'), bare.idleMb, 350),
      result(`embedded: resident memory after ${ANSWERS} answers`, lite.afterMb, 'MB', b('idle'), bare.idleMb, 400),
      result(
        'embedded: launch to healthy /healthz (existing data)',
        lite.healthyMs,
        'ms',
        b('launch'),
        bare.healthyMs,
        2_000,
      ),
      result(
        'embedded: CPU time to healthy (existing data)',
        lite.healthyCpuMs,
        'ms',
        b('CPU to healthy'),
        bare.healthyCpuMs,
        2_000,
      ),
      result('embedded: launch to healthy /healthz (fresh data)', freshMs, 'ms', b('launch'), bare.healthyMs, 6_000),
      result(
        'embedded: first /icp-check answer after start',
        lite.firstAnswerMs,
        'ms',
        'p50 answer',
        lite.p50Ms,
        1_000,
      ),
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await tmp.drop();
    slack.server.close();
  }
}
