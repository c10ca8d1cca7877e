/**
 * `/icp-check <company | domain | URL> [key=value …] [description]`, the buttons on its card and the
 * modals they open. Listener → use case (src/check) → pure Block Kit builder (src/slack/blocks) → ack / respond.
 * The "Check a company" modal and the shortcuts live in check-anywhere.ts.
 */
import type { App, BlockAction, RespondArguments, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { recordTierFeedback } from '../db/queries/checks.ts';
import type { Deps } from '../src/deps.ts';
import { AppError, ErrorCode } from '../src/errors.ts';
import { tierText } from '../src/icp/types.ts';
import { answerCommand } from '../src/slack/answer.ts';
import { ActionIds, checkCard, notice } from '../src/slack/blocks/check.ts';
import { homeCheckQuery } from '../src/slack/blocks/home-check.ts';
import {
  CallbackIds,
  type DetailsMetadata,
  detailsModal,
  parseDetailsSubmission,
  parseWrongTierSubmission,
  wrongTierModal,
} from '../src/slack/blocks/modals.ts';
import { renderOutcome } from '../src/slack/blocks/outcome.ts';
import type { Message } from '../src/slack/blocks/types.ts';
import { isSlackUserId } from '../src/slack/ids.ts';
import type { ActionArgs, CommandArgs, ViewArgs } from '../src/slack/listen.ts';
import * as listen from '../src/slack/listen.ts';
import { type CheckOutcome, checkCompany, loadCheck, needsAi } from '../src/usecases/check-company.ts';
import type { Home } from './app-home.ts';
import { homeCheckResult } from './check-anywhere.ts';

export const commandNames = ['/icp-check'];

export function register(app: App, deps: Deps, home: Home): void {
  app.command('/icp-check', listen.command(deps, '/icp-check', icpCheck(deps)));
  app.action<BlockAction>(ActionIds.share, listen.action(deps, 'share check', shareCheck(deps)));
  app.action<BlockAction>(ActionIds.addDetails, listen.action(deps, 'add details', openDetails(deps)));
  app.action<BlockAction>(ActionIds.addUnknown, listen.action(deps, 'add company details', openUnknownDetails(deps)));
  app.action<BlockAction>(
    new RegExp(`^${ActionIds.pickCandidate}_\\d+$`),
    listen.action(deps, 'pick candidate', pickCandidate(deps, home)),
  );
  app.action<BlockAction>(ActionIds.wrongTier, listen.action(deps, 'wrong tier', openWrongTier(deps)));
  app.view<ViewSubmitAction>(CallbackIds.details, listen.view(deps, 'details submission', submitDetails(deps)));
  app.view<ViewSubmitAction>(CallbackIds.wrongTier, listen.view(deps, 'wrong tier submission', submitWrongTier(deps)));
}

/** The check a button carries (its value is the check id), re-read within the clicking workspace. */
async function checkOf(deps: Deps, teamId: string, value: string | undefined) {
  const loaded = await loadCheck(deps, teamId, Number(value));
  if (!loaded) throw new AppError(ErrorCode.CheckGone);
  return loaded;
}

function buttonValue(a: ActionArgs['action']): string | undefined {
  return (a as { value?: string }).value;
}

function triggerOf(body: { trigger_id?: string }): string {
  if (!body.trigger_id) throw new AppError(ErrorCode.NoTrigger);
  return body.trigger_id;
}

export const icpCheck =
  (deps: Deps) =>
  async ({ command, ack, respond }: CommandArgs): Promise<void> => {
    const base = { teamId: command.team_id, userId: command.user_id, text: command.text ?? '' };
    await answerCommand({ ack, respond }, async (answer) => {
      if (needsAi(base.text, deps.llm)) {
        // The model may take seconds: acknowledge now, answer through response_url.
        await answer.hold(':hourglass_flowing_sand: Checking… (reading your description)');
        await answer.send(renderOutcome(await checkCompany(deps, { ...base, useAi: true })));
        return;
      }
      // A database-only check normally answers inside the ack.
      const work = checkCompany(deps, { ...base, useAi: false }).then(renderOutcome);
      await answer.within(work, ':hourglass_flowing_sand: Checking…');
    });
  };

/**
 * Share: the same card in the channel, crediting who asked. response_url posts work in any channel
 * the command was used in, without the bot being a member.
 */
export const shareCheck =
  (deps: Deps) =>
  async ({ body, action, respond }: ActionArgs): Promise<void> => {
    const loaded = await checkOf(deps, body.team?.id ?? '', buttonValue(action));
    const sharer = isSlackUserId(body.user.id) ? body.user.id : undefined;
    const card = checkCard(loaded.outcome, { ...(sharer ? { sharedBy: sharer } : {}), interactive: false });
    await respond({ response_type: 'in_channel', replace_original: false, ...card } as RespondArguments);
  };

function responseUrlMeta(body: { response_url?: string }): { responseUrl?: string } {
  return body.response_url ? { responseUrl: body.response_url } : {};
}

export const openDetails =
  (deps: Deps) =>
  async ({ body, action, client }: ActionArgs): Promise<void> => {
    const loaded = await checkOf(deps, body.team?.id ?? '', buttonValue(action));
    const fields = loaded.outcome.result.lines
      .filter((l) => l.status === 'unknown')
      .map((l) => ({ field: l.field, label: l.label }));
    const meta: DetailsMetadata = { checkId: loaded.outcome.checkId, ...responseUrlMeta(body) };
    await client.views.open({ trigger_id: triggerOf(body), view: detailsModal(fields, meta) as never });
  };

export const openUnknownDetails =
  (deps: Deps) =>
  async ({ body, action, client }: ActionArgs): Promise<void> => {
    const triggerId = triggerOf(body);
    const name = (buttonValue(action) ?? '').slice(0, 200);
    const current = await deps.icp.current(body.team?.id ?? '');
    const seen = new Set<string>();
    const fields = current.compiled.spec.criteria
      .filter((c) => !seen.has(c.field) && seen.add(c.field))
      .map((c) => ({ field: c.field, label: c.label }));
    const meta: DetailsMetadata = { checkId: null, name, ...responseUrlMeta(body) };
    await client.views.open({ trigger_id: triggerId, view: detailsModal(fields, meta, 'Company details') as never });
  };

export const pickCandidate =
  (deps: Deps, home: Home) =>
  async ({ body, action, respond, client }: ActionArgs): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const accountId = Number(buttonValue(action));
    const outcome = checkCompany(deps, { teamId, userId: body.user.id, text: '', accountId, useAi: false });
    const modal = body.view;
    if (modal?.type === 'modal' && modal.id) {
      // A candidate in the "Check a company" modal: the answer replaces the modal's result.
      const view = await homeCheckResult(deps, homeCheckQuery(modal.state?.values as never), outcome);
      await client.views.update({ view_id: modal.id, view: view as never });
      await home.refresh(client, teamId, body.user.id); // the check joins the recent checks
      return;
    }
    await respond({
      response_type: 'ephemeral',
      replace_original: true,
      ...renderOutcome(await outcome),
    } as RespondArguments);
  };

export const openWrongTier =
  (deps: Deps) =>
  async ({ body, action, client }: ActionArgs): Promise<void> => {
    const loaded = await checkOf(deps, body.team?.id ?? '', buttonValue(action));
    const view = wrongTierModal({
      checkId: loaded.outcome.checkId,
      company: loaded.outcome.company.name,
      tier: tierText(loaded.outcome.result.tier, loaded.outcome.result.tierRange),
    });
    await client.views.open({ trigger_id: triggerOf(body), view: view as never });
  };

/** The modal's private_metadata, written by us when it opened; anything else is a stale or forged form. */
function metadataOf<T>(view: { private_metadata?: string }): T {
  try {
    return JSON.parse(view.private_metadata || '{}') as T;
  } catch (err) {
    throw new AppError(ErrorCode.FormStale, undefined, { cause: err });
  }
}

export const submitDetails =
  (deps: Deps) =>
  async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const parsed = parseDetailsSubmission(view.state.values as never);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    await ack();
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const meta = metadataOf<DetailsMetadata>(view);
    let outcome: CheckOutcome;
    if (meta.checkId !== null && meta.checkId !== undefined) {
      const loaded = await checkOf(deps, teamId, String(meta.checkId));
      outcome = await checkCompany(deps, {
        teamId,
        userId,
        text: loaded.outcome.query,
        ...(loaded.outcome.company.accountId !== null ? { accountId: loaded.outcome.company.accountId } : {}),
        overrides: { ...loaded.logged.inline, ...parsed.values },
        useAi: false,
      });
    } else {
      outcome = await checkCompany(deps, {
        teamId,
        userId,
        text: meta.name ?? '',
        overrides: parsed.values,
        useAi: false,
      });
    }
    await deliver(deps, client, meta, userId, renderOutcome(outcome));
  };

export const submitWrongTier =
  (deps: Deps) =>
  async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const parsed = parseWrongTierSubmission(view.state.values as never);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    await ack();
    const teamId = body.team?.id ?? '';
    const checkId = Number(metadataOf<{ checkId?: number }>(view).checkId);
    const loaded = await checkOf(deps, teamId, String(checkId));
    await recordTierFeedback(deps.db, {
      teamId,
      userId: body.user.id,
      checkId,
      accountId: loaded.outcome.company.accountId,
      companyName: loaded.outcome.company.name,
      givenTier: loaded.outcome.result.tier,
      expectedTier: null,
      reason: parsed.reason,
      note: parsed.note,
      icpVersion: loaded.outcome.result.icpVersion,
    });
    deps.logger.info('tier feedback recorded', { teamId, checkId, reason: parsed.reason });
    await client.chat
      .postMessage({
        channel: body.user.id,
        ...notice(`Thanks: your feedback on ${loaded.outcome.company.name} goes into the next ICP review.`, ':memo:'),
      })
      .catch((err) => deps.logger.warn('could not confirm feedback', err));
  };

/** Answers after a modal: through the original response_url when we have one, else by DM. */
async function deliver(
  deps: Deps,
  client: WebClient,
  meta: DetailsMetadata,
  userId: string,
  msg: Message,
): Promise<void> {
  if (meta.responseUrl) {
    const res = await fetchResponseUrl(deps.fetch ?? globalThis.fetch, meta.responseUrl, {
      response_type: 'ephemeral',
      replace_original: false,
      ...msg,
    });
    if (res) return;
  }
  await client.chat.postMessage({ channel: userId, ...msg }).catch((err) => deps.logger.warn('could not deliver', err));
}

async function fetchResponseUrl(f: typeof fetch, url: string, body: unknown): Promise<boolean> {
  try {
    const res = await f(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return res.ok;
  } catch {
    return false;
  }
}
