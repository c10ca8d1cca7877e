/**
 * Bolt's HTTP receiver, with one check added at the transport edge. Bolt verifies the signature and
 * refuses timestamps more than 5 minutes in the past, but accepts any timestamp in the future (even
 * `Infinity`): a request signed with a far-future date would stay replayable for as long as that date.
 * This refuses it before Bolt reads the body; the signature itself is still checked by Bolt alone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPReceiver, type HTTPReceiverOptions } from '@slack/bolt';

/** Slack's replay window, applied both ways. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/** True when a request's `x-slack-request-timestamp` is more than the window ahead of `nowMs`. */
export function isDatedInTheFuture(header: string | string[] | undefined, nowMs: number): boolean {
  const raw = Array.isArray(header) ? header[0] : header;
  // A missing or non-numeric timestamp is Bolt's to refuse (its verifier names the problem).
  if (raw === undefined || raw.trim() === '') return false;
  const ts = Number(raw);
  return !Number.isNaN(ts) && ts > Math.floor(nowMs / 1000) + MAX_CLOCK_SKEW_SECONDS;
}

export function createHttpReceiver(opts: HTTPReceiverOptions, now: () => number = Date.now): HTTPReceiver {
  const receiver = new HTTPReceiver(opts);
  const verified = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (isDatedInTheFuture(req.headers['x-slack-request-timestamp'], now())) {
      opts.logger?.warn('refused a request dated more than 5 minutes ahead (a replay, or a clock far off)');
      // Read the body away before answering: closing on a client still sending resets its connection.
      req.resume();
      req.once('end', () => {
        res.writeHead(401);
        res.end();
      });
      return;
    }
    verified(req, res);
  };
  return receiver;
}
