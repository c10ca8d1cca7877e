import { describe, expect, it } from 'vitest';
import { parseIcpYaml } from '../../src/icp/spec.ts';
import { suggestFromUnits } from '../../src/learn/suggest.ts';
import { ReviewActionIds, ReviewCallbackIds } from '../../src/slack/blocks/review-ids.ts';
import {
  parseProposalRef,
  parseSuggestValue,
  type SuggestionData,
  suggestionMessage,
  suggestionModal,
} from '../../src/slack/blocks/suggestion.ts';
import {
  appliedMessage,
  applyModal,
  dismissedMessage,
  dismissModal,
  parseSuggestionMetadata,
  staleMessage,
  yamlSections,
} from '../../src/slack/blocks/suggestion-modals.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { assertValidMessage, assertValidModal } from '../helpers/blockkit.ts';
import { buttonValue } from '../helpers/http-suite.ts';
import { planted } from '../learn/planted.ts';

const OWNER = 'U0OWNER01';
const current = { spec: parseIcpYaml(readDefaultIcp()), version: 3 };
const hostile = '<!channel> *Fin*_tech_ & Co';

function suggestion(signal: boolean, seed = 5) {
  const units = planted(seed, 2500, signal).map((u) =>
    u.facts.industry === 'Fintech' ? { ...u, facts: { ...u.facts, industry: hostile } } : u,
  );
  return { ...suggestFromUnits(units, { outcome: 'win', current, holdoutFrom: '2026-01-01' }), currentVersion: 3 };
}

const found = suggestion(true);
const none = suggestion(false, 7);

const data = (o: Partial<SuggestionData> = {}): SuggestionData => ({
  suggestion: found,
  proposal: { id: 42, baseVersion: 3, dismissed: null },
  upToDate: false,
  owners: [OWNER],
  canApply: true,
  ...o,
});

const text = (x: unknown) => JSON.stringify(x);

describe('suggestion builders', () => {
  it('shows the verdict, attributes, changes, backtest and the two buttons to an owner', () => {
    expect(found.signal).toBe('found');
    const msg = suggestionMessage(data());
    assertValidMessage(msg);
    assertValidModal(suggestionModal(data()));
    const t = text(msg.blocks);
    expect(t).toContain('Signal found');
    expect(t).toMatch(/Industry\* · information value \d\.\d\d/);
    expect(t).toMatch(/win rate \d+% \(95% CI \d+%–\d+%\), n = [\d,]+, lift \d\.\d\d/);
    expect(t).toContain('What changes against ICP v3');
    expect(t).toMatch(/win \d+% vs \d+% elsewhere, n = [\d,]+/);
    expect(t).toMatch(/Current ICP v3\*: AUC (–|\d\.\d\d \(95% CI)/);
    expect(t).toMatch(
      /Proposed ICP\*: AUC \d\.\d\d \(95% CI \d\.\d\d–\d\.\d\d\) · Tier 1 won \d+% of [\d,]+ vs Not a fit \d+% of [\d,]+/,
    );
    expect(t).toContain('Naive Bayes');
    expect(buttonValue(msg as never, ReviewActionIds.suggestReview)).toBe('42:3');
    expect(buttonValue(msg as never, ReviewActionIds.suggestDismiss)).toBe('42:3');
    expect(t).not.toContain('criteria:');
  });

  it('escapes CRM values everywhere they appear', () => {
    const all = [text(suggestionMessage(data())), text(applyModal({ ...applyData(), canApply: true }))].join('\n');
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('&lt;!channel&gt;');
  });

  it('tells a non-owner who can apply and offers only the read-only review', () => {
    const msg = suggestionMessage(data({ canApply: false }));
    assertValidMessage(msg);
    expect(text(msg.blocks)).toContain(`Only <@${OWNER}> can apply or dismiss it`);
    expect(() => buttonValue(msg as never, ReviewActionIds.suggestDismiss)).toThrow();
    expect(buttonValue(msg as never, ReviewActionIds.suggestReview)).toBe('42:3');
  });

  it('says "no signal" with the numbers and offers no buttons', () => {
    expect(none.signal).toBe('none');
    const msg = suggestionMessage(data({ suggestion: none, proposal: null }));
    assertValidMessage(msg);
    expect(text(msg.blocks)).toMatch(
      /No signal: nothing is proposed.\* In [\d,]+ decided deals no attribute separates/,
    );
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('reminds of a dismissal in one line, and shows it in full when asked', () => {
    const dismissed = { by: OWNER, at: new Date('2026-07-01T00:00:00Z'), reason: 'New <market> push' };
    const short = suggestionMessage(data({ proposal: { id: 42, baseVersion: 3, dismissed } }));
    assertValidMessage(short);
    expect(text(short.blocks)).toContain(`dismissed by <@${OWNER}> on 2026-07-01 (“New &lt;market&gt; push”)`);
    expect(buttonValue(short as never, ReviewActionIds.suggest)).toBe('win:all');
    expect(() => buttonValue(short as never, ReviewActionIds.suggestReview)).toThrow();
    const full = suggestionMessage(data({ proposal: { id: 42, baseVersion: 3, dismissed }, showDismissed: true }));
    assertValidMessage(full);
    expect(buttonValue(full as never, ReviewActionIds.suggestReview)).toBe('42:3');
  });

  it('says when the ICP already is the proposal', () => {
    const msg = suggestionMessage(data({ proposal: null, upToDate: true }));
    assertValidMessage(msg);
    expect(text(msg.blocks)).toContain('Your ICP v3 already is what the data proposes');
  });

  const applyData = () => ({
    ref: { id: 42, base: 3, responseUrl: 'https://hooks.slack.com/actions/T/1/x' },
    currentVersion: 3,
    outcome: 'win' as const,
    summary: found.summary,
    diff: found.proposal!.diff,
    reasons: found.proposal!.reasons,
    yaml: found.proposal!.yaml,
    owners: [OWNER],
    canApply: true,
  });

  it('builds the review modal with the whole file, a note and "Apply as v4" for an owner', () => {
    const view = applyModal(applyData());
    assertValidModal(view);
    expect(view.callback_id).toBe(ReviewCallbackIds.suggestApply);
    expect(view.submit?.text).toBe('Apply as v4');
    expect(text(view)).toContain('criteria:');
    expect(text(view)).toContain('npm run icp -- rollback 3');
    expect(parseSuggestionMetadata(view.private_metadata)).toEqual(applyData().ref);
    const readOnly = applyModal({ ...applyData(), canApply: false });
    assertValidModal(readOnly);
    expect(readOnly.submit).toBeUndefined();
    expect(text(readOnly)).toContain(`Only <@${OWNER}> can apply it`);
  });

  it('refuses in the modal itself when the ICP moved on, and offers to recompute', () => {
    const view = applyModal({ ...applyData(), currentVersion: 5 });
    assertValidModal(view);
    expect(view.submit).toBeUndefined();
    expect(text(view)).toContain('computed against version 3; the current version is 5');
    expect(buttonValue(view as never, ReviewActionIds.suggest)).toBe('win:all');
    assertValidMessage(staleMessage(3, 5, 'churn'));
  });

  it('keeps a huge proposed file within modal limits', () => {
    const yaml = Array.from({ length: 4000 }, (_, i) => `  - value_${i}: "${'x'.repeat(40)}"`).join('\n');
    const view = applyModal({
      ...applyData(),
      yaml,
      diff: Array(500).fill('Industry: added values X'),
      reasons: Array(300).fill('r'),
    });
    assertValidModal(view);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(
      yamlSections('a ``` b')
        .map((b) => text(b))
        .join(''),
    ).not.toContain('a ``` b');
  });

  it('confirms an applied version with its rollback, and a dismissal', () => {
    const msg = appliedMessage({
      version: 4,
      previous: 3,
      by: OWNER,
      changes: found.proposal!.diff,
      rescored: { accounts: 2500, byTier: { tier1: 300, tier2: 700, no_fit: 1500 } },
    });
    assertValidMessage(msg);
    expect(text(msg.blocks)).toContain('Applied as ICP version 4*, approved by <@U0OWNER01> (replaces version 3)');
    expect(text(msg.blocks)).toContain('Tier 1 300 · Tier 2 700 · Not a fit 1,500');
    expect(text(msg.blocks)).toContain('npm run icp -- rollback 3');
    assertValidModal(dismissModal({ id: 42, base: 3 }));
    const d = dismissedMessage(OWNER, '<!here> not now');
    assertValidMessage(d);
    expect(text(d.blocks)).toContain('&lt;!here&gt; not now');
  });

  it('parses button values and metadata strictly', () => {
    expect(parseSuggestValue('churn')).toEqual({ outcome: 'churn', showDismissed: false });
    expect(parseSuggestValue('win:all')).toEqual({ outcome: 'win', showDismissed: true });
    expect(parseSuggestValue('due')).toEqual({ outcome: 'win', showDismissed: false });
    expect(parseProposalRef('42:3')).toEqual({ id: 42, base: 3 });
    expect(parseProposalRef('42')).toBeNull();
    expect(parseSuggestionMetadata('{"id":1}')).toBeNull();
    expect(parseSuggestionMetadata('not json')).toBeNull();
    expect(parseSuggestionMetadata('{"id":1,"base":2,"responseUrl":"javascript:x"}')).toEqual({ id: 1, base: 2 });
  });
});
