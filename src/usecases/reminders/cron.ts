/**
 * The reminder schedule: every replica runs a pass every minute (node-cron); the outbox makes each
 * post happen once however many replicas tick.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createTask, type ScheduledTask } from 'node-cron';
import type { Deps } from '../../deps.ts';
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
  let running: Promise<TickResult> | undefined;
  let task: ScheduledTask | undefined;

  const tick = async (now?: Date): Promise<TickResult> => {
    while (running) await running.catch(() => undefined);
    const p = runner.run(now ?? clock());
    running = p;
    try {
      return await p;
    } finally {
      if (running === p) running = undefined;
    }
  };

  return {
    tick,
    start() {
      if (task) return;
      task = createTask(
        opts.cronExpression ?? '* * * * *',
        async () => {
          try {
            countReminders(await tick());
          } catch (err) {
            deps.logger.error('review reminder tick failed', err);
          }
        },
        { name: `icp-review-reminders-${opts.instanceId}`, noOverlap: true },
      );
      void task.start();
    },
    async stop() {
      if (task) {
        await task.stop();
        await task.destroy();
        task = undefined;
      }
      await running?.catch(() => undefined);
    },
  };
}

/** The scheduler the app runs, posting as the app does, with an instance id unique to this process. */
export function createAppReminderScheduler(
  deps: Deps,
  opts: Partial<ReminderSchedulerOptions> = {},
): ReminderScheduler {
  return createReminderScheduler(deps, {
    ...appPosterOptions(deps),
    instanceId: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    ...opts,
  });
}
