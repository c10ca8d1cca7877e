/**
 * App Home's CRM line, shown to ICP owners only: how to connect HubSpot while none is connected, then the
 * last sync's status, counts and the first records it left out (escaped: names come from the CRM).
 */
import { mention } from '../ids.ts';
import { escapeMrkdwn } from '../mrkdwn.ts';
import { divider, sections } from './kit.ts';
import type { Block } from './types.ts';

export interface CrmHomeStatus {
  provider: string;
  connectedBy: string;
  lastSyncAt: Date | null;
  status: 'ok' | 'partial' | 'failed' | null;
  counts: { companies: number; deals: number; deleted: number; merged: number } | null;
  problems: readonly { object: string; id: string; property: string; problem: string }[];
}

const providerName = (p: string) => (p === 'hubspot' ? 'HubSpot' : escapeMrkdwn(p));
const when = (d: Date) =>
  `<!date^${Math.floor(d.getTime() / 1000)}^{date_short_pretty} at {time}|${d.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;

function statusLine(c: CrmHomeStatus): string {
  // The CLI connects as `--user` (default "cli"): only a Slack member id becomes a mention.
  const head = `*${providerName(c.provider)}* connected by ${mention(c.connectedBy)}`;
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

/** The CRM section for an owner; nothing for anyone else. */
export function crmHomeSection(crm: CrmHomeStatus | null, owner: boolean): Block[] {
  if (!owner) return [];
  const lines = crm
    ? [statusLine(crm)]
    : [
        '*Connect your CRM* · not connected. Sync HubSpot instead of exporting files: ' +
          '`icp connect hubspot --token <private-app token>` (scopes crm.objects.companies.read and ' +
          'crm.objects.deals.read). CSV imports keep working meanwhile.',
      ];
  if (crm?.status === 'partial') {
    const shown = crm.problems
      .slice(0, 3)
      .map(
        (p) =>
          `• ${escapeMrkdwn(p.object)} ${escapeMrkdwn(p.id)}${p.property ? ` (${escapeMrkdwn(p.property)})` : ''}: ${escapeMrkdwn(p.problem)}`,
      );
    const more = crm.problems.length > 3 ? [`…and ${crm.problems.length - 3} more (\`icp sync\` lists them)`] : [];
    lines.push(`Left out until fixed in ${providerName(crm.provider)}:`, ...shown, ...more);
  }
  return [divider(), ...sections(lines)];
}
