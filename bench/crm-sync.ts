/**
 * CRM sync at scale (#15): the first sync of 100,000 companies and 300,000 deals from a local HubSpot
 * (bench/crm-fake.ts: every record generated when its page is asked for, nothing held), through the real
 * @hubspot/api-client and syncCrm into a throw-away PostgreSQL database, then an incremental sync of
 * 1,000 changed records (250 companies, 750 deals). Every run splits its wall time into the bot's own
 * time (mapping, validation, writes: everything outside HubSpot calls), the time its calls waited
 * before their request left (the SDK's rate limiter, measured per request by the fake), and the fake's
 * answering time. Peak RSS above the level before the sync is sampled every 20 ms.
 *
 * Baselines, measured in the same run: the same first sync at a tenth of the size (memory bounded:
 * the peak must not grow with the CRM), and the incremental sync unpaced (what pacing at
 * HUBSPOT_MAX_REQUESTS_PER_SECOND, default 9 a second, adds). The first sync runs unpaced: paced at 9 a
 * second its ~7,000 requests would take 13 minutes of waiting alone (the figure is printed);
 * CRM_BENCH_PACED_FULL=1 runs it paced too.
 *
 *   npm run bench -- crm-sync     CRM_BENCH_COMPANIES / CRM_BENCH_DEALS change the size (default 100000 / 300000)
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { createDb } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { queryRows } from '../db/raw.ts';
import { loadConfig } from '../src/config.ts';
import { type HubSpotApi, hubspotApi } from '../src/crm/hubspot.ts';
import { createLogger } from '../src/logger.ts';
import { confirmMapping } from '../src/usecases/crm-mapping.ts';
import { connectHubSpot, type SyncResult, syncCrm } from '../src/usecases/crm-sync.ts';
import { type LazyHubSpot, startLazyHubSpot } from './crm-fake.ts';
import { createThrowawayDb } from './throwaway-db.ts';
import type { BenchResult } from './types.ts';

const COMPANIES = Number(process.env.CRM_BENCH_COMPANIES ?? 100_000);
const DEALS = Number(process.env.CRM_BENCH_DEALS ?? 300_000);
const PACE = 9;
/** Peak RSS growth of the full-size sync may be at most this many times the tenth-size one's. */
const MEMORY_RATIO = 1.5;
const INCREMENTAL_TARGET_S = 60;

function log(msg: string): void {
  process.stderr.write(`[bench:crm-sync] ${msg}\n`);
}

interface Timed {
  result: SyncResult;
  seconds: number;
  /** Inside HubSpot calls (from the call to its answer), in seconds. */
  inCalls: number;
  limiterWait: number;
  answer: number;
  own: number;
  requests: number;
  rssGrowthMb: number;
}

/** The SDK client, each call timed and announced to the fake (which measures the wait before it arrives). */
function timedApi(fake: LazyHubSpot, api: HubSpotApi, spent: { ms: number }): HubSpotApi {
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>, sends: (...a: A) => boolean = () => true) =>
    async (...a: A): Promise<R> => {
      const t = performance.now();
      if (sends(...a)) fake.callStarted();
      try {
        return await fn(...a);
      } finally {
        spent.ms += performance.now() - t;
      }
    };
  return {
    tokenInfo: wrap(() => api.tokenInfo()),
    properties: wrap((o) => api.properties(o)),
    dealPipelines: wrap(() => api.dealPipelines()),
    listPage: wrap((o, p, after, archived) => api.listPage(o, p, after, archived)),
    searchModifiedSince: wrap((o, p, since, after) => api.searchModifiedSince(o, p, since, after)),
    dealCompanies: wrap(
      (ids) => api.dealCompanies(ids),
      (ids) => ids.length > 0,
    ),
    ensureCompanyProperties: wrap((group, defs) => api.ensureCompanyProperties(group, defs)),
    updateCompanies: wrap((inputs) => api.updateCompanies(inputs)),
  };
}

async function timedSync(
  deps: Parameters<typeof syncCrm>[0],
  fake: LazyHubSpot,
  teamId: string,
  perSecond: number,
): Promise<Timed> {
  const spent = { ms: 0 };
  fake.resetStats();
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 20);
  const t = performance.now();
  let result: SyncResult;
  try {
    result = await syncCrm(deps, {
      teamId,
      hubspot: (token) => timedApi(fake, hubspotApi({ token, basePath: fake.url, retries: 0, perSecond }), spent),
    });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t) / 1000;
  const s = fake.stats();
  const inCalls = spent.ms / 1000;
  return {
    result,
    seconds,
    inCalls,
    limiterWait: s.limiterWaitMs / 1000,
    answer: s.answerMs / 1000,
    own: seconds - inCalls,
    requests: s.requests,
    rssGrowthMb: (rssPeak - rssBefore) / 2 ** 20,
  };
}

const split = (r: Timed) =>
  `${r.seconds.toFixed(1)} s = bot ${r.own.toFixed(1)} s + in HubSpot calls ${r.inCalls.toFixed(1)} s ` +
  `(waiting before the request left ${r.limiterWait.toFixed(1)} s, fake answering ${r.answer.toFixed(1)} s), ` +
  `${r.requests} requests, peak RSS +${r.rssGrowthMb.toFixed(0)} MB`;

async function connected(deps: Parameters<typeof syncCrm>[0], fake: LazyHubSpot, teamId: string): Promise<void> {
  await connectHubSpot(deps, {
    teamId,
    userId: 'U_BENCH',
    token: fake.token,
    hubspot: (token) => hubspotApi({ token, basePath: fake.url, retries: 0, perSecond: 0 }),
  });
  await confirmMapping(deps, { teamId, userId: 'U_BENCH' });
}

export async function run(opts: { databaseUrl: string }): Promise<BenchResult[]> {
  const throwaway = await createThrowawayDb(opts.databaseUrl, 'icp_bench_crm');
  const handle = await createDb({ databaseUrl: throwaway.url, poolMax: 4 });
  const small = { companies: Math.ceil(COMPANIES / 10), deals: Math.ceil(DEALS / 10) };
  const fakes: LazyHubSpot[] = [];
  try {
    await migrateDb(handle);
    const deps = {
      db: handle.db,
      logger: createLogger({ level: 'error', write: () => {} }),
      config: loadConfig({ CRM_ENCRYPTION_KEY: randomBytes(32).toString('base64') }),
    };
    const records = COMPANIES + DEALS;

    // Baseline first: the tenth-size CRM, in its own workspace.
    const smallFake = await startLazyHubSpot(small);
    fakes.push(smallFake);
    await connected(deps, smallFake, 'T_BENCH_SMALL');
    const base = await timedSync(deps, smallFake, 'T_BENCH_SMALL', 0);
    log(`first sync, ${small.companies}/${small.deals} (baseline), unpaced: ${split(base)}`);

    const fake = await startLazyHubSpot({ companies: COMPANIES, deals: DEALS });
    fakes.push(fake);
    await connected(deps, fake, 'T_BENCH');
    const first = await timedSync(deps, fake, 'T_BENCH', 0);
    log(
      `first sync, ${COMPANIES}/${DEALS}, unpaced: ${split(first)}; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    const written = first.result.counts.companies + first.result.counts.deals;
    if (written !== records || first.result.status !== 'ok') {
      throw new Error(
        `expected ${records} records written, ok; got ${written}, ${first.result.status} (${first.result.problems[0]?.problem})`,
      );
    }
    const [churn] = await queryRows<{ n: number }>(
      handle.db,
      sql`SELECT count(*)::int AS n FROM churn_events WHERE team_id = 'T_BENCH'`,
    );
    log(`${churn?.n ?? 0} churn events from the churn_date property`);
    const pacedFloor = first.requests / PACE;

    let pacedFull: Timed | null = null;
    if (process.env.CRM_BENCH_PACED_FULL === '1') {
      await deps.db.execute(
        sql`UPDATE crm_connections SET sync_cursor = NULL, sync_cursors = '{}' WHERE team_id = 'T_BENCH'`,
      );
      pacedFull = await timedSync(deps, fake, 'T_BENCH', PACE);
      log(`first sync again, paced at ${PACE}/s: ${split(pacedFull)}`);
    }

    // The incremental: 1,000 records changed, synced unpaced (baseline) then changed again and synced paced.
    fake.change(250, 750);
    const incUnpaced = await timedSync(deps, fake, 'T_BENCH', 0);
    log(`incremental, 1,000 changed, unpaced: ${split(incUnpaced)}`);
    fake.change(250, 750);
    const inc = await timedSync(deps, fake, 'T_BENCH', PACE);
    log(`incremental, 1,000 changed, paced at ${PACE}/s: ${split(inc)}`);
    for (const r of [incUnpaced, inc]) {
      const n = r.result.counts.companies + r.result.counts.deals;
      if (r.result.mode !== 'incremental' || n !== 1000) throw new Error(`incremental synced ${n} (${r.result.mode})`);
    }

    const perSecond = records / first.seconds;
    const basePerSecond = (small.companies + small.deals) / base.seconds;
    const memMet = first.rssGrowthMb <= Math.max(base.rssGrowthMb, 16) * MEMORY_RATIO;
    const round = (n: number) => Math.round(n * 100) / 100;
    return [
      {
        name: `crm-sync: first sync of ${COMPANIES.toLocaleString('en-US')} companies + ${DEALS.toLocaleString('en-US')} deals, unpaced (bot ${first.own.toFixed(0)} s, HubSpot calls ${first.inCalls.toFixed(0)} s; paced at ${PACE}/s its ${first.requests} requests alone would take ≥ ${pacedFloor.toFixed(0)} s)`,
        value: round(perSecond),
        unit: 'records/s',
        baselineName: `the same sync of a CRM a tenth the size`,
        baseline: round(basePerSecond),
        ratio: round(perSecond / basePerSecond),
        target: `≥ 0.8× (linear in the CRM's size): ${perSecond >= 0.8 * basePerSecond ? 'met' : 'not met'}`,
        met: perSecond >= 0.8 * basePerSecond,
      },
      {
        name: 'crm-sync: first sync peak RSS growth (page by page, bounded)',
        value: round(first.rssGrowthMb),
        unit: 'MB',
        baselineName: 'the tenth-size sync',
        baseline: round(base.rssGrowthMb),
        ratio: round(first.rssGrowthMb / Math.max(base.rssGrowthMb, 1)),
        target: `≤ ${MEMORY_RATIO}× the tenth-size sync's (at least 24 MB): ${memMet ? 'met' : 'not met'}`,
        met: memMet,
      },
      ...(pacedFull
        ? [
            {
              name: `crm-sync: first sync paced at ${PACE}/s (bot ${pacedFull.own.toFixed(0)} s, waiting on the limiter ${pacedFull.limiterWait.toFixed(0)} s)`,
              value: round(pacedFull.seconds),
              unit: 's',
              baselineName: 'the same sync unpaced',
              baseline: round(first.seconds),
              ratio: round(pacedFull.seconds / first.seconds),
              target: 'descriptive',
              met: true,
            },
          ]
        : []),
      {
        name: `crm-sync: incremental sync of 1,000 changed records paced at ${PACE}/s (bot ${inc.own.toFixed(1)} s, waiting on the limiter ${inc.limiterWait.toFixed(1)} s, ${inc.requests} requests)`,
        value: round(inc.seconds),
        unit: 's',
        baselineName: 'the same incremental unpaced',
        baseline: round(incUnpaced.seconds),
        ratio: round(inc.seconds / incUnpaced.seconds),
        target: `≤ ${INCREMENTAL_TARGET_S} s: ${inc.seconds <= INCREMENTAL_TARGET_S ? 'met' : 'not met'}`,
        met: inc.seconds <= INCREMENTAL_TARGET_S,
      },
    ];
  } finally {
    for (const f of fakes) await f.close();
    await handle.close();
    await throwaway.drop();
  }
}
