/**
 * `/icp-review [history | settings | suggest [churn] | help]` (suggest is answered by icp-suggest.ts), the reminder buttons (Mark reviewed, Snooze 7 days,
 * Details) and the review and settings modals. Listener → use case (src/review) → pure builders
 * (src/slack/blocks/review.ts) → ack / respond.
 */
import type { App, BlockAction, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { listReviews } from '../db/queries/reviews.ts';
import type { Deps } from '../src/deps.ts';
import { AppError, ErrorCode, userMessageFor } from '../src/errors.ts';
import { COMMON_TIMEZONES, isOwner, validateSettings } from '../src/review/settings.ts';
import { answerCommand } from '../src/slack/answer.ts';
import { notice } from '../src/slack/blocks/check.ts';
import {
  driftDetailsMessage,
  historyMessage,
  type MarkReviewedMetadata,
  markReviewedModal,
  ownersOnly,
  parseMarkReviewedSubmission,
  parseSettingsSubmission,
  type ReminderKind,
  ReviewActionIds,
  ReviewCallbackIds,
  ReviewInputIds,
  reportModal,
  reviewHelp,
  settingsModal,
  settingsSaved,
} from '../src/slack/blocks/review.ts';
import type { Message, ModalView } from '../src/slack/blocks/types.ts';
import type { ActionArgs, CommandArgs, Policy, ViewArgs } from '../src/slack/listen.ts';
import * as listen from '../src/slack/listen.ts';
import { markReviewed } from '../src/usecases/mark-reviewed.ts';
import { composeReminder, composeReviewed, driftReportFor, reviewContext } from '../src/usecases/reminders/compose.ts';
import { loadReviewSettings, saveReviewSettings, snoozeReminders } from '../src/usecases/review-settings.ts';
import type { Home } from './app-home.ts';
import { answerSuggest, parseSuggestText } from './icp-suggest.ts';

export const commandNames = ['/icp-review'];

const Subcommand = z.enum(['report', 'history', 'settings', 'suggest', 'help']);

/** Parses the command text; anything unknown is answered with the help. */
export function parseReviewText(text: string): z.infer<typeof Subcommand> | 'unknown' {
  const word = text.trim().toLowerCase().split(/\s+/)[0] ?? '';
  if (word === '') return 'report';
  const parsed = Subcommand.safeParse(word);
  return parsed.success && parsed.data !== 'report' ? parsed.data : 'unknown';
}

const refusal = ownersOnly;

async function historyFor(deps: Deps, teamId: string): Promise<Message> {
  const now = new Date(deps.now());
  const [rows, ctx] = await Promise.all([listReviews(deps.db, teamId, 20), reviewContext(deps, teamId, now)]);
  return historyMessage(rows, ctx.status);
}

/** The reminder settings modal for an ICP owner (from /icp-review settings or App Home), or the refusal. */
async function settingsFor(
  deps: Deps,
  teamId: string,
  userId: string,
): Promise<{ ok: true; view: ModalView } | { ok: false; refusal: Message }> {
  const ctx = await reviewContext(deps, teamId, new Date(deps.now()));
  if (!isOwner(ctx.icp.owners, userId)) {
    return { ok: false, refusal: refusal(ctx.icp.owners, 'change the ICP review settings') };
  }
  return { ok: true, view: settingsModal(await loadReviewSettings(deps.db, teamId), COMMON_TIMEZONES) };
}

const kinds = new Set<ReminderKind>(['due', 'drift', 'manual']);

export function register(app: App, deps: Deps, home: Home): void {
  app.command('/icp-review', listen.command(deps, '/icp-review', icpReview(deps)));
  app.action<BlockAction>(ReviewActionIds.markReviewed, listen.action(deps, 'mark reviewed', openMarkReviewed(deps)));
  app.view<ViewSubmitAction>(
    ReviewCallbackIds.markReviewed,
    listen.view(deps, 'mark reviewed submission', submitMarkReviewed(deps, home)),
  );
  app.action<BlockAction>(ReviewActionIds.snooze, listen.action(deps, 'snooze reminders', snooze(deps)));
  app.action<BlockAction>(ReviewActionIds.details, listen.action(deps, 'review details', details(deps)));
  app.action<BlockAction>(ReviewActionIds.homeReport, listen.action(deps, 'drift report modal', homeReport(deps)));
  app.action<BlockAction>(
    ReviewActionIds.homeSettings,
    listen.action(deps, 'settings from App Home', homeSettings(deps)),
  );
  app.view<ViewSubmitAction>(
    ReviewCallbackIds.settings,
    listen.view(deps, 'settings submission', submitSettings(deps, home)),
  );
}

export const icpReview =
  (deps: Deps) =>
  async ({ command, ack, respond, client }: CommandArgs): Promise<void> => {
    const teamId = command.team_id;
    const sub = parseReviewText(command.text ?? '');
    await answerCommand({ ack, respond }, async (answer) => {
      const outcome = sub === 'suggest' ? parseSuggestText(command.text ?? '') : null;
      if (sub === 'help' || sub === 'unknown' || (sub === 'suggest' && !outcome)) {
        await answer.send(reviewHelp());
        return;
      }
      if (outcome) {
        await answerSuggest(deps, { teamId, userId: command.user_id, outcome }, answer);
        return;
      }
      if (sub === 'settings') {
        const settings = await settingsFor(deps, teamId, command.user_id);
        if (!settings.ok) {
          await answer.send(settings.refusal);
          return;
        }
        // trigger_id lives 3 s: ack at once, then open the modal.
        await answer.hold();
        await client.views.open({ trigger_id: command.trigger_id, view: settings.view as never });
        return;
      }
      // One drift query: normally fast enough to answer inside the ack.
      const work: Promise<Message> =
        sub === 'history'
          ? historyFor(deps, teamId)
          : composeReminder(deps, teamId, { kind: 'manual', asOf: new Date(deps.now()) }).then((r) => r.message);
      await answer.within(work, ':hourglass_flowing_sand: Computing the drift report…');
    });
  };

function triggerOf(body: { trigger_id?: string }): string {
  if (!body.trigger_id) throw new AppError(ErrorCode.NoTrigger);
  return body.trigger_id;
}

export const openMarkReviewed =
  (deps: Deps) =>
  async ({ body, action, client, tell }: ActionArgs & Policy): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const ctx = await reviewContext(deps, teamId, new Date(deps.now()));
    if (!isOwner(ctx.icp.owners, body.user.id)) {
      await tell(refusal(ctx.icp.owners, 'mark the ICP reviewed'));
      return;
    }
    const triggerId = triggerOf(body);
    const value = (action as { value?: string }).value as ReminderKind | undefined;
    const container = body.container as { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
    const channel = container.channel_id ?? body.channel?.id;
    const ts = container.message_ts ?? body.message?.ts;
    // An ephemeral message cannot be chat.update'd: it is replaced through its response_url instead.
    const meta: MarkReviewedMetadata = {
      ...(value && kinds.has(value) ? { kind: value } : {}),
      ...(container.is_ephemeral || !ts || !channel
        ? body.response_url
          ? { responseUrl: body.response_url }
          : {}
        : { channel, ts }),
    };
    await client.views.open({ trigger_id: triggerId, view: markReviewedModal(meta, ctx.icp.name) as never });
  };

export const submitMarkReviewed =
  (deps: Deps, home: Home) =>
  async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const now = new Date(deps.now());
    const ctx = await reviewContext(deps, teamId, now);
    // Checked again here: a view_submission is a request of its own.
    if (!isOwner(ctx.icp.owners, userId)) {
      await ack({
        response_action: 'errors',
        errors: {
          [ReviewInputIds.note.block]: `Only ${ctx.icp.owners.join(', ') || 'ICP owners'} can mark it reviewed.`,
        },
      });
      return;
    }
    await ack();
    let meta: MarkReviewedMetadata = {};
    try {
      meta = JSON.parse(view.private_metadata || '{}') as MarkReviewedMetadata;
    } catch {
      // The review is still recorded; only the reminder it came from is not updated.
      meta = {};
    }
    const parsed = parseMarkReviewedSubmission(view.state.values as never);
    const { report, since } = await markReviewed(deps, { teamId, reviewedBy: userId, ...parsed, now });
    const msg = await composeReviewed(deps, teamId, {
      kind: meta.kind && kinds.has(meta.kind) ? meta.kind : 'due',
      report,
      by: userId,
      at: now,
      feedbackSince: since,
    });
    try {
      if (meta.channel && meta.ts) {
        await client.chat.update({ channel: meta.channel, ts: meta.ts, text: msg.text, blocks: msg.blocks as never });
      } else if (meta.responseUrl) {
        const f = deps.fetch ?? globalThis.fetch;
        await f(meta.responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ replace_original: true, ...msg }),
        });
      }
    } catch (err) {
      deps.logger.warn('review stored but the reminder could not be updated', err);
    }
    await home.refresh(client, teamId, userId); // "Last reviewed" and the due date moved
  };

export const snooze =
  (deps: Deps) =>
  async ({ body, tell }: ActionArgs & Policy): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const now = new Date(deps.now());
    const ctx = await reviewContext(deps, teamId, now);
    if (!isOwner(ctx.icp.owners, body.user.id)) {
      await tell(refusal(ctx.icp.owners, 'snooze ICP review reminders'));
      return;
    }
    const until = await snoozeReminders(deps.db, teamId, body.user.id, now);
    deps.logger.info('review reminders snoozed', { teamId, until: until.toISOString() });
    await tell(notice(`Review reminders snoozed until ${until.toISOString().slice(0, 10)}.`, ':zzz:'));
  };

export const details =
  (deps: Deps) =>
  async ({ body, action, tell }: ActionArgs & Policy): Promise<void> => {
    const value = (action as { value?: string }).value ?? '';
    // The button carries the report's as-of date, so Details shows the figures the reminder showed.
    const asOf = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(deps.now());
    await tell(driftDetailsMessage(await driftReportFor(deps, body.team?.id ?? '', asOf)));
  };

/**
 * App Home: the drift report in a modal. The holding view opens at once (a trigger_id lives 3 s), and
 * the report replaces it when computed.
 */
export const homeReport =
  (deps: Deps) =>
  async ({ body, client }: ActionArgs): Promise<void> => {
    const triggerId = triggerOf(body);
    const teamId = body.team?.id ?? '';
    const report = composeReminder(deps, teamId, { kind: 'manual', asOf: new Date(deps.now()) }).then(
      (r) => r.message,
      (err: unknown) => {
        deps.logger.error('drift report for App Home failed', { teamId }, err);
        return notice(userMessageFor(err), ':warning:');
      },
    );
    const opened = await client.views.open({ trigger_id: triggerId, view: reportModal(null) as never });
    const viewId = opened.view?.id;
    if (viewId) await client.views.update({ view_id: viewId, view: reportModal(await report) as never });
  };

/** App Home (owners): the reminder settings modal, as `/icp-review settings` opens it. */
export const homeSettings =
  (deps: Deps) =>
  async ({ body, client, tell }: ActionArgs & Policy): Promise<void> => {
    const settings = await settingsFor(deps, body.team?.id ?? '', body.user.id);
    if (!settings.ok) {
      await tell(settings.refusal);
      return;
    }
    await client.views.open({ trigger_id: triggerOf(body), view: settings.view as never });
  };

export const submitSettings =
  (deps: Deps, home: Home) =>
  async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const { logger } = deps;
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const ctx = await reviewContext(deps, teamId, new Date(deps.now()));
    if (!isOwner(ctx.icp.owners, userId)) {
      await ack({
        response_action: 'errors',
        errors: { [ReviewInputIds.channel.block]: 'Only ICP owners can change these settings.' },
      });
      return;
    }
    const checked = validateSettings(parseSettingsSubmission(view.state.values as never));
    if (!checked.ok) {
      const ids = {
        channel: ReviewInputIds.channel.block,
        time: ReviewInputIds.time.block,
        timezone: ReviewInputIds.timezone.block,
      };
      const errors = Object.fromEntries(
        Object.entries(checked.errors).map(([k, v]) => [ids[k as keyof typeof ids], v]),
      );
      await ack({ response_action: 'errors', errors });
      return;
    }
    // One small upsert, saved before the ack: a failure is shown in the modal by the listener wrapper.
    const saved = await saveReviewSettings(deps.db, teamId, checked.value, userId);
    await ack();
    logger.info('review settings saved', { teamId, channelId: saved.channelId });
    // Reminders are reconciled through the channel's history (chat.postMessage has no idempotency key),
    // which needs the bot to be a member: join public channels now; private ones need an /invite.
    if (saved.channelId) {
      await client.conversations.join({ channel: saved.channelId }).catch((err) =>
        logger.warn('could not join the review channel (private? invite the bot with /invite)', {
          channelId: saved.channelId,
          error: (err as { data?: { error?: string } }).data?.error,
        }),
      );
    }
    await client.chat
      .postMessage({ channel: userId, ...settingsSaved(saved) })
      .catch((err) => logger.warn('could not confirm settings', err));
    await home.refresh(client, teamId, userId); // the reminder channel and time shown there
  };
