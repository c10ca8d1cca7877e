/**
 * Every message's fallback `text` is read by Slack as mrkdwn (notifications, screen readers): a name or a
 * query in it must be escaped exactly like in the blocks, and a huge input must not come back huge.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileIcp } from '../../src/icp/engine.ts';
import { resolveCommittee } from '../../src/personas/committee.ts';
import { parsePersonasYaml } from '../../src/personas/spec.ts';
import { ambiguousCard, checkCard, notice, unknownCard } from '../../src/slack/blocks/check.ts';
import {
  type AccountFacts,
  committeeCard,
  companyPicker,
  personaCard,
  personaList,
  personaPicker,
  tailoredCard,
  unknownCompany,
} from '../../src/slack/blocks/persona.ts';
import type { Message } from '../../src/slack/blocks/types.ts';
import { escapeMrkdwn } from '../../src/slack/mrkdwn.ts';
import { assertValidMessage } from '../helpers/blockkit.ts';
import { loadSeed } from '../icp/helpers.ts';

const HOSTILE = ['<!here>', '<@U123>', 'Cancity <!channel> & Co', '*bold* _it_ <https://evil.example|click>'];
const HUGE = `Acme ${'x'.repeat(1_000_000)}`;

const personas = parsePersonasYaml(
  readFileSync(new URL('../../db/seed/personas.default.yml', import.meta.url), 'utf8'),
);
const icp = compileIcp(loadSeed('icp.default.yml'), 1);

/** Every message builder that repeats a user's input or a name from data, with `name` in every such place. */
function messagesWith(name: string): [string, Message][] {
  const persona = { ...personas.personas[0]!, name, role: name };
  const result = icp.score({ name, industry: 'Software', employees: 140 });
  const account: AccountFacts = {
    name,
    domain: 'acme.com',
    tier: result.tier,
    score: result.score,
    industry: 'Software',
    segment: null,
    employees: 140,
    country: 'SE',
    icpVersion: 1,
    lines: result.lines,
  };
  const summary = { id: 1, name, domain: 'acme.com', industry: name, employees: 10, country: 'SE' };
  const committee = resolveCommittee(
    { ...personas, personas: personas.personas.map((p) => ({ ...p, name })) },
    { tier: result.tier, industry: 'Software', segment: null },
  );
  const scored = {
    kind: 'scored' as const,
    checkId: 1,
    company: { accountId: 1, name, domain: 'acme.com', known: true },
    result,
    icpName: name,
    warnings: [name],
    origins: {},
    aiNote: null,
    query: name,
  };
  return [
    ['check card', checkCard(scored)],
    ['ambiguous card', ambiguousCard(name, [summary, { ...summary, id: 2 }], name)],
    ['unknown card', unknownCard(name, [summary], [name], null, name)],
    ['notice', notice(`Could not tailor this card: ${name}`)],
    ['persona card', personaCard(persona, { account: { ref: { account: 1 }, name } })],
    ['persona list (no match)', personaList(personas.personas, { query: name })],
    ['persona picker', personaPicker(name, personas.personas.slice(0, 2))],
    ['committee card', committeeCard(account, committee, { ref: { account: 1 } })],
    ['company picker', companyPicker(name, [summary, { ...summary, id: 2 }], name)],
    ['unknown company', unknownCompany(name, [summary])],
    [
      'tailored card',
      tailoredCard(
        persona,
        account,
        { talking_points: [name], likely_objections: [{ objection: name, answer: name }] },
        { persona: persona.id, account: 1 },
      ),
    ],
  ];
}

describe('fallback text', () => {
  it.each(HOSTILE)('escapes %s in every message builder’s fallback exactly like mrkdwn blocks', (name) => {
    for (const [what, msg] of messagesWith(name)) {
      expect(msg.text, what).not.toMatch(/<[!@#]|<https?:/);
      // Every '&' is the start of an entity Slack decodes; none comes raw from the name.
      expect(msg.text.replace(/&(amp|lt|gt);/g, ''), what).not.toContain('&');
      if (!['notice', 'persona list (no match)', 'check card'].includes(what) || msg.text.includes('Cancity')) {
        expect(msg.text, what).toContain(escapeMrkdwn(name).slice(0, 20));
      }
    }
  });

  it('does not repeat a 1 MB name or query back: fallbacks and blocks stay within Slack’s limits', () => {
    for (const [what, msg] of messagesWith(HUGE)) {
      expect(msg.text.length, what).toBeLessThanOrEqual(3000);
      assertValidMessage(msg);
    }
  });
});
