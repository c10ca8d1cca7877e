/**
 * Use case: a starter ICP from the workspace's own data. While a workspace still runs on the example ICP
 * and has imported accounts and deals, every place that walks it through setup (the `icp import` output, the
 * console at start, App Home's getting-started checklist) says what `icp suggest` finds in that data:
 * an ICP proposed from it, or, honestly, that nothing in it separates wins from losses yet. The example
 * stays in charge until someone applies an ICP; this never applies one by itself.
 */
import type { Db } from '../../db/client.ts';
import { dataPresence } from '../../db/queries/accounts.ts';
import type { StarterIcp } from '../learn/starter.ts';
import type { IcpProvider } from './icp-provider.ts';
import { suggestIcp } from './suggest-icp.ts';

export type { StarterIcp } from '../learn/starter.ts';

/**
 * What the team's data suggests as a starter ICP; null when the team already applied an ICP of its own
 * (version origin other than the example's 'default'), or has no accounts, deals or decided deals yet.
 */
export async function starterIcp(deps: { db: Db; icp: IcpProvider }, teamId: string): Promise<StarterIcp | null> {
  const current = await deps.icp.current(teamId);
  if (current.version.origin !== 'default') return null;
  const present = await dataPresence(deps.db, teamId);
  if (!present.accounts || !present.deals) return null;
  const s = await suggestIcp(deps, { teamId });
  if (s.data.n === 0) return null;
  const found = s.signal === 'found' && s.proposal !== null;
  return {
    signal: found ? 'found' : 'none',
    decided: s.data.n,
    attributes: found ? s.proposal!.spec.criteria.map((c) => c.label) : [],
    summary: s.summary,
  };
}
