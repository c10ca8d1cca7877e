/**
 * A proposal never deletes an exclusion someone wrote by hand: many are policy (sanctions, compliance) that
 * no won/lost history can speak for. The current ICP's exclusions are carried into the proposal unchanged;
 * when the data positively contradicts one (the accounts it excludes do at least as well as everyone, on
 * enough of them), it stays but a reason says so with the numbers, and the owner decides.
 */
import { compileIcp } from '../icp/engine.ts';
import type { IcpExclusion, IcpSpec } from '../icp/spec.ts';
import { countsOf, type LearnUnit } from './profile.ts';

/** Fewest decided outcomes of excluded accounts before their rate is taken as evidence (as for new exclusions). */
export const CONTRADICTION_MIN_N = 30;

export interface ContradictedExclusion {
  exclusion: IcpExclusion;
  /** Outcomes of the accounts the exclusion fires on, and their rate. */
  n: number;
  won: number;
  rate: number;
  /** Rate over every unit. */
  overall: number;
}

/**
 * The current exclusions the data contradicts: those firing on at least CONTRADICTION_MIN_N decided
 * outcomes whose rate is at or above the overall rate. An exclusion on a field the data lacks never fires,
 * so it is never contradicted.
 */
export function contradictedExclusions(units: readonly LearnUnit[], current: IcpSpec): ContradictedExclusion[] {
  let won = 0;
  let n = 0;
  for (const u of units) {
    const c = countsOf(u, 'all');
    won += c.won;
    n += c.won + c.lost;
  }
  if (n === 0) return [];
  const overall = won / n;
  const out: ContradictedExclusion[] = [];
  for (const exclusion of current.exclusions) {
    // Compiled alone (no criteria): only which accounts it fires on is read.
    const alone = compileIcp({ ...current, criteria: [], exclusions: [exclusion] }, 0);
    let ew = 0;
    let en = 0;
    for (const u of units) {
      if (alone.score(u.facts).exclusions.length === 0) continue;
      const c = countsOf(u, 'all');
      ew += c.won;
      en += c.won + c.lost;
    }
    if (en >= CONTRADICTION_MIN_N && ew / en >= overall) {
      out.push({ exclusion, n: en, won: ew, rate: ew / en, overall });
    }
  }
  return out;
}
