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

  it('explains what it drops from the current ICP: criteria without signal or without data', () => {
    const s = suggest(planted(5, 3000, true));
    const why = s.proposal!.reasons.join('\n');
    // The planted data has revenue and country (noise), and none of the default ICP's growth or funding fields.
    expect(why).toMatch(/Dropped [^\n]*Annual revenue[^\n]*: win rates do not differ enough/);
    expect(why).toMatch(/Dropped [^\n]*Business model[^\n]*: your imported accounts carry no usable data for them/);
    expect(why).not.toMatch(/exclusion/i);
  });

  it('carries every current exclusion into the proposal unchanged, and lists none of them as a change', () => {
    const s = suggest(planted(5, 3000, true));
    const proposed = parseIcpYaml(s.proposal!.yaml);
    for (const e of current.spec.exclusions) {
      expect(proposed.exclusions.find((x) => x.id === e.id)).toEqual(e);
      expect(s.proposal!.diff.join('\n')).not.toContain(e.label);
      expect(s.proposal!.reasons.join('\n')).not.toContain(e.label);
    }
    expect(proposed.exclusions.map((e) => e.id).slice(0, current.spec.exclusions.length)).toEqual(
      current.spec.exclusions.map((e) => e.id),
    );
    // Scored under the proposal, an account in a sanctioned country is still not a fit.
    const r = compileIcp(proposed, 2).score({ industry: 'Software', employees: 300, country: 'Iran' });
    expect(r.tier).toBe('no_fit');
    expect(r.exclusions.map((e) => e.id)).toContain('sanctioned');
  });

  it('keeps an exclusion the data contradicts, and says so with the numbers', () => {
    const winners = ['Software', 'Fintech'];
    const spec = parseIcpYaml(readDefaultIcp());
    spec.exclusions.push(
      { id: 'top_sectors', label: 'Software and fintech', field: 'industry', in: winners, reason: 'Test.' },
      { id: 'schools', label: 'Schools', field: 'industry', in: ['Education'], reason: 'Test.' },
    );
    const units = planted(5, 3000, true);
    const s = suggestFromUnits(units, { outcome: 'win', current: { spec, version: 3 }, holdoutFrom: '2026-01-01' });
    expect(s.signal).toBe('found');
    const proposed = parseIcpYaml(s.proposal!.yaml);
    expect(proposed.exclusions.find((e) => e.id === 'top_sectors')).toEqual(spec.exclusions.at(-2));
    expect(proposed.exclusions.find((e) => e.id === 'schools')).toEqual(spec.exclusions.at(-1));
    let won = 0;
    let n = 0;
    let allWon = 0;
    let all = 0;
    for (const u of units) {
      const w = u.trainWon + u.holdWon;
      const d = w + u.trainLost + u.holdLost;
      allWon += w;
      all += d;
      if (winners.includes(String(u.facts.industry))) {
        won += w;
        n += d;
      }
    }
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const why = s.proposal!.reasons;
    expect(why).toContain(
      `Kept the exclusion Software and fintech, though your data contradicts it: the accounts it excludes win ${pct(won / n)} vs ${pct(allWon / all)} overall, n = ${n.toLocaleString('en-US')}; a proposal never removes an exclusion, so remove it by hand if it is not policy.`,
    );
    expect(why.join('\n')).not.toContain('Kept the exclusion Schools');
    expect(s.proposal!.diff.join('\n')).not.toMatch(/Software and fintech|Schools/);
  });

  it('names the proposal for what it is: the current name, how much data, and the day', () => {
    const units = planted(5, 3000, true);
    const s = suggestFromUnits(units, { outcome: 'win', current, holdoutFrom: '2026-01-01', today: '2026-12-07' });
    const n = units.reduce((a, u) => a + u.trainWon + u.trainLost + u.holdWon + u.holdLost, 0);
    const name = `${current.spec.name} — proposed from ${n.toLocaleString('en-US')} decided deals, 2026-12-07`;
    expect(s.proposal!.spec.name).toBe(name);
    const again = suggestFromUnits(units, {
      outcome: 'win',
      current: { spec: s.proposal!.spec, version: 2 },
      holdoutFrom: '2026-01-01',
      today: '2026-12-08',
    });
    expect(again.proposal!.spec.name).toBe(name.replace('12-07', '12-08'));
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
