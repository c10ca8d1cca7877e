/**
 * The identity of a proposed ICP, for remembering what an owner already dismissed. Two computations give
 * the same key when they propose the same ICP: the prose (the file's name and description, each exclusion's
 * reason) embeds deal counts and dates that move with every new deal, so it is left out; criteria, points,
 * bands, exclusions and tier thresholds are what "the same proposal" means.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.ts';
import type { IcpSpec } from '../icp/spec.ts';
import type { LearnOutcome } from './suggest.ts';

const PROSE = new Set(['name', 'description', 'reason']);

function withoutProse(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutProse);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k]) => !PROSE.has(k))
        .map(([k, x]) => [k, withoutProse(x)]),
    );
  }
  return v;
}

/** sha256 (hex) of the outcome and the canonical spec without its prose. */
export function proposalKey(outcome: LearnOutcome, spec: IcpSpec): string {
  return createHash('sha256')
    .update(`${outcome}\n${canonicalJson(withoutProse(spec))}`)
    .digest('hex');
}
