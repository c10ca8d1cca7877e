/**
 * Use case: a starter ICP from the workspace's own data. While a workspace still runs on the example ICP
 * and has imported accounts and deals, every place that walks it through setup (the `icp import` output, the
 * console at start, App Home's getting-started checklist) says what `icp suggest` finds in that data:
 * an ICP proposed from it, or, honestly, that nothing in it separates wins from losses yet. The example
 * stays in charge until someone applies an ICP; this never applies one by itself.
 *
 * Profiling every deal takes seconds on a large CRM, so the result is computed at most once per data
 * change: it is stored with a fingerprint of the data (db/queries/starter.ts) and reused while the
 * fingerprint and the ICP version are unchanged. App Home never computes a large one inline: it starts the
 * computation in the background and says so.
 */
import type { Db } from '../../db/client.ts';
import { dataFingerprint, getStarterCache, saveStarterCache } from '../../db/queries/starter.ts';
import type { StarterIcp } from '../learn/starter.ts';
import type { AppLogger } from '../logger.ts';
import type { IcpProvider } from './icp-provider.ts';
import { suggestIcp, WORKER_MIN_UNITS } from './suggest-icp.ts';

export type { StarterIcp } from '../learn/starter.ts';

export interface StarterDeps {
  db: Db;
  icp: IcpProvider;
  logger?: AppLogger;
  now?: () => number;
  /** The suggestion computation (default suggestIcp); injected by tests that count how often it runs. */
  suggestIcp?: typeof suggestIcp;
}

export interface StarterOptions {
  /**
   * From this many accounts, a result not computed yet is computed in the background and 'computing' is
   * returned at once (App Home); omitted: always computed before returning (CLI, console).
   */
  backgroundFrom?: number;
}

/** App Home's threshold: where suggest moves to a worker thread, the computation is too long to wait for. */
export const HOME_BACKGROUND_FROM = WORKER_MIN_UNITS;

/** Computations under way in this process, by team and fingerprint, so a Home opened twice starts one. */
const running = new Map<string, Promise<StarterIcp | null>>();

async function compute(deps: StarterDeps, teamId: string): Promise<StarterIcp | null> {
  const s = await (deps.suggestIcp ?? suggestIcp)(deps, { teamId });
  if (s.data.n === 0) return null;
  const found = s.signal === 'found' && s.proposal !== null;
  return {
    signal: found ? 'found' : 'none',
    decided: s.data.n,
    attributes: found ? s.proposal!.spec.criteria.map((c) => c.label) : [],
    summary: s.summary,
  };
}

/**
 * What the team's data suggests as a starter ICP; null when the team already applied an ICP of its own
 * (version origin other than the example's 'default'), or has no accounts, deals or decided deals yet.
 */
export async function starterIcp(
  deps: StarterDeps,
  teamId: string,
  opts: StarterOptions = {},
): Promise<StarterIcp | null> {
  const current = await deps.icp.current(teamId);
  if (current.version.origin !== 'default') return null;
  const fp = await dataFingerprint(deps.db, teamId);
  if (fp.accounts === 0 || fp.deals === 0) return null;
  const icpVersion = current.version.version;
  const cached = await getStarterCache<StarterIcp>(deps.db, teamId);
  if (cached && cached.fingerprint === fp.key && cached.icpVersion === icpVersion) return cached.starter;

  const key = `${teamId}\n${icpVersion}\n${fp.key}`;
  let job = running.get(key);
  if (!job) {
    job = compute(deps, teamId).then(async (starter) => {
      const at = new Date(deps.now ? deps.now() : Date.now());
      await saveStarterCache(deps.db, { teamId, fingerprint: fp.key, icpVersion, starter, at });
      return starter;
    });
    running.set(key, job);
    void job.then(
      () => running.delete(key),
      () => running.delete(key),
    );
  }
  if (opts.backgroundFrom !== undefined && fp.accounts >= opts.backgroundFrom) {
    job.catch((error: unknown) => deps.logger?.error(`starter ICP for ${teamId}: computation failed`, error));
    return { signal: 'computing', decided: 0, attributes: [], summary: '', accounts: fp.accounts };
  }
  return job;
}
