/**
 * The domain step of a company lookup, on the hot path of every /icp-check by domain or URL (names go
 * through the one name statement in lookup.ts, which also returns what scoring reads). Concurrent lookups on one database handle share one statement (group commit,
 * db/group-commit.ts): the requests travel as one jsonb parameter and a LATERAL join runs each one
 * through the same index it would use alone, with its own limit. Every request is scoped by its team.
 */
import type { Db } from '../client.ts';
import { GroupCommit, perHandle } from '../group-commit.ts';
import { jsonParam, preparedRows } from '../raw.ts';
import type { MatchedAccount } from './accounts.ts';

/** More exact matches than this are reported as "N or more" candidates; we never need them all. */
export const EXACT_CAP = 50;

interface Row extends MatchedAccount {
  i: number;
}

const COLUMNS = 'id, name, domain, industry, employees, country, revenue, attributes';

/** One statement for a batch of domain lookups, each through the (team_id, domain) index with its own limit. */
const BY_DOMAIN = `
  select q.i, a.*
  from jsonb_to_recordset($1::jsonb) as q(i int, team text, domain text)
  cross join lateral (
    select ${COLUMNS} from accounts a where a.team_id = q.team and a.domain = q.domain order by a.id limit ${EXACT_CAP}
  ) a
  order by q.i, a.id`;

/** The same for exact normalised names (the (team_id, normalized_name) index). */
const BY_NAME = `
  select q.i, a.*
  from jsonb_to_recordset($1::jsonb) as q(i int, team text, keys text[])
  cross join lateral (
    select ${COLUMNS} from accounts a where a.team_id = q.team and a.normalized_name = any(q.keys)
    order by a.id limit ${EXACT_CAP}
  ) a
  order by q.i, a.id`;

function grouped(rows: Row[], n: number): MatchedAccount[][] {
  const out: MatchedAccount[][] = Array.from({ length: n }, () => []);
  for (const { i, ...account } of rows) out[Number(i)]?.push(account);
  return out;
}

const byDomain = perHandle(
  (db: Db) =>
    new GroupCommit<{ teamId: string; domain: string }, MatchedAccount[]>(async (reqs) => {
      const q = reqs.map((r, i) => ({ i, team: r.teamId, domain: r.domain }));
      const rows = await preparedRows<Row>(db, 'exact_by_domain', BY_DOMAIN, [jsonParam(q)]);
      return grouped(rows, reqs.length);
    }),
);

/** Accounts of the team whose registrable domain is `domain`, lowest id first, at most EXACT_CAP. */
export function exactByDomain(db: Db, teamId: string, domain: string): Promise<MatchedAccount[]> {
  return byDomain(db).submit({ teamId, domain });
}

const byName = perHandle(
  (db: Db) =>
    new GroupCommit<{ teamId: string; keys: readonly string[] }, MatchedAccount[]>(async (reqs) => {
      const q = reqs.map((r, i) => ({ i, team: r.teamId, keys: r.keys }));
      const rows = await preparedRows<Row>(db, 'exact_by_name', BY_NAME, [jsonParam(q)]);
      return grouped(rows, reqs.length);
    }),
);

/** Accounts of the team whose normalised name is one of `keys`, lowest id first, at most EXACT_CAP. */
export async function exactByName(db: Db, teamId: string, keys: readonly string[]): Promise<MatchedAccount[]> {
  if (keys.length === 0) return [];
  return byName(db).submit({ teamId, keys });
}
