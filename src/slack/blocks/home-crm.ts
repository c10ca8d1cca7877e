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
}

/** Problems listed in App Home; the rest are counted. */
export const HOME_PROBLEMS_SHOWN = 3;

const providerName = (p: string) => (p === 'hubspot' ? 'HubSpot' : escapeMrkdwn(p));
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

/**
 * The CRM section for an owner; nothing for anyone else. `connectUrl`: this owner's signed OAuth link
 * (src/usecases/crm-oauth.ts), when the bot has a HubSpot app.
 */
export function crmHomeSection(crm: CrmHomeStatus | null, owner: boolean, connectUrl?: string): Block[] {
  if (!owner) return [];
  if (!crm) {
    const how =
      '*Connect your CRM* · not connected. Sync HubSpot instead of exporting files: ' +
      (connectUrl ? 'connect with the button (the link works for 10 minutes: reopen Home for a new one), or ' : '') +
      'run `icp connect hubspot --token <private-app token>` (scopes crm.objects.companies.read and ' +
      'crm.objects.deals.read). You then confirm how its fields map before anything syncs. CSV imports keep working meanwhile.';
    return [
      divider(),
      ...sections([how]),
      ...(connectUrl
        ? [actions([button('Connect HubSpot', CrmMappingIds.connect, { url: connectUrl, style: 'primary' })])]
        : []),
    ];
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
  return [
    divider(),
    ...sections(lines),
    ...confirmed,
    actions([
      button('Review field mapping', CrmMappingIds.review, {
        ...(crm.mapping === 'proposed' ? { style: 'primary' as const } : {}),
      }),
    ]),
  ];
}
