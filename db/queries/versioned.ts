/**
 * Versioned documents (the ICP file, the persona file): every applied file is a new version (who,
 * when, diff); rollback re-applies an earlier version as a new one, so history is never rewritten.
 * Scoped by team. db/queries/icp.ts and db/queries/personas.ts bind this to their table, parser and differ.
 */

import { and, desc, eq, getTableName, max, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { canonicalJson } from '../../src/canonical-json.ts';
import { AppError, ErrorCode } from '../../src/errors.ts';
import type { Db } from '../client.ts';
import { preparedPerDb } from '../raw.ts';

/** The columns every version table has (icp_versions, persona_versions). */
export type VersionTable = PgTable & { teamId: AnyPgColumn; version: AnyPgColumn };

/** What every stored version carries, whatever the document. */
export interface StoredVersion<Spec> {
  version: number;
  /** The YAML exactly as applied, so `show` reproduces the file. */
  source: string;
  spec: Spec;
  diff: string;
  /** 'default' | 'apply' | 'rollback' */
  origin: string;
  restoredFrom: number | null;
  createdBy: string;
  createdAt: Date;
}

export interface VersionedDocument<Spec, Row, V extends StoredVersion<Spec>> {
  table: VersionTable;
  /** How messages name the document: "ICP", "Persona". */
  label: string;
  /** Validates a file; throws AppError with path-level details. */
  parse(source: string): Spec;
  /** Lines of what changed from `prev` (null for the first version) to `next`. */
  diff(prev: Spec | null, next: Spec): string[];
  toVersion(row: Row): V;
  /** Columns of the table beyond the common ones, derived from the spec (the ICP's name). */
  extraColumns?(spec: Spec): Record<string, unknown>;
}

export interface ApplyResult<V> {
  version: V;
  /** True when the file equals the current version: no new version was created. */
  unchanged: boolean;
  changes: string[];
}

function isUniqueViolation(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    if ((e as { code?: string }).code === '23505') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const lines = (diff: string) => (diff ? diff.split('\n') : []);

/** The queries of one versioned document; see the module comment. */
export function versionedQueries<Spec, Row, V extends StoredVersion<Spec>>(doc: VersionedDocument<Spec, Row, V>) {
  const { table, label } = doc;
  const toVersions = (rows: unknown[]) => rows.map((r) => doc.toVersion(r as Row));
  const columnsOf = (spec: Spec) => doc.extraColumns?.(spec) ?? {};

  /** The highest version of the team, or null when none was applied yet. */
  async function current(db: Db, teamId: string): Promise<V | null> {
    const rows = await db.select().from(table).where(eq(table.teamId, teamId)).orderBy(desc(table.version)).limit(1);
    return toVersions(rows)[0] ?? null;
  }

  // Asked on every /icp-check: prepared (see preparedPerDb).
  const currentNumberStatement = preparedPerDb((db) =>
    db
      .select({ v: max(table.version) })
      .from(table)
      .where(eq(table.teamId, sql.placeholder('teamId')))
      .prepare(`${getTableName(table)}_current_number`),
  );

  /** Only the number of the current version: a cheap check for callers that cache the rest. */
  async function currentNumber(db: Db, teamId: string): Promise<number | null> {
    const [row] = await currentNumberStatement(db).execute({ teamId });
    return row?.v === null || row?.v === undefined ? null : Number(row.v);
  }

  async function get(db: Db, teamId: string, version: number): Promise<V | null> {
    const rows = await db
      .select()
      .from(table)
      .where(and(eq(table.teamId, teamId), eq(table.version, version)))
      .limit(1);
    return toVersions(rows)[0] ?? null;
  }

  /** Every version of the team, newest first. */
  async function all(db: Db, teamId: string): Promise<V[]> {
    return toVersions(await db.select().from(table).where(eq(table.teamId, teamId)).orderBy(desc(table.version)));
  }

  async function insertNext(
    db: Db,
    values: { teamId: string; source: string; spec: Spec; origin: string; restoredFrom?: number; createdBy: string },
    prev: Spec | null,
  ): Promise<V> {
    const diff = doc.diff(prev, values.spec).join('\n');
    // Two applies racing for the same version number: the unique index rejects one; it retries.
    for (let attempt = 0; ; attempt++) {
      try {
        const [agg] = await db
          .select({ v: max(table.version) })
          .from(table)
          .where(eq(table.teamId, values.teamId));
        const version = Number(agg?.v ?? 0) + 1;
        const rows = await db
          .insert(table)
          .values({ ...columnsOf(values.spec), ...values, restoredFrom: values.restoredFrom ?? null, version, diff })
          .returning();
        return toVersions(rows)[0]!;
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  /** The current version; a workspace without one gets `defaultSource` applied as version 1. */
  async function ensure(db: Db, teamId: string, defaultSource: string): Promise<V> {
    const existing = await current(db, teamId);
    if (existing) return existing;
    const spec = doc.parse(defaultSource);
    // Always version 1: two first requests racing insert the same row once (the other is a no-op).
    await db
      .insert(table)
      .values({
        ...columnsOf(spec),
        teamId,
        version: 1,
        source: defaultSource,
        spec,
        diff: doc.diff(null, spec).join('\n'),
        origin: 'default',
        createdBy: 'system',
      })
      .onConflictDoNothing();
    const stored = await current(db, teamId);
    if (!stored) throw new Error(`default ${label} for ${teamId} could not be stored`);
    return stored;
  }

  /** Validates and applies a file as a new version; nothing is stored when it is invalid or unchanged. */
  async function apply(db: Db, args: { teamId: string; source: string; createdBy: string }): Promise<ApplyResult<V>> {
    const spec = doc.parse(args.source);
    const now = await current(db, args.teamId);
    if (now && canonicalJson(now.spec) === canonicalJson(spec)) {
      return { version: now, unchanged: true, changes: [] };
    }
    const version = await insertNext(
      db,
      { teamId: args.teamId, source: args.source, spec, origin: 'apply', createdBy: args.createdBy },
      now?.spec ?? null,
    );
    return { version, unchanged: false, changes: lines(version.diff) };
  }

  /**
   * Applies a file only on top of version `base`: when another version was applied since (or is applied
   * concurrently; the unique index on (team, version) decides), nothing is stored and the version now
   * current is returned. An approval computed against `base` never overwrites a change it did not see.
   */
  async function applyOnto(
    db: Db,
    args: { teamId: string; source: string; createdBy: string; base: number; origin: string },
  ): Promise<{ ok: true; result: ApplyResult<V> } | { ok: false; current: number | null }> {
    const spec = doc.parse(args.source);
    const now = await current(db, args.teamId);
    if (!now || now.version !== args.base) return { ok: false, current: now?.version ?? null };
    const diff = doc.diff(now.spec, spec).join('\n');
    try {
      const rows = await db
        .insert(table)
        .values({
          ...columnsOf(spec),
          teamId: args.teamId,
          source: args.source,
          spec,
          origin: args.origin,
          restoredFrom: null,
          createdBy: args.createdBy,
          version: args.base + 1,
          diff,
        })
        .returning();
      const version = toVersions(rows)[0]!;
      return { ok: true, result: { version, unchanged: false, changes: lines(version.diff) } };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return { ok: false, current: await currentNumber(db, args.teamId) };
    }
  }

  /** Restores an earlier version by applying its exact file again as a new version. */
  async function rollback(
    db: Db,
    args: { teamId: string; version: number; createdBy: string },
  ): Promise<ApplyResult<V>> {
    const target = await get(db, args.teamId, args.version);
    if (!target) {
      throw new AppError(
        ErrorCode.VersionNotFound,
        `${label} version ${args.version} does not exist in this workspace.`,
      );
    }
    const now = await current(db, args.teamId);
    const version = await insertNext(
      db,
      {
        teamId: args.teamId,
        source: target.source,
        spec: target.spec,
        origin: 'rollback',
        restoredFrom: target.version,
        createdBy: args.createdBy,
      },
      now?.spec ?? null,
    );
    return { version, unchanged: false, changes: lines(version.diff) };
  }

  /** Lines of what changed from version `from` to version `to` (defaults: previous → current). */
  async function diff(
    db: Db,
    teamId: string,
    from?: number,
    to?: number,
  ): Promise<{ from: number | null; to: number; changes: string[] }> {
    const toV = to !== undefined ? await get(db, teamId, to) : await current(db, teamId);
    if (!toV) throw new AppError(ErrorCode.VersionNotFound, `${label} version ${to ?? 'current'} does not exist.`);
    const fromNumber = from ?? toV.version - 1;
    const fromV = fromNumber >= 1 ? await get(db, teamId, fromNumber) : null;
    if (from !== undefined && !fromV) {
      throw new AppError(ErrorCode.VersionNotFound, `${label} version ${from} does not exist.`);
    }
    return { from: fromV?.version ?? null, to: toV.version, changes: doc.diff(fromV?.spec ?? null, toV.spec) };
  }

  return { current, currentNumber, get, all, ensure, apply, applyOnto, rollback, diff };
}
