/**
 * App Home: the current ICP at a glance and the user's recent checks. Pure builder.
 */
import { joinWords } from '../../icp/describe.ts';
import type { IcpSpec } from '../../icp/spec.ts';
import { type StoredTier, storedTierLabels, tierLabels } from '../../icp/types.ts';
import type { StarterIcp } from '../../learn/starter.ts';
import type { ReviewStatus } from '../../review/calendar.ts';
import { escapeMrkdwn } from '../mrkdwn.ts';
import { homeCheckButton, viewCheckButton } from './home-check.ts';
import { actions, button, capBlocks, context, divider, header, mention, section } from './kit.ts';
import { ReviewActionIds } from './review-ids.ts';
import type { Block, HomeView } from './types.ts';

export interface HomeData {
  icp: { version: number; name: string; spec: IcpSpec; appliedAt: Date; appliedBy: string };
  review: ReviewStatus;
  recentChecks: {
    id: number;
    companyName: string | null;
    query: string;
    score: number | null;
    tier: string | null;
    createdAt: Date;
  }[];
  /** Extra sections appended by other features (personas, drift). */
  extra?: Block[];
  /** First-run steps; the section is shown while any of them is not done. */
  setup?: SetupState;
}

/** What a new workspace still has to do before the bot works on its own data. */
export interface SetupState {
  teamId: string;
  userId: string;
  /** Someone applied their own ICP (not the example the bot starts with). */
  icpApplied: boolean;
  /** The ICP names real Slack users as owners (not the example's placeholder). */
  ownersSet: boolean;
  accounts: boolean;
  deals: boolean;
  reminderChannel: boolean;
  /** While the example ICP is in charge and data is in: what that data suggests instead (or that it suggests nothing). */
  starter?: StarterIcp | null;
}

/** The example files' owner ids (U000000…): not a person in any workspace. */
export const isPlaceholderUser = (id: string) => /^U0{6,}/.test(id);

const SLACK_ID = /^[A-Z][A-Z0-9]{2,}$/;

/** The "Your ICP" step: the starter the data suggests, what it says when it suggests nothing, or the example's how-to. */
function icpStep(starter: StarterIcp | null, flag: string): string {
  const own = `write yours (start from \`db/seed/icp.default.yml\`) and apply it: \`npm run icp -- apply my-icp.yml${flag}\``;
  if (!starter) return `This is the example ICP. ${own.charAt(0).toUpperCase()}${own.slice(1)}`;
  const deals = starter.decided.toLocaleString('en-US');
  if (starter.signal === 'computing') {
    const accounts = (starter.accounts ?? 0).toLocaleString('en-US');
    return `This is the example ICP. Computing… what your data (${accounts} accounts) suggests instead: open Home again in a minute, or see it now with *See the suggested ICP* below. Or ${own}`;
  }
  if (starter.signal === 'none') {
    return `This is the example ICP, and your data suggests none yet: ${escapeMrkdwn(starter.summary.replace(/\.$/, ''))}. Keep it and ${own}`;
  }
  const n = starter.attributes.length;
  return (
    `This is the example ICP, but your data suggests one: ${n} attribute${n === 1 ? ' separates' : 's separate'} wins from losses ` +
    `in ${deals} decided deals (${escapeMrkdwn(joinWords(starter.attributes, 'and'))}). See it with *See the suggested ICP* below ` +
    `(owners apply it there) or \`npm run icp -- suggest${flag}\`, and apply it with \`npm run icp -- suggest --json${flag} | jq -r .proposal.yaml > my-icp.yml\` ` +
    `then \`npm run icp -- apply my-icp.yml${flag}\``
  );
}

/** The getting-started checklist: each step with the exact command for this workspace. */
export function setupSection(s: SetupState): Block[] {
  const steps: [boolean, string, string][] = [];
  const team = SLACK_ID.test(s.teamId) ? s.teamId : null;
  const flag = team ? ` --team ${team}` : '';
  const you = SLACK_ID.test(s.userId) ? `\`${s.userId}\`` : 'your member id';
  steps.push([s.icpApplied, 'Your ICP', icpStep(s.starter ?? null, flag)]);
  steps.push([
    s.ownersSet,
    'Owners',
    `Put the Slack member ids of the people who own the ICP under \`owners:\` in that file (yours is ${you}). Owners mark reviews and choose where reminders go.`,
  ]);
  steps.push([
    s.accounts,
    'Accounts',
    `Import your CRM accounts (HubSpot, Salesforce or any CSV), then score them: \`npm run icp -- import accounts accounts.csv${flag}\` and \`npm run icp -- rescore${flag}\``,
  ]);
  steps.push([
    s.deals,
    'Deals',
    `Import won and lost deals (and churn) so reviews can measure drift: \`npm run icp -- import deals deals.csv${flag}\``,
  ]);
  steps.push([
    s.reminderChannel,
    'Review reminders',
    'An ICP owner chooses the channel in *Reminder settings* below, or with `/icp-review settings`.',
  ]);
  if (steps.every(([done]) => done)) return [];
  const lines = steps.map(
    ([done, title, todo]) =>
      `${done ? ':white_check_mark:' : ':white_large_square:'} *${title}*${done ? '' : `: ${todo}`}`,
  );
  const offer = !s.icpApplied && (s.starter?.signal === 'found' || s.starter?.signal === 'computing');
  return [
    header('Getting started'),
    section(lines.join('\n')),
    ...(offer
      ? [
          actions(
            [button('See the suggested ICP', ReviewActionIds.suggest, { value: 'win', style: 'primary' })],
            'icp_home_starter_actions',
          ),
        ]
      : []),
    context(
      team
        ? `Run these where the bot runs. This workspace is \`${team}\`: set \`DEFAULT_TEAM_ID=${team}\` there to leave out \`--team\`.`
        : 'Run these where the bot runs.',
    ),
    divider(),
  ];
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function criterionSummary(c: IcpSpec['criteria'][number]): string {
  return `• *${escapeMrkdwn(c.label)}* (${c.weight} pts, ${c.kind}): \`${escapeMrkdwn(c.field)}\``;
}

export function homeView(data: HomeData): HomeView {
  const { spec } = data.icp;
  const totalWeight = spec.criteria.reduce((s, c) => s + c.weight, 0);
  const owners = spec.owners.map(mention).join(', ');
  const reviewText =
    data.review.state === 'overdue'
      ? `:rotating_light: Review overdue since ${day(data.review.dueAt)}`
      : data.review.state === 'due_soon'
        ? `:alarm_clock: Review due ${day(data.review.dueAt)} (in ${data.review.daysLeft} days)`
        : `:white_check_mark: Next review due ${day(data.review.dueAt)}`;
  const blocks: Block[] = [
    header(`ICP: ${spec.name}`),
    context(
      `Version ${data.icp.version} · applied ${day(data.icp.appliedAt)} by ${escapeMrkdwn(data.icp.appliedBy)} · owners ${owners} · reviewed every ${escapeMrkdwn(spec.review_every)}`,
    ),
    section(reviewText),
    actions([homeCheckButton()], 'icp_home_actions'),
    divider(),
    ...(data.setup ? setupSection(data.setup) : []),
    section(`*Criteria* (${totalWeight} points in all)\n${spec.criteria.map(criterionSummary).join('\n')}`),
    section(
      `*Tiers*: ${(['tier1', 'tier2', 'tier3'] as const).map((t) => `${tierLabels[t]} ≥ ${spec.tiers[t]}`).join(' · ')} · below: Not a fit\n` +
        `*Exclusions* (any one makes it “Not a fit”):\n${
          spec.exclusions.length > 0
            ? spec.exclusions.map((e) => `• *${escapeMrkdwn(e.label)}*: ${escapeMrkdwn(e.reason)}`).join('\n')
            : '_none_'
        }`,
    ),
    divider(),
    header('Your recent checks'),
  ];
  if (data.recentChecks.length === 0) {
    blocks.push(section('No checks yet. Press *Check a company* above, or type `/icp-check acme.com` in any channel.'));
  } else {
    // One line per check; a scored check can be opened again, re-scored from its logged inputs under
    // the ICP version it was scored with (the same card, whatever changed since).
    for (const c of data.recentChecks) {
      const tier = c.tier && c.tier in storedTierLabels ? storedTierLabels[c.tier as StoredTier] : 'no score';
      blocks.push(
        section(
          `*${escapeMrkdwn(c.companyName ?? c.query)}*: ${tier}${c.score !== null ? `, ${c.score}/100` : ''} · ${day(c.createdAt)}`,
          c.score !== null ? { accessory: viewCheckButton(c.id) } : {},
        ),
      );
    }
  }
  blocks.push(...(data.extra ?? []));
  return { type: 'home', blocks: capBlocks(blocks, 'home') };
}
