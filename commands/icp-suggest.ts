/**
 * The ICP suggestion in Slack: `/icp-review suggest [churn]` (parsed in icp-review.ts, answered here), the
 * "Suggest changes" button (reminder, App Home), Review & apply and Dismiss, and their modals.
 * Listener → use case (src/usecases/apply-suggestion.ts) → pure builders (src/slack/blocks/suggestion*.ts).
 *
 * Where the answer goes: a slash command or a click on a message answers privately in the channel
 * (ephemeral: a suggestion is a proposal for one owner to weigh, not news for the channel); a click in App
 * Home opens a modal, since Home has no message to answer under.
 */
import type { App, BlockAction, ViewSubmitAction } from '@slack/bolt';
import type { Deps } from '../src/deps.ts';
import { AppError, ErrorCode, userMessageFor } from '../src/errors.ts';
import type { LearnOutcome } from '../src/learn/suggest.ts';
import { isOwner } from '../src/review/settings.ts';
import type { CommandAnswer } from '../src/slack/answer.ts';
import { notice } from '../src/slack/blocks/check.ts';
import { ownersOnly, ReviewActionIds, ReviewCallbackIds, ReviewInputIds } from '../src/slack/blocks/review.ts';
import {
  parseProposalRef,
  parseSuggestValue,
  type SuggestionData,
  suggestionHolding,
  suggestionMessage,
  suggestionModal,
} from '../src/slack/blocks/suggestion.ts';
import {
  appliedMessage,
  applyingModal,
  applyModal,
  dismissedMessage,
  dismissModal,
  parseApplyNote,
  parseDismissReason,
  parseSuggestionMetadata,
  resultModal,
  staleBlocks,
} from '../src/slack/blocks/suggestion-modals.ts';
import type { Message } from '../src/slack/blocks/types.ts';
import type { ActionArgs, Policy, ViewArgs } from '../src/slack/listen.ts';
import * as listen from '../src/slack/listen.ts';
import {
  applySuggestion,
  dismissSuggestion,
  offerSuggestion,
  proposalForReview,
} from '../src/usecases/apply-suggestion.ts';
import type { Home } from './app-home.ts';

/** /icp-review is registered by icp-review.ts, which hands `suggest` over to `answerSuggest`. */
export const commandNames: string[] = [];

/** `suggest`, `suggest churn`, `suggest win`; anything else after `suggest` is not understood (null). */
export function parseSuggestText(text: string): LearnOutcome | null {
  const words = text.trim().toLowerCase().split(/\s+/);
  if (words[0] !== 'suggest') return null;
  const outcome = words[1] ?? 'win';
  return words.length <= 2 && (outcome === 'win' || outcome === 'churn') ? outcome : null;
}

async function suggestionData(
  deps: Deps,
  teamId: string,
  userId: string,
  opts: { outcome: LearnOutcome; showDismissed: boolean },
): Promise<SuggestionData> {
  const offer = await offerSuggestion(deps, { teamId, outcome: opts.outcome });
  return { ...offer, canApply: isOwner(offer.owners, userId), showDismissed: opts.showDismissed };
}

/**
 * `/icp-review suggest`: acks at once with a holding line (profiling a big CRM takes seconds and Slack
 * wants its ack within 3 s), then answers through response_url, replacing that line.
 */
export async function answerSuggest(
  deps: Deps,
  args: { teamId: string; userId: string; outcome: LearnOutcome },
  answer: CommandAnswer,
): Promise<void> {
  await answer.hold(':hourglass_flowing_sand: Profiling your accounts and deals against outcomes…');
  const data = await suggestionData(deps, args.teamId, args.userId, { outcome: args.outcome, showDismissed: false });
  await answer.send(suggestionMessage(data));
}

function triggerOf(body: { trigger_id?: string }): string {
  if (!body.trigger_id) throw new AppError(ErrorCode.NoTrigger);
  return body.trigger_id;
}

type Container = { type?: string; is_ephemeral?: boolean };
const openView = (body: BlockAction) => body.view as { id: string; type: string } | undefined;

/** Posts on a response_url outside Bolt's respond() (after a modal, whose payload has none). */
async function postToResponseUrl(deps: Deps, url: string, msg: Message): Promise<void> {
  const f = deps.fetch ?? globalThis.fetch;
  await f(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', replace_original: true, ...msg }),
  });
}

/** "Suggest changes", "Recompute", "Show it anyway". */
export const openSuggestion =
  (deps: Deps) =>
  async ({ body, action, client, respond, tell }: ActionArgs & Policy): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const opts = parseSuggestValue((action as { value?: string }).value);
    const compute = () => suggestionData(deps, teamId, body.user.id, opts);
    const view = openView(body);
    if (view && (view.type === 'home' || view.type === 'modal')) {
      // A trigger_id lives 3 s: the holding modal opens (or replaces the current one) first.
      let viewId: string | undefined = view.id;
      if (view.type === 'modal') await client.views.update({ view_id: view.id, view: suggestionModal(null) as never });
      else {
        const opened = await client.views.open({ trigger_id: triggerOf(body), view: suggestionModal(null) as never });
        viewId = opened.view?.id;
      }
      const done = await compute().then(
        (d) => suggestionModal(d),
        (err: unknown) => {
          deps.logger.error('ICP suggestion failed', { teamId }, err);
          return resultModal('ICP suggestion', notice(userMessageFor(err), ':warning:').blocks);
        },
      );
      if (viewId) await client.views.update({ view_id: viewId, view: done as never });
      return;
    }
    if ((body.container as Container).is_ephemeral && body.response_url) {
      // Our own ephemeral suggestion (Recompute, Show it anyway): replaced in place.
      await respond({ response_type: 'ephemeral', replace_original: true, ...suggestionHolding() });
      await respond({ response_type: 'ephemeral', replace_original: true, ...suggestionMessage(await compute()) });
      return;
    }
    // The reminder in the channel stays as it is; the suggestion comes privately under it.
    await tell(suggestionMessage(await compute()));
  };

/** Review & apply (owners) or Review (everyone else): the whole proposal in a modal. */
export const openReview =
  (deps: Deps) =>
  async ({ body, action, client }: ActionArgs): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const ref = parseProposalRef((action as { value?: string }).value);
    if (!ref) throw new AppError(ErrorCode.FormStale);
    const p = await proposalForReview(deps, { teamId, id: ref.id, userId: body.user.id });
    if (!p) throw new AppError(ErrorCode.FormStale);
    const fromMessage = !openView(body) && body.response_url;
    const view = applyModal({
      ref: { ...ref, ...(fromMessage ? { responseUrl: body.response_url } : {}) },
      currentVersion: p.currentVersion,
      outcome: p.row.outcome === 'churn' ? 'churn' : 'win',
      summary: p.row.summary,
      diff: p.row.diff as string[],
      reasons: p.row.reasons as string[],
      yaml: p.row.yaml,
      owners: p.owners,
      canApply: p.canApply,
    });
    const trigger_id = triggerOf(body);
    if (openView(body)?.type === 'modal') await client.views.push({ trigger_id, view: view as never });
    else await client.views.open({ trigger_id, view: view as never });
  };

/** Dismiss (owners): a modal asking why, so the dismissal is remembered with its reason. */
export const openDismiss =
  (deps: Deps) =>
  async ({ body, action, client, tell }: ActionArgs & Policy): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const ref = parseProposalRef((action as { value?: string }).value);
    if (!ref) throw new AppError(ErrorCode.FormStale);
    const current = await deps.icp.current(teamId);
    if (!isOwner(current.version.spec.owners, body.user.id)) {
      await tell(ownersOnly(current.version.spec.owners, 'dismiss a suggested ICP'));
      return;
    }
    const fromMessage = !openView(body) && body.response_url;
    const view = dismissModal({ ...ref, ...(fromMessage ? { responseUrl: body.response_url } : {}) });
    const trigger_id = triggerOf(body);
    if (openView(body)?.type === 'modal') await client.views.push({ trigger_id, view: view as never });
    else await client.views.open({ trigger_id, view: view as never });
  };

/** Apply as vN: checked again (owner, version still current), applied, confirmed where it came from. */
export const submitApply =
  (deps: Deps, home: Home) =>
  async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const meta = parseSuggestionMetadata(view.private_metadata);
    if (!meta) throw new AppError(ErrorCode.FormStale);
    const owners = (await deps.icp.current(teamId)).version.spec.owners;
    // Checked again here: a view_submission is a request of its own.
    if (!isOwner(owners, userId)) {
      await ack({
        response_action: 'errors',
        errors: { [ReviewInputIds.applyNote.block]: `Only ${owners.join(', ') || 'ICP owners'} can apply it.` },
      });
      return;
    }
    const note = parseApplyNote(view.state.values as never);
    // Rescoring every account can outlast the 3 s a submission's ack allows: ack with a holding view first.
    await ack({ response_action: 'update', view: applyingModal() as never });
    let result: { title: string; msg: Message };
    try {
      const r = await applySuggestion(deps, { teamId, id: meta.id, base: meta.base, userId, note });
      if (r.status === 'applied') result = { title: 'ICP updated', msg: appliedMessage({ ...r, by: userId }) };
      else if (r.status === 'stale')
        result = {
          title: 'ICP changed',
          msg: { text: 'The ICP changed meanwhile.', blocks: staleBlocks(r.base, r.current, r.outcome) },
        };
      else if (r.status === 'not_owner') result = { title: 'Not applied', msg: ownersOnly(r.owners, 'apply it') };
      else
        result = { title: 'Not applied', msg: notice(userMessageFor(new AppError(ErrorCode.FormStale)), ':warning:') };
    } catch (err) {
      // The modal is the one place the owner looks: it says what happened (the cause is logged).
      deps.logger.error('applying a suggested ICP failed', { teamId }, err);
      result = { title: 'Not applied', msg: notice(userMessageFor(err), ':warning:') };
    }
    // The owner may have closed the holding view meanwhile: the outcome then reaches them another way.
    const shown = await client.views
      .update({ view_id: body.view.id, view: resultModal(result.title, result.msg.blocks) as never })
      .then(
        () => true,
        (err: unknown) => {
          deps.logger.warn('could not show the outcome in the modal', { teamId }, err);
          return false;
        },
      );
    const replaced = meta.responseUrl
      ? await postToResponseUrl(deps, meta.responseUrl, result.msg).then(
          () => true,
          (err: unknown) => {
            deps.logger.warn('could not replace the suggestion message', { teamId }, err);
            return false;
          },
        )
      : false;
    if (!shown && !replaced) await client.chat.postMessage({ channel: userId, ...result.msg });
    await home.refresh(client, teamId, userId); // the ICP version and the last review moved
  };

/** Dismiss: remembered for this exact proposal, confirmed where it came from. */
export const submitDismiss =
  (deps: Deps, home: Home) =>
  async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const meta = parseSuggestionMetadata(view.private_metadata);
    if (!meta) throw new AppError(ErrorCode.FormStale);
    const reason = parseDismissReason(view.state.values as never);
    // One small update, done before the ack so a refusal shows in the modal.
    const r = await dismissSuggestion(deps, { teamId, id: meta.id, userId, reason });
    if (r.status === 'not_owner') {
      await ack({
        response_action: 'errors',
        errors: { [ReviewInputIds.dismissReason.block]: `Only ${r.owners.join(', ') || 'ICP owners'} can dismiss it.` },
      });
      return;
    }
    if (r.status === 'gone') throw new AppError(ErrorCode.FormStale);
    const msg = dismissedMessage(userId, reason);
    await ack({ response_action: 'update', view: resultModal('Proposal dismissed', msg.blocks) as never });
    if (meta.responseUrl) {
      await postToResponseUrl(deps, meta.responseUrl, msg).catch((err) =>
        deps.logger.warn('could not replace the suggestion message', err),
      );
    }
    await home.refresh(client, teamId, userId);
  };

export function register(app: App, deps: Deps, home: Home): void {
  app.action<BlockAction>(ReviewActionIds.suggest, listen.action(deps, 'ICP suggestion', openSuggestion(deps)));
  app.action<BlockAction>(ReviewActionIds.suggestReview, listen.action(deps, 'review suggested ICP', openReview(deps)));
  app.action<BlockAction>(
    ReviewActionIds.suggestDismiss,
    listen.action(deps, 'dismiss suggested ICP', openDismiss(deps)),
  );
  app.view<ViewSubmitAction>(
    ReviewCallbackIds.suggestApply,
    listen.view(deps, 'apply suggested ICP', submitApply(deps, home)),
  );
  app.view<ViewSubmitAction>(
    ReviewCallbackIds.suggestDismiss,
    listen.view(deps, 'dismiss suggested ICP submission', submitDismiss(deps, home)),
  );
}
