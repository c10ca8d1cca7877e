/**
 * Use case: the owner reviews the CRM mapping proposed at connect, changes what is wrong and confirms it
 * once (`icp crm mapping …`, App Home's "Review field mapping"). Syncs wait for the confirmation and use
 * the confirmed mapping; a later change confirmed anew makes the next sync a full one, so every record
 * is mapped the new way. The rules are in src/crm/mapping-review.ts, the writes in db/queries/crm.ts.
 */
import {
  type CrmConnectionRow,
  confirmCrmMapping,
  getCrmConnection,
  saveCrmMappingDraft,
} from '../../db/queries/crm.ts';
import { type CrmMapping, readMapping, sameMapping, setChurn, setProperty, setStage } from '../crm/mapping-review.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';

type CrmDeps = Pick<Deps, 'db' | 'logger'>;

/** proposed: never confirmed; confirmed: syncs use it as shown; changed: edits wait for a new confirmation. */
export type MappingStatus = 'proposed' | 'confirmed' | 'changed';

export interface MappingState {
  provider: string;
  /** The working copy: what `icp crm mapping` shows and --confirm confirms. */
  mapping: CrmMapping;
  /** What syncs use; null until confirmed. */
  confirmed: CrmMapping | null;
  status: MappingStatus;
  confirmedBy: string | null;
  confirmedAt: Date | null;
}

export function mappingState(conn: CrmConnectionRow): MappingState {
  const mapping = readMapping(conn.fieldMapping);
  const confirmed = conn.confirmedMapping ? readMapping(conn.confirmedMapping) : null;
  return {
    provider: conn.provider,
    mapping,
    confirmed,
    status: !confirmed ? 'proposed' : sameMapping(mapping, confirmed) ? 'confirmed' : 'changed',
    confirmedBy: conn.mappingConfirmedBy,
    confirmedAt: conn.mappingConfirmedAt,
  };
}

async function connection(deps: CrmDeps, teamId: string): Promise<CrmConnectionRow> {
  const conn = await getCrmConnection(deps.db, teamId);
  if (!conn) {
    throw new AppError(ErrorCode.CrmNotConnected, 'No CRM is connected: run `icp connect hubspot --token …` first.');
  }
  return conn;
}

/** The team's mapping: the working copy, what syncs use, and whether it waits for a confirmation. */
export async function loadMapping(deps: CrmDeps, teamId: string): Promise<MappingState> {
  return mappingState(await connection(deps, teamId));
}

/** Changes to the working copy, in the CLI's words: `property=field|attribute|ignore`, `stage=won|…`. */
export interface MappingEdits {
  set?: readonly string[];
  stages?: readonly string[];
  churn?: string | undefined;
}

const pair = (flag: string, v: string): [string, string] => {
  const eq = v.lastIndexOf('=');
  if (eq <= 0 || eq === v.length - 1) {
    throw new AppError(ErrorCode.BadInput, `${flag} takes name=value, got “${v}”.`);
  }
  return [v.slice(0, eq).trim(), v.slice(eq + 1).trim()];
};

/** Applies the edits to a mapping (pure); notes say what else moved. */
export function applyEdits(m: CrmMapping, edits: MappingEdits): { mapping: CrmMapping; notes: string[] } {
  let mapping = m;
  const notes: string[] = [];
  for (const v of edits.set ?? []) {
    const [property, target] = pair('--set', v);
    const r = setProperty(mapping, property, target);
    mapping = r.mapping;
    if (r.note) notes.push(r.note);
  }
  for (const v of edits.stages ?? []) {
    const [stage, outcome] = pair('--stage', v);
    mapping = setStage(mapping, stage, outcome);
  }
  if (edits.churn !== undefined) mapping = setChurn(mapping, edits.churn);
  return { mapping, notes };
}

/** Saves edits to the working copy (syncs keep the confirmed mapping until it is confirmed). */
export async function editMapping(
  deps: CrmDeps,
  args: { teamId: string; edits: MappingEdits },
): Promise<MappingState & { notes: string[] }> {
  const conn = await connection(deps, args.teamId);
  const { mapping, notes } = applyEdits(readMapping(conn.fieldMapping), args.edits);
  await saveCrmMappingDraft(deps.db, { teamId: args.teamId, provider: conn.provider, mapping });
  return { ...mappingState({ ...conn, fieldMapping: mapping }), notes };
}

/**
 * Confirms the working copy (with `edits` applied first, as the App Home modal submits them) as the
 * mapping syncs use, recording who and when.
 */
export async function confirmMapping(
  deps: CrmDeps,
  args: { teamId: string; userId: string; edits?: MappingEdits },
): Promise<MappingState & { notes: string[]; resync: boolean }> {
  const conn = await connection(deps, args.teamId);
  const before = mappingState(conn);
  const { mapping, notes } = applyEdits(before.mapping, args.edits ?? {});
  const prior = before.confirmed;
  // Records already synced were mapped the old way: a change means the next sync reads them all again.
  const resync = prior !== null && conn.syncCursor !== null && !sameMapping(prior, mapping);
  // The old signal's churn events go when it changes (a signal of none wrote none to clear).
  const clearChurn =
    prior !== null && prior.churn.kind !== 'none' && JSON.stringify(prior.churn) !== JSON.stringify(mapping.churn);
  const ok = await confirmCrmMapping(deps.db, {
    teamId: args.teamId,
    provider: conn.provider,
    mapping,
    userId: args.userId,
    resync,
    clearChurn,
  });
  if (!ok) throw new AppError(ErrorCode.CrmNotConnected, 'The CRM was disconnected meanwhile: nothing was confirmed.');
  deps.logger.info('CRM mapping confirmed', { teamId: args.teamId, provider: conn.provider, resync });
  const after = await connection(deps, args.teamId);
  return { ...mappingState(after), notes, resync };
}

/** What to run when the mapping waits for an owner (the sync's refusal and App Home say it). */
export const CONFIRM_HINT =
  'review it with `icp crm mapping`, change what is wrong with --set, --stage or --churn, then run `icp crm mapping --confirm` (or use “Review field mapping” in App Home)';
