/**
 * Persona versions, kept like ICP versions: every applied file is a new version (who, when, diff);
 * rollback re-applies an earlier version as a new one, so history is never rewritten. Scoped by team.
 */

import { and, desc, eq, max } from 'drizzle-orm';
import { AppError, ErrorCode } from '../../src/errors.ts';
import { diffPersonas } from '../../src/personas/diff.ts';
import { type PersonasSpec, parsePersonasYaml } from '../../src/personas/spec.ts';
import { canonicalJson } from '../canonical.ts';
import type { Db } from '../client.ts';
import { personaVersions } from '../schema.ts';

type PersonaVersionRow = typeof personaVersions.$inferSelect;

export interface PersonaVersion {
  version: number;
  /** The YAML exactly as applied, so `icp personas show` reproduces the file. */
  source: string;
  spec: PersonasSpec;
  diff: string;
  /** 'default' | 'apply' | 'rollback' */
  origin: string;
  restoredFrom: number | null;
  createdBy: string;
  createdAt: Date;
}

function toVersion(row: PersonaVersionRow): PersonaVersion {
  return {
    version: row.version,
    source: row.source,
    spec: row.spec as PersonasSpec,
    diff: row.diff,
    origin: row.origin,
    restoredFrom: row.restoredFrom,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

/** The highest version of the team, or null when none was applied yet. */
export async function getCurrentPersonas(db: Db, teamId: string): Promise<PersonaVersion | null> {
  const [row] = await db
    .select()
    .from(personaVersions)
    .where(eq(personaVersions.teamId, teamId))
    .orderBy(desc(personaVersions.version))
    .limit(1);
  return row ? toVersion(row) : null;
}

export async function getPersonaVersion(db: Db, teamId: string, version: number): Promise<PersonaVersion | null> {
  const [row] = await db
    .select()
    .from(personaVersions)
    .where(and(eq(personaVersions.teamId, teamId), eq(personaVersions.version, version)))
    .limit(1);
  return row ? toVersion(row) : null;
}

/** Every version of the team, newest first, without the file itself. */
export async function listPersonaVersions(
  db: Db,
  teamId: string,
): Promise<(Omit<PersonaVersion, 'source' | 'spec'> & { personas: number })[]> {
  const rows = await db
    .select()
    .from(personaVersions)
    .where(eq(personaVersions.teamId, teamId))
    .orderBy(desc(personaVersions.version));
  return rows.map((r) => {
    const { source: _s, spec, ...rest } = toVersion(r);
    return { ...rest, personas: spec.personas.length };
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
    source: string;
    spec: PersonasSpec;
    origin: string;
    restoredFrom?: number;
    createdBy: string;
  },
  prev: PersonasSpec | null,
): Promise<PersonaVersion> {
  const diff = diffPersonas(prev, values.spec).join('\n');
  // Two applies racing for the same version number: the unique index rejects one; it retries.
  for (let attempt = 0; ; attempt++) {
    try {
      const [agg] = await db
        .select({ v: max(personaVersions.version) })
        .from(personaVersions)
        .where(eq(personaVersions.teamId, values.teamId));
      const version = (agg?.v ?? 0) + 1;
      const [row] = await db
        .insert(personaVersions)
        .values({ ...values, restoredFrom: values.restoredFrom ?? null, version, diff })
        .returning();
      return toVersion(row!);
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

/** The current personas; a workspace without any gets `defaultSource` applied as version 1. */
export async function ensurePersonas(db: Db, teamId: string, defaultSource: string): Promise<PersonaVersion> {
  const current = await getCurrentPersonas(db, teamId);
  if (current) return current;
  const spec = parsePersonasYaml(defaultSource);
  try {
    // Always version 1 (not "next"): two first requests racing must not apply the default twice.
    const [row] = await db
      .insert(personaVersions)
      .values({
        teamId,
        version: 1,
        source: defaultSource,
        spec,
        diff: diffPersonas(null, spec).join('\n'),
        origin: 'default',
        createdBy: 'system',
      })
      .returning();
    return toVersion(row!);
  } catch (err) {
    // Another instance applied the default at the same moment: use theirs.
    const again = await getCurrentPersonas(db, teamId);
    if (again) return again;
    throw err;
  }
}

export interface PersonasApplyResult {
  version: PersonaVersion;
  /** True when the file equals the current version: no new version was created. */
  unchanged: boolean;
  changes: string[];
}

const lines = (diff: string) => (diff ? diff.split('\n') : []);

/**
 * Validates and applies a persona file as a new version. Throws AppError(PersonaInvalid) listing every
 * problem with its path; nothing is stored then.
 */
export async function applyPersonas(
  db: Db,
  args: { teamId: string; source: string; createdBy: string },
): Promise<PersonasApplyResult> {
  const spec = parsePersonasYaml(args.source);
  const current = await getCurrentPersonas(db, args.teamId);
  if (current && canonicalJson(current.spec) === canonicalJson(spec)) {
    return { version: current, unchanged: true, changes: [] };
  }
  const version = await insertNextVersion(
    db,
    { teamId: args.teamId, source: args.source, spec, origin: 'apply', createdBy: args.createdBy },
    current?.spec ?? null,
  );
  return { version, unchanged: false, changes: lines(version.diff) };
}

/** Restores an earlier version by applying its exact file again as a new version. */
export async function rollbackPersonas(
  db: Db,
  args: { teamId: string; version: number; createdBy: string },
): Promise<PersonasApplyResult> {
  const target = await getPersonaVersion(db, args.teamId, args.version);
  if (!target) {
    throw new AppError(ErrorCode.VersionNotFound, `Persona version ${args.version} does not exist in this workspace.`);
  }
  const current = await getCurrentPersonas(db, args.teamId);
  const version = await insertNextVersion(
    db,
    {
      teamId: args.teamId,
      source: target.source,
      spec: target.spec,
      origin: 'rollback',
      restoredFrom: target.version,
      createdBy: args.createdBy,
    },
    current?.spec ?? null,
  );
  return { version, unchanged: false, changes: lines(version.diff) };
}

/** Lines of what changed from version `from` to version `to` (defaults: previous → current). */
export async function diffPersonaVersions(
  db: Db,
  teamId: string,
  from?: number,
  to?: number,
): Promise<{ from: number | null; to: number; changes: string[] }> {
  const toV = to !== undefined ? await getPersonaVersion(db, teamId, to) : await getCurrentPersonas(db, teamId);
  if (!toV) throw new AppError(ErrorCode.VersionNotFound, `Persona version ${to ?? 'current'} does not exist.`);
  const fromNumber = from ?? toV.version - 1;
  const fromV = fromNumber >= 1 ? await getPersonaVersion(db, teamId, fromNumber) : null;
  if (from !== undefined && !fromV) {
    throw new AppError(ErrorCode.VersionNotFound, `Persona version ${from} does not exist.`);
  }
  return { from: fromV?.version ?? null, to: toV.version, changes: diffPersonas(fromV?.spec ?? null, toV.spec) };
}
