import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveCommittee } from '../../src/personas/committee.ts';
import { type Persona, parsePersonasYaml } from '../../src/personas/spec.ts';
import {
  type AccountFacts,
  committeeCard,
  companyPicker,
  decodeRef,
  encodeRef,
  PersonaActionIds,
  personaCard,
  personaHelp,
  personaList,
  personaPicker,
  tailoredCard,
  unknownCompany,
} from '../../src/slack/blocks/persona.ts';
import type { Message } from '../../src/slack/blocks/types.ts';
import { blocksTextLength } from '../../src/slack/limits.ts';
import { assertValidMessage } from '../helpers/blockkit.ts';

const spec = parsePersonasYaml(readFileSync(new URL('../../db/seed/personas.default.yml', import.meta.url), 'utf8'));
const fresh = { reviewEveryDays: 180, today: new Date('2026-11-22T12:00:00Z') };
const size = (p: Persona) => JSON.stringify(p).length;
const longest = [...spec.personas].sort((a, b) => size(b) - size(a))[0]!;
const text = (m: Message) => JSON.stringify(m.blocks);
/** Only mrkdwn is parsed for mentions and links; plain_text (headers, buttons) is shown literally. */
const mrkdwnOf = (m: Message) =>
  JSON.stringify(m.blocks, (_k, v: unknown) =>
    v && typeof v === 'object' && (v as { type?: string }).type === 'plain_text' ? undefined : v,
  );
const buttons = (m: Message) =>
  m.blocks
    .flatMap((b) => [
      ...((b.elements as { type?: string; action_id?: string }[]) ?? []),
      ...(b.accessory ? [b.accessory as { type?: string; action_id?: string }] : []),
    ])
    .filter((el) => el.type === 'button');

const account: AccountFacts = {
  name: 'Northwind Analytics AB',
  domain: 'northwind-analytics.se',
  tier: 'tier2',
  score: 64,
  industry: 'Software',
  segment: null,
  employees: 140,
  country: 'SE',
  icpVersion: 1,
  lines: [
    {
      id: 'size',
      label: 'Company size',
      field: 'employees',
      value: '140',
      earned: 20,
      possible: 20,
      status: 'match',
      rule: '50–250',
    },
    {
      id: 'rev',
      label: 'Revenue',
      field: 'revenue',
      value: null,
      earned: 0,
      possible: 15,
      status: 'unknown',
      rule: '>10M',
    },
  ],
};

/** A persona at every field limit of the schema: the worst case the full card must still fit. */
function maximal(): Persona {
  const s = (n: number, c = 'x') => `${c.repeat(n - 1)}.`;
  const base = spec.personas[0]!;
  return {
    ...base,
    name: s(80, 'N'),
    role: s(200, 'r'),
    titles: Array.from({ length: 40 }, (_, i) => `Title ${i} ${s(60)}`),
    goals: Array.from({ length: 8 }, () => s(300, 'g')),
    kpis: Array.from({ length: 8 }, () => s(120, 'k')),
    pains: Array.from({ length: 8 }, () => s(300, 'p')),
    objections: Array.from({ length: 8 }, (_, i) => ({ objection: `${i}${s(299, 'o')}`, answer: s(600, 'a') })),
    messaging: { do: Array.from({ length: 8 }, () => s(300, 'd')), dont: Array.from({ length: 8 }, () => s(300, 'n')) },
    channels: Array.from({ length: 10 }, () => s(120, 'c')),
    information_sources: Array.from({ length: 10 }, () => s(200, 'i')),
    discovery_questions: Array.from({ length: 10 }, () => s(300, 'q')),
    talk_track: { fifteen_seconds: s(400, 'f'), thirty_seconds: s(600, 't') },
    quote: s(300, 'u'),
  };
}

describe('persona cards', () => {
  it.each(spec.personas.map((p) => [p.id, p] as const))('%s: compact and full cards are valid Block Kit', (_id, p) => {
    const compact = personaCard(p, { freshness: fresh, version: 1 });
    assertValidMessage(compact);
    const full = personaCard(p, { freshness: fresh, version: 1, full: true });
    assertValidMessage(full);
    expect(blocksTextLength(full.blocks)).toBeGreaterThan(blocksTextLength(compact.blocks));
  });

  it('shows the compact first screen: who, role, care, top 3 pains, objections with answers, how to open', () => {
    const p = spec.personas.find((x) => x.id === 'finance_cfo')!;
    const t = text(personaCard(p, { freshness: fresh, version: 3 }));
    expect(t).toContain(p.name);
    expect(t).toContain('What they care about');
    for (const pain of p.pains.slice(0, 3)) expect(t).toContain(pain.slice(0, 40));
    if (p.pains[3]) expect(t).not.toContain(p.pains[3].slice(0, 40));
    expect(t).toContain(p.objections[0]!.answer.slice(0, 40));
    expect(t).toContain('How to open (15 s)');
    expect(t).toContain(`<@${p.owner}>`);
    expect(t).toContain(`as of ${p.last_reviewed}`);
    expect(t).toContain('personas v3');
    expect(t).not.toContain('Discovery questions');
    expect(buttons(personaCard(p)).map((b) => b.action_id)).toEqual([PersonaActionIds.more, PersonaActionIds.share]);
  });

  it('expands the longest default persona fully, within 50 blocks and 12k characters', () => {
    const full = personaCard(longest, { freshness: fresh, version: 1, full: true });
    assertValidMessage(full);
    const t = text(full);
    for (const q of longest.discovery_questions) expect(t).toContain(q.slice(0, 30));
    for (const o of longest.objections) expect(t).toContain(o.objection.slice(0, 30));
    for (const label of [
      'Goals',
      'KPIs',
      'Discovery questions',
      '15-second talk track',
      '30-second talk track',
      'Channels',
      'Information sources',
      'Messaging: do',
      "Messaging: don't",
    ]) {
      expect(t).toContain(label);
    }
    expect(t).toContain(longest.quote.slice(0, 30));
    expect(full.blocks.length).toBeLessThanOrEqual(50);
    expect(blocksTextLength(full.blocks)).toBeLessThanOrEqual(12_000);
  });

  it('keeps a persona written at every field limit within Slack’s limits', () => {
    assertValidMessage(
      personaCard(maximal(), {
        freshness: fresh,
        full: true,
        account: { ref: { account: 1 }, name: 'A'.repeat(200) },
        canTailor: true,
      }),
    );
    assertValidMessage(personaCard(maximal(), { freshness: fresh }));
  });

  it('warns when the persona was not reviewed within the ICP review cadence', () => {
    const p = { ...spec.personas[0]!, last_reviewed: '2026-01-02' };
    const t = text(personaCard(p, { freshness: fresh }));
    expect(t).toContain('Not reviewed for 324 days');
    expect(t).toContain('reviewed every 180 days');
    expect(text(personaCard(spec.personas[0]!, { freshness: fresh }))).not.toContain('Not reviewed');
    expect(text(personaList([p], { freshness: fresh }))).toContain('needs review');
  });

  it('escapes persona text so it cannot ping a channel or forge a link', () => {
    const p: Persona = {
      ...spec.personas[0]!,
      name: 'Eve <!channel>',
      role: 'Breaks <https://evil.example|things> & more',
      pains: ['<!here> pain', 'b', 'c'],
      objections: [{ objection: '<@U999> says no', answer: '<!everyone>' }],
      talk_track: { fifteen_seconds: '<!channel> hi', thirty_seconds: '<!channel>' },
      quote: '<!channel>',
    };
    for (const m of [
      personaCard(p),
      personaCard(p, { full: true }),
      personaList([p]),
      personaPicker('<!channel>', [p]),
    ]) {
      assertValidMessage(m);
      const t = mrkdwnOf(m);
      expect(t).not.toMatch(/<!(channel|here|everyone)>/);
      expect(t).not.toContain('<https://evil');
      expect(t).not.toContain('<@U999>');
      expect(t).toContain('&lt;!channel&gt;');
    }
  });

  it('lists every persona with one line and an Open button', () => {
    const m = personaList(spec.personas, { freshness: fresh, version: 1 });
    assertValidMessage(m);
    expect(buttons(m).filter((b) => b.action_id === PersonaActionIds.open)).toHaveLength(spec.personas.length);
    const none = personaList(spec.personas, { query: 'astronaut' });
    assertValidMessage(none);
    expect(none.text).toContain('No persona matches');
  });

  it('offers a button per persona when several match', () => {
    const m = personaPicker('sales', spec.personas.slice(0, 2), fresh, { account: 7 });
    assertValidMessage(m);
    const values = buttons(m).map((b) => decodeRef((b as { value?: string }).value));
    expect(values).toEqual([
      { persona: spec.personas[0]!.id, account: 7 },
      { persona: spec.personas[1]!.id, account: 7 },
    ]);
  });

  it('builds the committee card in engagement order with a button to each card', () => {
    const committee = resolveCommittee(spec, { tier: 'tier1', industry: 'Software' });
    const m = committeeCard({ ...account, tier: 'tier1' }, committee, {
      ref: { check: 5 },
      freshness: fresh,
      version: 1,
    });
    assertValidMessage(m);
    const opened = buttons(m).map((b) => decodeRef((b as { value?: string }).value)?.persona);
    expect(opened).toEqual(committee.members.map((x) => x.persona.id));
    expect(text(m)).toContain('1. *Sarah the Sales Director*');
    const noFit = committeeCard({ ...account, tier: 'no_fit' }, resolveCommittee(spec, { tier: 'no_fit' }), {
      ref: { check: 5 },
    });
    assertValidMessage(noFit);
    expect(text(noFit)).toContain('not a fit');
  });

  it('names the committee’s segment as words', () => {
    const fallback = resolveCommittee(spec, { tier: 'tier1', industry: 'Mining' });
    expect(fallback.basis).toBe('default');
    expect(fallback.matchedSegment).toBe('revops_purchase');
    const m = committeeCard({ ...account, tier: 'tier1' }, fallback, { ref: { check: 5 } });
    expect(text(m)).toContain('the default committee (revops purchase) is shown');
  });

  it('offers Tailor only with an account and an AI key', () => {
    const p = spec.personas[0]!;
    const ids = (o: Parameters<typeof personaCard>[1]) => buttons(personaCard(p, o)).map((b) => b.action_id);
    expect(ids({ canTailor: true })).not.toContain(PersonaActionIds.tailor);
    expect(ids({ account: { ref: { account: 1 }, name: 'X' } })).not.toContain(PersonaActionIds.tailor);
    expect(ids({ account: { ref: { account: 1 }, name: 'X' }, canTailor: true })).toContain(PersonaActionIds.tailor);
    expect(buttons(personaCard(p, { interactive: false, sharedBy: 'U1SHARER' }))).toHaveLength(0);
    expect(text(personaCard(p, { interactive: false, sharedBy: 'U1SHARER' }))).toContain('shared by <@U1SHARER>');
  });

  it('labels the model’s part AI-generated and escapes it', () => {
    const m = tailoredCard(
      spec.personas[0]!,
      account,
      {
        talking_points: ['<!channel> one', 'two', 'three'],
        likely_objections: [{ objection: 'Too pricey', answer: 'ROI in a quarter' }],
      },
      { persona: spec.personas[0]!.id, account: 3 },
    );
    assertValidMessage(m);
    const t = text(m);
    expect(t).toContain('AI-generated talking points');
    expect(t).toContain('AI-generated likely objections');
    expect(t).toContain('&lt;!channel&gt; one');
    expect(t).toContain('*Tier 2* · score *64*/100');
  });

  it('renders help, company picker and unknown company validly', () => {
    for (const m of [
      personaHelp(),
      companyPicker(
        'Globex',
        [{ id: 1, name: 'Globex <!here>', domain: 'globex.se', industry: null, employees: null, country: 'SE' }],
        'Two names match.',
      ),
      unknownCompany('<!channel> Inc', []),
    ]) {
      assertValidMessage(m);
      expect(mrkdwnOf(m)).not.toMatch(/<!(channel|here)>/);
    }
  });

  it('round-trips button refs and rejects foreign values', () => {
    const ref = { persona: 'ciso', check: 12, full: true };
    expect(decodeRef(encodeRef(ref))).toEqual(ref);
    expect(decodeRef('not json')).toBeNull();
    expect(decodeRef('{"p":""}')).toBeNull();
    expect(decodeRef(undefined)).toBeNull();
  });
});
