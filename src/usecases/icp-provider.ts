/**
 * Hands out the compiled current ICP of a workspace. Compiling happens once per (team, version);
 * each call costs one small query to learn the current version, so replicas pick up a new version
 * the moment it is applied anywhere.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../db/client.ts';
import { ensureIcp, getCurrentIcp, getCurrentIcpNumber, getIcpVersion, type IcpVersion } from '../../db/queries/icp.ts';
import { type CompiledIcp, compileIcp } from '../icp/engine.ts';

export const defaultIcpPath = fileURLToPath(new URL('../../db/seed/icp.default.yml', import.meta.url));

export function readDefaultIcp(): string {
  return readFileSync(defaultIcpPath, 'utf8');
}

export interface CurrentIcp {
  version: IcpVersion;
  compiled: CompiledIcp;
}

export class IcpProvider {
  private readonly compiled = new Map<string, CurrentIcp>();

  constructor(
    private readonly db: Db,
    private readonly defaultSource: string = readDefaultIcp(),
  ) {}

  /** The current ICP, applying the default as version 1 for a workspace that has none. */
  async current(teamId: string): Promise<CurrentIcp> {
    // Hot path (every /icp-check): ask only for the version number; the document is read and compiled
    // once per (team, version).
    const number = await getCurrentIcpNumber(this.db, teamId);
    const cached = number === null ? undefined : this.compiled.get(`${teamId}:${number}`);
    if (cached) return cached;
    const version = (await getCurrentIcp(this.db, teamId)) ?? (await ensureIcp(this.db, teamId, this.defaultSource));
    const key = `${teamId}:${version.version}`;
    let hit = this.compiled.get(key);
    if (!hit) {
      hit = { version, compiled: compileIcp(version.spec, version.version) };
      this.compiled.set(key, hit);
    }
    return hit;
  }

  /** A given version of the team's ICP, compiled (to re-score a logged check exactly); null when unknown. */
  async at(teamId: string, versionNumber: number): Promise<CurrentIcp | null> {
    const key = `${teamId}:${versionNumber}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const version = await getIcpVersion(this.db, teamId, versionNumber);
    if (!version) return null;
    const hit = { version, compiled: compileIcp(version.spec, version.version) };
    this.compiled.set(key, hit);
    return hit;
  }
}
