/**
 * Writes scores and tiers of every account under one ICP version (rescore), and reads them back
 * (exports to write tiers into the CRM, drift reports by tier).
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { CompiledIcp } from '../../src/icp/engine.ts';
import { factsFromAccount } from '../../src/icp/engine.ts';
import type { Db } from '../client.ts';
import { queryRows } from '../raw.ts';
import { accounts } from '../schema.ts';
import { scoringColumns } from './accounts.ts';

const BATCH = 5000;

/**
 * Scores every account of a team with `icp` and stores score, tier and version. Reads in keyset
 * pages and writes each page with one UPDATE … FROM unnest(arrays), so memory stays flat.
 *
 * The stated rule for missing data: the score counts unknown criteria as earning nothing; when they could
 * lift the account into a better tier, its tier is stored as 'unknown' (never 'no_fit' for lack of data),
 * with the range in tier_low (the known data alone) and tier_high (every unknown criterion a match).
 * Drift reports count 'unknown' accounts with the unscored ones, outside every tier.
 */
export async function rescoreAll(
  db: Db,
  teamId: string,
  icp: CompiledIcp,
  onProgress?: (done: number) => void,
): Promise<{ accounts: number; byTier: Record<string, number> }> {
  let lastId = 0;
  let done = 0;
  const byTier: Record<string, number> = {};
  const readPage = (after: number) =>
    db
      .select(scoringColumns)
      .from(accounts)
      .where(and(eq(accounts.teamId, teamId), gt(accounts.id, after)))
      .orderBy(asc(accounts.id))
      .limit(BATCH);
  // Pipelined: while one page's UPDATE runs, the next page is read and scored (pg runs them on two
  // pool connections; PGlite simply serialises them).
  let pending: Promise<unknown> = Promise.resolve();
  let page = await readPage(lastId);
  while (page.length > 0) {
    const ids: number[] = [];
    const scores: number[] = [];
    const tiers: string[] = [];
    const lows: string[] = [];
    const highs: string[] = [];
    for (const row of page) {
      const r = icp.scoreFast(factsFromAccount(row));
      const tier = r.best === r.tier ? r.tier : 'unknown';
      ids.push(row.id);
      scores.push(r.score);
      tiers.push(tier);
      lows.push(r.tier);
      highs.push(r.best);
      byTier[tier] = (byTier[tier] ?? 0) + 1;
    }
    await pending;
    pending = db.execute(sql`
      UPDATE accounts AS a
         SET score = u.score, tier = u.tier, icp_version = ${icp.version}, scored_at = now(),
             tier_low = u.low, tier_high = u.high
        FROM unnest(${`{${ids.join(',')}}`}::int[], ${`{${scores.join(',')}}`}::float8[], ${`{${tiers.join(',')}}`}::text[],
                    ${`{${lows.join(',')}}`}::text[], ${`{${highs.join(',')}}`}::text[])
             AS u(id, score, tier, low, high)
       WHERE a.id = u.id AND a.team_id = ${teamId}`);
    lastId = page[page.length - 1]!.id;
    done += page.length;
    onProgress?.(done);
    page = await readPage(lastId);
  }
  await pending;
  return { accounts: done, byTier };
}

export interface ScoredAccountRow {
  id: number;
  externalId: string;
  name: string;
  domain: string | null;
  score: number | null;
  /** A tier, 'unknown' (see rescoreAll), or null when never scored. */
  tier: string | null;
  tierLow: string | null;
  tierHigh: string | null;
  icpVersion: number | null;
}

/** Every account with its stored score and tier, best first. */
export async function listScores(db: Db, teamId: string): Promise<ScoredAccountRow[]> {
  return queryRows<ScoredAccountRow>(
    db,
    sql`SELECT id, external_id AS "externalId", name, domain, score, tier, tier_low AS "tierLow",
               tier_high AS "tierHigh", icp_version AS "icpVersion"
          FROM accounts WHERE team_id = ${teamId}
         ORDER BY score DESC NULLS LAST, name ASC`,
  );
}
