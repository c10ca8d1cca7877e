/**
 * A job every replica runs on a schedule (node-cron, every minute by default): ticks on one replica never
 * overlap (a tick called while one runs waits for it), a failed tick is logged and the next one runs as
 * usual, and stop() waits for a running tick. What makes the work happen once across replicas is the job's
 * own business (the reminders' outbox, the CRM sync's lease row).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createTask, type ScheduledTask } from 'node-cron';
import type { AppLogger } from './logger.ts';

export interface ScheduledJob<A extends unknown[], T> {
  /** Runs the job now; concurrent calls on one replica are serialised. */
  tick(...args: A): Promise<T>;
  /** Starts the cron task. */
  start(): void;
  /** Stops the cron task and waits for a running tick to finish. */
  stop(): Promise<void>;
}

/** An id unique to this process, for lease owners and task names. */
export const replicaId = (): string => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export function scheduledJob<A extends unknown[], T>(opts: {
  /** The node-cron task's name. */
  name: string;
  /** The log line when a scheduled tick fails. */
  failure: string;
  logger: Pick<AppLogger, 'error'>;
  run: (...args: A) => Promise<T>;
  /** Called with each scheduled tick's result (metrics). */
  after?: (result: T) => void;
  cronExpression?: string;
}): ScheduledJob<A, T> {
  let running: Promise<T> | undefined;
  let task: ScheduledTask | undefined;
  const tick = async (...args: A): Promise<T> => {
    while (running) await running.catch(() => undefined);
    const p = opts.run(...args);
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
            const result = await tick(...([] as unknown as A));
            opts.after?.(result);
          } catch (err) {
            opts.logger.error(opts.failure, err);
          }
        },
        { name: opts.name, noOverlap: true },
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
