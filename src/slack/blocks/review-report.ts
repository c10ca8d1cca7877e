/**
 * The drift report as people read it: signal tables (Slack and terminal), the full Details message and the
 * monthly win-rate trend. Pure: a DriftReport in, text and blocks out.
 */
import { churnDefinition, NO_CHURN_DATA, thresholdsLegend } from '../../drift/notes.ts';
import type { DriftReport, MetricComparison, MetricName, Segment } from '../../drift/report.ts';
import { LOW_N_MONTH } from '../../drift/series.ts';
import { capitalise, formatP } from '../../drift/wording.ts';
import { escapeMrkdwn, formatNumber, truncate } from '../mrkdwn.ts';
import { context, divider, header, LIMITS, section, sections } from './kit.ts';
import type { Block, Message } from './types.ts';

/** Monthly win rates per segment (db/queries/drift.ts getDriftSeries; only what the trend reads). */
export interface TrendSeries {
  months: readonly string[];
  winRate: Partial<Record<Segment, readonly { month: string; decided: number; rate: number | null }[]>>;
}

const segmentNames: Record<Segment, string> = {
  tier1: 'Tier 1',
  tier2: 'Tier 2',
  tier3: 'Tier 3',
  no_fit: 'Not a fit',
  fit: 'ICP fit (T1-2)',
  non_fit: 'Non-fit',
  all: 'Overall',
  unscored: 'Unscored or tier unknown',
};

const metricTitles: Record<MetricName, string> = {
  winRate: 'Win rate',
  churnRate: 'Churn rate',
  salesCycleDays: 'Sales cycle (median days, won)',
  dealSize: 'Deal size (median won amount)',
};

const signalName = (key: string): string => {
  if (key === 'lift') return 'ICP lift';
  if (key === 'outsideIcpShare') return 'share of wins from outside the ICP';
  const [seg, metric] = key.split('.') as [Segment, MetricName];
  const m = metricTitles[metric]?.replace(/ \(.*\)$/, '').toLowerCase() ?? metric;
  return `${segmentNames[seg] ?? seg} ${m}`;
};

/** The comparison behind a signal key ('tier1.winRate', 'lift', 'outsideIcpShare'). */
function signalMetric(report: DriftReport, key: string): MetricComparison | undefined {
  if (key === 'lift') return report.lift;
  if (key === 'outsideIcpShare') return report.outsideIcpShare;
  const [seg, metric] = key.split('.') as [Segment, MetricName];
  return report.segments[seg]?.[metric];
}

/** Plain words for the drifting signals, e.g. "Tier 1 win rate, ICP lift"; only one direction if asked. */
export function signalList(report: DriftReport, direction?: 'better' | 'worse'): string {
  return report.signals
    .filter((k) => !direction || signalMetric(report, k)?.direction === direction)
    .map(signalName)
    .join(', ');
}

const TABLE_SEGMENTS: Segment[] = ['tier1', 'tier2', 'tier3', 'no_fit', 'fit', 'non_fit', 'all'];

function fmtValue(m: MetricComparison, v: number | null): string {
  if (v === null) return '–';
  switch (m.unit) {
    case 'points':
      return `${(v * 100).toFixed(1)}%`;
    case 'days':
      return `${formatNumber(v, { decimals: 0 })} d`;
    case 'amount':
      return formatNumber(v, { compact: true, decimals: 1 });
    case 'ratio':
      return `${v.toFixed(2)}×`;
  }
}

function fmtChange(m: MetricComparison): string {
  if (m.change === null) return '–';
  const sign = m.change > 0 ? '+' : m.change < 0 ? '−' : '±';
  const a = Math.abs(m.change);
  switch (m.unit) {
    case 'points':
      return `${sign}${a.toFixed(1)} pts`;
    case 'days':
      return `${sign}${formatNumber(a, { decimals: 0 })} d`;
    case 'amount': {
      const base = m.baseline.value;
      return base
        ? `${sign}${Math.round((a / Math.abs(base)) * 100)}%`
        : `${sign}${formatNumber(a, { compact: true })}`;
    }
    case 'ratio':
      return `${sign}${a.toFixed(2)}`;
  }
}

/** What a row says, in the table's last column: the same verdict as its note in Details. */
function marker(m: MetricComparison, min: number): string {
  const p = m.adjustedP === undefined ? '' : ` ${formatP(m.adjustedP, m.familyAlpha)}`;
  switch (m.verdict) {
    case 'drift_down':
    case 'drift_up': {
      const arrow = m.verdict === 'drift_down' ? '▼' : '▲';
      return `${arrow} drift (${m.direction === 'better' ? 'good news' : 'worse'})${p}`;
    }
    case 'stable':
      return `· no drift detected${p}`;
    case 'no_data':
      return 'no churn data';
    case 'descriptive': {
      const same = /the same accounts as ([^,]+),/.exec(m.note)?.[1];
      return same ? `(= ${same}, not tested)` : '(roll-up, not tested)';
    }
    case 'not_enough_data': {
      // The note names what is short: days of data in a window, or the group below the minimum n.
      const days = /Only (\d+) of the (\d+) days/.exec(m.note);
      if (days) return `not enough data (${days[1]} of ${days[2]} days)`;
      const fromNote = /n=(\d+) < \d+/.exec(m.note)?.[1];
      const n = fromNote ?? Math.min(m.recent.n, m.baseline.n);
      return `not enough data (n=${n} < ${min})`;
    }
  }
}

const pad = (s: string, w: number) => (s.length >= w ? s : s + ' '.repeat(w - s.length));

type TableRow = { label: string; m: MetricComparison };

/** The rows of one signal table as aligned plain text (header first). Shared by Slack and the CLI. */
function tableText(rows: TableRow[], min: number): string {
  const head = ['Segment', 'Recent', 'Baseline', 'Change', 'n (rec/base)', 'Signal'];
  const body = rows.map((r) => {
    const nd = r.m.verdict === 'not_enough_data' || r.m.verdict === 'no_data';
    return [
      r.label,
      fmtValue(r.m, r.m.recent.value),
      fmtValue(r.m, r.m.baseline.value),
      nd ? '–' : fmtChange(r.m),
      `${r.m.recent.n}/${r.m.baseline.n}`,
      marker(r.m, min),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [head, ...body].map(line).join('\n');
}

type Table = { title: string; rows: TableRow[]; empty?: string };

/**
 * The tables of a report: one per metric by tier and fit vs non-fit, then ICP lift and outside share.
 * Churn with no churn data is one line, not a table of zeros.
 */
function reportTables(report: DriftReport): Table[] {
  const w = report.windows.windowDays;
  const out: Table[] = (['winRate', 'churnRate', 'salesCycleDays', 'dealSize'] as const).map((metric) => ({
    title: metric === 'churnRate' ? `Churn rate (per ${w} days; n = customers)` : metricTitles[metric],
    rows: TABLE_SEGMENTS.map((s) => ({ label: segmentNames[s], m: report.segments[s][metric] })),
    ...(metric === 'churnRate' && !report.hasChurnData ? { empty: NO_CHURN_DATA } : {}),
  }));
  out.push({
    title: 'ICP signals',
    rows: [
      { label: 'ICP lift', m: report.lift },
      { label: 'Wins outside ICP', m: report.outsideIcpShare },
    ],
  });
  // A metric with no data in either window says nothing: leave its table out (the summary says why).
  const deals = out.some((t) => !t.empty && t.rows.some((r) => r.m.recent.n + r.m.baseline.n > 0));
  return out.filter((t) => (t.empty ? deals : t.rows.some((r) => r.m.recent.n + r.m.baseline.n > 0)));
}

const NO_DATA =
  'No decided deals or churn events in these windows yet. Import them (`icp import deals|churn <file.csv>`) and rescore accounts to see drift by tier.';

/** The legend every rendering ends with: what a drift is, what the p-values are. */
export function legend(report: DriftReport): string {
  return `${capitalise(thresholdsLegend(report.thresholds))}; p-values are corrected for the comparisons in the report; roll-ups (ICP fit, Non-fit, Overall) are described, not tested.`;
}

/** "2016-10-03 to 2017-10-02 (365 days; 30 with data)" for a window, from its metrics' coverage. */
function windowLabel(range: { start: string; end: string }, days: number, covered?: { days: number }): string {
  const partial =
    covered && covered.days === 0
      ? '; no data'
      : covered && covered.days < days
        ? `; only ${covered.days} with data`
        : '';
  return `${range.start} to ${range.end} (${days} days${partial})`;
}

/** Which days each window holds (both ends included) and how many of them the data covers. */
export function windowsText(report: DriftReport): string {
  const w = report.windows;
  const cov = report.segments.all.winRate;
  const churn = report.hasChurnData
    ? ` · churn baseline ${w.churnBaseline.start} to ${w.churnBaseline.end} (${w.churnBaseline.periods} × ${w.windowDays} = ${w.churnBaseline.days} days) · ${report.churnDefinition ?? churnDefinition(w.windowDays)}`
    : '';
  const bad =
    report.negativeCycles > 0
      ? ` · ${report.negativeCycles} won deal${report.negativeCycles === 1 ? '' : 's'} closing before ${report.negativeCycles === 1 ? 'its' : 'their'} create date left out of the sales cycle`
      : '';
  return `As of ${w.asOf} (included): last ${w.windowDays} days ${windowLabel(w.recent, w.windowDays, cov.recent.coverage)} vs baseline ${windowLabel(w.baseline, w.baselineDays, cov.baseline.coverage)}${churn} · ICP version ${report.icpVersion ?? '–'} · at least n=${report.thresholds.minSample} per group${bad} · ${legend(report)}`;
}

/** The report as plain text for a terminal: the summary, then the tables. */
export function driftReportText(report: DriftReport): string {
  const min = report.thresholds.minSample;
  const tables = reportTables(report);
  return [
    `ICP drift report. ${windowsText(report)}`,
    '',
    ...report.summary,
    '',
    ...(tables.length === 0 ? [NO_DATA, ''] : []),
    ...tables.flatMap((t) => [t.title, t.empty ?? tableText(t.rows, min), '']),
  ].join('\n');
}

/** The signal tables as preformatted (monospace) sections, one per metric plus the ICP signals. */
export function signalTables(report: DriftReport): Block[] {
  const min = report.thresholds.minSample;
  const tables = reportTables(report);
  if (tables.length === 0) return [section(NO_DATA)];
  return tables.map((t) =>
    section(
      t.empty
        ? `*${escapeMrkdwn(t.title)}*: ${escapeMrkdwn(t.empty)}`
        : `*${escapeMrkdwn(t.title)}*\n\`\`\`${escapeMrkdwn(tableText(t.rows, min))}\`\`\``,
    ),
  );
}

const SPARKS = '▁▂▃▄▅▆▇█';
/** A month with fewer decided deals than this shows as '·' in the trend, not as a bar (the chart's rule too). */
export const TREND_MIN_DECIDED = LOW_N_MONTH;

/**
 * Win rate per close month as one text sparkline per tier: the chart's trend in a message that cannot
 * carry an image. Bars are on a fixed 0–100% scale (a stretched scale would make noise look like a
 * trend), and a month with too few decided deals is a '·', not a bar. Null when no tier has any deal.
 */
export function winRateTrend(series: TrendSeries, minDecided = TREND_MIN_DECIDED): string | null {
  const lines: string[] = [];
  for (const seg of ['tier1', 'tier2', 'tier3', 'no_fit'] as const) {
    const points = series.winRate[seg] ?? [];
    const n = points.reduce((a, p) => a + p.decided, 0);
    if (n === 0) continue;
    const spark = points
      .map((p) => (p.rate === null || p.decided < minDecided ? '·' : SPARKS[Math.min(7, Math.floor(p.rate * 8))]))
      .join('');
    const last = [...points].reverse().find((p) => p.rate !== null && p.decided >= minDecided);
    const latest = last
      ? `${escapeMrkdwn(last.month)}: ${Math.round((last.rate ?? 0) * 100)}% of ${formatNumber(last.decided)}`
      : 'not enough data in any month';
    lines.push(`*${segmentNames[seg]}* \`${spark}\` ${latest} · ${formatNumber(n)} decided`);
  }
  if (lines.length === 0) return null;
  const first = series.months[0] ?? '';
  const lastMonth = series.months[series.months.length - 1] ?? '';
  return [
    `*Win rate by close month*, ${escapeMrkdwn(first)} to ${escapeMrkdwn(lastMonth)} (bar height: 0–100%; · fewer than ${minDecided} decided deals)`,
    ...lines,
  ].join('\n');
}

const verdictIcon: Record<MetricComparison['verdict'], string> = {
  drift_down: ':small_red_triangle_down:',
  drift_up: ':small_red_triangle:',
  stable: ':white_small_square:',
  not_enough_data: ':grey_question:',
  no_data: ':grey_question:',
  descriptive: ':heavy_minus_sign:',
};

const testNames = { fisher: "Fisher's exact test", z: 'z-test' } as const;

/** The full report (Details button): every comparison in words with n, p and the 95% intervals. */
export function driftDetailsMessage(report: DriftReport): Message {
  const ci = (m: MetricComparison) => {
    const f = (x: MetricComparison['recent']) => (x.ci ? `${fmtValue(m, x.ci[0])}–${fmtValue(m, x.ci[1])}` : null);
    const r = f(m.recent);
    const b = f(m.baseline);
    return r && b ? ` _95% CI recent ${r}, baseline ${b}_` : '';
  };
  const lines: string[] = [];
  for (const s of [...TABLE_SEGMENTS, 'unscored'] as Segment[]) {
    lines.push(`*${segmentNames[s]}*`);
    for (const metric of ['winRate', 'churnRate', 'salesCycleDays', 'dealSize'] as const) {
      const m = report.segments[s][metric];
      if (metric === 'churnRate' && !report.hasChurnData && s !== 'tier1') continue;
      const how = m.test ? ` _${testNames[m.test]}_` : '';
      lines.push(
        `${verdictIcon[m.verdict]} ${escapeMrkdwn(m.note)}${m.unit === 'points' && m.verdict !== 'no_data' ? escapeMrkdwn(ci(m)) : ''}${how}`,
      );
    }
  }
  lines.push('*ICP*');
  for (const m of [report.lift, report.outsideIcpShare])
    lines.push(`${verdictIcon[m.verdict]} ${escapeMrkdwn(m.note)}${m.test ? ` _${testNames[m.test]}_` : ''}`);
  const blocks: Block[] = [
    header(`ICP drift report as of ${report.windows.asOf}`),
    section(report.summary.map(escapeMrkdwn).join(' ') || '-'),
    context(escapeMrkdwn(windowsText(report))),
    divider(),
    ...sections(lines, 40),
  ];
  const text = truncate(`ICP drift report as of ${report.windows.asOf}: ${report.summary.join(' ')}`, LIMITS.text);
  // Keep within the aggregate text budget: drop the last sections if a report is unusually wordy.
  while (blocks.length > 4 && JSON.stringify(blocks).length > LIMITS.messageBlocksText - 500) blocks.pop();
  return { text, blocks };
}
