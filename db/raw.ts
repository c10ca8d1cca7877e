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
