/**
 * `/icp-persona <name | role | title> [for <company>]`, its buttons, the Personas button of the
 * `/icp-check` card.
 * Listener → use case (src/usecases/personas.ts) → pure Block Kit builder (src/slack/blocks/persona*.ts) → ack / respond.
 */
import type { App, BlockAction, RespondArguments } from '@slack/bolt';
import type { Deps } from '../src/deps.ts';
import { AppError, ErrorCode } from '../src/errors.ts';
import { type AccountContext, type AccountRef, committeeFor, tailorPersona } from '../src/personas/tailor.ts';
import { answerCommand } from '../src/slack/answer.ts';
import { ActionIds, notice } from '../src/slack/blocks/check.ts';
import {
  committeeCard,
  decodeRef,
  PersonaActionIds,
  type PersonaRef,
  personaCard,
  tailoredCard,
} from '../src/slack/blocks/persona.ts';
import { accountFacts } from '../src/slack/blocks/persona-answer.ts';
import type { Message } from '../src/slack/blocks/types.ts';
import { isSlackUserId } from '../src/slack/ids.ts';
import type { ActionArgs, CommandArgs, Policy } from '../src/slack/listen.ts';
import * as listen from '../src/slack/listen.ts';
import { freshness, loadAccountContext, personaQuery } from '../src/usecases/personas.ts';

export const commandNames = ['/icp-persona'];

function accountRef(ref: PersonaRef): AccountRef | null {
  if (ref.check) return { check: ref.check };
  if (ref.account) return { account: ref.account };
  return null;
}

/** The persona and (when the button carried one) its account, re-read within the clicking workspace. */
async function loadRef(deps: Deps, teamId: string, ref: PersonaRef) {
  const current = await deps.personas.current(teamId);
  const persona = current.spec.personas.find((p) => p.id === ref.persona);
  const aref = accountRef(ref);
  const account = aref ? await loadAccountContext(deps, teamId, aref) : null;
  return { current, persona, account };
}

async function cardFor(
  deps: Deps,
  teamId: string,
  ref: PersonaRef,
  extra: { sharedBy?: string; interactive?: boolean } = {},
) {
  const { current, persona, account } = await loadRef(deps, teamId, ref);
  if (!persona) return null;
  return personaCard(persona, {
    full: Boolean(ref.full),
    freshness: await freshness(deps, teamId),
    version: current.version,
    canTailor: deps.llm !== undefined,
    ...(account ? { account: { ref: account.ref, name: account.name } } : {}),
    ...extra,
  });
}

export function register(app: App, deps: Deps): void {
  app.command('/icp-persona', listen.command(deps, '/icp-persona', icpPersona(deps)));
  app.action<BlockAction>(PersonaActionIds.open, listen.action(deps, 'persona open', openPersona(deps)));
  app.action<BlockAction>(PersonaActionIds.more, listen.action(deps, 'persona more', morePersona(deps)));
  app.action<BlockAction>(PersonaActionIds.share, listen.action(deps, 'persona share', sharePersona(deps)));
  app.action<BlockAction>(PersonaActionIds.tailor, listen.action(deps, 'persona tailoring', tailor(deps)));
  app.action<BlockAction>(ActionIds.personas, listen.action(deps, 'committee from check', committeeFromCheck(deps)));
  app.action<BlockAction>(
    new RegExp(`^${PersonaActionIds.pickCompany}_\\d+$`),
    listen.action(deps, 'committee pick', pickCompany(deps)),
  );
}

function refOfAction(action: ActionArgs['action']): PersonaRef | null {
  return decodeRef((action as { value?: string }).value);
}

async function cardOrGone(
  deps: Deps,
  teamId: string,
  ref: PersonaRef | null,
  extra: { sharedBy?: string; interactive?: boolean } = {},
): Promise<Message> {
  const card = ref ? await cardFor(deps, teamId, ref, extra) : null;
  if (!card) throw new AppError(ErrorCode.PersonaGone);
  return card;
}

/** Persona answers are database-only, so they normally go inside the ack. */
export const icpPersona =
  (deps: Deps) =>
  async ({ command, ack, respond }: CommandArgs): Promise<void> => {
    await answerCommand({ ack, respond }, (answer) =>
      answer.within(
        personaQuery(deps, command.team_id, command.text ?? '').then((r) => r.message),
        ':hourglass_flowing_sand: Looking up personas…',
      ),
    );
  };

/** Open a card from the list, the picker or a committee: a new ephemeral message, the list stays. */
export const openPersona =
  (deps: Deps) =>
  async ({ body, action, tell }: ActionArgs & Policy): Promise<void> => {
    const ref = refOfAction(action);
    await tell(await cardOrGone(deps, body.team?.id ?? '', ref && { ...ref, full: false }));
  };

/** More / Less: the same card, full or compact, in place. */
export const morePersona =
  (deps: Deps) =>
  async ({ body, action, respond }: ActionArgs): Promise<void> => {
    const card = await cardOrGone(deps, body.team?.id ?? '', refOfAction(action));
    await respond({ response_type: 'ephemeral', replace_original: true, ...card } as RespondArguments);
  };

/**
 * Share: the card in the channel without buttons, crediting who asked. response_url posts work in any
 * channel the command was used in, without the bot being a member.
 */
export const sharePersona =
  (deps: Deps) =>
  async ({ body, action, respond }: ActionArgs): Promise<void> => {
    const sharer = isSlackUserId(body.user.id) ? body.user.id : undefined;
    const card = await cardOrGone(deps, body.team?.id ?? '', refOfAction(action), {
      interactive: false,
      ...(sharer ? { sharedBy: sharer } : {}),
    });
    await respond({ response_type: 'in_channel', replace_original: false, ...card } as RespondArguments);
  };

/** Tailoring calls the model, which may be slow: the click is acked at once, the answer follows. */
export const tailor =
  (deps: Deps) =>
  async ({ body, action, tell }: ActionArgs & Policy): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const ref = refOfAction(action);
    if (!deps.llm) {
      await tell(
        notice(
          'Tailoring needs AI, which is off in this workspace (no OpenAI key configured). The persona card still applies.',
        ),
      );
      return;
    }
    const loaded = ref ? await loadRef(deps, teamId, ref) : null;
    if (!loaded?.persona) throw new AppError(ErrorCode.PersonaGone);
    if (!loaded.account) {
      await tell(
        notice(
          'Tailoring needs an account: open the persona from `/icp-persona for <company>` or the Personas button of a check.',
        ),
      );
      return;
    }
    const timeout = deps.config.openai?.timeoutMs;
    const r = await tailorPersona(deps.llm, loaded.persona, loaded.account, timeout ? { timeoutMs: timeout } : {});
    if (!r.ok) {
      deps.logger.warn('persona tailoring fell back', { teamId, persona: loaded.persona.id, reason: r.reason });
      await tell(notice(`Could not tailor this card: ${r.reason}. The persona card above still applies.`, ':warning:'));
      return;
    }
    await tell(tailoredCard(loaded.persona, accountFacts(loaded.account), r.value, ref ?? { persona: '' }));
  };

/** The Personas button of an /icp-check card (value = check id): that account's buying committee. */
export const committeeFromCheck =
  (deps: Deps) =>
  async ({ body, action, tell }: ActionArgs & Policy): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const checkId = Number((action as { value?: string }).value);
    const account =
      Number.isInteger(checkId) && checkId > 0 ? await loadAccountContext(deps, teamId, { check: checkId }) : null;
    if (!account) throw new AppError(ErrorCode.CheckGone);
    await tell(await committeeMessage(deps, teamId, account));
  };

/** A company picked among several for `/icp-persona for …`: its committee replaces the picker. */
export const pickCompany =
  (deps: Deps) =>
  async ({ body, action, respond }: ActionArgs): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const accountId = Number((action as { value?: string }).value);
    const account =
      Number.isInteger(accountId) && accountId > 0
        ? await loadAccountContext(deps, teamId, { account: accountId })
        : null;
    if (!account) throw new AppError(ErrorCode.CompanyGone);
    const msg = await committeeMessage(deps, teamId, account);
    await respond({ response_type: 'ephemeral', replace_original: true, ...msg } as RespondArguments);
  };

async function committeeMessage(deps: Deps, teamId: string, account: AccountContext): Promise<Message> {
  const current = await deps.personas.current(teamId);
  return committeeCard(accountFacts(account), committeeFor(current.spec, account), {
    ref: account.ref,
    freshness: await freshness(deps, teamId),
    version: current.version,
  });
}
