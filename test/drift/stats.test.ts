import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareLogRatios,
  fisherExactTwoSided,
  holmAdjust,
  logRatioCI,
  median,
  minimumDetectableChange,
  normalCdf,
  normalQuantile,
  twoProportionTest,
  twoSidedP,
  wilson,
  Z95,
  zTestTwoProportions,
} from '../../src/drift/stats.ts';
import { formatP } from '../../src/drift/wording.ts';

describe('drift statistics', () => {
  it('normalCdf matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    expect(normalCdf(3)).toBeCloseTo(0.99865, 5);
  });

  it('wilson gives [0.490, 0.943] for 8 of 10', () => {
    const [lo, hi] = wilson(8, 10)!;
    expect(lo).toBeCloseTo(0.49, 3);
    expect(hi).toBeCloseTo(0.943, 3);
  });

  it('wilson stays inside [0, 1] at the edges and has no interval for n = 0', () => {
    expect(wilson(0, 10)![0]).toBe(0);
    expect(wilson(0, 10)![1]).toBeCloseTo(0.2775, 4);
    expect(wilson(10, 10)![1]).toBe(1);
    expect(wilson(0, 0)).toBeNull();
  });

  it("fisher's exact test gives 0.4857 for the tea-tasting table 3/1/1/3", () => {
    expect(fisherExactTwoSided(3, 1, 1, 3)).toBeCloseTo(0.485714, 5);
  });

  it("fisher's exact test matches R's fisher.test on a lopsided table", () => {
    expect(fisherExactTwoSided(1, 11, 9, 3)).toBeCloseTo(0.002759, 5);
    expect(fisherExactTwoSided(0, 0, 0, 0)).toBe(1);
  });

  it('the z-test matches prop.test without continuity correction (15/50 vs 25/50: p = 0.0412)', () => {
    expect(zTestTwoProportions(15, 50, 25, 50)).toBeCloseTo(0.04123, 4);
  });

  it('twoProportionTest uses Fisher when an expected cell is below 5 and z otherwise', () => {
    expect(twoProportionTest(3, 4, 1, 4)).toEqual({ pValue: fisherExactTwoSided(3, 1, 1, 3), test: 'fisher' });
    expect(twoProportionTest(15, 50, 25, 50)?.test).toBe('z');
    expect(twoProportionTest(1, 200, 4, 200)?.test).toBe('fisher');
    expect(twoProportionTest(1, 0, 4, 200)).toBeNull();
  });

  it('Katz log-ratio interval for 20/100 vs 10/100 is [0.987, 4.054]', () => {
    const r = logRatioCI(20, 100, 10, 100)!;
    expect(r.ratio).toBeCloseTo(2, 10);
    expect(r.ci[0]).toBeCloseTo(0.9866, 3);
    expect(r.ci[1]).toBeCloseTo(4.0543, 3);
    expect(logRatioCI(0, 100, 10, 100)).toBeNull();
  });

  it('compareLogRatios is 1 for equal ratios and small for very different ones', () => {
    const a = logRatioCI(20, 100, 10, 100)!;
    expect(compareLogRatios(a, a)).toBeCloseTo(1, 6);
    expect(compareLogRatios(logRatioCI(400, 1000, 100, 1000)!, logRatioCI(200, 1000, 200, 1000)!)).toBeLessThan(0.001);
  });

  it('holmAdjust follows the step-down rule and keeps input order', () => {
    const adj = holmAdjust([0.01, 0.04, 0.03]);
    expect(adj[0]).toBeCloseTo(0.03, 12);
    expect(adj[1]).toBeCloseTo(0.06, 12);
    expect(adj[2]).toBeCloseTo(0.06, 12);
  });

  it('median handles odd, even and empty lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('p-values are probabilities and Fisher is symmetric in the two groups', () => {
    fc.assert(
      fc.property(fc.nat(30), fc.nat(30), fc.nat(30), fc.nat(30), (a, b, c, d) => {
        const p = fisherExactTwoSided(a, b, c, d);
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
        expect(fisherExactTwoSided(c, d, a, b)).toBeCloseTo(p, 9);
      }),
      { numRuns: 200 },
    );
  });
});

describe('statistics printed by reports', () => {
  it('uses z = 1.959964 for 95% (statsmodels proportion_confint wilson: 0.4901625, 0.9433178 for 8 of 10)', () => {
    expect(Z95).toBeCloseTo(1.959964, 6);
    const [lo, hi] = wilson(8, 10)!;
    expect(lo).toBeCloseTo(0.4901625, 7);
    expect(hi).toBeCloseTo(0.9433178, 7);
  });

  it('keeps tiny p-values as numbers (1e-21 for a huge difference), not 0', () => {
    const p = zTestTwoProportions(900, 1000, 500, 1000);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-50);
    expect(twoSidedP(9.6)).toBeCloseTo(8.0e-22, 23);
    expect(JSON.stringify({ p: twoSidedP(9.6) })).toMatch(/"p":7\.\d+e-22|"p":8\.\d+e-22/);
  });

  it('prints enough digits to tell a p-value on either side of alpha', () => {
    expect(formatP(0.045)).toBe('p=0.045');
    expect(formatP(0.0502)).toBe('p=0.0502');
    expect(formatP(0.0499)).toBe('p=0.0499');
    expect(formatP(0.5)).toBe('p=0.5');
    expect(formatP(0.0004)).toBe('p<0.001');
    expect(formatP(0.0401, 0.04)).toBe('p=0.0401');
  });

  it('inverts the normal distribution and gives the minimum detectable change at 80% power', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    // (1.959964 + 0.841621) · √(0.4·0.6·(1/300 + 1/1200)) = 2.801585 · 0.0316228 = 0.088594
    expect(minimumDetectableChange(0.4, 300, 1200, 0.05)).toBeCloseTo(0.088594, 5);
  });
});
