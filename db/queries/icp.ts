/**
 * ICP versions: every applied file is a new version (who, when, diff); rollback re-applies an
 * earlier version as a new one, so history is never rewritten. The logic lives in ./versioned.ts.
 */

import { diffIcp } from '../../src/icp/diff.ts';
import { type IcpSpec, parseIcpYaml } from '../../src/icp/spec.ts';
import type { Db } from '../client.ts';
import { type IcpVersionRow, icpVersions } from '../schema.ts';
import { type ApplyResult as VersionApplyResult, versionedQueries } from './versioned.ts';

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

const icp = versionedQueries({
  table: icpVersions,
  label: 'ICP',
  parse: parseIcpYaml,
  diff: diffIcp,
  toVersion,
  extraColumns: (spec) => ({ name: spec.name }),
});

export type ApplyResult = VersionApplyResult<IcpVersion>;

export const getCurrentIcp = icp.current;

/** The current ICP version number only (one index probe, no document transfer). */
export const getCurrentIcpNumber = icp.currentNumber;

export const getIcpVersion = icp.get;

export async function listIcpVersions(db: Db, teamId: string): Promise<Omit<IcpVersion, 'source' | 'spec'>[]> {
  return (await icp.all(db, teamId)).map(({ source: _s, spec: _p, ...rest }) => rest);
}

/** The current ICP; a workspace without one gets `defaultSource` applied as version 1. */
export const ensureIcp = icp.ensure;

/** Validates and applies an ICP file as a new version. Throws AppError(IcpInvalid) with path-level details. */
export const applyIcp = icp.apply;

/** Applies a file as version `base + 1` only while `base` is current (see versioned.ts `applyOnto`). */
export const applyIcpOnto = icp.applyOnto;

/** Restores an earlier version by applying its exact file again as a new version. */
export const rollbackIcp = icp.rollback;

/** Lines of what changed from version `from` to version `to` (defaults: previous → current). */
export const diffIcpVersions = icp.diff;
