/**
 * Cutting a numeric attribute into bins: near-equal-count fine bins (outcome not looked at), pooled into
 * monotone bins of a minimum size, with round cut points for labels. Pure.
 */
import type { Counts } from './stats.ts';

/** How many fine bins a number is first cut into before pooling. */
const FINE_BINS = 10;

/** A round number c with a < c < b ("50", "2,500,000"), or null when none is rounder than the midpoint. */
export function niceBetween(a: number, b: number, integers: boolean): number | null {
  const top = Math.floor(Math.log10(Math.max(Math.abs(a), Math.abs(b), 1e-9)));
  const floorExp = integers ? 0 : Math.floor(Math.log10(b - a)) - 3;
  for (let e = top; e >= floorExp; e--) {
    for (const m of [5, 2, 1]) {
      const s = m * 10 ** e;
      const c = Number(((Math.floor(a / s) + 1) * s).toPrecision(12));
      if (c > a && c < b) return c;
    }
  }
  return null;
}

export interface Bin extends Counts {
  lo: number;
  hi: number;
}

/** Bins of near-equal deal counts, cut only between distinct values (outcome not looked at). */
export function quantileBins(values: Map<number, Counts>): Bin[] {
  const sorted = [...values.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, c]) => s + c.won + c.lost, 0);
  const bins: Bin[] = [];
  let cur: Bin | null = null;
  let cum = 0;
  let next = total / FINE_BINS;
  for (const [v, c] of sorted) {
    if (!cur) cur = { lo: v, hi: v, won: 0, lost: 0 };
    cur.hi = v;
    cur.won += c.won;
    cur.lost += c.lost;
    cum += c.won + c.lost;
    if (cum >= next - 1e-9) {
      bins.push(cur);
      cur = null;
      while (next <= cum + 1e-9) next += total / FINE_BINS;
    }
  }
  if (cur) bins.push(cur);
  return bins;
}

const rateOf = (c: Counts) => (c.won + c.lost > 0 ? c.won / (c.won + c.lost) : 0);
const merge = (a: Bin, b: Bin): Bin => ({ lo: a.lo, hi: b.hi, won: a.won + b.won, lost: a.lost + b.lost });

/** Pool adjacent bins that break the monotone direction, then fold bins below `minN` into their nearest-rate neighbour. */
export function monotoneBins(fine: Bin[], up: boolean, minN: number): Bin[] {
  const out: Bin[] = [];
  for (const b of fine) {
    out.push(b);
    while (out.length > 1) {
      const last = out[out.length - 1]!;
      const prev = out[out.length - 2]!;
      const violates = up ? rateOf(prev) >= rateOf(last) : rateOf(prev) <= rateOf(last);
      if (!violates) break;
      out.splice(out.length - 2, 2, merge(prev, last));
    }
  }
  for (;;) {
    if (out.length < 2) break;
    let small = -1;
    for (let i = 0; i < out.length; i++) {
      const n = out[i]!.won + out[i]!.lost;
      if (n < minN && (small < 0 || n < out[small]!.won + out[small]!.lost)) small = i;
    }
    if (small < 0) break;
    const r = rateOf(out[small]!);
    const left = small > 0 ? Math.abs(rateOf(out[small - 1]!) - r) : Number.POSITIVE_INFINITY;
    const right = small < out.length - 1 ? Math.abs(rateOf(out[small + 1]!) - r) : Number.POSITIVE_INFINITY;
    const j = left <= right ? small - 1 : small;
    out.splice(j, 2, merge(out[j]!, out[j + 1]!));
  }
  return out;
}
