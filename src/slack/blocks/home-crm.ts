/**
 * App Home's CRM section, shown to ICP owners only: how to connect while no CRM is connected; then the
 * mapping (waiting for their confirmation, or who confirmed it) with the "Review field mapping" button,
 * the last sync's status and counts, and the first records it left out with how many there are in all
 * (escaped: names come from the CRM).
 */
import { mention } from '../ids.ts';
import { escapeMrkdwn } from '../mrkdwn.ts';
import { CrmMappingIds, type MappingModalStatus } from './crm-mapping.ts';
import { actions, button, context, divider, sections } from './kit.ts';
import type { Block } from './types.ts';

export interface CrmHomeStatus {
  provider: string;
  connectedBy: string;
  lastSyncAt: Date | null;
  status: 'ok' | 'partial' | 'failed' | null;
  counts: { companies: number; deals: number; deleted: number; merged: number } | null;
  problems: readonly { object: string; id: string; property: string; problem: string }[];
  /** Records the last sync left out in all (problems holds the first of them); problems.length when absent. */
  problemCount?: number;
  /** Whether an owner confirmed the mapping syncs use (absent: as before this existed, confirmed). */
  mapping?: MappingModalStatus;
  mappingConfirmedBy?: string | null;
  /** The fit written back onto the CRM's companies: absent while the owner has not consented. */
  writeback?: {
    at: string;
    status: 'ok' | 'partial' | 'failed';
    written: number;
    unchanged: number;
    refused: number;
    problems: readonly { name: string; problem: string }[];
  } | null;
  writebackOn?: boolean;
}

/** Each CRM's signed OAuth link for this owner (src/usecases/crm-oauth.ts), when the bot has its app. */
export type ConnectLinks = Partial<Record<'hubspot' | 'salesforce', string>>;

/** Problems listed in App Home; the rest are counted. */
export const HOME_PROBLEMS_SHOWN = 3;

const NAMES: Record<string, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };
const providerName = (p: string) => NAMES[p] ?? escapeMrkdwn(p);
const when = (d: Date) =>
  `<!date^${Math.floor(d.getTime() / 1000)}^{date_short_pretty} at {time}|${d.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;

function statusLine(c: CrmHomeStatus): string {
  // The CLI connects as `--user` (default "cli"): only a Slack member id becomes a mention.
  const head = `*${providerName(c.provider)}* connected by ${mention(c.connectedBy)}`;
  if (c.mapping === 'proposed') {
    return `${head} · :hourglass_flowing_sand: the field mapping waits for an ICP owner: nothing syncs until one confirms it (Review field mapping, or \`icp crm mapping\`)`;
  }
  if (!c.lastSyncAt || !c.status) return `${head} · not synced yet: the first sync runs within the next minutes`;
  const n = c.counts;
  const counts = n
    ? `${n.companies} companies, ${n.deals} deals written, ${n.deleted} deleted, ${n.merged} merged`
    : '';
  if (c.status === 'failed') {
    const why = c.problems.at(-1)?.problem ?? 'see the bot’s log';
    return `${head} · :x: last sync ${when(c.lastSyncAt)} failed: ${escapeMrkdwn(why)}`;
  }
  const icon = c.status === 'ok' ? ':white_check_mark:' : ':warning:';
  return `${head} · ${icon} last sync ${when(c.lastSyncAt)}: ${counts}`;
}

/** What an owner does to consent, per CRM: HubSpot's properties are created, Salesforce's fields checked. */
const CONSENT: Record<string, string> = {
  hubspot:
    '`icp writeback enable` adds them to every company (an owner’s consent; it needs the companies write scopes).',
  salesforce:
    '`icp writeback enable` writes them onto every Account (an owner’s consent; an admin first creates the four ICP fields on Account, and the command says which).',
};

/** Whether the fit is written back to the connected CRM, and how the last write-back went. */
function writebackLine(c: CrmHomeStatus): string | null {
  const consent = CONSENT[c.provider];
  if (!consent) return null;
  const crm = providerName(c.provider);
  const records = c.provider === 'salesforce' ? 'accounts' : 'companies';
  if (!c.writebackOn) return `Tier and score are not written back to ${crm}: ${consent}`;
  const w = c.writeback;
  if (!w) return `:pencil: Tier and score are written back to ${crm} after the next sync.`;
  const at = when(new Date(w.at));
  if (w.status === 'failed') {
    return `:x: Writing tier and score back to ${crm} ${at} failed: ${escapeMrkdwn(w.problems[0]?.problem ?? 'see the bot’s log')}`;
  }
  const refused =
    w.refused > 0
      ? `, ${w.refused} refused by ${crm} (first: ${escapeMrkdwn(w.problems[0]?.name ?? '')}: ${escapeMrkdwn(w.problems[0]?.problem ?? '')})`
      : '';
  return `${w.status === 'ok' ? ':white_check_mark:' : ':warning:'} Tier and score written back to ${crm} ${at}: ${w.written} ${records} updated, ${w.unchanged} unchanged${refused}.`;
}

/** The CRM section for an owner; nothing for anyone else. `links`: this owner's signed OAuth links. */
export function crmHomeSection(crm: CrmHomeStatus | null, owner: boolean, links: ConnectLinks = {}): Block[] {
  if (!owner) return [];
  if (!crm) {
    const how =
      '*Connect your CRM* · not connected. Sync HubSpot or Salesforce instead of exporting files: ' +
      (links.hubspot || links.salesforce
        ? 'connect with a button (links work for 10 minutes: reopen Home for new ones), or '
        : '') +
      'run `icp connect hubspot --token <private-app token>` (scopes crm.objects.companies.read and ' +
      'crm.objects.deals.read) or `icp connect salesforce`. You then confirm how its fields map before anything ' +
      'syncs. CSV imports keep working meanwhile.';
    const buttons = [
      ...(links.hubspot
        ? [button('Connect HubSpot', CrmMappingIds.connect, { url: links.hubspot, style: 'primary' as const })]
        : []),
      ...(links.salesforce
        ? [button('Connect Salesforce', CrmMappingIds.connectSalesforce, { url: links.salesforce })]
        : []),
    ];
    return [divider(), ...sections([how]), ...(buttons.length > 0 ? [actions(buttons)] : [])];
  }
  const lines = [statusLine(crm)];
  if (crm.status === 'partial' && crm.mapping !== 'proposed') {
    const total = Math.max(crm.problemCount ?? 0, crm.problems.length);
    const shown = crm.problems
      .slice(0, HOME_PROBLEMS_SHOWN)
      .map(
        (p) =>
          `• ${escapeMrkdwn(p.object)} ${escapeMrkdwn(p.id)}${p.property ? ` (${escapeMrkdwn(p.property)})` : ''}: ${escapeMrkdwn(p.problem)}`,
      );
    const more = total > shown.length ? [`…and ${total - shown.length} more (\`icp sync --json\` lists them)`] : [];
    lines.push(
      `${total} record${total === 1 ? '' : 's'} left out until fixed in ${providerName(crm.provider)}:`,
      ...shown,
      ...more,
    );
  }
  const confirmed =
    crm.mapping === 'changed'
      ? [
          context(
            ':pencil2: The field mapping changed since it was confirmed: syncs use the confirmed one until you confirm the changes.',
          ),
        ]
      : crm.mapping === 'confirmed' && crm.mappingConfirmedBy
        ? [context(`Field mapping confirmed by ${mention(crm.mappingConfirmedBy)}.`)]
        : [];
  const writeback = crm.mapping === 'proposed' ? null : writebackLine(crm);
  return [
    divider(),
    ...sections(lines),
    ...confirmed,
    ...(writeback ? [context(writeback)] : []),
    actions([
      button('Review field mapping', CrmMappingIds.review, {
        ...(crm.mapping === 'proposed' ? { style: 'primary' as const } : {}),
      }),
    ]),
  ];
}
