import { describe, expect, it } from 'vitest';
import { buildDriftReport, type DriftAggregates, driftWindows, SEGMENTS, TIERS } from '../../src/drift/report.ts';
import { type DriftSeries, LOW_N_MONTH, withReportContext } from '../../src/drift/series.ts';
import { chartFontFiles, driftChartSpec, renderDriftChart, TIER_COLOURS } from '../../src/review/chart.ts';

const months = Array.from({ length: 12 }, (_, i) => {
  const d = new Date(Date.UTC(2025, 11 + i, 1));
  return d.toISOString().slice(0, 7);
});

function series(fill: (segment: string, i: number) => { won: number; decided: number; churned: number }): DriftSeries {
  const winRate = {} as DriftSeries['winRate'];
  const churn = {} as DriftSeries['churn'];
  for (const s of SEGMENTS) {
    winRate[s] = months.map((month, i) => {
      const { won, decided } = fill(s, i);
      return { month, won, decided, rate: decided > 0 ? won / decided : null, ci: null };
    });
    churn[s] = months.map((month, i) => ({ month, churned: fill(s, i).churned }));
  }
  return { months, winRate, churn };
}

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const full = series((s, i) => ({ won: 10 + i + s.length, decided: 50, churned: i % 3 }));
const empty = series(() => ({ won: 0, decided: 0, churned: 0 }));

describe('renderDriftChart', () => {
  it('renders a PNG of the requested size', async () => {
    const png = await renderDriftChart(full, { width: 900, height: 520 });
    expect(pngSize(png)).toEqual({ width: 900, height: 520 });
    expect(png.length).toBeGreaterThan(5_000);
  });

  it('defaults to 1200 × 700', async () => {
    expect(pngSize(await renderDriftChart(full))).toEqual({ width: 1200, height: 700 });
  });

  it('renders an empty series as a "no data" chart of the requested size', async () => {
    const spec = JSON.stringify(driftChartSpec(empty, 600, 300));
    expect(spec).toContain('No data');
    expect(pngSize(await renderDriftChart(empty, { width: 600, height: 300 }))).toEqual({ width: 600, height: 300 });
  });

  it('draws win rate by tier and churn in two panels when churn has data, one panel otherwise', () => {
    const both = driftChartSpec(full, 1200, 700) as { vconcat?: unknown[] };
    expect(both.vconcat).toHaveLength(2);
    const winsOnly = driftChartSpec(
      series((s, i) => ({ won: i + s.length, decided: 40, churned: 0 })),
      1200,
      700,
    ) as { vconcat?: unknown[]; mark?: unknown };
    expect(winsOnly.vconcat).toBeUndefined();
    expect(JSON.stringify(winsOnly)).toContain('Tier 1');
  });

  it('finds a font file for the labels (the Docker image installs fonts-dejavu-core)', () => {
    expect(chartFontFiles().length).toBeGreaterThan(0);
  });

  it('rejects a non-positive size', async () => {
    await expect(renderDriftChart(full, { width: 0, height: 10 })).rejects.toThrow(/positive/);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: walking a vega-lite spec whose union types are not worth spelling out
type Node = any;

/** Every view of a spec (concatenated panels, layers, nested layers) with the data it inherits. */
function views(node: Node, data?: Node): { view: Node; data: Node }[] {
  const own = node.data ?? data;
  const kids = [...(node.vconcat ?? []), ...(node.layer ?? [])];
  return [{ view: node, data: own }, ...kids.flatMap((k: Node) => views(k, own))];
}

const markType = (v: Node) => (typeof v.mark === 'string' ? v.mark : v.mark?.type);

function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

const asOf = '2026-11-30';
const windows = driftWindows(asOf);
const baselineRates = { tier1: 0.45, tier2: 0.35, tier3: 0.25, no_fit: 0.2 } as const;

/** A report whose baseline win rates are `baselineRates` (1,000 decided deals per tier) and churn 4% per 90 days. */
function report(withChurn: boolean) {
  const agg: DriftAggregates = {
    windows,
    icpVersion: 1,
    deals: TIERS.flatMap((segment) => [
      { segment, window: 'baseline' as const, won: baselineRates[segment] * 1000, decided: 1000 },
      { segment, window: 'recent' as const, won: 100, decided: 300 },
    ]).map((d) => ({
      ...d,
      cycleMedian: null,
      cycleN: 0,
      cycleAbove: 0,
      amountMedian: null,
      amountMean: null,
      amountN: 0,
      amountAbove: 0,
    })),
    churn: withChurn
      ? TIERS.flatMap((segment) => [
          { segment, window: 'baseline' as const, active: 800, customers: 250, churned: 32 },
          { segment, window: 'recent' as const, active: 200, customers: 200, churned: 8 },
        ])
      : [],
    churnEvents: withChurn ? 200 : 0,
  };
  return buildDriftReport(agg);
}

/** Tier 1 falls from 45% to 25% for the last three months; Tier 3 has months with 2 decided deals. */
const drop = series((s, i) => {
  const decided = s === 'tier3' && i % 4 === 0 ? 2 : 40;
  const rate = (baselineRates[s as keyof typeof baselineRates] ?? 0.3) - (s === 'tier1' && i >= 9 ? 0.2 : 0);
  return { won: Math.round(rate * decided), decided, churned: (i + s.length) % 3 };
});

describe('the drift chart answers "is Tier 1 still ahead, and since when not?"', () => {
  const annotated = withReportContext(drop, report(true));
  const spec = driftChartSpec(annotated, 1200, 700);
  const all = views(spec);

  it('gives each tier a colour-blind-safe colour of its own hue', () => {
    const colours = all.map((v) => v.view.encoding?.color?.scale?.range).find(Boolean) as string[];
    expect(colours.slice(0, 4)).toEqual(TIERS.map((t) => TIER_COLOURS[t]));
    const hues = colours.slice(0, 4).map(hue);
    for (let i = 0; i < hues.length; i++) {
      for (let j = i + 1; j < hues.length; j++) {
        const d = Math.abs(hues[i]! - hues[j]!);
        expect(Math.min(d, 360 - d)).toBeGreaterThanOrEqual(30);
      }
    }
  });

  it("draws each tier's baseline win rate from the report as a dashed rule", () => {
    const rules = all.filter((v) => markType(v.view) === 'rule' && v.view.encoding?.y?.field === 'level');
    const winRule = rules.find((r) => r.view.encoding.y.title === 'Win rate');
    expect(winRule?.view.mark.strokeDash).toBeDefined();
    expect(winRule?.data.values).toEqual([
      { tier: 'Tier 1', level: 0.45 },
      { tier: 'Tier 2', level: 0.35 },
      { tier: 'Tier 3', level: 0.25 },
      { tier: 'Not a fit', level: 0.2 },
    ]);
  });

  it('shades the months of the recent window', () => {
    expect(annotated.context?.recent).toEqual({ start: '2026-09-02', end: '2026-11-30' });
    const rects = all.filter((v) => markType(v.view) === 'rect');
    expect(rects.length).toBeGreaterThan(0);
    expect(rects[0]!.data.values).toEqual([{ label: 'Sep 26' }, { label: 'Oct 26' }, { label: 'Nov 26' }]);
  });

  it('sizes points by decided deals and takes months with too few deals off the line, hollow', () => {
    const wins = all.find((v) => v.view.data?.values?.[0]?.rate !== undefined)!;
    const low = wins.data.values.filter((r: Node) => r.lowN);
    expect(low.length).toBe(3);
    expect(low.every((r: Node) => r.tier === 'Tier 3' && r.n < LOW_N_MONTH)).toBe(true);
    const line = all.find((v) => markType(v.view) === 'line')!;
    expect(line.view.transform).toEqual([{ filter: '!datum.lowN' }]);
    const sized = all.find((v) => v.view.encoding?.size?.field === 'n');
    expect(sized?.view.mark.filled).toBe(true);
    const hollow = all.find((v) => markType(v.view) === 'point' && v.view.mark.filled === false)!;
    expect(hollow.view.transform).toEqual([{ filter: 'datum.lowN' }]);
    const interval = all.find((v) => v.view.encoding?.y2?.field === 'hi');
    expect(interval).toBeDefined();
  });

  it('splits churn by tier in a second panel, with each tier’s level before the recent window', () => {
    expect((spec as Node).vconcat).toHaveLength(2);
    const bars = views((spec as Node).vconcat[1]).find((v) => markType(v.view) === 'bar')!;
    expect(bars.view.encoding.xOffset.field).toBe('tier');
    expect(bars.view.encoding.color.field).toBe('tier');
    expect(new Set(bars.data.values.map((r: Node) => r.tier))).toEqual(
      new Set(['Tier 1', 'Tier 2', 'Tier 3', 'Not a fit', 'Unscored']),
    );
    const rule = views((spec as Node).vconcat[1]).find((v) => markType(v.view) === 'rule')!;
    // The recent window starts 2026-09-02: its level is the average of the nine months before September.
    const before = drop.churn.tier1.slice(0, 9);
    expect(before.at(-1)!.month).toBe('2026-08');
    expect(rule.data.values[0]).toEqual({
      tier: 'Tier 1',
      level: before.reduce((a, c) => a + c.churned, 0) / 9,
    });
  });

  it('draws the churn panel alone when the workspace has churn data but no deals', () => {
    const churnOnly = series((s, i) => ({ won: 0, decided: 0, churned: (i + s.length) % 4 }));
    const one = driftChartSpec(withReportContext(churnOnly, report(true)), 1200, 700) as Node;
    expect(one.vconcat).toBeUndefined();
    expect(views(one).some((v) => markType(v.view) === 'bar')).toBe(true);
    expect(views(one).some((v) => markType(v.view) === 'line')).toBe(false);
  });

  it('leaves the churn panel out when the workspace has no churn data', () => {
    const noChurn = series((s, i) => ({ won: i + s.length, decided: 40, churned: 0 }));
    const one = driftChartSpec(withReportContext(noChurn, report(false)), 1200, 700) as Node;
    expect(one.vconcat).toBeUndefined();
    expect(views(one).some((v) => markType(v.view) === 'bar')).toBe(false);
    expect(views(one).some((v) => markType(v.view) === 'rect')).toBe(true);
  });

  it('renders the annotated chart as a PNG of the requested size', async () => {
    const png = await renderDriftChart(annotated, { width: 1200, height: 700 });
    expect(pngSize(png)).toEqual({ width: 1200, height: 700 });
    expect(png.length).toBeGreaterThan(20_000);
    expect(png.length).toBeLessThan(1_000_000);
  });
});
