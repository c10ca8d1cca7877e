/** The ICP review section of App Home. */
import type { ReviewStatus } from '../../review/calendar.ts';
import { isSlackChannelId } from '../ids.ts';
import { escapeMrkdwn } from '../mrkdwn.ts';
import { actions, button, divider, mention, section } from './kit.ts';
import { day, ReviewActionIds } from './review-ids.ts';
import type { Block } from './types.ts';

export interface ReviewHomeData {
  status: ReviewStatus;
  lastReview: { by: string; at: Date; icpChanged: boolean } | null;
  channelId: string | null;
  timeOfDay: string;
  timezone: string;
  snoozedUntil: Date | null;
  now: Date;
  /** A proposal from the team's own data nobody dismissed or applied yet (see pendingSuggestion). */
  proposal?: { computedAt: Date } | null;
  /** The user viewing Home is an ICP owner: they get Mark reviewed and Reminder settings. */
  owner: boolean;
}

/**
 * App Home section: last review, due date, channel configured or not, snoozed until; the drift
 * report and the ICP suggestion for everyone and, for owners, Mark reviewed and Reminder settings.
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
    ? `Reminders in <#${isSlackChannelId(d.channelId) ? d.channelId : 'C0'}> at ${escapeMrkdwn(d.timeOfDay)} ${escapeMrkdwn(d.timezone)}`
    : d.owner
      ? ':warning: No reminder channel configured: choose one in *Reminder settings*'
      : ':warning: No reminder channel configured: an owner can run `/icp-review settings`';
  const snoozed =
    d.snoozedUntil && d.snoozedUntil.getTime() > d.now.getTime() ? `\n:zzz: Snoozed until ${day(d.snoozedUntil)}` : '';
  const proposal = d.proposal
    ? `\n:bulb: Your own data proposes ICP changes (computed ${day(d.proposal.computedAt)}): *Suggest changes* shows them.`
    : '';
  return [
    divider(),
    section('*ICP review*'),
    section(`${last} · ${due}\n${channel}${snoozed}${proposal}`),
    actions(
      [
        button('Drift report', ReviewActionIds.homeReport),
        button('Suggest changes', ReviewActionIds.suggest, { value: 'win' }),
        ...(d.owner
          ? [
              button('Mark reviewed', ReviewActionIds.markReviewed, { value: 'manual' }),
              button('Reminder settings', ReviewActionIds.homeSettings),
            ]
          : []),
      ],
      'icp_home_review_actions',
    ),
  ];
}
