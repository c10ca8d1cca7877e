/**
 * How a slash command answers within Slack's ack window: inside the ack when the answer is ready in
 * time (one message, no "loading" flicker), otherwise a holding line in the ack and the answer
 * through response_url, replacing it. Every path acks exactly once.
 */
import type { AckFn, RespondArguments, RespondFn } from '@slack/bolt';
import type { Message } from './blocks/types.ts';

/** Slack wants the ack within 3 s; an answer not ready by this budget follows the holding line. */
export const ACK_BUDGET_MS = 2000;

/** Resolves with `work`'s value, or null once `ms` have passed; the timer is cleared when work wins. */
export function raceBudget<T>(work: Promise<T>, ms: number): Promise<{ m: T } | null> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), ms);
    timer.unref();
  });
  return Promise.race([work.then((m) => ({ m })), budget]).finally(() => clearTimeout(timer));
}

export interface CommandAnswer {
  /** Sends the answer: inside the ack while it is unsent, else through respond(), replacing the holding line. */
  send(msg: Message): Promise<void>;
  /** Acks now (with a holding line, or empty) so that slow work can answer through respond() later. */
  hold(text?: string): Promise<void>;
  /** Sends what `work` yields: inside the ack when it settles within the budget, else after holding with `text`. */
  within(work: Promise<Message>, text: string, budgetMs?: number): Promise<void>;
}

/**
 * Runs a slash command's answer under the ack rules above. A thrown error propagates to the listener
 * wrapper (src/slack/listen.ts), which answers with its sentence through the ack or respond().
 */
export async function answerCommand(
  io: { ack: AckFn<string | RespondArguments>; respond: RespondFn },
  run: (answer: CommandAnswer) => Promise<void>,
): Promise<void> {
  const { ack, respond } = io;
  let acked = false;
  const answer: CommandAnswer = {
    async send(msg) {
      const payload = { response_type: 'ephemeral' as const, ...msg };
      if (!acked) {
        acked = true;
        await ack(payload);
      } else {
        await respond({ ...payload, replace_original: true } as RespondArguments);
      }
    },
    async hold(text) {
      // Marked before the call: if the ack itself fails, the error answer goes through respond(), not a second ack.
      acked = true;
      await (text === undefined ? ack() : ack({ response_type: 'ephemeral', text }));
    },
    async within(work, text, budgetMs = ACK_BUDGET_MS) {
      const first = await raceBudget(work, budgetMs);
      if (!first) await answer.hold(text);
      await answer.send(first ? first.m : await work);
    },
  };
  await run(answer);
}
