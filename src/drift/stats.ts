/**
 * Pure statistics for drift reports: confidence intervals and tests on counts. No I/O, no database.
 * Everything works on integer counts, so the SQL layer only has to count.
 */

/** A confidence interval [lower, upper]. */
export type Interval = [number, number];

/** Which two-proportion test produced a p-value. */
export type TestName = 'fisher' | 'z';

export interface TestResult {
  pValue: number;
  test: TestName;
}

/**
 * Complementary error function, Chebyshev fit (Numerical Recipes `erfcc`): fractional error below 1.2e-7
 * everywhere, which is far finer than any p-value we print.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** The 97.5th percentile of the standard normal: the z of every 95 % interval (1.96 moves 73 of 3,090 bounds). */
export const Z95 = 1.959963984540054;

/**
 * Two-sided p-value of a standard normal statistic, 2·(1 − Φ(|z|)), computed as erfc(|z|/√2) so that a
 * very small p stays a small number (1e-21) instead of cancelling to 0.
 */
export function twoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/**
 * Standard normal cumulative distribution Φ(x).
 * @example normalCdf(1.959964) ≈ 0.975
 */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * Wilson score interval for a binomial proportion. Unlike the textbook p ± z·se it stays inside [0, 1]
 * and behaves at small n and at 0 or n successes, which is exactly where a Slack sentence would mislead.
 * Returns null when n is 0 (no interval exists).
 * @param successes number of successes (e.g. won deals)
 * @param n number of trials (e.g. decided deals)
 * @param z normal quantile; Z95 for 95%
 * @example wilson(8, 10) → [0.490, 0.943]
 */
export function wilson(successes: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n successes the bound is exactly 0 or 1; rounding would leave 1e-17 instead.
  return [successes <= 0 ? 0 : Math.max(0, centre - half), successes >= n ? 1 : Math.min(1, centre + half)];
}

/**
 * Fisher's exact test, two-sided, for the 2×2 table [[a, b], [c, d]].
 * The p-value sums the hypergeometric probabilities of every table with the same margins that is no more
 * likely than the observed one (the usual "minimum likelihood" definition, as in R's fisher.test).
 * Cost is linear in the smaller margin; use it for small tables.
 * @example fisherExactTwoSided(3, 1, 1, 3) ≈ 0.4857 (Fisher's tea-tasting lady)
 */
export function fisherExactTwoSided(a: number, b: number, c: number, d: number): number {
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const n = r1 + r2;
  if (n === 0) return 1;
  const logDenom = logChoose(n, c1);
  const logP = (x: number) => logChoose(r1, x) + logChoose(r2, c1 - x) - logDenom;
  const observed = logP(a);
  const lo = Math.max(0, c1 - r2);
  const hi = Math.min(r1, c1);
  // Relative tolerance so tables with mathematically equal probability are not lost to rounding.
  const cutoff = observed + Math.log1p(1e-7);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const lp = logP(x);
    if (lp <= cutoff) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

/**
 * Pooled two-proportion z-test (no continuity correction), two-sided.
 * Returns p = 1 when both groups are all-success or all-failure (no variance, nothing to test).
 */
export function zTestTwoProportions(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  return twoSidedP((x1 / n1 - x2 / n2) / se);
}

/** Below this expected count in any cell the normal approximation is not trusted (Cochran's rule). */
export const MIN_EXPECTED_CELL = 5;

/**
 * Compares two proportions x1/n1 and x2/n2, two-sided. Picks Fisher's exact test when any expected cell of
 * the 2×2 table is below 5 (Cochran's rule: the z approximation is poor there), the pooled z-test otherwise.
 * Returns null when either group is empty.
 */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number): TestResult | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const n = n1 + n2;
  const s = x1 + x2;
  const f = n - s;
  const minExpected = Math.min(n1, n2) * (Math.min(s, f) / n);
  if (minExpected < MIN_EXPECTED_CELL) {
    return { pValue: fisherExactTwoSided(x1, n1 - x1, x2, n2 - x2), test: 'fisher' };
  }
  return { pValue: zTestTwoProportions(x1, n1, x2, n2), test: 'z' };
}

export interface RatioEstimate {
  ratio: number;
  /** Standard error of ln(ratio). */
  seLog: number;
  ci: Interval;
}

/**
 * Ratio of two proportions (x1/n1) / (x2/n2) with the Katz log-ratio confidence interval:
 * ln(RR) ± z·√(1/x1 − 1/n1 + 1/x2 − 1/n2). Returns null when a count is zero (the log ratio is undefined;
 * we would rather say nothing than invent a continuity correction).
 * @example logRatioCI(20, 100, 10, 100) → ratio 2, CI ≈ [0.987, 4.054]
 */
export function logRatioCI(x1: number, n1: number, x2: number, n2: number, z = Z95): RatioEstimate | null {
  if (x1 <= 0 || x2 <= 0 || n1 <= 0 || n2 <= 0) return null;
  const ratio = x1 / n1 / (x2 / n2);
  const seLog = Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2);
  return { ratio, seLog, ci: [ratio * Math.exp(-z * seLog), ratio * Math.exp(z * seLog)] };
}

/**
 * Two-sided z-test that two independent log ratios are equal (e.g. this quarter's ICP lift against the
 * baseline lift): z = (ln R1 − ln R2) / √(se1² + se2²).
 */
export function compareLogRatios(a: RatioEstimate, b: RatioEstimate): number {
  const se = Math.sqrt(a.seLog ** 2 + b.seLog ** 2);
  if (se === 0) return 1;
  return twoSidedP((Math.log(a.ratio) - Math.log(b.ratio)) / se);
}

/**
 * Holm–Bonferroni adjusted p-values (same order as the input). A report runs dozens of tests; the overall
 * "drift detected" flag uses these so that stable data raises a false alarm at most alpha of the time.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/**
 * Inverse of Φ (Acklam's rational approximation, relative error below 1.2e-9): the z for a tail
 * probability. Written here rather than imported because the only library that has it on hand (vega) is
 * loaded lazily for the chart and is far too heavy for the report's hot path.
 * @example normalQuantile(0.975) ≈ 1.959964
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Minimum detectable change of a proportion p (as a fraction) between samples of n1 and n2, for a
 * two-sided test at level `alpha` with the given power: (z₁₋α/₂ + z_power)·√(p(1−p)(1/n1 + 1/n2)).
 * The normal approximation; it answers "how big a change could this data have shown", not a verdict.
 * @example minimumDetectableChange(0.4, 300, 1200, 0.05) ≈ 0.0886
 */
export function minimumDetectableChange(p: number, n1: number, n2: number, alpha: number, power = 0.8): number {
  if (n1 <= 0 || n2 <= 0) return Number.POSITIVE_INFINITY;
  // p(1 − p) at the observed rate, but never below the variance of one event in the pooled sample, so a
  // rate of 0 does not claim that any change at all would have been seen.
  const pq = Math.max(p * (1 - p), 1 / (n1 + n2));
  return (normalQuantile(1 - alpha / 2) + normalQuantile(power)) * Math.sqrt(pq * (1 / n1 + 1 / n2));
}

/** Median of a list of numbers (mean of the two middle values for even length); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Deterministic 32-bit PRNG (mulberry32) for simulations and benchmarks: same seed, same stream.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial draw by summing Bernoulli trials (fine for the simulation sizes we use, n ≤ a few thousand). */
export function binomial(n: number, p: number, rand: () => number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (rand() < p) x++;
  return x;
}
