/**
 * The Slack side of a reminder: post it, look for it in the channel, upload its chart. No database
 * bookkeeping here (src/usecases/reminders/outbox.ts owns that); this file only talks to the Web API and says how a
 * failure should be read.
 *
 * chat.postMessage has no idempotency key (../shared/slack/PLATFORM.md), so each post carries its
 * occurrence key as message metadata (`event_type: 'icp_review_reminder'`), which `findPosted` looks
 * for in conversations.history before any resend whose first outcome is unknown.
 */
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { DriftSeries } from '../../../db/queries/drift.ts';
import { findInstallation } from '../../../db/queries/installations.ts';
import type { Deps } from '../../deps.ts';
import type { AppLogger } from '../../logger.ts';

export const REMINDER_EVENT_TYPE = 'icp_review_reminder';

/** Slack's answer time we wait for on a reminder call, unless configured otherwise. */
export const DEFAULT_SLACK_TIMEOUT_MS = 30_000;

/**
 * A WebClient for scheduled posts: no automatic retries (ours are recorded in the database), 429
 * rejected at once with its Retry-After instead of waited out in-process, and a timeout well inside the
 * lease so a hung call cannot outlive its claim.
 */
export function createReminderClient(token: string | undefined, opts: Partial<WebClientOptions> = {}): WebClient {
  return new WebClient(token, {
    ...opts,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeout ?? DEFAULT_SLACK_TIMEOUT_MS,
  });
}

/** What a post needs to know about its occurrence. */
export interface Occurrence {
  teamId: string;
  occurrenceKey: string;
  kind: string;
  channelId: string | null;
  createdAt: Date;
}

export type Failure =
  /** Slack certainly did not post (429, or an error answer): safe to send again. */
  | { kind: 'not_sent'; retryable: boolean; error: string; retryAfterMs?: number }
  /** We do not know (5xx, timeout, reset): reconcile before sending again. */
  | { kind: 'ambiguous'; error: string };

// Platform errors (HTTP 200, ok: false) that a later attempt may get past.
const RETRYABLE_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** How to read a Web API error: certainly not posted (and whether to retry), or unknown. */
export function classify(err: unknown): Failure {
  const e = err as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    message?: string;
  };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return {
        kind: 'not_sent',
        retryable: true,
        error: `rate limited (Retry-After ${e.retryAfter ?? '?'} s)`,
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
      };
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      return { kind: 'not_sent', retryable: RETRYABLE_PLATFORM_ERRORS.has(code), error: `Slack error: ${code}` };
    }
    case 'slack_webapi_http_error':
      return { kind: 'ambiguous', error: `HTTP ${e.statusCode ?? '?'} from Slack` };
    default:
      return { kind: 'ambiguous', error: e.message ?? String(err) };
  }
}

export interface PosterOptions {
  /** Build it with `createReminderClient` (no hidden retries). */
  client: WebClient;
  /** OAuth installs: the bot token of a workspace (the client's own token otherwise). */
  tokenFor?: ((teamId: string) => Promise<string | undefined>) | undefined;
  /** Chart renderer; defaults to renderDriftChart, `null` turns the chart off. */
  renderChart?: ((series: DriftSeries) => Promise<Buffer>) | null | undefined;
  logger: AppLogger;
}

export interface ReminderPoster {
  /** Posts the message; resolves with its ts, throws the Web API error (read it with `classify`). */
  post(o: Occurrence, message: { text: string; blocks: unknown[] }): Promise<string | undefined>;
  /** The ts of our message for this occurrence in its channel, or null when it is certainly not there. */
  findPosted(o: Occurrence): Promise<string | null>;
  /** Best effort: the chart goes into the reminder's thread; a failure is logged, the reminder stands. */
  uploadChart(o: Occurrence, series: DriftSeries | null, ts: string): Promise<void>;
}

export function createPoster(opts: PosterOptions): ReminderPoster {
  const { client, logger } = opts;
  // vega, vega-lite and resvg (~40 MB) load with the first chart, not with the bot.
  const renderChart =
    opts.renderChart === undefined
      ? async (s: DriftSeries) => (await import('../../review/chart.ts')).renderDriftChart(s)
      : opts.renderChart;
  const tokenArg = async (teamId: string): Promise<{ token?: string }> => {
    const token = opts.tokenFor ? await opts.tokenFor(teamId) : undefined;
    return token ? { token } : {};
  };

  return {
    async post(o, message) {
      const res = await client.chat.postMessage({
        ...(await tokenArg(o.teamId)),
        channel: o.channelId ?? '',
        text: message.text,
        blocks: message.blocks as never,
        unfurl_links: false,
        unfurl_media: false,
        metadata: {
          event_type: REMINDER_EVENT_TYPE,
          event_payload: { occurrence_key: o.occurrenceKey, kind: o.kind, team_id: o.teamId },
        },
      });
      return res.ts;
    },

    async findPosted(o) {
      // The newest messages since shortly before the claim, with metadata.
      const oldest = Math.floor((o.createdAt.getTime() - 10 * 60_000) / 1000);
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await client.conversations.history({
          ...(await tokenArg(o.teamId)),
          channel: o.channelId ?? '',
          oldest: String(Math.max(0, oldest)),
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
        for (const m of res.messages ?? []) {
          const meta = m.metadata as { event_type?: string; event_payload?: { occurrence_key?: unknown } } | undefined;
          if (meta?.event_type === REMINDER_EVENT_TYPE && meta.event_payload?.occurrence_key === o.occurrenceKey) {
            return m.ts ?? null;
          }
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!res.has_more || !cursor) break;
      }
      return null;
    },

    async uploadChart(o, series, ts) {
      if (!renderChart || !series) return;
      try {
        const png = await renderChart(series);
        await client.filesUploadV2({
          ...(await tokenArg(o.teamId)),
          channel_id: o.channelId ?? '',
          thread_ts: ts,
          file: png,
          filename: 'icp-drift.png',
          title: 'Win rate by tier and churn, last 12 months',
        });
      } catch (err) {
        logger.warn(`review reminder ${o.occurrenceKey}: chart upload failed (the reminder was posted)`, err);
      }
    },
  };
}

/**
 * The app's poster: a retry-free client on the configured bot token (single workspace), or each
 * workspace's installed bot token (OAuth mode).
 */
export function appPosterOptions(deps: Deps, timeoutMs = DEFAULT_SLACK_TIMEOUT_MS): Omit<PosterOptions, 'logger'> {
  const s = deps.config.slack;
  const client = createReminderClient(s.botToken, {
    ...(s.apiUrl ? { slackApiUrl: s.apiUrl } : {}),
    logger: deps.logger,
    timeout: timeoutMs,
  });
  const tokenFor =
    s.mode === 'oauth'
      ? async (teamId: string) => {
          const installation = (await findInstallation(deps.db, teamId)) as { bot?: { token?: string } } | null;
          return installation?.bot?.token;
        }
      : undefined;
  return { client, tokenFor };
}
