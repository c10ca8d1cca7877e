/**
 * `icp check|drift|remind|review`: a company check, the drift report, the reminders and ICP reviews,
 * spread into the `icp` command table by src/cli/icp.ts.
 */
import { renderBlocks } from '../console/render.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { renderOutcome } from '../slack/blocks/outcome.ts';
import { driftReportText } from '../slack/blocks/review.ts';
import { checkCompany } from '../usecases/check-company.ts';
import { markReviewed } from '../usecases/mark-reviewed.ts';
import { driftReportFor, reviewContext } from '../usecases/reminders/compose.ts';
import { sendDueReminders } from '../usecases/reminders/pass.ts';
import { type CliHandler, dateArg, print, windowArg } from './common.ts';

export const reviewCommands: Record<string, CliHandler> = {
  async check(ctx, args) {
    const text = args.join(' ');
    if (!text.trim())
      throw new AppError(ErrorCode.BadInput, 'Say which company: `icp check "acme.com" [key=value …]`.');
    const outcome = await checkCompany(ctx.deps, { teamId: ctx.teamId, userId: ctx.userId, text, useAi: true });
    if (ctx.json) {
      if (outcome.kind === 'scored') {
        const r = outcome.result;
        ctx.io.out(
          JSON.stringify(
            {
              kind: 'scored',
              company: outcome.company,
              score: r.score,
              tier: r.tier,
              tierRange: r.tierRange,
              exclusions: r.exclusions,
              uncheckedExclusions: r.uncheckedExclusions,
              criteria: r.lines,
              coverage: r.coverage,
              missingFields: r.missingFields,
              range: r.range,
              icpVersion: r.icpVersion,
              warnings: outcome.warnings,
              checkId: outcome.checkId,
            },
            null,
            2,
          ),
        );
      } else ctx.io.out(JSON.stringify(outcome, null, 2));
    } else {
      // The CLI has no buttons: drop the "[1: Share in channel]" row the console shows.
      const rendered = renderBlocks(renderOutcome(outcome).blocks as never).text;
      ctx.io.out(
        rendered
          .split('\n')
          .filter((l) => !l.trimStart().startsWith('[1: '))
          .join('\n'),
      );
    }
    return outcome.kind === 'scored' || outcome.kind === 'help' ? 0 : 2;
  },

  async drift(ctx) {
    const asOfFlag = ctx.flags['as-of'];
    const asOf = typeof asOfFlag === 'string' ? dateArg(asOfFlag) : new Date(ctx.deps.now());
    const report = await driftReportFor(ctx.deps, ctx.teamId, asOf, windowArg(ctx.flags.window));
    print(ctx, report, () => driftReportText(report));
    return 0;
  },

  async remind(ctx) {
    if (!ctx.flags.now) throw new AppError(ErrorCode.BadInput, 'Say `icp remind --now` to send the due reminders now.');
    if (ctx.config.slack.mode === 'console') {
      throw new AppError(
        ErrorCode.BadInput,
        '`icp remind` posts to Slack: set SLACK_BOT_TOKEN (or, for OAuth installs, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET).',
      );
    }
    // Posts as the running app does: its bot token, or each workspace's installed token (OAuth).
    const r = await sendDueReminders(ctx.deps, undefined, { now: new Date(ctx.deps.now()) });
    print(ctx, r, () =>
      [
        `Posted ${r.posted.length}, reconciled ${r.reconciled.length}, retrying ${r.retrying.length}, failed ${r.failed.length}.`,
        ...r.errors.map((e) => `  ${e.teamId}: ${e.error}`),
      ].join('\n'),
    );
    return r.failed.length > 0 || r.errors.length > 0 ? 2 : 0;
  },

  async review(ctx) {
    const now = new Date(ctx.deps.now());
    const note = typeof ctx.flags.note === 'string' && ctx.flags.note.trim() !== '' ? ctx.flags.note.trim() : null;
    const { review: row } = await markReviewed(ctx.deps, {
      teamId: ctx.teamId,
      reviewedBy: ctx.userId,
      note,
      icpChanged: Boolean(ctx.flags.changed),
      now,
    });
    const { status } = await reviewContext(ctx.deps, ctx.teamId, now);
    print(
      ctx,
      {
        id: row.id,
        reviewedBy: row.reviewedBy,
        reviewedAt: row.reviewedAt,
        icpVersion: row.icpVersion,
        icpChanged: row.icpChanged,
        note: row.note,
        nextDueAt: status.dueAt,
      },
      () =>
        `Recorded review #${row.id} of ICP version ${row.icpVersion} by ${row.reviewedBy}${row.icpChanged ? ' (ICP changed)' : ''}. Next review due ${status.dueAt.toISOString().slice(0, 10)}.`,
    );
    return 0;
  },
};
