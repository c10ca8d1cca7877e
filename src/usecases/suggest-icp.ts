/**
 * The "suggest an ICP from our own data" use case, shared by the CLI and (later) Slack: read the team's
 * accounts with their outcome counts, profile, propose and backtest. Returns a plain object with the
 * sentences, diff lines and backtest tables, so every surface only renders.
 */
import type { Db } from '../../db/client.ts';
import { defaultHoldoutFrom, learnAccounts } from '../../db/queries/learn.ts';
import { factsFromAccount } from '../icp/engine.ts';
import type { LearnUnit } from '../learn/profile.ts';
import { type LearnOutcome, type Suggestion, type SuggestOptions, suggestFromUnits } from '../learn/suggest.ts';
import { runInWorker, siblingModule } from '../worker.ts';
import type { IcpProvider } from './icp-provider.ts';

export interface SuggestIcpArgs {
  teamId: string;
  /** 'win' (default): win rate of decided deals; 'churn': customers who stayed vs churned. */
  outcome?: LearnOutcome;
  /** First date of the holdout (YYYY-MM-DD); omitted: the last 25% of decided deals by close date. */
  holdoutFrom?: string;
  /** Today (YYYY-MM-DD), named in a proposal's name; default: the system clock's UTC date. */
  today?: string;
  /** Compute in a worker thread (default: from WORKER_MIN_UNITS accounts on, where it takes long enough to matter). */
  inWorker?: boolean;
}

/** Below this many accounts the computation takes well under a second: a worker's start-up would cost more. */
export const WORKER_MIN_UNITS = 5000;

export interface IcpSuggestion extends Suggestion {
  /** The ICP version the proposal is compared with. */
  currentVersion: number;
}

/** Profiles the team's data and proposes an ICP (or says plainly that the data shows no signal). */
export async function suggestIcp(deps: { db: Db; icp: IcpProvider }, args: SuggestIcpArgs): Promise<IcpSuggestion> {
  const outcome = args.outcome ?? 'win';
  const current = await deps.icp.current(args.teamId);
  const holdoutFrom = args.holdoutFrom ?? (await defaultHoldoutFrom(deps.db, args.teamId, outcome));
  const rows = await learnAccounts(deps.db, { teamId: args.teamId, outcome, holdoutFrom });
  const units: LearnUnit[] = rows.map((r) => ({
    facts: factsFromAccount(r),
    trainWon: r.trainWon,
    trainLost: r.trainLost,
    holdWon: r.holdWon,
    holdLost: r.holdLost,
  }));
  const opts: SuggestOptions = {
    outcome,
    current: { spec: current.version.spec, version: current.version.version },
    holdoutFrom,
    today: args.today ?? new Date().toISOString().slice(0, 10),
  };
  // Seconds of JavaScript on big data: off the event loop, so the bot keeps acking everyone else meanwhile.
  const s =
    (args.inWorker ?? units.length >= WORKER_MIN_UNITS)
      ? await runInWorker<Suggestion>(siblingModule(import.meta.url, '../learn/suggest-worker'), { units, opts })
      : suggestFromUnits(units, opts);
  return { ...s, currentVersion: current.version.version };
}
