/**
 * Raw SQL through drizzle on either driver. `db.execute` returns a driver-specific result; both
 * node-postgres and PGlite put the rows in `.rows`, which is all we read.
 */
import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db } from './client.ts';

/** Runs a raw query (built with drizzle's `sql` template, so values are parameters) and returns its rows. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * One of the few statements every request runs, with a fixed text and `$1…` parameters. On
 * PostgreSQL it is a named prepared statement (parsed once per connection, not per call; with a plan
 * that does not depend on the values, planned once too); on PGlite a parameterised query. Skips
 * drizzle's query builder, whose per-call cost shows on the /icp-check hot path. Results use the
 * driver's own type parsing (fine for the text, number, boolean and jsonb columns these statements
 * return). Inside a transaction (no pool at hand) it runs through drizzle like any query.
 */
export async function preparedRows<T>(db: Db, name: string, text: string, values: unknown[]): Promise<T[]> {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) return (await client.query({ name, text, values })).rows as T[];
  if (client instanceof PGlite) return (await client.query<T>(text, values)).rows;
  const parts = text.split(/\$(\d+)/);
  const chunks: SQL[] = [];
  parts.forEach((part, i) => {
    chunks.push(i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`);
  });
  return queryRows<T>(db, sql.join(chunks));
}

const dialect = new PgDialect();
const statementNames = new Map<string, string>();

/**
 * preparedRows for a statement written with drizzle's `sql` template. For hot statements whose text
 * does not depend on the values (a fixed shape, arrays as one parameter), so a connection holds few
 * of them. The name is derived from the text, so one name never stands for two texts.
 */
export async function queryRowsPrepared<T>(db: Db, prefix: string, query: SQL): Promise<T[]> {
  const q = dialect.sqlToQuery(query);
  let name = statementNames.get(q.sql);
  if (name === undefined) {
    name = `${prefix}_${createHash('sha1').update(q.sql).digest('hex').slice(0, 12)}`;
    statementNames.set(q.sql, name);
  }
  return preparedRows<T>(db, name, q.sql, q.params);
}

/**
 * A value as a jsonb parameter. PostgreSQL's jsonb (like its text) cannot hold U+0000, which a user or
 * a CRM file can still type: it becomes U+FFFD instead of failing the statement.
 */
export function jsonParam(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\u0000') ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\uFFFD') : json;
}
