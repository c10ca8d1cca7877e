/**
 * Statistics for learning an ICP from outcomes: tests on grouped counts, false-discovery control, AUC with
 * its interval, and a small ridge-penalised logistic regression. Pure and deterministic; works on counts,
 * so the database only has to count.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { normalCdf } from '../drift/stats.ts';

/** Won and lost counts of one group (or one score level). */
export interface Counts {
  won: number;
  lost: number;
}

/** Upper tail of the chi-square distribution. */
export function chiSquareP(stat: number, df: number): number {
  if (!(df > 0) || !(stat > 0)) return 1;
  return Math.max(0, 1 - chisquareCdf(stat, df));
}

/**
 * Pearson's chi-square test of independence of outcome and group (a 2×k table). Groups with no deals are
 * left out; fewer than two groups is nothing to test (p = 1).
 */
export function chiSquareGroups(groups: readonly Counts[]): { stat: number; df: number; pValue: number } {
  const used = groups.filter((g) => g.won + g.lost > 0);
  const W = used.reduce((s, g) => s + g.won, 0);
  const L = used.reduce((s, g) => s + g.lost, 0);
  const N = W + L;
  if (used.length < 2 || W === 0 || L === 0) return { stat: 0, df: 0, pValue: 1 };
  let stat = 0;
  for (const g of used) {
    const n = g.won + g.lost;
    const ew = (n * W) / N;
    const el = (n * L) / N;
    stat += (g.won - ew) ** 2 / ew + (g.lost - el) ** 2 / el;
  }
  const df = used.length - 1;
  return { stat, df, pValue: chiSquareP(stat, df) };
}

/**
 * Cochran–Armitage test for a trend in win rate across ordered groups (scores 0, 1, 2, …), two-sided.
 * One degree of freedom: far more power than a k−1 chi-square against the monotone effects that number
 * bins are meant to show, and valid because the bins are cut without looking at outcomes.
 */
export function trendTest(groups: readonly Counts[]): { z: number; pValue: number } {
  let N = 0;
  let W = 0;
  let sx = 0;
  let sxx = 0;
  let sxw = 0;
  groups.forEach((g, x) => {
    const n = g.won + g.lost;
    N += n;
    W += g.won;
    sx += n * x;
    sxx += n * x * x;
    sxw += g.won * x;
  });
  if (N === 0 || W === 0 || W === N) return { z: 0, pValue: 1 };
  const p = W / N;
  const t = sxw - p * sx;
  const v = p * (1 - p) * (sxx - (sx * sx) / N);
  if (!(v > 0)) return { z: 0, pValue: 1 };
  const z = t / Math.sqrt(v);
  return { z, pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) };
}

/**
 * Benjamini–Hochberg adjusted p-values (q-values), same order as the input: rejecting every q ≤ α keeps
 * the expected share of false discoveries among the attributes called significant at or below α.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p || a.i - b.i);
  const q = new Array<number>(m).fill(1);
  let running = 1;
  order.forEach(({ p, i }, k) => {
    const rank = m - k;
    running = Math.min(running, (p * m) / rank);
    q[i] = Math.min(1, running);
  });
  return q;
}

/** One scored level with its won and lost deals, for AUC. */
export interface ScoredCounts extends Counts {
  score: number;
}

export interface AucEstimate {
  auc: number;
  /** 95% interval (Hanley & McNeil 1982 standard error). */
  ci: [number, number];
  won: number;
  lost: number;
}

/**
 * Area under the ROC curve: the chance that a won deal scores above a lost one (ties count half).
 * Null when there are no won or no lost deals.
 */
export function aucOf(levels: readonly ScoredCounts[]): AucEstimate | null {
  const byScore = new Map<number, Counts>();
  for (const l of levels) {
    const c = byScore.get(l.score) ?? { won: 0, lost: 0 };
    c.won += l.won;
    c.lost += l.lost;
    byScore.set(l.score, c);
  }
  const sorted = [...byScore.entries()].sort((a, b) => a[0] - b[0]);
  let W = 0;
  let L = 0;
  for (const [, c] of sorted) {
    W += c.won;
    L += c.lost;
  }
  if (W === 0 || L === 0) return null;
  let lostBelow = 0;
  let pairs = 0;
  for (const [, c] of sorted) {
    pairs += c.won * (lostBelow + c.lost / 2);
    lostBelow += c.lost;
  }
  const a = pairs / (W * L);
  const q1 = a / (2 - a);
  const q2 = (2 * a * a) / (1 + a);
  const se = Math.sqrt(Math.max(0, (a * (1 - a) + (W - 1) * (q1 - a * a) + (L - 1) * (q2 - a * a)) / (W * L)));
  return { auc: a, ci: [Math.max(0, a - 1.96 * se), Math.min(1, a + 1.96 * se)], won: W, lost: L };
}

/** Solves A x = b in place (Gaussian elimination with partial pivoting); A is small (one row per attribute). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    const d = A[c]![c]!;
    if (Math.abs(d) < 1e-12) continue;
    for (let r = c + 1; r < n; r++) {
      const f = A[r]![c]! / d;
      if (f === 0) continue;
      for (let k = c; k < n; k++) A[r]![k]! -= f * A[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= A[r]![k]! * x[k]!;
    const d = A[r]![r]!;
    x[r] = Math.abs(d) < 1e-12 ? 0 : s / d;
  }
  return x;
}

/** A row of the design: its features and how many deals with it were won and lost. */
export interface DesignRow extends Counts {
  x: readonly number[];
}

/**
 * Logistic regression on grouped rows by Newton–Raphson (IRLS), with an L2 (ridge) penalty `lambda` on the
 * coefficients but not the intercept: correlated attributes share their evidence instead of double counting
 * it, and a near-empty attribute cannot run off to infinity. Returns [intercept, β1, …, βk].
 */
export function logisticRidge(rows: readonly DesignRow[], k: number, lambda = 1): number[] {
  const beta = new Array<number>(k + 1).fill(0);
  let W = 0;
  let N = 0;
  for (const r of rows) {
    W += r.won;
    N += r.won + r.lost;
  }
  if (N === 0 || W === 0 || W === N) return beta;
  beta[0] = Math.log(W / (N - W));
  for (let iter = 0; iter < 50; iter++) {
    const H = Array.from({ length: k + 1 }, () => new Array<number>(k + 1).fill(0));
    const g = new Array<number>(k + 1).fill(0);
    for (const r of rows) {
      const n = r.won + r.lost;
      if (n === 0) continue;
      let eta = beta[0]!;
      for (let j = 0; j < k; j++) eta += beta[j + 1]! * r.x[j]!;
      const p = 1 / (1 + Math.exp(-eta));
      const resid = r.won - n * p;
      const w = n * p * (1 - p);
      for (let a = 0; a <= k; a++) {
        const xa = a === 0 ? 1 : r.x[a - 1]!;
        g[a]! += resid * xa;
        for (let b = a; b <= k; b++) H[a]![b]! += w * xa * (b === 0 ? 1 : r.x[b - 1]!);
      }
    }
    for (let a = 0; a <= k; a++) for (let b = 0; b < a; b++) H[a]![b] = H[b]![a]!;
    for (let j = 1; j <= k; j++) {
      g[j]! -= lambda * beta[j]!;
      H[j]![j]! += lambda;
    }
    const step = solve(H, g);
    let moved = 0;
    for (let j = 0; j <= k; j++) {
      beta[j]! += step[j]!;
      moved = Math.max(moved, Math.abs(step[j]!));
    }
    if (moved < 1e-9) break;
  }
  return beta;
}
