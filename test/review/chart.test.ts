import { describe, expect, it } from 'vitest';
import { SEGMENTS } from '../../src/drift/report.ts';
import type { DriftSeries } from '../../src/drift/series.ts';
import { chartFontFiles, driftChartSpec, renderDriftChart } from '../../src/review/chart.ts';

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
