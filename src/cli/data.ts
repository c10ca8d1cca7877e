/**
 * `icp import|rescore|scores|suggest`: a workspace's CRM data in and its scores out, spread into the `icp`
 * command table by src/cli/icp.ts.
 */
import { listScores, rescoreAll } from '../../db/queries/scores.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { type StoredTier, storedTierLabels, storedTierText } from '../icp/types.ts';
import { parseStageMap } from '../import/stages.ts';
import { cliStarterCommands, starterText } from '../learn/starter.ts';
import { suggestionText } from '../learn/text.ts';
import { importFile } from '../usecases/import-file.ts';
import { starterIcp } from '../usecases/starter-icp.ts';
import { suggestIcp } from '../usecases/suggest-icp.ts';
import { type CliHandler, dateArg, need, print, readFile } from './common.ts';
import { csvLine } from './csv.ts';

export const dataCommands: Record<string, CliHandler> = {
  // Not written as a method named import(…): tsx's module lexer would take it for a dynamic import.
  import: async (ctx, [kind, file]) => {
    if (kind !== 'accounts' && kind !== 'deals' && kind !== 'churn' && kind !== 'subscriptions') {
      throw new AppError(
        ErrorCode.BadInput,
        'Say what to import: `icp import accounts|deals|churn|subscriptions <file.csv>`.',
      );
    }
    const path = need(file, 'the CSV file path');
    readFile(path);
    const format = String(ctx.flags.format ?? 'auto');
    if (!['auto', 'hubspot', 'salesforce', 'generic'].includes(format)) {
      throw new AppError(ErrorCode.BadInput, `--format must be auto, hubspot, salesforce or generic, got “${format}”.`);
    }
    const stageMap = parseStageMap(([] as unknown[]).concat(ctx.flags['stage-map'] ?? []).map(String));
    const progress = !ctx.json && process.stderr.isTTY;
    const summary = await importFile(ctx.deps.db, {
      teamId: ctx.teamId,
      kind,
      input: path,
      format: format as 'auto',
      stageMap,
      ...(typeof ctx.flags['churn-column'] === 'string' ? { churnColumn: ctx.flags['churn-column'] } : {}),
      onProgress: (n) => {
        if (progress && n % 5000 === 0) process.stderr.write(`\r  ${n.toLocaleString('en-US')} rows…`);
        else if (!progress && !ctx.json && n % 50_000 === 0) ctx.io.err(`  ${n.toLocaleString('en-US')} rows…`);
      },
    });
    if (progress) process.stderr.write('\r');
    // Still on the example ICP with accounts and deals in: say what their own data suggests instead.
    const starter = kind === 'accounts' || kind === 'deals' ? await starterIcp(ctx.deps, ctx.teamId) : null;
    const teamFlag = typeof ctx.flags.team === 'string' ? ` --team ${ctx.flags.team}` : '';
    print(ctx, { ...summary, starter }, () =>
      [
        `Imported ${summary.rows.toLocaleString('en-US')} ${kind} rows (${summary.format} format): ${summary.inserted} new, ${summary.updated} updated${summary.skipped ? `, ${summary.skipped} junk rows skipped` : ''}.`,
        ...(summary.linked !== undefined
          ? [`Linked to accounts: ${summary.linked}; without an account: ${summary.unlinked ?? 0}.`]
          : []),
        ...summary.warnings.map((w) => `  ! ${w}`),
        kind === 'accounts' ? 'Run `icp rescore` to score them.' : '',
        starter ? starterText(starter, cliStarterCommands(teamFlag)) : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    return 0;
  },

  async suggest(ctx) {
    const outcome = String(ctx.flags.outcome ?? 'win');
    if (outcome !== 'win' && outcome !== 'churn')
      throw new AppError(ErrorCode.BadInput, `--outcome must be win or churn, got “${outcome}”.`);
    const from = ctx.flags['holdout-from'];
    const holdoutFrom =
      typeof from === 'string' ? dateArg(from, '--holdout-from').toISOString().slice(0, 10) : undefined;
    const s = await suggestIcp(ctx.deps, {
      teamId: ctx.teamId,
      outcome,
      ...(holdoutFrom ? { holdoutFrom } : {}),
    });
    print(ctx, s, () => suggestionText(s, s.currentVersion));
    return 0;
  },

  async rescore(ctx) {
    const current = await ctx.deps.icp.current(ctx.teamId);
    const started = performance.now();
    const r = await rescoreAll(ctx.deps.db, ctx.teamId, current.compiled);
    const ms = Math.round(performance.now() - started);
    print(
      ctx,
      { icpVersion: current.version.version, ...r, ms },
      () =>
        `Scored ${r.accounts.toLocaleString('en-US')} accounts under ICP v${current.version.version} in ${ms} ms: ${Object.entries(
          r.byTier,
        )
          .map(([t, n]) => `${storedTierLabels[t as StoredTier] ?? t} ${n}`)
          .join(', ')}.`,
    );
    return 0;
  },

  async scores(ctx) {
    const rows = await listScores(ctx.deps.db, ctx.teamId);
    if (ctx.flags.csv) {
      const header = 'external_id,name,domain,score,tier,tier_low,tier_high,icp_version';
      const label = (t: string | null) => (t ? (storedTierLabels[t as StoredTier] ?? t) : '');
      const lines = rows.map((r) =>
        csvLine([
          r.externalId,
          r.name,
          r.domain,
          r.score,
          label(r.tier),
          label(r.tierLow),
          label(r.tierHigh),
          r.icpVersion,
        ]),
      );
      ctx.io.out([header, ...lines].join('\n'));
      return 0;
    }
    print(
      ctx,
      rows,
      () =>
        rows
          .map(
            (r) =>
              `${String(r.score ?? '–').padStart(4)}  ${storedTierText(r).padEnd(9)}  ${r.name}${r.domain ? ` (${r.domain})` : ''}`,
          )
          .join('\n') || 'No accounts yet: `icp import accounts <file.csv>`.',
    );
    return 0;
  },
};
