/**
 * Raw SQL through drizzle on either driver. `db.execute` returns a driver-specific result; both
 * node-postgres and PGlite put the rows in `.rows`, which is all we read.
 */
import type { SQL } from 'drizzle-orm';
import type { Db } from './client.ts';

/** Runs a raw query (built with drizzle's `sql` template, so values are parameters) and returns its rows. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * A statement prepared once per database handle through drizzle's `.prepare()`, for the few statements
 * every /icp-check runs (bench/check-http: they are most of a check's CPU). drizzle builds the SQL text
 * once instead of on every call, and on PostgreSQL the named statement is parsed and planned once per
 * connection. A transaction is its own handle and prepares its own copy.
 */
export function preparedPerDb<P>(build: (db: Db) => P): (db: Db) => P {
  const cache = new WeakMap<Db, P>();
  return (db) => {
    let p = cache.get(db);
    if (!p) {
      p = build(db);
      cache.set(db, p);
    }
    return p;
  };
}
