/**
 * A suggestion as plain text for a sales leader at a terminal: the verdict in one sentence, what each
 * attribute says, the backtest table, and the proposed file with how to apply it.
 */
import { tierLabels } from '../icp/types.ts';
import type { ModelBacktest } from './backtest.ts';
import type { Suggestion } from './suggest.ts';

const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
const count = (n: number) => n.toLocaleString('en-US');
const p3 = (p: number) => (p < 0.001 ? '<0.001' : p.toFixed(3));

/** One line per model: AUC with its interval, then each tier's holdout win rate and n (training rate after). */
export function backtestLines(s: Suggestion, currentVersion: number): string[] {
  const models: [string, ModelBacktest | null][] = [
    [`current ICP v${currentVersion}`, s.backtest.current],
    ['proposed ICP', s.backtest.proposed],
    ['naive Bayes', s.backtest.naiveBayes],
  ];
  const head = `  ${'model'.padEnd(18)}${'AUC (95% CI)'.padEnd(20)}${(['tier1', 'tier2', 'tier3', 'no_fit'] as const)
    .map((t) => tierLabels[t].padEnd(24))
    .join('')}`;
  const lines = [head];
  for (const [name, b] of models) {
    if (!b) continue;
    const auc = b.auc === null ? '–' : `${b.auc.toFixed(2)} (${b.aucCi![0].toFixed(2)}–${b.aucCi![1].toFixed(2)})`;
    const cells = b.tiers.map((t) => `${pct(t.winRate)} of ${count(t.n)} (fit ${pct(t.trainWinRate)})`.padEnd(24));
    lines.push(`  ${name.padEnd(18)}${auc.padEnd(20)}${cells.join('')}`);
  }
  return lines;
}

/** The whole suggestion as text. */
export function suggestionText(s: Suggestion, currentVersion: number): string {
  const d = s.data;
  const noun = s.outcome === 'win' ? 'decided deals' : 'customer periods';
  const out: string[] = [];
  out.push(
    `${s.signal === 'found' ? 'Signal found' : 'No signal'}: ${s.summary}`,
    '',
    `Data: ${count(d.n)} ${noun}, ${pct(d.rate)} ${s.outcome === 'win' ? 'won' : 'stayed'}; fitted on ${count(d.trainN)}${d.holdoutFrom ? ` before ${d.holdoutFrom}, tested on ${count(d.holdoutN)} from ${d.holdoutFrom} on` : ' (no holdout)'}.`,
    '',
    `What each attribute says (${s.outcome === 'win' ? 'win rate' : 'retention'} per group, 95% interval, lift over all; * = significant after false-discovery control):`,
  );
  for (const a of s.attributes) {
    out.push(
      `${a.significant ? '*' : ' '} ${a.label} (${a.field}): IV ${a.iv.toFixed(3)}, p ${p3(a.pValue)}, q ${p3(a.qValue)}`,
    );
    for (const g of a.groups) {
      out.push(
        `      ${g.label.slice(0, 28).padEnd(30)}${pct(g.rate).padStart(5)} (${pct(g.ci[0])}–${pct(g.ci[1])})  n = ${count(g.n).padEnd(8)} lift ${g.lift.toFixed(2)}`,
      );
    }
  }
  out.push(
    '',
    `Backtest (holdout ${s.outcome === 'win' ? 'win rate' : 'retention'} of n deals per tier; "fit" = the same tier on the training data; unknown fields count at their average):`,
  );
  out.push(...backtestLines(s, currentVersion));
  if (s.proposal) {
    out.push('', `Why (compared with ICP v${currentVersion}):`, ...s.proposal.reasons.map((r) => `  • ${r}`));
    out.push('', 'Changes:', ...s.proposal.diff.map((l) => `  • ${l}`));
    out.push(
      '',
      'To apply it: save the file below (or `npm run icp -- suggest --json | jq -r .proposal.yaml > proposed-icp.yml`),',
      'then `npm run icp -- apply proposed-icp.yml` and `npm run icp -- rescore`.',
      '',
      s.proposal.yaml,
    );
  }
  return out.join('\n');
}
