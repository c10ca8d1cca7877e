/**
 * One reminder pass, in order: list the workspaces with a reminder channel, plan each one's due
 * occurrences (plan.ts), hand them to the outbox (outbox.ts: claim, compose, post through poster.ts),
 * then resume what earlier passes left (retries, dead instances' rows). cron.ts runs a pass every
 * minute; `icp remind --now` runs one.
 */
import { hostname } from 'node:os';
import type { WebClient } from '@slack/web-api';
import type { DriftSeries } from '../../../db/queries/drift.ts';
import { listReminderTeams } from '../../../db/queries/reminders.ts';
import type { Deps } from '../../deps.ts';
import { localClock } from '../../review/calendar.ts';
import { composeReminder, driftReportFor } from './compose.ts';
import { type Composer, createOutbox, emptyResult, type TickResult } from './outbox.ts';
import { type EvaluateDrift, planTeam } from './plan.ts';
import { appPosterOptions, createPoster, DEFAULT_SLACK_TIMEOUT_MS } from './poster.ts';

export interface ReminderSchedulerOptions {
  /**
   * Web API client for the posts. Build it with `createReminderClient`: web-api's own retries must be
   * off on this path so the retry bookkeeping is ours and a post is never doubled by a hidden retry.
   */
  client: WebClient;
  /** Identifies this replica in claimed_by. */
  instanceId: string;
  /** node-cron expression; every minute by default. */
  cronExpression?: string;
  /** Clock (tests pass a fake one); defaults to deps.now. */
  now?: () => Date;
  /** The message builder; defaults to src/usecases/reminders/compose.ts. Tests inject a stub. */
  compose?: Composer;
  /** The drift evaluation behind "early review recommended"; defaults to the workspace's drift report. */
  evaluateDrift?: EvaluateDrift;
  /** OAuth installs: the bot token of a workspace (the client's own token otherwise). */
  tokenFor?: (teamId: string) => Promise<string | undefined>;
  /** Chart renderer (tests may skip the PNG); defaults to renderDriftChart, `null` turns the chart off. */
  renderChart?: ((series: DriftSeries) => Promise<Buffer>) | null;
  /** Post what is due today even before the local time of day (`icp remind --now`). */
  ignoreTimeOfDay?: boolean;
  /** Attempts per occurrence before it is marked failed. Default 5. */
  maxAttempts?: number;
  /**
   * How long a row may go without its holder renewing it (database clock) before another instance takes
   * it over. Default 2 minutes; must exceed `slackTimeoutMs`.
   */
  leaseMs?: number;
  /** The timeout `client` was built with (default 30 s): the longest a post can take, as it makes no retries. */
  slackTimeoutMs?: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. Default 60 s. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ReminderRunner {
  /** One pass as of `now`: plan and send every workspace's due occurrences, then resume pending ones. */
  run(now: Date): Promise<TickResult>;
}

export function createReminderRunner(deps: Deps, opts: ReminderSchedulerOptions): ReminderRunner {
  const leaseMs = opts.leaseMs ?? 2 * 60_000;
  const slackTimeoutMs = opts.slackTimeoutMs ?? DEFAULT_SLACK_TIMEOUT_MS;
  // A lease shorter than a post would let another instance take over a post still in flight.
  if (leaseMs <= slackTimeoutMs) {
    throw new Error(`reminder lease (${leaseMs} ms) must be longer than the Slack timeout (${slackTimeoutMs} ms)`);
  }
  const poster = createPoster({
    client: opts.client,
    tokenFor: opts.tokenFor,
    renderChart: opts.renderChart,
    logger: deps.logger,
  });
  const outbox = createOutbox(deps, {
    poster,
    compose: opts.compose ?? (composeReminder as Composer),
    instanceId: opts.instanceId,
    maxAttempts: opts.maxAttempts ?? 5,
    leaseMs,
    baseBackoffMs: opts.baseBackoffMs ?? 60_000,
    maxBackoffMs: opts.maxBackoffMs ?? 30 * 60_000,
  });
  const evaluateDrift: EvaluateDrift = opts.evaluateDrift ?? ((d, teamId, asOf) => driftReportFor(d, teamId, asOf));
  const ignoreTimeOfDay = opts.ignoreTimeOfDay ?? false;
  /**
   * Per team: the local date this instance already planned (after the time of day). Reminders post at the
   * time of day, so once a day's plan is claimed there is nothing more to work out until the next local
   * date; this keeps a tick to two queries. A review or new ICP version is picked up at the next date.
   */
  const planned = new Map<string, string>();

  return {
    async run(now) {
      const result = emptyResult();
      for (const team of await listReminderTeams(deps.db)) {
        try {
          const today = localClock(now, team.timezone).date;
          if (planned.get(team.teamId) === today) continue;
          const plan = await planTeam(deps, team, now, { evaluateDrift, ignoreTimeOfDay });
          if (!plan) continue;
          for (const p of plan.planned) {
            const report = p.kind === 'drift' ? plan.report : undefined;
            await outbox.send(team.teamId, team.channelId ?? '', p, now, result, report);
          }
          planned.set(team.teamId, today);
        } catch (err) {
          deps.logger.error(`review reminders for ${team.teamId}: planning failed`, err);
          result.errors.push({ teamId: team.teamId, error: err instanceof Error ? err.message : String(err) });
        }
      }
      await outbox.resume(now, result);
      return result;
    },
  };
}

/**
 * `icp remind --now`: sends what is due today (without waiting for the local time of day), once, with
 * the same claims as the scheduler, so a replica ticking later does not post it again. Without a client,
 * posts the way the app does (the configured bot token, or each workspace's installed token).
 */
export function sendDueReminders(
  deps: Deps,
  client?: WebClient,
  opts: { now?: Date; instanceId?: string; ignoreTimeOfDay?: boolean; compose?: Composer } = {},
): Promise<TickResult> {
  const poster = client ? { client } : appPosterOptions(deps);
  return createReminderRunner(deps, {
    ...poster,
    instanceId: opts.instanceId ?? `cli-${hostname()}-${process.pid}`,
    ignoreTimeOfDay: opts.ignoreTimeOfDay ?? true,
    ...(opts.compose ? { compose: opts.compose } : {}),
  }).run(opts.now ?? new Date(deps.now()));
}
