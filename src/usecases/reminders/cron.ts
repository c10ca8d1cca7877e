/**
 * The reminder schedule: every replica runs a pass every minute (node-cron); the outbox makes each
 * post happen once however many replicas tick.
 */
import type { Deps } from '../../deps.ts';
import { replicaId, scheduledJob } from '../../jobs.ts';
import { countReminders } from '../../metrics.ts';
import type { TickResult } from './outbox.ts';
import { createReminderRunner, type ReminderSchedulerOptions } from './pass.ts';
import { appPosterOptions } from './poster.ts';

export interface ReminderScheduler {
  /** Runs one pass now (or as of `now`). Concurrent calls on one instance are serialised. */
  tick(now?: Date): Promise<TickResult>;
  /** Starts the cron task. */
  start(): void;
  /** Stops the cron task and waits for a running pass to finish. */
  stop(): Promise<void>;
}

export function createReminderScheduler(deps: Deps, opts: ReminderSchedulerOptions): ReminderScheduler {
  const runner = createReminderRunner(deps, opts);
  const clock = opts.now ?? (() => new Date(deps.now()));
  return scheduledJob<[now?: Date], TickResult>({
    name: `icp-review-reminders-${opts.instanceId}`,
    failure: 'review reminder tick failed',
    logger: deps.logger,
    run: (now?: Date) => runner.run(now ?? clock()),
    after: countReminders,
    ...(opts.cronExpression ? { cronExpression: opts.cronExpression } : {}),
  });
}

/** The scheduler the app runs, posting as the app does, with an instance id unique to this process. */
export function createAppReminderScheduler(
  deps: Deps,
  opts: Partial<ReminderSchedulerOptions> = {},
): ReminderScheduler {
  return createReminderScheduler(deps, {
    ...appPosterOptions(deps),
    instanceId: replicaId(),
    ...opts,
  });
}
