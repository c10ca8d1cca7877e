/**
 * The ICP suggestion in Slack (`/icp-review suggest`, "Suggest changes" on the reminder and in App Home):
 * the verdict, what the strongest attributes say, the proposed changes with one sentence each, the
 * out-of-time backtest, and Review & apply / Dismiss. Pure builders, validated against Block Kit in tests.
 * Buttons carry only the stored proposal's id and the ICP version it was computed against, never the YAML.
 */
import type { ModelBacktest } from '../../learn/backtest.ts';
import type { AttributeSummary, LearnOutcome, Suggestion } from '../../learn/suggest.ts';
import { escapeMrkdwn, truncate } from '../mrkdwn.ts';
import { actions, button, capBlocks, context, header, mention, modalText, section, sections } from './kit.ts';
import { day, ReviewActionIds, ReviewCallbackIds } from './review-ids.ts';
import type { Block, Message, ModalView } from './types.ts';

export interface SuggestionData {
  suggestion: Suggestion & { currentVersion: number };
  /** The stored proposal; null when nothing is proposed or the ICP already is the proposal. */
  proposal: {
    id: number;
    baseVersion: number;
    dismissed: { by: string; at: Date; reason: string | null } | null;
  } | null;
  upToDate: boolean;
  owners: readonly string[];
  /** The viewer is an ICP owner: only owners may apply or dismiss. */
  canApply: boolean;
  /** Show a dismissed proposal in full (the viewer asked for it) instead of the one-line reminder of the dismissal. */
  showDismissed?: boolean;
}

const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
const count = (n: number) => n.toLocaleString('en-US');
const p3 = (p: number) => (p < 0.001 ? '< 0.001' : `= ${p.toFixed(3)}`);
const esc = (s: string, max = 200) => escapeMrkdwn(truncate(s.replace(/\s+/g, ' ').trim(), max));

/** Value of the Suggest button: the outcome, and whether a dismissed proposal is shown anyway. */
export function suggestValue(outcome: LearnOutcome, showDismissed = false): string {
  return showDismissed ? `${outcome}:all` : outcome;
}

export function parseSuggestValue(value: string | undefined): { outcome: LearnOutcome; showDismissed: boolean } {
  const m = /^(win|churn)(:all)?$/.exec(value ?? '');
  return { outcome: m?.[1] === 'churn' ? 'churn' : 'win', showDismissed: Boolean(m?.[2]) };
}

/** Value of Review & apply and Dismiss: `<proposal id>:<base version>`. */
export const proposalRef = (id: number, base: number) => `${id}:${base}`;

export function parseProposalRef(value: string | undefined): { id: number; base: number } | null {
  const m = /^(\d{1,12}):(\d{1,9})$/.exec(value ?? '');
  return m ? { id: Number(m[1]), base: Number(m[2]) } : null;
}

const WORDS = {
  win: { noun: 'decided deals', rate: 'win rate', won: 'won' },
  churn: { noun: 'customer periods', rate: 'retention', won: 'stayed' },
} as const;

function dataLine(s: Suggestion): string {
  const d = s.data;
  const w = WORDS[s.outcome];
  const split = d.holdoutFrom
    ? `fitted on ${count(d.trainN)} before ${d.holdoutFrom}, tested on ${count(d.holdoutN)} from then on`
    : 'no holdout (too few dated outcomes)';
  return `${count(d.n)} ${w.noun}, ${pct(d.rate)} ${w.won} · ${split} · outcome: ${w.rate}`;
}

/** The attributes with signal (by information value), each with its most telling groups. */
export function attributeLines(s: Suggestion, max = 4): string[] {
  const ranked = [...s.attributes].sort(
    (a, b) => Number(b.significant) - Number(a.significant) || b.iv - a.iv || a.field.localeCompare(b.field),
  );
  const w = WORDS[s.outcome];
  // The attributes with signal; when none has any, the two closest, so "no signal" shows its numbers.
  const significant = ranked.filter((a) => a.significant);
  const shownAttrs = significant.length > 0 ? significant.slice(0, max) : ranked.slice(0, 2);
  return shownAttrs.map((a: AttributeSummary) => {
    const groups = [...a.groups].sort((x, y) => y.lift - x.lift);
    const shown = groups.length > 4 ? [...groups.slice(0, 2), ...groups.slice(-2)] : groups;
    const head = `*${esc(a.label, 80)}* · information value ${a.iv.toFixed(2)} · q ${p3(a.qValue)}${a.significant ? ' · :white_check_mark: significant' : ' · not significant'}`;
    const lines = shown.map(
      (g) =>
        `    • ${esc(g.label, 60)}: ${w.rate} ${pct(g.rate)} (95% CI ${pct(g.ci[0])}–${pct(g.ci[1])}), n = ${count(g.n)}, lift ${g.lift.toFixed(2)}`,
    );
    if (groups.length > shown.length) lines.splice(2, 0, `    • … ${groups.length - shown.length} more groups`);
    return [head, ...lines].join('\n');
  });
}

function modelLine(name: string, b: ModelBacktest | null, outcome: LearnOutcome): string | null {
  if (!b) return null;
  const auc =
    b.auc === null ? 'AUC –' : `AUC ${b.auc.toFixed(2)} (95% CI ${b.aucCi![0].toFixed(2)}–${b.aucCi![1].toFixed(2)})`;
  const row = (t: string) => b.tiers.find((r) => r.tier === t);
  const t1 = row('tier1');
  const nf = row('no_fit');
  const w = WORDS[outcome].won;
  const tiers =
    t1 && nf
      ? `Tier 1 ${w} ${pct(t1.winRate)} of ${count(t1.n)} vs Not a fit ${pct(nf.winRate)} of ${count(nf.n)}`
      : '';
  return `• *${name}*: ${auc}${tiers ? ` · ${tiers}` : ''}`;
}

/** Current ICP, proposal and naive Bayes on the holdout: AUC with its interval, Tier 1 vs Not a fit with n. */
export function backtestLines(s: Suggestion & { currentVersion: number }): string[] {
  const head = s.backtest.holdoutFrom
    ? `*Out-of-time backtest* on ${count(s.data.holdoutN)} ${WORDS[s.outcome].noun} from ${s.backtest.holdoutFrom} (models fitted before it):`
    : '*Backtest* (no holdout: fitted and tested on the same data):';
  const models = [
    modelLine(`Current ICP v${s.currentVersion}`, s.backtest.current, s.outcome),
    modelLine('Proposed ICP', s.backtest.proposed, s.outcome),
    modelLine('Naive Bayes (reference)', s.backtest.naiveBayes, s.outcome),
  ].filter((l): l is string => l !== null);
  return [head, ...models];
}

/** "What changes" (the diff) and "Why" (one sentence per criterion and exclusion), escaped, capped at `max` each. */
export function changeLines(diff: readonly string[], reasons: readonly string[], base: number, max = 12): string[] {
  const cap = (xs: readonly string[]) => [
    ...xs.slice(0, max).map((l) => `• ${esc(l, 300)}`),
    ...(xs.length > max ? [`• … ${xs.length - max} more (Review & apply shows them all)`] : []),
  ];
  return [`*What changes against ICP v${base}:*`, ...cap(diff), '*Why:*', ...cap(reasons)];
}

const ownersText = (owners: readonly string[]) =>
  owners.length === 0 ? 'an ICP owner (none are listed in the ICP file)' : owners.map(mention).join(' or ');

function dismissedText(d: { by: string; at: Date; reason: string | null }): string {
  return `dismissed by ${mention(d.by)} on ${day(d.at)}${d.reason ? ` (“${esc(d.reason, 300)}”)` : ''}`;
}

/** The suggestion's blocks, shared by the ephemeral message and the App Home modal. */
export function suggestionBlocks(d: SuggestionData): Block[] {
  const s = d.suggestion;
  const cli = `Same figures at a terminal: \`npm run icp -- suggest${s.outcome === 'churn' ? ' --outcome churn' : ''}\``;
  const dismissed = d.proposal?.dismissed ?? null;
  if (dismissed && !d.showDismissed) {
    return [
      section(
        `:no_bell: *No new ICP suggestion.* Your data still proposes the change ${dismissedText(dismissed)}. It is offered again once new data changes the proposal.`,
      ),
      context(esc(s.summary, 1500)),
      actions(
        [button('Show it anyway', ReviewActionIds.suggest, { value: suggestValue(s.outcome, true) })],
        'icp_suggest_dismissed_actions',
      ),
    ];
  }
  const headline = d.upToDate
    ? `:white_check_mark: *Your ICP v${s.currentVersion} already is what the data proposes.* ${esc(s.summary, 2500)}`
    : s.signal === 'found'
      ? `:bulb: *Signal found.* ${esc(s.summary, 2500)}`
      : `:information_source: *No signal: nothing is proposed.* ${esc(s.summary, 2500)}`;
  const blocks: Block[] = [
    header(s.outcome === 'churn' ? 'ICP suggestion (retention)' : 'ICP suggestion'),
    section(headline),
    context(esc(dataLine(s), 1500)),
  ];
  const attrs = attributeLines(s);
  if (attrs.length > 0) {
    blocks.push(section(`*What each attribute says* (${WORDS[s.outcome].rate} by group, strongest first):`));
    blocks.push(...attrs.map((a) => section(a)));
  }
  if (d.proposal && s.proposal) {
    blocks.push(...sections(changeLines(s.proposal.diff, s.proposal.reasons, d.proposal.baseVersion), 3));
  }
  blocks.push(...sections(backtestLines(s), 2));
  if (d.proposal) {
    if (dismissed) blocks.push(context(`:no_bell: This proposal was ${dismissedText(dismissed)}.`));
    const ref = proposalRef(d.proposal.id, d.proposal.baseVersion);
    blocks.push(
      actions(
        [
          button(d.canApply ? 'Review & apply' : 'Review', ReviewActionIds.suggestReview, {
            value: ref,
            style: 'primary',
          }),
          ...(d.canApply ? [button('Dismiss', ReviewActionIds.suggestDismiss, { value: ref })] : []),
        ],
        'icp_suggest_actions',
      ),
    );
    if (!d.canApply) {
      blocks.push(
        context(
          `:lock: Only ${ownersText(d.owners)} can apply or dismiss it (the owners listed in the ICP file). *Review* shows the whole proposal.`,
        ),
      );
    }
  }
  blocks.push(context(cli));
  return blocks;
}

/** Fallback text: the verdict in one line. */
function fallback(d: SuggestionData): string {
  const s = d.suggestion;
  if (d.proposal?.dismissed && !d.showDismissed)
    return 'No new ICP suggestion: the data still proposes a dismissed change.';
  const head = d.upToDate ? 'Your ICP already matches the data' : s.signal === 'found' ? 'ICP suggestion' : 'No signal';
  return truncate(`${head}: ${s.summary}`, 500);
}

/** The suggestion as an ephemeral message (`/icp-review suggest`, Suggest changes on the reminder). */
export function suggestionMessage(d: SuggestionData): Message {
  return { text: escapeMrkdwn(fallback(d)), blocks: capBlocks(suggestionBlocks(d), 'message') };
}

const HOLDING = ':hourglass_flowing_sand: Profiling your accounts and deals… this can take a few seconds.';

/** The holding line while a suggestion is computed again in place. */
export function suggestionHolding(): Message {
  return { text: 'Computing the ICP suggestion…', blocks: [section(HOLDING)] };
}

/** The suggestion in a modal (from App Home); `null`: the holding view while it is computed. */
export function suggestionModal(d: SuggestionData | null): ModalView {
  return {
    type: 'modal',
    callback_id: ReviewCallbackIds.suggestion,
    title: modalText('ICP suggestion'),
    close: modalText('Close'),
    blocks: d ? capBlocks(suggestionBlocks(d), 'modal') : [section(HOLDING)],
  };
}
