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
import { type DriftSeries, LOW_N_MONTH } from '../drift/series.ts';
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
type Tier = (typeof TIERS)[number];

/**
 * Okabe–Ito colours (distinguishable with the common colour-vision deficiencies): blue, bluish green,
 * orange, reddish purple, hues at least 35° apart, so Tier 1 and Tier 2 are never two greens.
 */
export const TIER_COLOURS: Record<Tier, string> = {
  tier1: '#0072B2',
  tier2: '#009E73',
  tier3: '#E69F00',
  no_fit: '#CC79A7',
};
const UNSCORED = { label: 'Unscored', colour: '#999999' };

interface WinRow {
  label: string;
  tier: string;
  rate: number;
  n: number;
  lo: number;
  hi: number;
  /** Fewer than LOW_N_MONTH decided deals: drawn hollow and faded, off the line (the text trend's '·'). */
  lowN: boolean;
}

function winRows(series: DriftSeries): WinRow[] {
  const rows: WinRow[] = [];
  for (const tier of TIERS) {
    for (const m of series.winRate[tier] ?? []) {
      if (m.rate === null || m.decided <= 0) continue;
      const [lo, hi] = m.ci ?? [m.rate, m.rate];
      rows.push({
        label: monthLabel(m.month),
        tier: tierLabels[tier],
        rate: m.rate,
        n: m.decided,
        lo,
        hi,
        lowN: m.decided < LOW_N_MONTH,
      });
    }
  }
  return rows;
}

/** Churned customers per month and tier; unscored accounts only when they churned at all. */
function churnRows(series: DriftSeries): { label: string; tier: string; churned: number }[] {
  const rows: { label: string; tier: string; churned: number }[] = [];
  for (const tier of TIERS) {
    for (const c of series.churn[tier] ?? [])
      rows.push({ label: monthLabel(c.month), tier: tierLabels[tier], churned: c.churned });
  }
  const unscored = series.churn.unscored ?? [];
  if (unscored.some((c) => c.churned > 0)) {
    for (const c of unscored) rows.push({ label: monthLabel(c.month), tier: UNSCORED.label, churned: c.churned });
  }
  return rows;
}

/** Baseline levels as rule rows: one per tier with a level. */
function levelRows(levels: Partial<Record<Tier, number | null>> | undefined): { tier: string; level: number }[] {
  return TIERS.flatMap((t) => {
    const v = levels?.[t];
    return v === null || v === undefined ? [] : [{ tier: tierLabels[t], level: v }];
  });
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 'Mar 26' for '2026-03' (no time zone involved: months are calendar labels). */
function monthLabel(month: string): string {
  const [y, m] = month.split('-');
  return `${MONTH_NAMES[Number(m) - 1] ?? m} ${y?.slice(2) ?? ''}`;
}

/**
 * Each tier's churned customers per month before the recent window (the months of the series that end
 * before its first day): the level the recent months' bars are read against, on the bars' own scale.
 */
function churnLevels(series: DriftSeries): Partial<Record<Tier, number | null>> | undefined {
  const recent = series.context?.recent;
  if (!recent) return undefined;
  const before = new Set(series.months.filter((m) => m < recent.start.slice(0, 7)));
  if (before.size === 0) return undefined;
  const out: Partial<Record<Tier, number | null>> = {};
  for (const t of TIERS) {
    const bars = (series.churn[t] ?? []).filter((c) => before.has(c.month));
    out[t] = bars.reduce((a, c) => a + c.churned, 0) / before.size;
  }
  return out;
}

/** Months of the series that overlap the recent window (its first day's month to the last month). */
function recentMonths(series: DriftSeries): string[] {
  const recent = series.context?.recent;
  if (!recent) return [];
  const from = recent.start.slice(0, 7);
  const to = recent.end.slice(0, 7);
  return series.months.filter((m) => m >= from && m <= to).map(monthLabel);
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * The vega-lite spec; exported for tests and for anyone who wants the chart elsewhere. It answers "is
 * Tier 1 still winning more than non-fit, and since when did that change?": one colour per tier, each
 * tier's baseline win rate as a dashed rule, the recent window shaded, points sized by decided deals with
 * their 95% Wilson interval, and months with too few deals hollow and off the line. Churned customers per
 * month by tier (grouped bars, the months before the recent window's average dashed) form a second panel
 * when the workspace has churn data, the only one when it has no deals.
 */
export function driftChartSpec(series: DriftSeries, width: number, height: number): vegaLite.TopLevelSpec {
  const wins = winRows(series);
  const churn = churnRows(series);
  const hasChurn = series.context?.hasChurnData ?? (series.churn.all ?? []).some((c) => c.churned > 0);
  const config = {
    font: FONT_STACK,
    background: 'white',
    view: { stroke: null },
    axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
    // Same width for both panels' y axes, so their months line up.
    axisY: { minExtent: 36 },
    legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom' as const },
    title: { fontSize: 15, anchor: 'start' as const, subtitleFontSize: 11, subtitleColor: '#555' },
  };
  const pad = 16;
  const inner = Math.max(120, width - 2 * pad - 70);
  if (wins.length === 0 && !hasChurn) {
    return {
      $schema: SCHEMA,
      width: Math.max(100, width - 2 * pad),
      height: Math.max(60, height - 2 * pad),
      padding: pad,
      config,
      data: { values: [{ text: 'No data: no decided deals or churn in the last 12 months' }] },
      mark: { type: 'text', fontSize: 16, color: '#555' },
      encoding: { text: { field: 'text', type: 'nominal' } },
    };
  }
  const labels = series.months.map(monthLabel);
  const tierNames = [
    ...TIERS.map((t) => tierLabels[t]),
    ...(churn.some((r) => r.tier === UNSCORED.label) ? [UNSCORED.label] : []),
  ];
  const colour = {
    field: 'tier',
    type: 'nominal' as const,
    title: null,
    sort: tierNames,
    scale: {
      domain: tierNames,
      range: [...TIERS.map((t) => TIER_COLOURS[t]), UNSCORED.colour].slice(0, tierNames.length),
    },
  };
  // Months as ordered bands (no time zone can shift a month); marks sit in the middle of their band, and a
  // band without padding lets the shaded recent window read as one block.
  const x = {
    field: 'label',
    type: 'ordinal' as const,
    sort: labels,
    scale: { type: 'band' as const, domain: labels, paddingInner: 0, paddingOuter: 0 },
    axis: { title: null, labelAngle: 0 },
  };
  const xMid = { ...x, bandPosition: 0.5 };
  const shaded = recentMonths(series);
  const recent = series.context?.recent;
  const recentLayer = shaded.length
    ? [
        {
          data: { values: shaded.map((label) => ({ label })) },
          mark: { type: 'rect' as const, color: '#000000', opacity: 0.07 },
          encoding: { x },
        },
      ]
    : [];
  const subtitle = [
    `${series.context ? "Dashed: each tier's baseline win rate. " : ''}Point size: decided deals; bars: 95% interval.`,
    `Hollow, off the line: fewer than ${LOW_N_MONTH} decided deals.${recent ? ` Shaded: the recent window, ${recent.start} to ${recent.end}.` : ''}`,
  ];
  const y = {
    field: 'rate',
    type: 'quantitative' as const,
    title: 'Win rate',
    axis: { format: '.0%' },
    scale: { domain: [0, 1] },
  };
  const winPanelHeight = hasChurn ? Math.max(80, Math.round((height - 2 * pad - 150) * 0.64)) : height - 2 * pad - 130;
  const winPanel = {
    title: { text: 'Win rate by tier per month', subtitle },
    width: inner,
    height: Math.max(80, winPanelHeight),
    layer: [
      ...recentLayer,
      {
        data: { values: levelRows(series.context?.baselineWinRate) },
        mark: { type: 'rule' as const, strokeDash: [6, 4], strokeWidth: 1.5, opacity: 0.9 },
        encoding: { y: { ...y, field: 'level' }, color: colour },
      },
      {
        data: { values: wins },
        layer: [
          {
            transform: [{ filter: '!datum.lowN' }],
            mark: { type: 'rule' as const, strokeWidth: 1.5, opacity: 0.35 },
            encoding: { x: xMid, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color: colour },
          },
          {
            transform: [{ filter: '!datum.lowN' }],
            mark: { type: 'line' as const, strokeWidth: 2 },
            encoding: { x: xMid, y, color: colour },
          },
          {
            mark: { type: 'point' as const, filled: true, opacity: 1 },
            transform: [{ filter: '!datum.lowN' }],
            encoding: {
              x: xMid,
              y,
              color: colour,
              size: { field: 'n', type: 'quantitative' as const, title: 'Decided deals', scale: { range: [12, 260] } },
              tooltip: [{ field: 'n', type: 'quantitative' as const }],
            },
          },
          {
            mark: { type: 'point' as const, filled: false, opacity: 0.45, size: 40, strokeWidth: 1.5 },
            transform: [{ filter: 'datum.lowN' }],
            encoding: { x: xMid, y, color: colour, tooltip: [{ field: 'n', type: 'quantitative' as const }] },
          },
        ],
      },
    ],
  };
  if (!hasChurn) {
    return { $schema: SCHEMA, padding: pad, config, ...winPanel } as vegaLite.TopLevelSpec;
  }
  const churnLevel = churnLevels(series);
  const churnY = { field: 'churned', type: 'quantitative' as const, title: 'Churned', axis: { tickMinStep: 1 } };
  const churnPanel = {
    title: {
      text: 'Churned customers per month, by tier',
      subtitle: churnLevel ? "Dashed: the tier's monthly average before the recent window." : '',
    },
    width: inner,
    height: Math.max(50, height - 2 * pad - 190 - winPanelHeight),
    layer: [
      ...recentLayer,
      {
        data: { values: churn },
        mark: { type: 'bar' as const },
        encoding: {
          x,
          xOffset: { field: 'tier', type: 'nominal' as const, sort: tierNames, scale: { paddingOuter: 0.8 } },
          y: churnY,
          color: colour,
        },
      },
      {
        data: { values: levelRows(churnLevel) },
        mark: { type: 'rule' as const, strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { ...churnY, field: 'level' }, color: colour },
      },
    ],
  };
  // Churn data and no deal: the churn panel alone, at the full height.
  if (wins.length === 0) {
    return {
      $schema: SCHEMA,
      padding: pad,
      config,
      ...churnPanel,
      height: Math.max(80, height - 2 * pad - 110),
    } as vegaLite.TopLevelSpec;
  }
  return {
    $schema: SCHEMA,
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
