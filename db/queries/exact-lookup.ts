/**
 * The exact steps of a company lookup, by registrable domain and by normalised name: the hot path of
 * every /icp-check. Concurrent lookups on one database handle, of either kind, share one statement
 * (group commit, db/group-commit.ts): the requests travel as one jsonb parameter, and a LATERAL join
 * runs each through the index it would use alone ((team_id, domain) or (team_id, normalized_name)),
 * with its own limit. Rows carry what scoring reads, so a check reads its account once, and the
 * team's current ICP version read in the same statement, so a check confirms the version it scores
 * with at no extra round trip. Every request is scoped by its team.
 */
import type { Db } from '../client.ts';
import { GroupCommit, perHandle } from '../group-commit.ts';
import { jsonParam, preparedRows } from '../raw.ts';
import type { MatchedAccount } from './accounts.ts';

/** More exact matches than this are reported as "N or more" candidates; we never need them all. */
export const EXACT_CAP = 50;

type Request = { teamId: string; domain: string } | { teamId: string; keys: readonly string[] };

interface Row extends MatchedAccount {
  i: number;
  team_icp_version: number | null;
}

const COLUMNS = 'id, name, domain, industry, employees, country, revenue, attributes';

/** One statement for a batch: a request has a domain or name keys, and only its own branch matches. */
const EXACT = `
  select q.i, a.*, (select max(v.version) from icp_versions v where v.team_id = q.team) as team_icp_version
  from jsonb_to_recordset($1::jsonb) as q(i int, team text, domain text, keys text[])
  cross join lateral (
    (select ${COLUMNS} from accounts a
     where q.domain is not null and a.team_id = q.team and a.domain = q.domain
     order by a.id limit ${EXACT_CAP})
    union all
    (select ${COLUMNS} from accounts a
     where q.keys is not null and a.team_id = q.team and a.normalized_name = any(q.keys)
     order by a.id limit ${EXACT_CAP})
  ) a
  order by q.i, a.id`;

const exact = perHandle(
  (db: Db) =>
    new GroupCommit<Request, MatchedAccount[]>(async (reqs) => {
      const q = reqs.map((r, i) =>
        'domain' in r ? { i, team: r.teamId, domain: r.domain } : { i, team: r.teamId, keys: r.keys },
      );
      const rows = await preparedRows<Row>(db, 'exact_lookup', EXACT, [jsonParam(q)]);
      const out: MatchedAccount[][] = reqs.map(() => []);
      for (const { i, team_icp_version: v, ...account } of rows) {
        out[Number(i)]?.push({ ...account, teamIcpVersion: v === null ? null : Number(v) });
      }
      return out;
    }),
);

/** Accounts of the team whose registrable domain is `domain`, lowest id first, at most EXACT_CAP. */
export function exactByDomain(db: Db, teamId: string, domain: string): Promise<MatchedAccount[]> {
  return exact(db).submit({ teamId, domain });
}

/** Accounts of the team whose normalised name is one of `keys`, lowest id first, at most EXACT_CAP. */
export async function exactByName(db: Db, teamId: string, keys: readonly string[]): Promise<MatchedAccount[]> {
  if (keys.length === 0) return [];
  return exact(db).submit({ teamId, keys });
}
