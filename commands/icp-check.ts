/**
 * `/icp-check <company | domain | URL> [key=value …] [description]` and its buttons and modals.
 * Listener → use case (src/check) → pure Block Kit builder (src/slack/blocks) → ack / respond.
 */
import type { RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { recordTierFeedback } from '../db/queries/checks.ts';
import { companiesInMessage } from '../src/check/message-company.ts';
import type { Deps } from '../src/deps.ts';
import { userMessageFor } from '../src/errors.ts';
import { tierText } from '../src/icp/types.ts';
import { ACK_BUDGET_MS, answerCommand, raceBudget } from '../src/slack/answer.ts';
import {
  ActionIds,
  accountGone,
  ambiguousCard,
  checkCard,
  checkHelp,
  notice,
  unknownCard,
} from '../src/slack/blocks/check.ts';
import { HomeCheckIds, homeCheckModal, homeCheckQuery, parseHomeCheck } from '../src/slack/blocks/home-check.ts';
import {
  CallbackIds,
  type DetailsMetadata,
  detailsModal,
  parseDetailsSubmission,
  parseWrongTierSubmission,
  wrongTierModal,
} from '../src/slack/blocks/modals.ts';
import type { Block, Message } from '../src/slack/blocks/types.ts';
import { escapeMrkdwn, truncate } from '../src/slack/mrkdwn.ts';
import type { Listeners } from '../src/slack/router.ts';
import { type CheckOutcome, checkCompany, loadCheck, needsAi } from '../src/usecases/check-company.ts';
import type { RefreshHome } from './app-home.ts';

export const commandNames = ['/icp-check'];

/** Shortcuts (callback ids in manifest.yml; a test checks both ways). */
export const ShortcutIds = {
  /** Global: the "Check a company" modal from the composer's shortcuts menu or search. */
  check: 'icp_check_shortcut',
  /** On a message: score the company the message links to. */
  message: 'icp_check_message_shortcut',
} as const;
export const shortcutNames: string[] = Object.values(ShortcutIds);

export function renderOutcome(outcome: CheckOutcome): Message {
  switch (outcome.kind) {
    case 'help':
      return checkHelp();
    case 'scored':
      return checkCard(outcome);
    case 'ambiguous':
      return ambiguousCard(outcome.query, outcome.candidates, outcome.reason);
    case 'unknown':
      return unknownCard(outcome.name, outcome.suggestions, outcome.warnings, outcome.aiNote, outcome.name);
    case 'gone':
      return accountGone();
  }
}

/**
 * An outcome as blocks inside the Home tab's "Check a company" modal: the same builders, without the
 * buttons that need a message to act on (share, add details, wrong tier, personas). Candidate buttons
 * stay: picking one updates the modal.
 */
export function renderOutcomeInModal(outcome: CheckOutcome): Block[] {
  switch (outcome.kind) {
    case 'help':
      return checkHelp().blocks;
    case 'scored':
      return checkCard(outcome, { buttons: false }).blocks;
    case 'ambiguous':
      return ambiguousCard(outcome.query, outcome.candidates, outcome.reason).blocks;
    case 'unknown':
      return unknownCard(outcome.name, outcome.suggestions, outcome.warnings, outcome.aiNote, null).blocks;
    case 'gone':
      return accountGone().blocks;
  }
}

/** The modal of a home check with `query` and its outcome (or, logged, the friendly sentence of its error). */
function homeCheckResult(deps: Deps, query: string, outcome: Promise<CheckOutcome>) {
  return outcome.then(
    (o) => homeCheckModal({ query, result: renderOutcomeInModal(o) }),
    (err: unknown) => {
      deps.logger.error('check in a modal failed', { query: query.slice(0, 200) }, err);
      return homeCheckModal({ query, result: notice(userMessageFor(err), ':warning:').blocks });
    },
  );
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function register(app: Listeners, deps: Deps, home?: { refresh: RefreshHome }): void {
  const { logger } = deps;

  app.command('/icp-check', async ({ command, ack, respond }) => {
    const teamId = command.team_id;
    const base = { teamId, userId: command.user_id, text: command.text ?? '' };
    const failure = { what: '/icp-check', context: { teamId, query: base.text.slice(0, 200) } };
    await answerCommand({ ack, respond, logger }, failure, async (answer) => {
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
  });

  // Share: post the same card in the channel, crediting who asked. response_url posts work in any
  // channel the command was used in, without the bot being a member.
  app.action(ActionIds.share, async ({ ack, body, action, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const checkId = Number((action as { value?: string }).value);
    const loaded = await loadCheck(deps, teamId, checkId);
    if (!loaded) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...notice('That check is no longer available.'),
      });
      return;
    }
    const sharer = USER_ID.test(body.user.id) ? body.user.id : undefined;
    const card = checkCard(loaded.outcome, { ...(sharer ? { sharedBy: sharer } : {}), interactive: false });
    await respond({ response_type: 'in_channel', replace_original: false, ...card } as RespondArguments);
  });

  app.action(ActionIds.addDetails, async ({ ack, body, action, client }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const loaded = await loadCheck(deps, teamId, Number((action as { value?: string }).value));
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (!loaded || !triggerId) return;
    const fields = loaded.outcome.result.lines
      .filter((l) => l.status === 'unknown')
      .map((l) => ({ field: l.field, label: l.label }));
    const meta: DetailsMetadata = {
      checkId: loaded.outcome.checkId,
      ...((body as { response_url?: string }).response_url
        ? { responseUrl: (body as { response_url: string }).response_url }
        : {}),
    };
    await client.views.open({ trigger_id: triggerId, view: detailsModal(fields, meta) as never });
  });

  app.action(ActionIds.addUnknown, async ({ ack, body, action, client }) => {
    await ack();
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (!triggerId) return;
    const name = ((action as { value?: string }).value ?? '').slice(0, 200);
    const current = await deps.icp.current(body.team?.id ?? '');
    const seen = new Set<string>();
    const fields = current.compiled.spec.criteria
      .filter((c) => !seen.has(c.field) && seen.add(c.field))
      .map((c) => ({ field: c.field, label: c.label }));
    const meta: DetailsMetadata = {
      checkId: null,
      name,
      ...((body as { response_url?: string }).response_url
        ? { responseUrl: (body as { response_url: string }).response_url }
        : {}),
    };
    await client.views.open({ trigger_id: triggerId, view: detailsModal(fields, meta, 'Company details') as never });
  });

  app.action(new RegExp(`^${ActionIds.pickCandidate}_\\d+$`), async ({ ack, body, action, respond, client }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const accountId = Number((action as { value?: string }).value);
    const outcome = checkCompany(deps, { teamId, userId: body.user.id, text: '', accountId, useAi: false });
    const modal = (body as { view?: { id?: string; type?: string; state?: { values?: never } } }).view;
    if (modal?.type === 'modal' && modal.id) {
      // A candidate in the Home tab's "Check a company" modal: the answer replaces the modal's result.
      const view = await homeCheckResult(deps, homeCheckQuery(modal.state?.values), outcome);
      await client.views.update({ view_id: modal.id, view: view as never });
      await home?.refresh(client, teamId, body.user.id); // the check joins the recent checks
      return;
    }
    await respond({
      response_type: 'ephemeral',
      replace_original: true,
      ...renderOutcome(await outcome),
    } as RespondArguments);
  });

  // "Check a company" in the App Home tab: a modal that shows each answer under its input.
  app.action(HomeCheckIds.open, async ({ ack, body, client }) => {
    await ack();
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (!triggerId) return;
    await client.views.open({ trigger_id: triggerId, view: homeCheckModal() as never });
  });

  // Global shortcut: the same modal as the Home tab's button, from anywhere in Slack.
  app.shortcut(ShortcutIds.check, async ({ ack, shortcut, client }) => {
    await ack();
    await client.views.open({ trigger_id: shortcut.trigger_id, view: homeCheckModal() as never });
  });

  // Message shortcut on a deal post: score the company the message links to (its first company
  // domain), answered like /icp-check in that channel, with every button working.
  app.shortcut(ShortcutIds.message, async ({ ack, shortcut, respond, client }) => {
    await ack();
    if (shortcut.type !== 'message_action') return;
    const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
    const say = (msg: Message) =>
      respond({ response_type: 'ephemeral', replace_original: false, ...msg } as RespondArguments);
    try {
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
        msg.blocks.push({ type: 'context', elements: notes.map((n) => ({ type: 'mrkdwn', text: truncate(n, 1900) })) });
      }
      await say(msg);
    } catch (err) {
      logger.error('message shortcut check failed', { teamId }, err);
      await say(notice(userMessageFor(err), ':warning:')).catch(() => undefined);
    }
  });

  // A recent check in the Home tab: its card again, re-scored from the logged inputs under the ICP
  // version it was scored with, in the same modal (so another company can be checked from there).
  app.action(HomeCheckIds.viewCheck, async ({ ack, body, action, client }) => {
    await ack();
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (!triggerId) return;
    const loaded = await loadCheck(deps, body.team?.id ?? '', Number((action as { value?: string }).value));
    const view = loaded
      ? homeCheckModal({ query: loaded.outcome.query, result: renderOutcomeInModal(loaded.outcome) })
      : homeCheckModal({ result: notice('That check is no longer available.').blocks });
    await client.views.open({ trigger_id: triggerId, view: view as never });
  });

  app.view(HomeCheckIds.callback, async ({ ack, body, view, client }) => {
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
    await home?.refresh(client, teamId, body.user.id); // the check joins the recent checks
  });

  app.action(ActionIds.wrongTier, async ({ ack, body, action, client }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const loaded = await loadCheck(deps, teamId, Number((action as { value?: string }).value));
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (!loaded || !triggerId) return;
    const view = wrongTierModal({
      checkId: loaded.outcome.checkId,
      company: loaded.outcome.company.name,
      tier: tierText(loaded.outcome.result.tier, loaded.outcome.result.tierRange),
    });
    await client.views.open({ trigger_id: triggerId, view: view as never });
  });

  app.view(CallbackIds.details, async ({ ack, body, view, client }) => {
    const parsed = parseDetailsSubmission(view.state.values as never);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    await ack();
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    let meta: DetailsMetadata;
    try {
      meta = JSON.parse(view.private_metadata || '{}') as DetailsMetadata;
    } catch {
      return;
    }
    let outcome: CheckOutcome;
    if (meta.checkId !== null && meta.checkId !== undefined) {
      const loaded = await loadCheck(deps, teamId, meta.checkId);
      if (!loaded) return;
      const overrides = { ...loaded.logged.inline, ...parsed.values };
      outcome = await checkCompany(deps, {
        teamId,
        userId,
        text: loaded.outcome.query,
        ...(loaded.outcome.company.accountId !== null ? { accountId: loaded.outcome.company.accountId } : {}),
        overrides,
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
  });

  app.view(CallbackIds.wrongTier, async ({ ack, body, view, client }) => {
    const parsed = parseWrongTierSubmission(view.state.values as never);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    await ack();
    const teamId = body.team?.id ?? '';
    let checkId = 0;
    try {
      checkId = Number((JSON.parse(view.private_metadata || '{}') as { checkId?: number }).checkId);
    } catch {
      return;
    }
    const loaded = await loadCheck(deps, teamId, checkId);
    if (!loaded) return;
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
    logger.info('tier feedback recorded', { teamId, checkId, reason: parsed.reason });
    await client.chat
      .postMessage({
        channel: body.user.id,
        ...notice(`Thanks: your feedback on ${loaded.outcome.company.name} goes into the next ICP review.`, ':memo:'),
      })
      .catch((err) => logger.warn('could not confirm feedback', err));
  });
}

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
