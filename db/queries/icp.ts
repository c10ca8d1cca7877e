/**
 * ICP versions: every applied file is a new version (who, when, diff); rollback re-applies an
 * earlier version as a new one, so history is never rewritten.
 */

import { and, desc, eq, max } from 'drizzle-orm';
import { AppError, ErrorCode } from '../../src/errors.ts';
import { diffIcp } from '../../src/icp/diff.ts';
import { type IcpSpec, parseIcpYaml } from '../../src/icp/spec.ts';
import { canonicalJson } from '../canonical.ts';
import type { Db } from '../client.ts';
import { type IcpVersionRow, icpVersions } from '../schema.ts';

export interface IcpVersion {
  version: number;
  name: string;
  source: string;
  spec: IcpSpec;
  diff: string;
  origin: string;
  restoredFrom: number | null;
  createdBy: string;
  createdAt: Date;
}

function toVersion(row: IcpVersionRow): IcpVersion {
  return {
    version: row.version,
    name: row.name,
    source: row.source,
    spec: row.spec as IcpSpec,
    diff: row.diff,
    origin: row.origin,
    restoredFrom: row.restoredFrom,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

export async function getCurrentIcp(db: Db, teamId: string): Promise<IcpVersion | null> {
  const [row] = await db
    .select()
    .from(icpVersions)
    .where(eq(icpVersions.teamId, teamId))
    .orderBy(desc(icpVersions.version))
    .limit(1);
  return row ? toVersion(row) : null;
}

export async function getIcpVersion(db: Db, teamId: string, version: number): Promise<IcpVersion | null> {
  const [row] = await db
    .select()
    .from(icpVersions)
    .where(and(eq(icpVersions.teamId, teamId), eq(icpVersions.version, version)))
    .limit(1);
  return row ? toVersion(row) : null;
}

export async function listIcpVersions(db: Db, teamId: string): Promise<Omit<IcpVersion, 'source' | 'spec'>[]> {
  const rows = await db
    .select()
    .from(icpVersions)
    .where(eq(icpVersions.teamId, teamId))
    .orderBy(desc(icpVersions.version));
  return rows.map((r) => {
    const { source: _s, spec: _p, ...rest } = toVersion(r);
    return rest;
  });
}

function isUniqueViolation(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    if ((e as { code?: string }).code === '23505') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

async function insertNextVersion(
  db: Db,
  values: {
    teamId: string;
    name: string;
    source: string;
    spec: IcpSpec;
    origin: string;
    restoredFrom?: number;
    createdBy: string;
  },
  prev: IcpSpec | null,
): Promise<IcpVersion> {
  const diff = diffIcp(prev, values.spec).join('\n');
  // Two applies racing for the same version number: the unique index rejects one; it retries.
  for (let attempt = 0; ; attempt++) {
    try {
      const [agg] = await db
        .select({ v: max(icpVersions.version) })
        .from(icpVersions)
        .where(eq(icpVersions.teamId, values.teamId));
      const version = (agg?.v ?? 0) + 1;
      const [row] = await db
        .insert(icpVersions)
        .values({ ...values, restoredFrom: values.restoredFrom ?? null, version, diff })
        .returning();
      return toVersion(row!);
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

/** The current ICP; a workspace without one gets `defaultSource` applied as version 1. */
export async function ensureIcp(db: Db, teamId: string, defaultSource: string): Promise<IcpVersion> {
  const current = await getCurrentIcp(db, teamId);
  if (current) return current;
  const spec = parseIcpYaml(defaultSource);
  // Always version 1: two first requests racing insert the same row once (the other is a no-op).
  await db
    .insert(icpVersions)
    .values({
      teamId,
      version: 1,
      name: spec.name,
      source: defaultSource,
      spec,
      diff: diffIcp(null, spec).join('\n'),
      origin: 'default',
      createdBy: 'system',
    })
    .onConflictDoNothing();
  const stored = await getCurrentIcp(db, teamId);
  if (!stored) throw new Error(`default ICP for ${teamId} could not be stored`);
  return stored;
}

export interface ApplyResult {
  version: IcpVersion;
  /** True when the file equals the current version: no new version was created. */
  unchanged: boolean;
  changes: string[];
}

/** Validates and applies an ICP file as a new version. Throws AppError(IcpInvalid) with path-level details. */
export async function applyIcp(
  db: Db,
  args: { teamId: string; source: string; createdBy: string },
): Promise<ApplyResult> {
  const spec = parseIcpYaml(args.source);
  const current = await getCurrentIcp(db, args.teamId);
  if (current && canonicalJson(current.spec) === canonicalJson(spec)) {
    return { version: current, unchanged: true, changes: [] };
  }
  const version = await insertNextVersion(
    db,
    { teamId: args.teamId, name: spec.name, source: args.source, spec, origin: 'apply', createdBy: args.createdBy },
    current?.spec ?? null,
  );
  return { version, unchanged: false, changes: version.diff ? version.diff.split('\n') : [] };
}

/** Restores an earlier version by applying its exact file again as a new version. */
export async function rollbackIcp(
  db: Db,
  args: { teamId: string; version: number; createdBy: string },
): Promise<ApplyResult> {
  const target = await getIcpVersion(db, args.teamId, args.version);
  if (!target) {
    throw new AppError(ErrorCode.VersionNotFound, `ICP version ${args.version} does not exist in this workspace.`);
  }
  const current = await getCurrentIcp(db, args.teamId);
  const version = await insertNextVersion(
    db,
    {
      teamId: args.teamId,
      name: target.name,
      source: target.source,
      spec: target.spec,
      origin: 'rollback',
      restoredFrom: target.version,
      createdBy: args.createdBy,
    },
    current?.spec ?? null,
  );
  return { version, unchanged: false, changes: version.diff ? version.diff.split('\n') : [] };
}

/** Lines of what changed from version `from` to version `to` (defaults: previous → current). */
export async function diffIcpVersions(
  db: Db,
  teamId: string,
  from?: number,
  to?: number,
): Promise<{ from: number | null; to: number; changes: string[] }> {
  const toV = to !== undefined ? await getIcpVersion(db, teamId, to) : await getCurrentIcp(db, teamId);
  if (!toV) throw new AppError(ErrorCode.VersionNotFound, `ICP version ${to ?? 'current'} does not exist.`);
  const fromNumber = from ?? toV.version - 1;
  const fromV = fromNumber >= 1 ? await getIcpVersion(db, teamId, fromNumber) : null;
  if (from !== undefined && !fromV)
    throw new AppError(ErrorCode.VersionNotFound, `ICP version ${from} does not exist.`);
  return { from: fromV?.version ?? null, to: toV.version, changes: diffIcp(fromV?.spec ?? null, toV.spec) };
}
