/**
 * Checking a company away from a slash command: the "Check a company" modal (App Home button and the
 * global shortcut), a recent check opened again from App Home, and "Check ICP fit" on a message.
 */
import type { App, BlockAction, MessageShortcut, RespondArguments, ViewSubmitAction } from '@slack/bolt';
import { companiesInMessage } from '../src/check/message-company.ts';
import type { Deps } from '../src/deps.ts';
import { AppError, ErrorCode, sentenceFor, userMessageFor } from '../src/errors.ts';
import { ACK_BUDGET_MS, raceBudget } from '../src/slack/answer.ts';
import { notice } from '../src/slack/blocks/check.ts';
import { HomeCheckIds, homeCheckModal, parseHomeCheck } from '../src/slack/blocks/home-check.ts';
import { context } from '../src/slack/blocks/kit.ts';
import { renderOutcome, renderOutcomeInModal } from '../src/slack/blocks/outcome.ts';
import type { Message } from '../src/slack/blocks/types.ts';
import type { ActionArgs, ShortcutArgs, ViewArgs } from '../src/slack/listen.ts';
import * as listen from '../src/slack/listen.ts';
import { escapeMrkdwn } from '../src/slack/mrkdwn.ts';
import { type CheckOutcome, checkCompany, loadCheck, needsAi } from '../src/usecases/check-company.ts';
import type { Home } from './app-home.ts';

/** Shortcuts (callback ids in manifest.yml; a test checks both ways). */
export const ShortcutIds = {
  /** Global: the "Check a company" modal from the composer's shortcuts menu or search. */
  check: 'icp_check_shortcut',
  /** On a message: score the company the message links to. */
  message: 'icp_check_message_shortcut',
} as const;
export const shortcutNames: string[] = Object.values(ShortcutIds);
export const commandNames: string[] = [];

export function register(app: App, deps: Deps, home: Home): void {
  app.action<BlockAction>(HomeCheckIds.open, listen.action(deps, 'open check modal', openCheckModal));
  app.shortcut(ShortcutIds.check, listen.shortcut(deps, 'check shortcut', openCheckModal));
  app.shortcut<MessageShortcut>(
    ShortcutIds.message,
    listen.shortcut(deps, 'message shortcut check', checkMessage(deps)),
  );
  app.action<BlockAction>(HomeCheckIds.viewCheck, listen.action(deps, 'view recent check', viewCheck(deps)));
  app.view<ViewSubmitAction>(HomeCheckIds.callback, listen.view(deps, 'check in a modal', submitCheck(deps, home)));
}

/** The modal of a check of `query` with its outcome (or, logged, the friendly sentence of its error). */
export function homeCheckResult(deps: Deps, query: string, outcome: Promise<CheckOutcome>) {
  return outcome.then(
    (o) => homeCheckModal({ query, result: renderOutcomeInModal(o) }),
    (err: unknown) => {
      deps.logger.error('check in a modal failed', { query: query.slice(0, 200) }, err);
      return homeCheckModal({ query, result: notice(userMessageFor(err), ':warning:').blocks });
    },
  );
}

/** The App Home button and the global shortcut open the same empty modal. */
export async function openCheckModal({ body, client }: ActionArgs | ShortcutArgs): Promise<void> {
  if (!body.trigger_id) throw new AppError(ErrorCode.NoTrigger);
  await client.views.open({ trigger_id: body.trigger_id, view: homeCheckModal() as never });
}

/**
 * A recent check in the Home tab: its card again, re-scored from the logged inputs under the ICP
 * version it was scored with, in the same modal (so another company can be checked from there).
 */
export const viewCheck =
  (deps: Deps) =>
  async ({ body, action, client }: ActionArgs): Promise<void> => {
    if (!body.trigger_id) throw new AppError(ErrorCode.NoTrigger);
    const loaded = await loadCheck(deps, body.team?.id ?? '', Number((action as { value?: string }).value));
    const view = loaded
      ? homeCheckModal({ query: loaded.outcome.query, result: renderOutcomeInModal(loaded.outcome) })
      : homeCheckModal({ result: notice(sentenceFor(ErrorCode.CheckGone)).blocks });
    await client.views.open({ trigger_id: body.trigger_id, view: view as never });
  };

export const submitCheck =
  (deps: Deps, home: Home) =>
  async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const parsed = parseHomeCheck(view.state.values as never);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const teamId = body.team?.id ?? view.team_id;
    const useAi = needsAi(parsed.text, deps.llm);
    const result = homeCheckResult(
      deps,
      parsed.text,
      checkCompany(deps, { teamId, userId: body.user.id, text: parsed.text, useAi }),
    );
    // A database-only check answers in the ack (Slack allows 3 s); the model may take longer: the
    // modal says so at once and is updated when the answer is ready.
    const first = useAi ? null : await raceBudget(result, ACK_BUDGET_MS);
    if (first) {
      await ack({ response_action: 'update', view: first.m as never });
    } else {
      const checking = notice(useAi ? 'Checking… (reading your description)' : 'Checking…', ':hourglass_flowing_sand:');
      await ack({
        response_action: 'update',
        view: homeCheckModal({ query: parsed.text, result: checking.blocks }) as never,
      });
      await client.views.update({ view_id: view.id, view: (await result) as never });
    }
    await home.refresh(client, teamId, body.user.id); // the check joins the recent checks
  };

/**
 * "Check ICP fit" on a deal post: score the company the message links to (its first company domain),
 * answered like /icp-check in that channel, with every button working.
 */
export const checkMessage =
  (deps: Deps) =>
  async ({ shortcut, respond, client }: ShortcutArgs): Promise<void> => {
    if (shortcut.type !== 'message_action') throw new AppError(ErrorCode.BadInput);
    const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
    const say = (msg: Message) =>
      respond({ response_type: 'ephemeral', replace_original: false, ...msg } as RespondArguments);
    const found = await companiesInMessage(shortcut.message, deps.llm);
    const [query, ...others] = found.names;
    if (query === undefined) {
      if (found.why === undefined) {
        // No link and no model: the check modal, where the user types the company (the trigger is fresh).
        const hint = notice('That message links to no company domain I can check. Type the company here.');
        await client.views.open({
          trigger_id: shortcut.trigger_id,
          view: homeCheckModal({ result: hint.blocks }) as never,
        });
      } else {
        await say(
          notice(`That message links to no company domain, and ${found.why}. Check one with /icp-check <company>.`),
        );
      }
      return;
    }
    const notes: string[] = [];
    if (found.via === 'ai') {
      notes.push(
        `:sparkles: AI read the name “${escapeMrkdwn(query)}” from the message; the lookup decided which account it is.`,
      );
    }
    const outcome = await checkCompany(deps, {
      teamId,
      userId: shortcut.user.id,
      text: query,
      useAi: false,
    });
    const msg = renderOutcome(outcome);
    if (others.length > 0) {
      notes.push(
        `Also in that message: ${others.slice(0, 5).map(escapeMrkdwn).join(', ')}. Check one with \`/icp-check\`.`,
      );
    }
    if (notes.length > 0) {
      msg.blocks.push(context(...notes));
    }
    await say(msg);
  };
