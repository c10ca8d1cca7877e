/** The personas section of App Home: each persona with its buying role, marked when one needs a review. */
import { buyingRoleLabels, type Persona } from '../../personas/spec.ts';
import { escapeMrkdwn } from '../mrkdwn.ts';
import { context, divider, header, sections } from './kit.ts';
import { type Freshness, staleness } from './persona.ts';
import type { Block } from './types.ts';

function homeLine(p: Persona, f: Freshness): string {
  const stale = staleness(p, f)?.stale ? ' :warning: _needs review_' : '';
  return `• *${escapeMrkdwn(p.name)}* · ${buyingRoleLabels[p.buying_role]}${stale}`;
}

export function personasHomeSection(personas: readonly Persona[], f: Freshness, version: number): Block[] {
  const lines = personas.map((p) => homeLine(p, f));
  return [
    divider(),
    header('Buyer personas'),
    ...sections(lines),
    context(
      `Personas v${version} · \`/icp-persona cfo\` for a cheat sheet, \`/icp-persona for acme.com\` for a buying committee`,
    ),
  ];
}
