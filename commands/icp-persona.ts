/**
 * `/icp-persona <name | role | title> [for <company>]`, its buttons, the Personas button of the
 * `/icp-check` card, and the personas section of App Home.
 * Listener → use case (src/personas) → pure Block Kit builder (src/slack/blocks/persona.ts) → ack / respond.
 */
import type { RespondArguments, RespondFn } from '@slack/bolt';
import type { Deps } from '../src/deps.ts';
import { userMessageFor } from '../src/errors.ts';
import { buyingRoleLabels, type Persona } from '../src/personas/spec.ts';
import {
  type AccountContext,
  type AccountRef,
  answerPersonaQuery,
  committeeFor,
  loadAccountContext,
  type PersonaAnswer,
  tailorPersona,
} from '../src/personas/tailor.ts';
import { answerCommand } from '../src/slack/answer.ts';
import { ActionIds, notice } from '../src/slack/blocks/check.ts';
import {
  type AccountFacts,
  committeeCard,
  companyPicker,
  decodeRef,
  type Freshness,
  PersonaActionIds,
  type PersonaRef,
  personaCard,
  personaHelp,
  personaList,
  personaPicker,
  staleness,
  tailoredCard,
  unknownCompany,
} from '../src/slack/blocks/persona.ts';
import type { Block, Message } from '../src/slack/blocks/types.ts';
import { escapeMrkdwn, truncate } from '../src/slack/mrkdwn.ts';
import type { Listeners } from '../src/slack/router.ts';
import type { HomeSection } from './app-home.ts';

export const commandNames = ['/icp-persona'];

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Staleness is measured against the current ICP's review cadence. */
async function freshness(deps: Deps, teamId: string): Promise<Freshness> {
  const icp = await deps.icp.current(teamId);
  return { reviewEveryDays: icp.version.spec.review_every_days, today: new Date(deps.now()) };
}

function refOf(account: AccountContext | undefined): { account?: number; check?: number } {
  return account ? { ...account.ref } : {};
}

export function accountFacts(a: AccountContext): AccountFacts {
  return {
    name: a.name,
    domain: a.domain,
    tier: a.tier,
    score: a.score,
    industry: a.industry,
    segment: a.segment,
    employees: a.employees,
    country: a.country,
    icpVersion: a.icpVersion,
    lines: a.lines,
  };
}

export interface RenderContext {
  freshness: Freshness;
  version: number;
  canTailor: boolean;
}

/** The message for a use-case answer. */
export function renderPersonaAnswer(answer: PersonaAnswer, rc: RenderContext): Message {
  const { freshness: f, version } = rc;
  switch (answer.kind) {
    case 'help':
      return personaHelp();
    case 'one':
      return personaCard(answer.persona, {
        freshness: f,
        version,
        canTailor: rc.canTailor,
        ...(answer.account ? { account: { ref: refOf(answer.account), name: answer.account.name } } : {}),
      });
    case 'several':
      return personaPicker(answer.query, answer.personas, f, refOf(answer.account));
    case 'list':
      return personaList(answer.personas, {
        freshness: f,
        version,
        ref: refOf(answer.account),
        ...(answer.query !== undefined ? { query: answer.query } : {}),
      });
    case 'committee':
      return committeeCard(accountFacts(answer.account), answer.committee, {
        ref: refOf(answer.account),
        freshness: f,
        version,
      });
    case 'ambiguous':
      return companyPicker(answer.query, answer.candidates, answer.reason);
    case 'unknown':
      return unknownCompany(answer.query, answer.suggestions);
  }
}

/** Runs a query end to end (Slack and the CLI): current personas, the answer, and how to render it. */
export async function personaQuery(deps: Deps, teamId: string, text: string) {
  const current = await deps.personas.current(teamId);
  const answer = await answerPersonaQuery(deps, current.spec, teamId, text);
  const rc: RenderContext = {
    freshness: await freshness(deps, teamId),
    version: current.version,
    canTailor: deps.llm !== undefined,
  };
  return { answer, current, message: renderPersonaAnswer(answer, rc), rc };
}

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

const gone = notice('That persona is no longer in the persona file. Try `/icp-persona` for the list.');

/** Sends an ephemeral reply; never throws (a failed respond is logged). */
async function reply(deps: Deps, respond: RespondFn, msg: Message, replace = false): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: replace, ...msg } as RespondArguments).catch((err) =>
    deps.logger.error('could not answer through response_url', err),
  );
}

export function register(app: Listeners, deps: Deps): void {
  const { logger } = deps;

  app.command('/icp-persona', async ({ command, ack, respond }) => {
    const teamId = command.team_id;
    const text = command.text ?? '';
    const failure = { what: '/icp-persona', context: { teamId, query: text.slice(0, 200) } };
    // Persona answers are database-only, so they normally go inside the ack.
    await answerCommand({ ack, respond, logger }, failure, (answer) =>
      answer.within(
        personaQuery(deps, teamId, text).then((r) => r.message),
        ':hourglass_flowing_sand: Looking up personas…',
      ),
    );
  });

  // Open a card from the list, the picker or a committee: a new ephemeral message, the list stays.
  app.action(PersonaActionIds.open, async ({ ack, body, action, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const ref = decodeRef((action as { value?: string }).value);
    try {
      const card = ref ? await cardFor(deps, teamId, { ...ref, full: false }) : null;
      await reply(deps, respond, card ?? gone);
    } catch (err) {
      logger.error('persona open failed', { teamId }, err);
      await reply(deps, respond, notice(userMessageFor(err), ':warning:'));
    }
  });

  // More / Less: the same card, full or compact, in place.
  app.action(PersonaActionIds.more, async ({ ack, body, action, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const ref = decodeRef((action as { value?: string }).value);
    try {
      const card = ref ? await cardFor(deps, teamId, ref) : null;
      await reply(deps, respond, card ?? gone, card !== null);
    } catch (err) {
      logger.error('persona more failed', { teamId }, err);
      await reply(deps, respond, notice(userMessageFor(err), ':warning:'));
    }
  });

  // Share: the card in the channel without buttons, crediting who asked. response_url posts work in any
  // channel the command was used in, without the bot being a member.
  app.action(PersonaActionIds.share, async ({ ack, body, action, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const ref = decodeRef((action as { value?: string }).value);
    const sharer = USER_ID.test(body.user.id) ? body.user.id : undefined;
    try {
      const card = ref
        ? await cardFor(deps, teamId, ref, { interactive: false, ...(sharer ? { sharedBy: sharer } : {}) })
        : null;
      if (!card) return await reply(deps, respond, gone);
      await respond({ response_type: 'in_channel', replace_original: false, ...card } as RespondArguments);
    } catch (err) {
      logger.error('persona share failed', { teamId }, err);
      await reply(deps, respond, notice(userMessageFor(err), ':warning:'));
    }
  });

  // Tailoring calls the model, which may be slow: ack at once, answer through response_url.
  app.action(PersonaActionIds.tailor, async ({ ack, body, action, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const ref = decodeRef((action as { value?: string }).value);
    try {
      if (!deps.llm) {
        await reply(
          deps,
          respond,
          notice(
            'Tailoring needs AI, which is off in this workspace (no OpenAI key configured). The persona card still applies.',
          ),
        );
        return;
      }
      const loaded = ref ? await loadRef(deps, teamId, ref) : null;
      if (!loaded?.persona) return await reply(deps, respond, gone);
      if (!loaded.account) {
        await reply(
          deps,
          respond,
          notice(
            'Tailoring needs an account: open the persona from `/icp-persona for <company>` or the Personas button of a check.',
          ),
        );
        return;
      }
      const timeout = deps.config.openai?.timeoutMs;
      const r = await tailorPersona(deps.llm, loaded.persona, loaded.account, timeout ? { timeoutMs: timeout } : {});
      if (!r.ok) {
        logger.warn('persona tailoring fell back', { teamId, persona: loaded.persona.id, reason: r.reason });
        await reply(
          deps,
          respond,
          notice(`Could not tailor this card: ${r.reason}. The persona card above still applies.`, ':warning:'),
        );
        return;
      }
      await reply(
        deps,
        respond,
        tailoredCard(loaded.persona, accountFacts(loaded.account), r.value, ref ?? { persona: '' }),
      );
    } catch (err) {
      logger.error('persona tailoring failed', { teamId }, err);
      await reply(deps, respond, notice(userMessageFor(err), ':warning:'));
    }
  });

  // The Personas button of an /icp-check card (value = check id): that account's buying committee.
  app.action(ActionIds.personas, async ({ ack, body, action, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const checkId = Number((action as { value?: string }).value);
    try {
      const account =
        Number.isInteger(checkId) && checkId > 0 ? await loadAccountContext(deps, teamId, { check: checkId }) : null;
      if (!account) return await reply(deps, respond, notice('That check is no longer available.'));
      await reply(deps, respond, await committeeMessage(deps, teamId, account));
    } catch (err) {
      logger.error('committee from check failed', { teamId, checkId }, err);
      await reply(deps, respond, notice(userMessageFor(err), ':warning:'));
    }
  });

  // A company picked among several for `/icp-persona for …`.
  app.action(new RegExp(`^${PersonaActionIds.pickCompany}_\\d+$`), async ({ ack, body, action, respond }) => {
    await ack();
    const teamId = body.team?.id ?? '';
    const accountId = Number((action as { value?: string }).value);
    try {
      const account =
        Number.isInteger(accountId) && accountId > 0
          ? await loadAccountContext(deps, teamId, { account: accountId })
          : null;
      if (!account) return await reply(deps, respond, notice('That company is no longer in your CRM data.'));
      await reply(deps, respond, await committeeMessage(deps, teamId, account), true);
    } catch (err) {
      logger.error('committee pick failed', { teamId, accountId }, err);
      await reply(deps, respond, notice(userMessageFor(err), ':warning:'));
    }
  });
}

async function committeeMessage(deps: Deps, teamId: string, account: AccountContext): Promise<Message> {
  const current = await deps.personas.current(teamId);
  return committeeCard(accountFacts(account), committeeFor(current.spec, account), {
    ref: account.ref,
    freshness: await freshness(deps, teamId),
    version: current.version,
  });
}

function homeLine(p: Persona, f: Freshness): string {
  const stale = staleness(p, f)?.stale ? ' :warning: _needs review_' : '';
  return `• *${escapeMrkdwn(p.name)}* · ${buyingRoleLabels[p.buying_role]}${stale}`;
}

/** App Home: the personas on file, with their buying role and a marker when one needs a review. */
export const homeSection: HomeSection = async (deps, teamId) => {
  const current = await deps.personas.current(teamId);
  const f = await freshness(deps, teamId);
  const lines = current.spec.personas.map((p) => homeLine(p, f));
  const blocks: Block[] = [
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Buyer personas' } },
  ];
  // Packed into as few sections as fit 3000 characters each.
  let chunk = '';
  for (const l of lines) {
    if (chunk && chunk.length + l.length + 1 > 2900) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${l}` : truncate(l, 2900);
  }
  if (chunk) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Personas v${current.version} · \`/icp-persona cfo\` for a cheat sheet, \`/icp-persona for acme.com\` for a buying committee`,
      },
    ],
  });
  return blocks;
};
