/**
 * `/icp-review [history | settings | help]`, the reminder buttons (Mark reviewed, Snooze 7 days,
 * Details) and the review and settings modals. Listener → use case (src/review) → pure builders
 * (src/slack/blocks/review.ts) → ack / respond.
 */
import type { RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { lastReview, listReviews, recordReview } from '../db/queries/reviews.ts';
import type { Deps } from '../src/deps.ts';
import { userMessageFor } from '../src/errors.ts';
import { composeReminder, composeReviewed, driftReportFor, reviewContext } from '../src/review/compose.ts';
import {
  COMMON_TIMEZONES,
  isOwner,
  loadReviewSettings,
  saveReviewSettings,
  snoozeReminders,
  validateSettings,
} from '../src/review/settings.ts';
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
  reviewHomeSection,
  settingsModal,
  settingsSaved,
} from '../src/slack/blocks/review.ts';
import type { Block, Message, ModalView } from '../src/slack/blocks/types.ts';
import type { Listeners } from '../src/slack/router.ts';
import type { RefreshHome } from './app-home.ts';

export const commandNames = ['/icp-review'];

const Subcommand = z.enum(['report', 'history', 'settings', 'help']);

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

/**
 * Answers a button click privately: via response_url when there is one, else chat.postEphemeral in
 * its channel, else (a button in App Home) a direct message.
 */
async function tellUser(
  respond: (m: RespondArguments) => Promise<unknown>,
  client: WebClient,
  body: { response_url?: string; channel?: { id?: string }; user: { id: string } },
  msg: Message,
): Promise<void> {
  if (body.response_url) {
    await respond({ response_type: 'ephemeral', replace_original: false, ...msg } as RespondArguments);
    return;
  }
  if (body.channel?.id) await client.chat.postEphemeral({ channel: body.channel.id, user: body.user.id, ...msg });
  else await client.chat.postMessage({ channel: body.user.id, ...msg });
}

const kinds = new Set<ReminderKind>(['due', 'drift', 'manual']);

export function register(app: Listeners, deps: Deps, home?: { refresh: RefreshHome }): void {
  const { logger } = deps;

  app.command('/icp-review', async ({ command, ack, respond, client }) => {
    const teamId = command.team_id;
    const userId = command.user_id;
    const sub = parseReviewText(command.text ?? '');
    await answerCommand({ ack, respond, logger }, { what: '/icp-review', context: { teamId, sub } }, async (answer) => {
      if (sub === 'help' || sub === 'unknown') {
        await answer.send(reviewHelp());
        return;
      }
      if (sub === 'settings') {
        const settings = await settingsFor(deps, teamId, userId);
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
  });

  app.action(ReviewActionIds.markReviewed, async ({ ack, body, action, client, respond }) => {
    await ack();
    const b = body as typeof body & {
      trigger_id?: string;
      response_url?: string;
      container?: { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
      channel?: { id?: string };
      message?: { ts?: string };
    };
    const teamId = body.team?.id ?? '';
    const ctx = await reviewContext(deps, teamId, new Date(deps.now()));
    if (!isOwner(ctx.icp.owners, body.user.id)) {
      await tellUser(respond, client, b, refusal(ctx.icp.owners, 'mark the ICP reviewed'));
      return;
    }
    if (!b.trigger_id) return;
    const value = (action as { value?: string }).value as ReminderKind | undefined;
    const channel = b.container?.channel_id ?? b.channel?.id;
    const ts = b.container?.message_ts ?? b.message?.ts;
    // An ephemeral message cannot be chat.update'd: it is replaced through its response_url instead.
    const meta: MarkReviewedMetadata = {
      ...(value && kinds.has(value) ? { kind: value } : {}),
      ...(b.container?.is_ephemeral || !ts || !channel
        ? b.response_url
          ? { responseUrl: b.response_url }
          : {}
        : { channel, ts }),
    };
    await client.views.open({ trigger_id: b.trigger_id, view: markReviewedModal(meta, ctx.icp.name) as never });
  });

  app.view(ReviewCallbackIds.markReviewed, async ({ ack, body, view, client }) => {
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
      meta = {};
    }
    const parsed = parseMarkReviewedSubmission(view.state.values as never);
    const report = await driftReportFor(deps, teamId, now);
    const row = await recordReview(deps.db, {
      teamId,
      reviewedBy: userId,
      note: parsed.note,
      icpChanged: parsed.icpChanged,
      icpVersion: ctx.icp.version,
      drift: report,
      reviewedAt: now,
    });
    logger.info('ICP review recorded', { teamId, reviewId: row.id, icpChanged: parsed.icpChanged });
    const msg = await composeReviewed(deps, teamId, {
      kind: meta.kind && kinds.has(meta.kind) ? meta.kind : 'due',
      report,
      by: userId,
      at: now,
      feedbackSince: ctx.since,
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
      logger.warn('review stored but the reminder could not be updated', err);
    }
    await home?.refresh(client, teamId, userId); // "Last reviewed" and the due date moved
  });

  app.action(ReviewActionIds.snooze, async ({ ack, body, client, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const now = new Date(deps.now());
    const ctx = await reviewContext(deps, teamId, now);
    const b = body as typeof body & { response_url?: string; channel?: { id?: string } };
    if (!isOwner(ctx.icp.owners, body.user.id)) {
      await tellUser(respond, client, b, refusal(ctx.icp.owners, 'snooze ICP review reminders'));
      return;
    }
    const until = await snoozeReminders(deps.db, teamId, body.user.id, now);
    logger.info('review reminders snoozed', { teamId, until: until.toISOString() });
    await tellUser(
      respond,
      client,
      b,
      notice(`Review reminders snoozed until ${until.toISOString().slice(0, 10)}.`, ':zzz:'),
    );
  });

  app.action(ReviewActionIds.details, async ({ ack, body, action, client, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const value = (action as { value?: string }).value ?? '';
    // The button carries the report's as-of date, so Details shows the figures the reminder showed.
    const asOf = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(deps.now());
    const b = body as typeof body & { response_url?: string; channel?: { id?: string } };
    try {
      const report = await driftReportFor(deps, teamId, asOf);
      await tellUser(respond, client, b, driftDetailsMessage(report));
    } catch (err) {
      logger.error('review details failed', { teamId }, err);
      await tellUser(respond, client, b, notice(userMessageFor(err), ':warning:')).catch(() => undefined);
    }
  });

  // App Home: the drift report in a modal. The holding view opens at once (a trigger_id lives 3 s),
  // and the report replaces it when computed.
  app.action(ReviewActionIds.homeReport, async ({ ack, body, client }) => {
    await ack();
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (!triggerId) return;
    const teamId = body.team?.id ?? '';
    const report = composeReminder(deps, teamId, { kind: 'manual', asOf: new Date(deps.now()) }).then(
      (r) => r.message,
      (err: unknown) => {
        logger.error('drift report for App Home failed', { teamId }, err);
        return notice(userMessageFor(err), ':warning:');
      },
    );
    const opened = await client.views.open({ trigger_id: triggerId, view: reportModal(null) as never });
    const viewId = opened.view?.id;
    if (viewId) await client.views.update({ view_id: viewId, view: reportModal(await report) as never });
  });

  // App Home (owners): the reminder settings modal, as `/icp-review settings` opens it.
  app.action(ReviewActionIds.homeSettings, async ({ ack, body, client, respond }) => {
    await ack();
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    const settings = await settingsFor(deps, body.team?.id ?? '', body.user.id);
    if (!settings.ok) {
      await tellUser(respond, client, body, settings.refusal);
      return;
    }
    if (triggerId) await client.views.open({ trigger_id: triggerId, view: settings.view as never });
  });

  app.view(ReviewCallbackIds.settings, async ({ ack, body, view, client }) => {
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
    // One small upsert: saved before the ack so a failure can be shown in the modal.
    let saved: Awaited<ReturnType<typeof saveReviewSettings>>;
    try {
      saved = await saveReviewSettings(deps.db, teamId, checked.value, userId);
    } catch (err) {
      logger.error('could not save review settings', { teamId }, err);
      await ack({ response_action: 'errors', errors: { [ReviewInputIds.channel.block]: userMessageFor(err) } });
      return;
    }
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
      .postMessage({
        channel: userId,
        ...settingsSaved(saved),
      })
      .catch((err) => logger.warn('could not confirm settings', err));
    await home?.refresh(client, teamId, userId); // the reminder channel and time shown there
  });
}

/** App Home: last review, due date, reminder channel (or that none is set), snooze. */
export async function homeSection(deps: Deps, teamId: string, userId: string): Promise<Block[]> {
  const now = new Date(deps.now());
  const [ctx, settings, last] = await Promise.all([
    reviewContext(deps, teamId, now),
    loadReviewSettings(deps.db, teamId),
    lastReview(deps.db, teamId),
  ]);
  return reviewHomeSection({
    status: ctx.status,
    lastReview: last ? { by: last.reviewedBy, at: last.reviewedAt, icpChanged: last.icpChanged } : null,
    channelId: settings.channelId,
    timeOfDay: settings.timeOfDay,
    timezone: settings.timezone,
    snoozedUntil: settings.snoozedUntil,
    now,
    owner: isOwner(ctx.icp.owners, userId),
  });
}
