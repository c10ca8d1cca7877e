/**
 * Raw SQL through drizzle on either driver. `db.execute` returns a driver-specific result; both
 * node-postgres and PGlite put the rows in `.rows`, which is all we read.
 */
import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from './client.ts';

/** Runs a raw query (built with drizzle's `sql` template, so values are parameters) and returns its rows. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

const dialect = new PgDialect();
const statementNames = new Map<string, string>();

/**
 * Like queryRows, as a named prepared statement on PostgreSQL: each connection parses and analyses the
 * text once and later calls only bind and run it (PostgreSQL still plans each call with its values).
 * For hot statements whose text does not depend on the values (a fixed shape, arrays as one parameter),
 * so a connection holds few of them. The name is derived from the text, so one name never stands for
 * two texts. PGlite runs it like any other query.
 */
export async function queryRowsPrepared<T>(db: Db, prefix: string, query: SQL): Promise<T[]> {
  const q = dialect.sqlToQuery(query);
  let name = statementNames.get(q.sql);
  if (name === undefined) {
    name = `${prefix}_${createHash('sha1').update(q.sql).digest('hex').slice(0, 12)}`;
    statementNames.set(q.sql, name);
  }
  const result = (await db._.session.prepareQuery(q, undefined, name, false).execute()) as { rows: T[] };
  return result.rows;
}
