/**
 * The ICP review reminder (also the /icp-review answer), its feedback section, review history, help and
 * the short notices of the review flow. Pure builders, validated against the Block Kit schema in tests.
 */
import type { DriftReport } from '../../drift/report.ts';
import type { ReviewStatus } from '../../review/calendar.ts';
import { escapeMrkdwn, escapeMrkdwnStrict, truncate } from '../mrkdwn.ts';
import { actions, button, context, header, LIMITS, mention, section, sections } from './kit.ts';
import { wrongTierReasons } from './modals.ts';
import { day, type ReminderKind, ReviewActionIds } from './review-ids.ts';
import { signalList, signalTables, type TrendSeries, windowsText, winRateTrend } from './review-report.ts';
import type { Block, Message } from './types.ts';

export interface FeedbackGroup {
  reason: string;
  n: number;
  companies: (string | null)[];
  /** The reps' own words, newest first (a few per reason). */
  notes?: string[];
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
  /** A proposal from the team's own data, computed against this ICP version, nobody dismissed or applied yet. */
  proposal?: { computedAt: Date } | null;
  /** Monthly win rates to show as a text trend (`/icp-review`, where no chart image can be attached). */
  trend?: TrendSeries;
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
  // One change, one mention; a change for the better (a shorter sales cycle) is not an alarm.
  const worse = signalList(d.report, 'worse');
  const better = signalList(d.report, 'better');
  const drift = [
    worse ? `:chart_with_downwards_trend: Drift for the worse in ${escapeMrkdwn(worse)}.` : '',
    better ? `:chart_with_upwards_trend: Change for the better in ${escapeMrkdwn(better)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (d.kind === 'drift') return `*Early review recommended.* ${drift} ${cadence}`.replace(/\s+/g, ' ').trim();
  if (d.kind === 'due') return [cadence, drift].filter(Boolean).join(' ');
  const verdict = drift || (d.report.comparisons === 0 ? 'Not enough data to judge drift yet.' : 'No drift detected.');
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
    const head = `• ${escapeMrkdwn(reasonLabels[g.reason] ?? g.reason)}: ${g.n}${list ? ` (${list}${g.companies.length > names.length ? ', …' : ''})` : ''}`;
    // Notes are free text from reps: one line each, escaped, capped (a few per reason, 200 characters).
    const notes = (g.notes ?? [])
      .slice(0, 3)
      .map((n) => `    _“${escapeMrkdwnStrict(truncate(n.replace(/\s+/g, ' ').trim(), 200))}”_`);
    return [head, ...notes].join('\n');
  });
  return `:speech_balloon: *"Wrong tier?" feedback since ${since}:* ${total} report${total === 1 ? '' : 's'}\n${lines.join('\n')}`;
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
  return truncate(`${head} for ${d.icp.name}: ${reason} ${d.report.summary[0] ?? ''}`.trim(), LIMITS.text);
}

/** The reminder (and the /icp-review answer): why, the summary, the tables, the feedback, the buttons. */
export function reminderMessage(d: ReminderData): Message {
  const blocks: Block[] = [
    header(titles[d.kind]),
    section(`*${escapeMrkdwn(d.icp.name)}* (version ${d.icp.version}) · ${reminderReason(d)}`),
    section(d.report.summary.map((s) => escapeMrkdwn(s)).join(' ') || 'No summary.'),
    ...signalTables(d.report),
    context(escapeMrkdwn(windowsText(d.report))),
    section(feedbackText(d.feedback)),
  ];
  const trend = d.trend ? winRateTrend(d.trend) : null;
  if (trend) blocks.push(section(trend));
  if (d.reviewed) {
    blocks.push(section(`:white_check_mark: Reviewed by ${mention(d.reviewed.by)} on ${day(d.reviewed.at)}`));
  } else if (d.interactive !== false) {
    const owners = d.icp.owners.map(mention).join(', ');
    blocks.push(
      context(`ICP owners: ${owners || 'none set'} · reviewed every ${escapeMrkdwn(d.icp.reviewEvery)}`),
      ...(d.proposal
        ? [
            context(
              `:bulb: Your own data proposes ICP changes (computed ${day(d.proposal.computedAt)}): *Suggest changes* shows them with their backtest.`,
            ),
          ]
        : []),
      actions(
        [
          button('Mark reviewed', ReviewActionIds.markReviewed, { value: d.kind, style: 'primary' }),
          button('Snooze 7 days', ReviewActionIds.snooze, { value: d.kind }),
          button('Details', ReviewActionIds.details, { value: d.report.windows.asOf }),
          // What the data supports instead: the suggestion, privately, for whoever clicks.
          button('Suggest changes', ReviewActionIds.suggest, { value: 'win' }),
        ],
        'icp_review_actions',
      ),
    );
  }
  const text = d.reviewed ? `${fallback(d)} Reviewed by ${d.reviewed.by} on ${day(d.reviewed.at)}.` : fallback(d);
  return { text: truncate(text, LIMITS.sectionText), blocks };
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
      blocks: [section(`:ledger: No ICP reviews recorded yet. ${statusLine}`)],
    };
  }
  const lines = reviews.map((r) => {
    const note = r.note ? ` · “${escapeMrkdwn(truncate(r.note.replace(/\s+/g, ' '), 200))}”` : '';
    return `• *${day(r.reviewedAt)}* by ${mention(r.reviewedBy)} · ICP v${r.icpVersion} · ${r.icpChanged ? 'ICP changed' : 'no change'}${note}`;
  });
  return {
    text: truncate(
      `${reviews.length} ICP review(s); last on ${day(reviews[0]!.reviewedAt)}. ${statusLine}`,
      LIMITS.sectionText,
    ),
    blocks: [header('ICP review history'), ...sections(lines, 40), context(statusLine)],
  };
}

export function reviewHelp(): Message {
  const text = [
    '*/icp-review*: the drift report now (only you see it), with the review buttons.',
    '*/icp-review history*: past reviews (who, when, note, ICP version, changed?).',
    '*/icp-review settings*: ICP owners set the reminder channel, time of day and timezone.',
    '*/icp-review suggest* (or *suggest churn*): what your own won, lost and churned accounts say, a proposed ICP with its backtest; owners can apply or dismiss it.',
    '*/icp-review help*: this help.',
  ].join('\n');
  return {
    text: 'ICP review commands: /icp-review, history, settings, suggest, help',
    blocks: [section(text)],
  };
}

/** A one-line notice whose mrkdwn is already safe (built from mentions and escaped parts). */
export function reviewNotice(safeMrkdwn: string, fallbackText: string, emoji = ':information_source:'): Message {
  return {
    text: truncate(fallbackText, LIMITS.sectionText),
    blocks: [section(`${emoji} ${safeMrkdwn}`)],
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
