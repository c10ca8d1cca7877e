import { describe, expect, it } from 'vitest';
import { renderBlocks } from '../../src/console/render.ts';
import { compileIcp } from '../../src/icp/engine.ts';
import type { Facts } from '../../src/icp/types.ts';
import { ActionIds, checkCard } from '../../src/slack/blocks/check.ts';
import type { ScoredOutcome } from '../../src/usecases/check-company.ts';
import { assertValidMessage } from '../helpers/blockkit.ts';
import { baseSpec } from '../icp/helpers.ts';

const icp = compileIcp(baseSpec(), 2);
const outcome = (facts: Facts): ScoredOutcome => ({
  kind: 'scored',
  checkId: 7,
  company: { accountId: 1, name: 'Quill & Co', domain: 'quill.example', known: true },
  result: icp.score(facts),
  icpName: 'Test ICP',
  warnings: [],
  origins: {},
  aiNote: null,
  query: 'Quill & Co',
});
const actionIds = (card: ReturnType<typeof checkCard>) =>
  card.blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b as unknown as { elements: { action_id: string }[] }).elements.map((e) => e.action_id));

describe('check card when data is missing', () => {
  it('says the tier is unknown in its headline, with the range and the share of data known, and offers Add details', () => {
    const card = checkCard(outcome({ industry: 'Fintech', country: 'SE' }));
    assertValidMessage(card);
    const headline = JSON.stringify(card.blocks[1]);
    expect(headline).toContain('Tier unknown: Not a fit to Tier 1, 40% of the data known');
    expect(headline).toContain('score *30*/100 on the known data, up to 90');
    expect(headline).not.toContain(':no_entry:');
    expect(card.text).toBe(
      'Quill &amp; Co: Tier unknown: Not a fit to Tier 1, 40% of the data known, score 30/100 on the known data',
    );
    expect(actionIds(card)).toEqual([ActionIds.share, ActionIds.addDetails, ActionIds.wrongTier]);
  });

  it('keeps a plain tier when the missing data cannot move it across a tier line', () => {
    const card = checkCard(
      outcome({ industry: 'Software', employees: 100, country: 'SE', tech_stack: ['HubSpot', 'Pipedrive'] }),
    );
    assertValidMessage(card);
    expect(JSON.stringify(card.blocks[1])).toContain(':large_green_circle: *Tier 1* · score *80*/100');
    expect(JSON.stringify(card.blocks)).not.toContain('Tier unknown');
    expect(actionIds(card)).toContain(ActionIds.addDetails);
  });

  it('keeps Not a fit, without Personas, when an exclusion fired', () => {
    const card = checkCard(outcome({ industry: 'Government' }));
    assertValidMessage(card);
    expect(JSON.stringify(card.blocks[1])).toContain('*Not a fit*');
    expect(actionIds(card)).not.toContain(ActionIds.personas);
  });

  it('shows the unknown tier in the console rendering, and Add details as a button', () => {
    const { text, buttons } = renderBlocks(checkCard(outcome({})).blocks as never);
    expect(text).toContain('Tier unknown: Not a fit to Tier 1, 0% of the data known');
    expect(buttons.map((b) => b.label)).toContain('Add missing details');
  });
});
