/**
 * Pure Block Kit builders for ICP review reminders, the full drift report, review history, the
 * "mark reviewed" and settings modals, and the App Home review section. Data in, JSON out: no
 * Slack client, no database, so every surface is validated against the Block Kit schema in tests.
 */
import type { DriftReport, MetricComparison, MetricName, Segment } from '../../drift/report.ts';
import type { ReviewStatus } from '../../review/due.ts';
import { escapeMrkdwn, formatNumber, plain, truncate } from '../mrkdwn.ts';
import { wrongTierReasons } from './modals.ts';
import type { Block, Message, ModalView } from './types.ts';

export const ReviewActionIds = {
  markReviewed: 'icp_mark_reviewed_action',
  snooze: 'icp_snooze_action',
  details: 'icp_review_details_action',
  /** App Home: the drift report in a modal. */
  homeReport: 'icp_home_report_action',
  /** App Home (owners): the reminder settings modal. */
  homeSettings: 'icp_home_settings_action',
} as const;

export const ReviewCallbackIds = {
  markReviewed: 'icp_mark_reviewed_modal',
  settings: 'icp_review_settings_modal',
} as const;

/** Block and action ids of the modal inputs, shared by builders and parsers. */
export const ReviewInputIds = {
  note: { block: 'review_note_block', action: 'review_note_input' },
  changed: { block: 'review_changed_block', action: 'review_changed_input' },
  channel: { block: 'settings_channel_block', action: 'settings_channel_input' },
  time: { block: 'settings_time_block', action: 'settings_time_input' },
  timezone: { block: 'settings_timezone_block', action: 'settings_timezone_input' },
} as const;

export type ReminderKind = 'due' | 'drift' | 'manual';

export interface FeedbackGroup {
  reason: string;
  n: number;
  companies: (string | null)[];
}

/** Monthly win rates per segment (db/queries/drift.ts getDriftSeries; only what the trend reads). */
export interface TrendSeries {
  months: readonly string[];
  winRate: Partial<Record<Segment, readonly { month: string; decided: number; rate: number | null }[]>>;
}

export interface ReminderData {
  kind: ReminderKind;
  icp: { name: string; version: number; owners: readonly string[]; reviewEvery: string };
  status: ReviewStatus;
  report: DriftReport;
  feedback: { since: Date; groups: FeedbackGroup[] };
  /** Set once the reminder was handled: replaces the buttons with who reviewed it and when. */
  reviewed?: { by: string; at: Date };
  /** Show the buttons (default true). */
  interactive?: boolean;
  /** Monthly win rates to show as a text trend (`/icp-review`, where no chart image can be attached). */
  trend?: TrendSeries;
}

const day = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
/** A mention for a real user id; anything else is shown escaped, never as a forged mention. */
export const mention = (id: string) => (USER_ID.test(id) ? `<@${id}>` : escapeMrkdwn(id));

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

/** Plain words for the signals behind a drift alarm, e.g. "Tier 1 win rate, ICP lift". */
export function signalList(report: DriftReport): string {
  return report.signals.map(signalName).join(', ');
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

/** The significance marker: ▼/▲ for drift (‼ when it survives the report-wide correction). */
function marker(m: MetricComparison, min: number, signal: boolean): string {
  const p =
    m.pValue === undefined ? '' : m.pValue < 0.001 ? ' p<.001' : ` p=${m.pValue.toFixed(m.pValue < 0.01 ? 3 : 2)}`;
  switch (m.verdict) {
    case 'drift_down':
      return `▼ drift${signal ? ' ‼' : ''}${p}`;
    case 'drift_up':
      return `▲ drift${signal ? ' ‼' : ''}${p}`;
    case 'stable':
      return `· stable${p}`;
    case 'not_enough_data': {
      // The report's note names the group that is short (for lift: the smallest of four groups).
      const fromNote = /n=(\d+) < \d+/.exec(m.note)?.[1];
      const n = fromNote ?? Math.min(m.recent.n, m.baseline.n);
      return `not enough data (n=${n} < ${min})`;
    }
  }
}

const pad = (s: string, w: number) => (s.length >= w ? s : s + ' '.repeat(w - s.length));

type TableRow = { label: string; m: MetricComparison; signal: boolean };

/** The rows of one signal table as aligned plain text (header first). Shared by Slack and the CLI. */
function tableText(rows: TableRow[], min: number): string {
  const head = ['Segment', 'Recent', 'Baseline', 'Change', 'n (rec/base)', 'Signal'];
  const body = rows.map((r) => {
    const nd = r.m.verdict === 'not_enough_data';
    return [
      r.label,
      fmtValue(r.m, r.m.recent.value),
      fmtValue(r.m, r.m.baseline.value),
      nd ? '–' : fmtChange(r.m),
      `${r.m.recent.n}/${r.m.baseline.n}`,
      marker(r.m, min, r.signal),
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

/** The tables of a report: one per metric by tier and fit vs non-fit, then ICP lift and outside share. */
function reportTables(report: DriftReport): { title: string; rows: TableRow[] }[] {
  const signals = new Set(report.signals);
  const out = (['winRate', 'churnRate', 'salesCycleDays', 'dealSize'] as const).map((metric) => ({
    title: metricTitles[metric],
    rows: TABLE_SEGMENTS.map((s) => ({
      label: segmentNames[s],
      m: report.segments[s][metric],
      signal: signals.has(`${s}.${metric}`),
    })),
  }));
  out.push({
    title: 'ICP signals',
    rows: [
      { label: 'ICP lift', m: report.lift, signal: signals.has('lift') },
      { label: 'Wins outside ICP', m: report.outsideIcpShare, signal: signals.has('outsideIcpShare') },
    ],
  });
  // A metric with no data in either window says nothing: leave its table out (the summary says why).
  return out.filter((t) => t.rows.some((r) => r.m.recent.n + r.m.baseline.n > 0));
}

const NO_DATA =
  'No decided deals or churn events in these windows yet. Import them (`icp import deals|churn <file.csv>`) and rescore accounts to see drift by tier.';

/** The report as plain text for a terminal: the summary, then the tables. */
export function driftReportText(report: DriftReport): string {
  const min = report.thresholds.minSample;
  const w = report.windows;
  return [
    `ICP drift report as of ${w.asOf}: recent ${w.recent.start} to ${w.recent.end} (${w.windowDays} days) vs baseline ${w.baseline.start} to ${w.baseline.end}, ICP version ${report.icpVersion ?? '–'}`,
    '',
    ...report.summary,
    '',
    ...(reportTables(report).length === 0 ? [NO_DATA, ''] : []),
    ...reportTables(report).flatMap((t) => [t.title, tableText(t.rows, min), '']),
    '‼ = still significant after correcting for every comparison in the report',
  ].join('\n');
}

/** The signal tables as preformatted (monospace) sections, one per metric plus the ICP signals. */
export function signalTables(report: DriftReport): Block[] {
  const min = report.thresholds.minSample;
  const tables = reportTables(report);
  if (tables.length === 0) return [{ type: 'section', text: { type: 'mrkdwn', text: NO_DATA } }];
  return tables.map((t) => ({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: truncate(`*${escapeMrkdwn(t.title)}*\n\`\`\`${escapeMrkdwn(tableText(t.rows, min))}\`\`\``, 3000),
    },
  }));
}

/** Why this message: the cadence (due date, overdue days), the drift signals, or a manual request. */
export function reminderReason(d: Pick<ReminderData, 'kind' | 'status' | 'report'>): string {
  const due = day(d.status.dueAt);
  const cadence =
    d.status.daysLeft < 0
      ? `The ICP review is *${-d.status.daysLeft} day${d.status.daysLeft === -1 ? '' : 's'} overdue* (was due ${due}).`
      : d.status.daysLeft === 0
        ? `The ICP review is *due today* (${due}).`
        : `The ICP review is due on *${due}* (in ${d.status.daysLeft} day${d.status.daysLeft === 1 ? '' : 's'}).`;
  const drift = d.report.driftDetected
    ? `:chart_with_downwards_trend: Significant drift in ${escapeMrkdwn(signalList(d.report))}.`
    : '';
  if (d.kind === 'drift') return `*Early review recommended.* ${drift} ${cadence}`.replace(/\s+/g, ' ').trim();
  if (d.kind === 'due') return [cadence, drift].filter(Boolean).join(' ');
  const verdict =
    drift || (d.report.comparisons === 0 ? 'Not enough data to judge drift yet.' : 'No significant drift.');
  return [verdict, `Next review due ${due}${d.status.daysLeft < 0 ? ' (overdue)' : ''}.`].join(' ');
}

const reasonLabels: Record<string, string> = Object.fromEntries(wrongTierReasons.map((r) => [r.value, r.label]));

/** "Wrong tier?" feedback since the last review: count by reason and a few company names. */
export function feedbackText(feedback: ReminderData['feedback']): string {
  const total = feedback.groups.reduce((s, g) => s + g.n, 0);
  const since = day(feedback.since);
  if (total === 0) return `:speech_balloon: No "wrong tier?" feedback since ${since}.`;
  const lines = feedback.groups.slice(0, 6).map((g) => {
    const names = g.companies.filter((c): c is string => !!c).slice(0, 3);
    const list = names.map((n) => escapeMrkdwn(truncate(n, 60))).join(', ');
    return `• ${escapeMrkdwn(reasonLabels[g.reason] ?? g.reason)}: ${g.n}${list ? ` (${list}${g.companies.length > names.length ? ', …' : ''})` : ''}`;
  });
  return `:speech_balloon: *"Wrong tier?" feedback since ${since}:* ${total} report${total === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

function windowsText(report: DriftReport): string {
  const w = report.windows;
  return `Recent ${w.recent.start} to ${w.recent.end} (${w.windowDays} days) vs baseline ${w.baseline.start} to ${w.baseline.end} · ICP version ${report.icpVersion ?? '–'} · drift = p < ${report.thresholds.alpha} and ≥ ${report.thresholds.minEffectPoints} pts · at least n=${report.thresholds.minSample} per group · ‼ = still significant after correcting for every comparison in the report`;
}

const titles: Record<ReminderKind, string> = {
  due: ':calendar: ICP review due',
  drift: ':rotating_light: ICP drift: early review recommended',
  manual: ':bar_chart: ICP drift report',
};

/** Fallback text: what is due and why, and the first summary sentence. */
function fallback(d: ReminderData): string {
  const head = titles[d.kind].replace(/^:[a-z_]+: /, '');
  const reason = reminderReason(d)
    .replace(/\*/g, '')
    .replace(/:[a-z_]+: /g, '');
  return truncate(`${head} for ${d.icp.name}: ${reason} ${d.report.summary[0] ?? ''}`.trim(), 3000);
}

/** The reminder (and the /icp-review answer): why, the summary, the tables, the feedback, the buttons. */
export function reminderMessage(d: ReminderData): Message {
  const blocks: Block[] = [
    { type: 'header', text: plain(truncate(titles[d.kind], 150), 150) },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*${escapeMrkdwn(d.icp.name)}* (version ${d.icp.version}) · ${reminderReason(d)}`, 3000),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(d.report.summary.map((s) => escapeMrkdwn(s)).join(' ') || 'No summary.', 3000),
      },
    },
    ...signalTables(d.report),
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(windowsText(d.report)), 2000) }] },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(feedbackText(d.feedback), 3000) } },
  ];
  const trend = d.trend ? winRateTrend(d.trend) : null;
  if (trend) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(trend, 3000) } });
  if (d.reviewed) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:white_check_mark: Reviewed by ${mention(d.reviewed.by)} on ${day(d.reviewed.at)}`,
      },
    });
  } else if (d.interactive !== false) {
    const owners = d.icp.owners.map(mention).join(', ');
    blocks.push(
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: truncate(
              `ICP owners: ${owners || 'none set'} · reviewed every ${escapeMrkdwn(d.icp.reviewEvery)}`,
              2000,
            ),
          },
        ],
      },
      {
        type: 'actions',
        block_id: 'icp_review_actions',
        elements: [
          {
            type: 'button',
            action_id: ReviewActionIds.markReviewed,
            text: plain('Mark reviewed', 75),
            style: 'primary',
            value: d.kind,
          },
          { type: 'button', action_id: ReviewActionIds.snooze, text: plain('Snooze 7 days', 75), value: d.kind },
          {
            type: 'button',
            action_id: ReviewActionIds.details,
            text: plain('Details', 75),
            value: d.report.windows.asOf,
          },
        ],
      },
    );
  }
  const text = d.reviewed ? `${fallback(d)} Reviewed by ${d.reviewed.by} on ${day(d.reviewed.at)}.` : fallback(d);
  return { text: truncate(text, 3000), blocks };
}

const SPARKS = '▁▂▃▄▅▆▇█';
/** A month with fewer decided deals than this shows as '·' in the trend, not as a bar. */
export const TREND_MIN_DECIDED = 5;

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

/** Packs lines into as few sections as fit the section limit, capped at `maxBlocks`. */
function packSections(lines: string[], maxBlocks: number, max = 2900): Block[] {
  const out: Block[] = [];
  let cur = '';
  for (const l of lines) {
    if (cur && cur.length + l.length + 1 > max) {
      out.push({ type: 'section', text: { type: 'mrkdwn', text: cur } });
      cur = '';
    }
    cur = cur ? `${cur}\n${l}` : truncate(l, max);
  }
  if (cur) out.push({ type: 'section', text: { type: 'mrkdwn', text: cur } });
  return out.slice(0, maxBlocks);
}

const verdictIcon: Record<MetricComparison['verdict'], string> = {
  drift_down: ':small_red_triangle_down:',
  drift_up: ':small_red_triangle:',
  stable: ':white_small_square:',
  not_enough_data: ':grey_question:',
};

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
      lines.push(`${verdictIcon[m.verdict]} ${escapeMrkdwn(m.note)}${m.unit === 'points' ? escapeMrkdwn(ci(m)) : ''}`);
    }
  }
  lines.push('*ICP*');
  for (const m of [report.lift, report.outsideIcpShare])
    lines.push(`${verdictIcon[m.verdict]} ${escapeMrkdwn(m.note)}`);
  const blocks: Block[] = [
    { type: 'header', text: plain(`ICP drift report as of ${report.windows.asOf}`, 150) },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(report.summary.map(escapeMrkdwn).join(' ') || '-', 3000) },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(windowsText(report)), 2000) }] },
    { type: 'divider' },
    ...packSections(lines, 40),
  ];
  const text = truncate(`ICP drift report as of ${report.windows.asOf}: ${report.summary.join(' ')}`, 3000);
  // Keep within the aggregate text budget: drop the last sections if a report is unusually wordy.
  while (blocks.length > 4 && JSON.stringify(blocks).length > 11_500) blocks.pop();
  return { text, blocks };
}

export interface ReviewEntry {
  reviewedBy: string;
  reviewedAt: Date;
  note: string | null;
  icpChanged: boolean;
  icpVersion: number;
}

/** `/icp-review history`: who reviewed, when, the note, the ICP version and whether it changed. */
export function historyMessage(reviews: readonly ReviewEntry[], status: ReviewStatus): Message {
  const statusLine = `Next review due ${day(status.dueAt)}${status.daysLeft < 0 ? ` (${-status.daysLeft} days overdue)` : ` (in ${status.daysLeft} days)`}.`;
  if (reviews.length === 0) {
    return {
      text: `No ICP reviews recorded yet. ${statusLine}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `:ledger: No ICP reviews recorded yet. ${statusLine}` } },
      ],
    };
  }
  const lines = reviews.map((r) => {
    const note = r.note ? ` · “${escapeMrkdwn(truncate(r.note.replace(/\s+/g, ' '), 200))}”` : '';
    return `• *${day(r.reviewedAt)}* by ${mention(r.reviewedBy)} · ICP v${r.icpVersion} · ${r.icpChanged ? 'ICP changed' : 'no change'}${note}`;
  });
  return {
    text: truncate(`${reviews.length} ICP review(s); last on ${day(reviews[0]!.reviewedAt)}. ${statusLine}`, 3000),
    blocks: [
      { type: 'header', text: plain('ICP review history', 150) },
      ...packSections(lines, 40),
      { type: 'context', elements: [{ type: 'mrkdwn', text: statusLine }] },
    ],
  };
}

export function reviewHelp(): Message {
  const text = [
    '*/icp-review*: the drift report now (only you see it), with the review buttons.',
    '*/icp-review history*: past reviews (who, when, note, ICP version, changed?).',
    '*/icp-review settings*: ICP owners set the reminder channel, time of day and timezone.',
    '*/icp-review help*: this help.',
  ].join('\n');
  return {
    text: 'ICP review commands: /icp-review, history, settings, help',
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/** Where to update the reminder once reviewed: a channel message (chat.update) or an ephemeral one. */
export interface MarkReviewedMetadata {
  channel?: string;
  ts?: string;
  responseUrl?: string;
  kind?: ReminderKind;
}

export function markReviewedModal(meta: MarkReviewedMetadata, icpName: string): ModalView {
  return {
    type: 'modal',
    callback_id: ReviewCallbackIds.markReviewed,
    title: plain('Mark ICP reviewed', 24),
    submit: plain('Save review', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(meta).slice(0, 3000),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(
            `Record a review of *${escapeMrkdwn(icpName)}*. The current drift figures are stored with it.`,
            3000,
          ),
        },
      },
      {
        type: 'input',
        block_id: ReviewInputIds.note.block,
        optional: true,
        label: plain('Note', 2000),
        element: {
          type: 'plain_text_input',
          action_id: ReviewInputIds.note.action,
          multiline: true,
          max_length: 2000,
          placeholder: plain('What did you look at, what did you decide?', 150),
        },
      },
      {
        type: 'input',
        block_id: ReviewInputIds.changed.block,
        label: plain('Did the ICP change?', 2000),
        element: {
          type: 'radio_buttons',
          action_id: ReviewInputIds.changed.action,
          initial_option: { text: plain('No', 75), value: 'no' },
          options: [
            { text: plain('No', 75), value: 'no' },
            { text: plain('Yes', 75), value: 'yes' },
          ],
        },
      },
    ],
  };
}

type StateValues = Record<
  string,
  Record<
    string,
    {
      value?: string | null;
      selected_option?: { value: string } | null;
      selected_conversation?: string | null;
      selected_channel?: string | null;
      selected_time?: string | null;
    }
  >
>;

export function parseMarkReviewedSubmission(values: StateValues): { note: string | null; icpChanged: boolean } {
  const note = values[ReviewInputIds.note.block]?.[ReviewInputIds.note.action]?.value?.trim() ?? '';
  const changed = values[ReviewInputIds.changed.block]?.[ReviewInputIds.changed.action]?.selected_option?.value;
  return { note: note === '' ? null : note.slice(0, 2000), icpChanged: changed === 'yes' };
}

export interface SettingsValues {
  channelId: string | null;
  timeOfDay: string;
  timezone: string;
}

export function settingsModal(current: SettingsValues, zones: readonly string[]): ModalView {
  const zoneList = zones.includes(current.timezone) ? zones : [current.timezone, ...zones];
  const option = (z: string) => ({ text: plain(z, 75), value: z });
  return {
    type: 'modal',
    callback_id: ReviewCallbackIds.settings,
    title: plain('ICP review settings', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'input',
        block_id: ReviewInputIds.channel.block,
        label: plain('Post reminders in', 2000),
        element: {
          type: 'conversations_select',
          action_id: ReviewInputIds.channel.action,
          filter: { include: ['public', 'private'], exclude_bot_users: true },
          ...(current.channelId ? { initial_conversation: current.channelId } : {}),
          placeholder: plain('Choose a channel', 150),
        },
      },
      {
        type: 'input',
        block_id: ReviewInputIds.time.block,
        label: plain('Time of day', 2000),
        element: {
          type: 'timepicker',
          action_id: ReviewInputIds.time.action,
          initial_time: current.timeOfDay,
        },
      },
      {
        type: 'input',
        block_id: ReviewInputIds.timezone.block,
        label: plain('Timezone', 2000),
        element: {
          type: 'static_select',
          action_id: ReviewInputIds.timezone.action,
          initial_option: option(current.timezone),
          options: zoneList.slice(0, 100).map(option),
        },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Invite the bot to a private channel before choosing it.' }],
      },
    ],
  };
}

export function parseSettingsSubmission(values: StateValues): {
  channelId: string | null;
  timeOfDay: string | null;
  timezone: string | null;
} {
  const ch = values[ReviewInputIds.channel.block]?.[ReviewInputIds.channel.action];
  return {
    channelId: ch?.selected_conversation ?? ch?.selected_channel ?? null,
    timeOfDay: values[ReviewInputIds.time.block]?.[ReviewInputIds.time.action]?.selected_time ?? null,
    timezone: values[ReviewInputIds.timezone.block]?.[ReviewInputIds.timezone.action]?.selected_option?.value ?? null,
  };
}

export interface ReviewHomeData {
  status: ReviewStatus;
  lastReview: { by: string; at: Date; icpChanged: boolean } | null;
  channelId: string | null;
  timeOfDay: string;
  timezone: string;
  snoozedUntil: Date | null;
  now: Date;
  /** The user viewing Home is an ICP owner: they get Mark reviewed and Reminder settings. */
  owner: boolean;
}

/**
 * App Home section: last review, due date, channel configured or not, snoozed until; the drift
 * report for everyone and, for owners, Mark reviewed and Reminder settings.
 */
export function reviewHomeSection(d: ReviewHomeData): Block[] {
  const last = d.lastReview
    ? `Last reviewed ${day(d.lastReview.at)} by ${mention(d.lastReview.by)}${d.lastReview.icpChanged ? ' (ICP changed)' : ''}`
    : 'Never reviewed';
  const due =
    d.status.daysLeft < 0
      ? `:rotating_light: due ${day(d.status.dueAt)}, ${-d.status.daysLeft} days overdue`
      : `due ${day(d.status.dueAt)} (in ${d.status.daysLeft} days)`;
  const channel = d.channelId
    ? `Reminders in <#${/^[CDG][A-Z0-9]+$/.test(d.channelId) ? d.channelId : 'C0'}> at ${escapeMrkdwn(d.timeOfDay)} ${escapeMrkdwn(d.timezone)}`
    : d.owner
      ? ':warning: No reminder channel configured: choose one in *Reminder settings*'
      : ':warning: No reminder channel configured: an owner can run `/icp-review settings`';
  const snoozed =
    d.snoozedUntil && d.snoozedUntil.getTime() > d.now.getTime() ? `\n:zzz: Snoozed until ${day(d.snoozedUntil)}` : '';
  return [
    { type: 'divider' },
    { type: 'section', text: { type: 'mrkdwn', text: '*ICP review*' } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${last} · ${due}\n${channel}${snoozed}`, 3000) } },
    {
      type: 'actions',
      block_id: 'icp_home_review_actions',
      elements: [
        { type: 'button', action_id: ReviewActionIds.homeReport, text: plain('Drift report') },
        ...(d.owner
          ? [
              {
                type: 'button',
                action_id: ReviewActionIds.markReviewed,
                text: plain('Mark reviewed'),
                value: 'manual',
              },
              { type: 'button', action_id: ReviewActionIds.homeSettings, text: plain('Reminder settings') },
            ]
          : []),
      ],
    },
  ];
}

/** Slack allows 100 blocks in a modal. */
const MODAL_BLOCKS = 100;

/**
 * The drift report (a reminder-style message) in a modal opened from App Home: the same blocks,
 * without the buttons that act on a posted message. `null`: the holding view while it is computed.
 */
export function reportModal(report: Message | null): ModalView {
  const blocks = report
    ? report.blocks.filter((b) => b.type !== 'actions').slice(0, MODAL_BLOCKS)
    : [{ type: 'section', text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: Computing the drift report…' } }];
  return {
    type: 'modal',
    callback_id: 'icp_home_report_modal',
    title: plain('ICP drift report'),
    close: plain('Close'),
    blocks,
  };
}

/** A one-line notice whose mrkdwn is already safe (built from mentions and escaped parts). */
export function reviewNotice(safeMrkdwn: string, fallbackText: string, emoji = ':information_source:'): Message {
  return {
    text: truncate(fallbackText, 3000),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(`${emoji} ${safeMrkdwn}`, 2900) } }],
  };
}

/** "Only <@U1> or <@U2> can …": owners shown as mentions, the rest escaped. */
export function ownersOnly(owners: readonly string[], what: string): Message {
  const who = owners.length === 0 ? 'an ICP owner (none are listed in the ICP file)' : owners.map(mention).join(' or ');
  const plainWho = owners.length === 0 ? 'an ICP owner' : owners.join(' or ');
  return reviewNotice(`Only ${who} can ${escapeMrkdwn(what)}.`, `Only ${plainWho} can ${what}.`, ':lock:');
}

/** Confirms where reminders go. */
export function settingsSaved(s: { channelId: string | null; timeOfDay: string; timezone: string }): Message {
  const ch = s.channelId && /^[CGD][A-Z0-9]+$/.test(s.channelId) ? `<#${s.channelId}>` : 'no channel';
  return reviewNotice(
    `ICP review reminders will be posted in ${ch} at ${escapeMrkdwn(s.timeOfDay)} (${escapeMrkdwn(s.timezone)}). Invite the bot there if it is a private channel.`,
    `ICP review reminders will be posted at ${s.timeOfDay} (${s.timezone}).`,
    ':calendar:',
  );
}
