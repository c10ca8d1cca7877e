import { describe, expect, it } from 'vitest';
import { compileIcp } from '../../src/icp/engine.ts';
import { parseIcpYaml } from '../../src/icp/spec.ts';
import { aucOf, benjaminiHochberg, chiSquareGroups, trendTest } from '../../src/learn/stats.ts';
import { suggestFromUnits } from '../../src/learn/suggest.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { NOISE, PLANTED, type PlantedUnit, planted } from './planted.ts';

const current = { spec: parseIcpYaml(readDefaultIcp()), version: 1 };
const suggest = (units: PlantedUnit[]) =>
  suggestFromUnits(units, { outcome: 'win', current, holdoutFrom: '2026-01-01' });

const trueAuc = (units: PlantedUnit[]) =>
  aucOf(units.map((u) => ({ score: u.p, won: u.holdWon, lost: u.holdLost })))!.auc;

describe('learning an ICP from planted-signal data', () => {
  it('finds the planted attributes and rarely a noise attribute', () => {
    let noiseHits = 0;
    const seeds = 10;
    for (let seed = 1; seed <= seeds; seed++) {
      const s = suggest(planted(seed, 3000, true));
      expect(s.signal).toBe('found');
      const significant = s.attributes.filter((a) => a.significant).map((a) => a.field);
      for (const f of PLANTED) expect(significant).toContain(f);
      noiseHits += significant.filter((f) => NOISE.includes(f)).length;
    }
    expect(noiseHits / (seeds * NOISE.length)).toBeLessThanOrEqual(0.05);
  }, 300_000);

  it('proposes a valid ICP whose holdout AUC is within 0.02 of naive Bayes and 95% of the true probabilities', () => {
    for (let seed = 101; seed <= 106; seed++) {
      const units = planted(seed, 3000, true);
      const s = suggest(units);
      expect(s.signal).toBe('found');
      const spec = parseIcpYaml(s.proposal!.yaml);
      expect(() => compileIcp(spec, 2).score({ industry: 'Software', employees: 300 })).not.toThrow();
      const auc = s.backtest.proposed!.auc!;
      expect(Math.abs(auc - s.backtest.naiveBayes!.auc!)).toBeLessThanOrEqual(0.02);
      expect(auc).toBeGreaterThanOrEqual(0.95 * trueAuc(units));
      const tier = (t: string) => s.backtest.proposed!.tiers.find((r) => r.tier === t)!;
      expect(tier('tier1').winRate!).toBeGreaterThan(tier('no_fit').winRate!);
      expect(s.backtest.proposed!.liftSignificant).toBe(true);
    }
  }, 300_000);

  it('says "none" on data without signal in at least 95% of seeds, with the numbers', () => {
    let none = 0;
    const seeds = 100;
    for (let seed = 1000; seed < 1000 + seeds; seed++) {
      const s = suggest(planted(seed, 1000, false));
      if (s.signal === 'none') {
        none++;
        expect(s.proposal).toBeNull();
      }
    }
    expect(none).toBeGreaterThanOrEqual(0.95 * seeds);
    const s = suggest(planted(7, 1500, false));
    expect(s.summary).toMatch(
      /^In [\d,]+ decided deals no attribute separates wins from losses: win rates range \d+%–\d+%/,
    );
  }, 300_000);

  it('gives the same result for the same data', () => {
    const a = JSON.stringify(suggest(planted(42, 2000, true)));
    const b = JSON.stringify(suggest(planted(42, 2000, true)));
    expect(a).toBe(b);
  });

  it('says there is nothing to learn about retention when no customer has churned, with no invented evidence', () => {
    const stayed = planted(9, 800, true).map((u) => ({ ...u, trainWon: 1, trainLost: 0, holdWon: 0, holdLost: 0 }));
    const s = suggestFromUnits(stayed, { outcome: 'churn', current, holdoutFrom: null });
    expect(s.signal).toBe('none');
    expect(s.summary).toMatch(/^None of the 800 customers has a churn record/);
    expect(s.attributes.every((a) => a.iv === 0 && a.groups.every((g) => g.woe === 0))).toBe(true);
  });

  it('explains each criterion in a sentence with rates and n', () => {
    const s = suggest(planted(5, 3000, true));
    expect(s.proposal!.reasons.join('\n')).toMatch(/win \d+% vs \d+% elsewhere, n = [\d,]+\./);
    expect(s.proposal!.diff.length).toBeGreaterThan(0);
  });

  it('explains what it drops from the current ICP: no signal, no data, hand-written exclusions', () => {
    const s = suggest(planted(5, 3000, true));
    const why = s.proposal!.reasons.join('\n');
    // The planted data has revenue and country (noise), and none of the default ICP's growth or funding fields.
    expect(why).toMatch(/Dropped [^\n]*Annual revenue[^\n]*: win rates do not differ enough/);
    expect(why).toMatch(/Dropped [^\n]*Business model[^\n]*: your imported accounts carry no usable data for them/);
    expect(why).toContain('Sanctioned or embargoed country: a proposal keeps only exclusions your own deals support');
  });
});

describe('learning statistics', () => {
  it('controls the false-discovery rate with Benjamini–Hochberg', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.005]);
    expect(q.map((x) => Number(x.toFixed(4)))).toEqual([0.02, 0.04, 0.04, 0.02]);
  });

  it('tests groups with chi-square and ordered bins with a trend test', () => {
    expect(
      chiSquareGroups([
        { won: 30, lost: 70 },
        { won: 50, lost: 50 },
      ]).pValue,
    ).toBeCloseTo(0.0039, 3);
    const t = trendTest([
      { won: 10, lost: 90 },
      { won: 20, lost: 80 },
      { won: 30, lost: 70 },
    ]);
    expect(t.z).toBeGreaterThan(3);
  });

  it('computes AUC with ties counted half', () => {
    const a = aucOf([
      { score: 1, won: 1, lost: 0 },
      { score: 0, won: 0, lost: 1 },
      { score: 0.5, won: 1, lost: 1 },
    ])!;
    expect(a.auc).toBeCloseTo((1 + 1 + 1 + 0.5) / 4, 10);
  });
});
