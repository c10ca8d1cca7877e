/**
 * Persona versions, kept like ICP versions: every applied file is a new version (who, when, diff);
 * rollback re-applies an earlier version as a new one, so history is never rewritten. Scoped by team.
 * The logic lives in ./versioned.ts.
 */

import { diffPersonas } from '../../src/personas/diff.ts';
import { type PersonasSpec, parsePersonasYaml } from '../../src/personas/spec.ts';
import type { Db } from '../client.ts';
import { personaVersions } from '../schema.ts';
import { type ApplyResult, versionedQueries } from './versioned.ts';

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

const personas = versionedQueries({
  table: personaVersions,
  label: 'Persona',
  parse: parsePersonasYaml,
  diff: diffPersonas,
  toVersion,
});

export type PersonasApplyResult = ApplyResult<PersonaVersion>;

/** The highest version of the team, or null when none was applied yet. */
export const getCurrentPersonas = personas.current;

export const getPersonaVersion = personas.get;

/** Every version of the team, newest first, without the file itself. */
export async function listPersonaVersions(
  db: Db,
  teamId: string,
): Promise<(Omit<PersonaVersion, 'source' | 'spec'> & { personas: number })[]> {
  return (await personas.all(db, teamId)).map(({ source: _s, spec, ...rest }) => ({
    ...rest,
    personas: spec.personas.length,
  }));
}

/** The current personas; a workspace without any gets `defaultSource` applied as version 1. */
export const ensurePersonas = personas.ensure;

/**
 * Validates and applies a persona file as a new version. Throws AppError(PersonaInvalid) listing every
 * problem with its path; nothing is stored then.
 */
export const applyPersonas = personas.apply;

/** Restores an earlier version by applying its exact file again as a new version. */
export const rollbackPersonas = personas.rollback;

/** Lines of what changed from version `from` to version `to` (defaults: previous → current). */
export const diffPersonaVersions = personas.diff;
