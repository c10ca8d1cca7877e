/** The personas section of App Home: each persona with its buying role, marked when one needs a review. */
import { buyingRoleLabels, type Persona } from '../../personas/spec.ts';
import { escapeMrkdwn, truncate } from '../mrkdwn.ts';
import { type Freshness, staleness } from './persona.ts';
import type { Block } from './types.ts';

function homeLine(p: Persona, f: Freshness): string {
  const stale = staleness(p, f)?.stale ? ' :warning: _needs review_' : '';
  return `• *${escapeMrkdwn(p.name)}* · ${buyingRoleLabels[p.buying_role]}${stale}`;
}

export function personasHomeSection(personas: readonly Persona[], f: Freshness, version: number): Block[] {
  const lines = personas.map((p) => homeLine(p, f));
  const blocks: Block[] = [
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Buyer personas' } },
  ];
  // Packed into as few sections as fit 3000 characters each.
  let chunk = '';
  for (const l of lines) {
    if (chunk && chunk.length + l.length + 1 > 2900) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${l}` : truncate(l, 2900);
  }
  if (chunk) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Personas v${version} · \`/icp-persona cfo\` for a cheat sheet, \`/icp-persona for acme.com\` for a buying committee`,
      },
    ],
  });
  return blocks;
}
