/**
 * The one error policy every command, action, view and shortcut runs under. Listeners are registered
 * with Bolt's own app.command / app.action / app.view / app.shortcut / app.event; each is wrapped
 * here so that, whatever happens inside it:
 * - Slack gets exactly one ack (a second call is a no-op, and a path that never acked is acked here);
 * - the user gets a sentence (src/errors.ts) when it fails, where they clicked or typed;
 * - one log line names what failed, with the workspace, the user and the cause attached;
 * - /metrics counts it by surface and outcome, and times the answer.
 * A listener that cannot act says why by throwing an AppError (or calling `tell`), never by returning.
 */
import type {
  AckFn,
  AllMiddlewareArgs,
  BlockAction,
  RespondArguments,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcut,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { isAppError, userMessageFor } from '../errors.ts';
import type { AppLogger } from '../logger.ts';
import { observeRequest } from '../metrics.ts';
import { notice } from './blocks/check.ts';
import type { Message } from './blocks/types.ts';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
export type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
export type ShortcutArgs = SlackShortcutMiddlewareArgs<SlackShortcut> & AllMiddlewareArgs;
export type EventArgs<E extends string> = SlackEventMiddlewareArgs<E> & AllMiddlewareArgs;

export type Surface = 'command' | 'action' | 'view' | 'shortcut' | 'event';
export type Outcome = 'ok' | 'refused' | 'error';

/** What the wrapper adds to Bolt's arguments. */
export interface Policy {
  /** Tells the user privately, where they are (the command's answer, the clicked message, a DM). */
  tell(msg: Message): Promise<void>;
}

/** What the wrapper needs: where to log. */
export interface ListenDeps {
  logger: AppLogger;
}

type Handler<A> = (args: A & Policy) => Promise<void>;

/** An ack that reaches Slack once; later calls are ignored (and the wrapper knows whether it happened). */
function ackOnce<T>(ack: AckFn<T>) {
  const state = { acked: false };
  const once = (async (response?: T) => {
    if (state.acked) return;
    // Marked before the call: if the ack itself fails, the answer goes another way, not a second ack.
    state.acked = true;
    await ack(response as T);
  }) as AckFn<T>;
  return { once, state };
}

/** Answers a click or shortcut privately: its response_url, else an ephemeral in its channel, else a DM. */
async function tellPrivately(
  client: WebClient,
  respond: ((m: RespondArguments) => Promise<unknown>) | undefined,
  where: { responseUrl?: string | undefined; channelId?: string | undefined; userId: string },
  msg: Message,
): Promise<void> {
  if (where.responseUrl && respond) {
    await respond({ response_type: 'ephemeral', replace_original: false, ...msg } as RespondArguments);
  } else if (where.channelId) {
    await client.chat.postEphemeral({ channel: where.channelId, user: where.userId, ...msg });
  } else {
    await client.chat.postMessage({ channel: where.userId, ...msg });
  }
}

/** The modal input a submission error can be shown under (Slack shows errors only on input blocks). */
function firstInputBlock(view: ViewSubmitAction['view']): string | undefined {
  const block = (view.blocks as { type?: string; block_id?: string }[]).find((b) => b.type === 'input');
  return block?.block_id;
}

interface Run<A> {
  surface: Surface;
  what: string;
  context: Record<string, unknown>;
  args: A;
  tell: Policy['tell'];
  /** Called when the listener failed before it acked: the ack itself carries the sentence. */
  failBeforeAck?: (sentence: string) => Promise<void>;
  acked: () => boolean;
  /** Acks with nothing when the listener returned without acking. */
  finish: () => Promise<void>;
}

async function run<A>(deps: ListenDeps, r: Run<A>, handler: Handler<A>): Promise<void> {
  const started = performance.now();
  let outcome: Outcome = 'ok';
  try {
    await handler({ ...r.args, tell: r.tell });
    await r.finish();
  } catch (err) {
    // A refusal (an AppError) is an answer, not a fault: logged at info, told as a plain notice.
    const refused = isAppError(err);
    outcome = refused ? 'refused' : 'error';
    if (refused) deps.logger.info(`${r.what}: ${err.message}`, r.context);
    else deps.logger.error(`${r.what} failed`, r.context, err);
    const sentence = userMessageFor(err);
    try {
      if (!r.acked() && r.failBeforeAck) await r.failBeforeAck(sentence);
      else await r.tell(notice(sentence, refused ? ':information_source:' : ':warning:'));
    } catch (e) {
      deps.logger.error(`${r.what}: could not tell the user`, r.context, e);
    }
    // Whatever happened above, Slack still gets its one ack.
    await r.finish().catch((e) => deps.logger.error(`${r.what}: could not ack`, r.context, e));
  } finally {
    observeRequest(r.surface, outcome, (performance.now() - started) / 1000);
  }
}

/** A slash command: the listener acks with its answer; a failure before that is answered inside the ack. */
export function command(deps: ListenDeps, what: string, handler: Handler<CommandArgs>) {
  return async (args: CommandArgs): Promise<void> => {
    const { once, state } = ackOnce(args.ack);
    const c = args.command;
    await run(
      deps,
      {
        surface: 'command',
        what,
        context: { teamId: c.team_id, userId: c.user_id, text: (c.text ?? '').slice(0, 200) },
        args: { ...args, ack: once },
        // After the ack, the answer replaces the holding line.
        tell: async (msg) =>
          state.acked
            ? void (await args.respond({ response_type: 'ephemeral', replace_original: true, ...msg }))
            : once({ response_type: 'ephemeral', ...msg }),
        failBeforeAck: (sentence) => once({ response_type: 'ephemeral', ...notice(sentence, ':warning:') }),
        acked: () => state.acked,
        finish: () => once(),
      },
      handler,
    );
  };
}

/** A button click: acked at once (a block_actions ack carries nothing), then the listener runs. */
export function action(deps: ListenDeps, what: string, handler: Handler<ActionArgs>) {
  return async (args: ActionArgs): Promise<void> => {
    const { once, state } = ackOnce(args.ack);
    const b = args.body;
    await once();
    await run(
      deps,
      {
        surface: 'action',
        what,
        context: { teamId: b.team?.id, userId: b.user.id, action: args.action.action_id },
        args: { ...args, ack: once },
        tell: (msg) =>
          tellPrivately(
            args.client,
            args.respond,
            { responseUrl: b.response_url, channelId: b.channel?.id ?? b.container?.channel_id, userId: b.user.id },
            msg,
          ),
        acked: () => state.acked,
        finish: () => once(),
      },
      handler,
    );
  };
}

/**
 * A modal submission: the listener acks (to close, update, or show input errors). A failure before the
 * ack shows the sentence under the modal's first input, so nothing typed is lost; after it, a DM.
 */
export function view(deps: ListenDeps, what: string, handler: Handler<ViewArgs>) {
  return async (args: ViewArgs): Promise<void> => {
    const { once, state } = ackOnce(args.ack);
    const b = args.body;
    const dm = async (msg: Message) => void (await args.client.chat.postMessage({ channel: b.user.id, ...msg }));
    await run(
      deps,
      {
        surface: 'view',
        what,
        context: { teamId: b.team?.id ?? b.view.team_id, userId: b.user.id, callbackId: b.view.callback_id },
        args: { ...args, ack: once },
        tell: async (msg) => {
          if (state.acked) return dm(msg);
          const block = firstInputBlock(b.view);
          if (block) return once({ response_action: 'errors', errors: { [block]: msg.text.slice(0, 2000) } });
          await once();
          await dm(msg);
        },
        acked: () => state.acked,
        finish: () => once(),
      },
      handler,
    );
  };
}

/** A global or message shortcut: acked at once, answered on the message's response_url or by DM. */
export function shortcut(deps: ListenDeps, what: string, handler: Handler<ShortcutArgs>) {
  return async (args: ShortcutArgs): Promise<void> => {
    const { once, state } = ackOnce(args.ack);
    const s = args.shortcut;
    await once();
    const responseUrl = s.type === 'message_action' ? s.response_url : undefined;
    await run(
      deps,
      {
        surface: 'shortcut',
        what,
        context: { teamId: s.team?.id ?? s.user.team_id, userId: s.user.id, callbackId: s.callback_id },
        args: { ...args, ack: once },
        tell: (msg) => tellPrivately(args.client, args.respond, { responseUrl, userId: s.user.id }, msg),
        acked: () => state.acked,
        finish: () => once(),
      },
      handler,
    );
  };
}

/** An Events API event: Bolt has acked it already; a failure has nobody to tell, so it is logged. */
export function event<E extends string>(
  deps: ListenDeps,
  what: string,
  handler: (args: EventArgs<E> & Policy) => Promise<void>,
) {
  return async (args: EventArgs<E>): Promise<void> => {
    const body = args.body as { team_id?: string };
    await run(
      deps,
      {
        surface: 'event',
        what,
        context: { teamId: body.team_id },
        args,
        tell: async () => undefined,
        acked: () => true,
        finish: async () => undefined,
      },
      handler,
    );
  };
}
