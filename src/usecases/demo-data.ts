/**
 * Use case: the fictional demo data a fresh clone's console starts with (db/seed/demo/, written by
 * src/demo/generate.ts). Accounts, two years of won and lost deals and churn events go through the normal
 * import, then every date moves so the data ends today: the drift report's recent window (ending today)
 * then always holds the data's last 90 days, whatever day the demo is started.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { parseDocument } from 'yaml';
import type { Db } from '../../db/client.ts';
import { shiftTeamDates } from '../../db/queries/demo.ts';
import { applyIcp } from '../../db/queries/icp.ts';
import { rescoreAll } from '../../db/queries/scores.ts';
import { queryRows } from '../../db/raw.ts';
import { joinWords } from '../icp/describe.ts';
import type { IcpProvider } from './icp-provider.ts';
import { importFile } from './import-file.ts';
import { type IcpSuggestion, suggestIcp } from './suggest-icp.ts';

/** The last day in the committed demo files (src/demo/generate.ts writes it). */
export const DEMO_LAST_DAY = '2026-11-30';

/** The committed demo files, in the order they import. */
export const demoFiles = {
  accounts: fileURLToPath(new URL('../../db/seed/demo/accounts.csv', import.meta.url)),
  deals: fileURLToPath(new URL('../../db/seed/demo/deals.csv', import.meta.url)),
  churn: fileURLToPath(new URL('../../db/seed/demo/churn.csv', import.meta.url)),
} as const;

export interface DemoLoaded {
  accounts: number;
  deals: number;
  churnEvents: number;
  /** Days every date was moved by, so the data ends on `today`. */
  shiftedDays: number;
  /** What `icp suggest` found in the demo data (applied as the current ICP when it proposed one). */
  suggestion: IcpSuggestion;
  /** The ICP version the demo runs on: the proposal when there was one, else the example (version 1). */
  icpVersion: number;
}

const DAY_MS = 86_400_000;

/** Whole days from the demo's last day to `today` (UTC calendar days). */
export function demoShiftDays(today: Date): number {
  return Math.floor(today.getTime() / DAY_MS) - Math.floor(Date.parse(`${DEMO_LAST_DAY}T00:00:00Z`) / DAY_MS);
}

/** The proposal under a name that says where it came from (a proposal keeps the current ICP's name). */
function demoIcpSource(yaml: string): string {
  const doc = parseDocument(yaml);
  doc.set('name', 'Demo: proposed from the demo data');
  return doc.toString();
}

/**
 * Loads the demo data into `teamId` when it has no accounts yet (returns null otherwise), moves its dates
 * to end today, applies the ICP `icp suggest` proposes from it (version 2; the example stays as version 1)
 * and stores every account's score under it. The demo runs on the proposal because the example ICP reads
 * fields that carry no signal in this data: under it the tiers, and the drift report by tier, say nothing.
 */
export async function loadDemoData(
  deps: { db: Db; icp: IcpProvider },
  args: { teamId: string; today: Date },
): Promise<DemoLoaded | null> {
  const { teamId } = args;
  const [row] = await queryRows<{ n: number }>(
    deps.db,
    sql`select count(*)::int as n from accounts where team_id = ${teamId}`,
  );
  if ((row?.n ?? 0) > 0) return null;
  const a = await importFile(deps.db, { teamId, kind: 'accounts', input: demoFiles.accounts });
  const d = await importFile(deps.db, { teamId, kind: 'deals', input: demoFiles.deals });
  const c = await importFile(deps.db, { teamId, kind: 'churn', input: demoFiles.churn });
  const shiftedDays = demoShiftDays(args.today);
  await shiftTeamDates(deps.db, teamId, shiftedDays);
  const suggestion = await suggestIcp(deps, { teamId });
  if (suggestion.proposal) {
    await applyIcp(deps.db, { teamId, source: demoIcpSource(suggestion.proposal.yaml), createdBy: 'system' });
  }
  const current = await deps.icp.current(teamId);
  await rescoreAll(deps.db, teamId, current.compiled);
  return {
    accounts: a.inserted,
    deals: d.inserted,
    churnEvents: c.inserted,
    shiftedDays,
    suggestion,
    icpVersion: current.version.version,
  };
}

/** What the console says after loading the demo: what is in it and which ICP it runs on. */
export function demoNotice(d: DemoLoaded): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const head =
    `Demo data loaded: ${n(d.accounts)} fictional accounts (domains under .example), ${n(d.deals)} won and lost ` +
    `deals and ${n(d.churnEvents)} churn events from db/seed/demo/, dates moved to end today.`;
  const p = d.suggestion.proposal;
  if (!p) return `${head} ${d.suggestion.summary} It runs on the example ICP.`;
  const list = joinWords(
    p.spec.criteria.map((c) => c.label),
    'and',
  );
  return (
    `${head} It runs on the ICP its own data suggests (version ${d.icpVersion}): ${list} separate wins from ` +
    'losses. See why with `/icp-review suggest`; the example ICP it replaced is version 1 ' +
    '(`npm run icp -- diff 1 2`, db/seed/icp.default.yml).'
  );
}
