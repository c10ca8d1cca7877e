/**
 * Hands out the current persona file of a workspace. Like the ICP provider: one small query per call to
 * learn the current version (so replicas see an apply at once), the parsed spec cached per (team, version)
 * so persona objects stay the same and matching keeps its per-persona token cache.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../db/client.ts';
import { ensurePersonas, getCurrentPersonas, type PersonaVersion } from '../../db/queries/personas.ts';

export const defaultPersonasPath = fileURLToPath(new URL('../../db/seed/personas.default.yml', import.meta.url));

export function readDefaultPersonas(): string {
  return readFileSync(defaultPersonasPath, 'utf8');
}

export class PersonaProvider {
  private readonly cache = new Map<string, PersonaVersion>();

  constructor(
    private readonly db: Db,
    private readonly defaultSource: string = readDefaultPersonas(),
  ) {}

  /** The current personas, applying the default file as version 1 for a workspace that has none. */
  async current(teamId: string): Promise<PersonaVersion> {
    const version =
      (await getCurrentPersonas(this.db, teamId)) ?? (await ensurePersonas(this.db, teamId, this.defaultSource));
    const key = `${teamId}:${version.version}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = version;
      this.cache.set(key, hit);
    }
    return hit;
  }
}
