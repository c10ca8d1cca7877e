/**
 * The drift chart for a reminder: win rate by tier per month over the last 12 months, with churned
 * customers per month in a second panel. Rendered on the server without a browser:
 * vega-lite spec → vega View (renderer 'none') → SVG → @resvg/resvg-js PNG.
 *
 * resvg draws text only with fonts it can load. We pass known font files (Debian's fonts-dejavu-core,
 * which the Dockerfile installs, and the usual paths on other systems) and also let it scan the system
 * fonts, so the chart has labels on a fresh Debian machine, in the image and on a laptop.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { DriftSeries } from '../drift/series.ts';
import { tierLabels } from '../icp/types.ts';

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', // Debian / Ubuntu: fonts-dejavu-core
  '/usr/share/fonts/dejavu/DejaVuSans.ttf', // Fedora, Alpine (font-dejavu)
  '/usr/share/fonts/TTF/DejaVuSans.ttf', // Arch
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation/LiberationSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf', // macOS
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

const FONT_STACK = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

let fontFilesCache: string[] | undefined;

/** Font files found on this machine that the chart hands to resvg (empty: only system fonts are scanned). */
export function chartFontFiles(): string[] {
  fontFilesCache ??= FONT_CANDIDATES.filter((p) => existsSync(p));
  return fontFilesCache;
}

const TIERS = ['tier1', 'tier2', 'tier3', 'no_fit'] as const;

interface WinRow {
  month: string;
  label: string;
  tier: string;
  rate: number;
  n: number;
}

function winRows(series: DriftSeries): WinRow[] {
  const rows: WinRow[] = [];
  for (const tier of TIERS) {
    for (const m of series.winRate[tier] ?? []) {
      if (m.rate !== null && m.decided > 0) {
        rows.push({ month: m.month, label: monthLabel(m.month), tier: tierLabels[tier], rate: m.rate, n: m.decided });
      }
    }
  }
  return rows;
}

function churnRows(series: DriftSeries): { month: string; label: string; churned: number }[] {
  return (series.churn.all ?? []).map((c) => ({ month: c.month, label: monthLabel(c.month), churned: c.churned }));
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 'Mar 26' for '2026-03' (no time zone involved: months are calendar labels). */
function monthLabel(month: string): string {
  const [y, m] = month.split('-');
  return `${MONTH_NAMES[Number(m) - 1] ?? m} ${y?.slice(2) ?? ''}`;
}

/** The vega-lite spec; exported for tests and for anyone who wants the chart elsewhere. */
export function driftChartSpec(series: DriftSeries, width: number, height: number): vegaLite.TopLevelSpec {
  const wins = winRows(series);
  const churn = churnRows(series);
  const hasChurn = churn.some((c) => c.churned > 0);
  const config = {
    font: FONT_STACK,
    background: 'white',
    view: { stroke: null },
    axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
    legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom' as const },
    title: { fontSize: 15, anchor: 'start' as const },
  };
  const pad = 16;
  const inner = Math.max(120, width - 2 * pad - 70);
  if (wins.length === 0 && !hasChurn) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: Math.max(100, width - 2 * pad),
      height: Math.max(60, height - 2 * pad),
      padding: pad,
      config,
      data: { values: [{ text: 'No data: no decided deals or churn in the last 12 months' }] },
      mark: { type: 'text', fontSize: 16, color: '#555' },
      encoding: { text: { field: 'text', type: 'nominal' } },
    };
  }
  // Months as ordered labels, so both panels share the same bands and no time zone shifts a month.
  const x = {
    field: 'label',
    type: 'ordinal' as const,
    sort: series.months.map(monthLabel),
    scale: { domain: series.months.map(monthLabel) },
    axis: { title: null, labelAngle: 0 },
  };
  const winPanelHeight = hasChurn ? Math.max(80, Math.round((height - 2 * pad - 120) * 0.68)) : height - 2 * pad - 90;
  const winPanel = {
    title: 'Win rate by tier per month',
    width: inner,
    height: Math.max(80, winPanelHeight),
    data: { values: wins },
    mark: { type: 'line' as const, point: true, strokeWidth: 2 },
    encoding: {
      x,
      y: {
        field: 'rate',
        type: 'quantitative' as const,
        title: 'Win rate',
        axis: { format: '.0%' },
        scale: { domain: [0, 1] },
      },
      color: {
        field: 'tier',
        type: 'nominal' as const,
        title: null,
        sort: TIERS.map((t) => tierLabels[t]),
        scale: { domain: TIERS.map((t) => tierLabels[t]), range: ['#1b7837', '#5aae61', '#f1a340', '#b2182b'] },
      },
      tooltip: [{ field: 'n', type: 'quantitative' as const }],
    },
  };
  if (!hasChurn) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      padding: pad,
      config,
      ...winPanel,
    } as vegaLite.TopLevelSpec;
  }
  const churnPanel = {
    title: 'Churned customers per month',
    width: inner,
    height: Math.max(50, height - 2 * pad - 150 - winPanelHeight),
    data: { values: churn },
    mark: { type: 'bar' as const, color: '#762a83', width: { band: 0.6 } },
    encoding: {
      x,
      y: { field: 'churned', type: 'quantitative' as const, title: 'Churned', axis: { tickMinStep: 1 } },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    padding: pad,
    config,
    vconcat: [winPanel, churnPanel],
    spacing: 24,
  } as vegaLite.TopLevelSpec;
}

/**
 * Forces the SVG to exactly width × height (vega sizes concatenated views from their content): the
 * drawing keeps its aspect ratio and is centred on a white page.
 */
function fitSvg(svg: string, width: number, height: number): string {
  const open = svg.match(/<svg\b[^>]*>/);
  if (!open) throw new Error('vega produced no <svg> element');
  const tag = open[0];
  const w = Number(tag.match(/\swidth="([\d.]+)"/)?.[1] ?? width);
  const h = Number(tag.match(/\sheight="([\d.]+)"/)?.[1] ?? height);
  const viewBox = tag.match(/\sviewBox="([^"]+)"/)?.[1] ?? `0 0 ${w} ${h}`;
  const body = svg.slice(open.index! + tag.length).replace(/<\/svg>\s*$/, '');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<svg width="${width}" height="${height}" viewBox="${viewBox}" preserveAspectRatio="xMidYMid meet">${body}</svg></svg>`
  );
}

/**
 * Renders the drift chart as a PNG of exactly `width` × `height` pixels (default 1200 × 700). An empty
 * series gives a "No data" chart rather than an error.
 */
export async function renderDriftChart(
  series: DriftSeries,
  opts: { width?: number; height?: number } = {},
): Promise<Buffer> {
  const width = Math.round(opts.width ?? 1200);
  const height = Math.round(opts.height ?? 700);
  if (!(width > 0 && height > 0)) throw new Error(`chart size must be positive (got ${width}×${height})`);
  const { spec } = vegaLite.compile(driftChartSpec(series, width, height));
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const fontFiles = chartFontFiles();
    const resvg = new Resvg(fitSvg(svg, width, height), {
      fitTo: { mode: 'original' },
      background: 'white',
      font: {
        fontFiles,
        loadSystemFonts: true,
        defaultFontFamily: fontFiles.some((f) => /DejaVu/.test(f)) ? 'DejaVu Sans' : 'Arial',
        sansSerifFamily: fontFiles.some((f) => /DejaVu/.test(f)) ? 'DejaVu Sans' : 'Arial',
      },
    });
    return resvg.render().asPng();
  } finally {
    view.finalize();
  }
}
