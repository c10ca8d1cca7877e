/**
 * Runs a CPU-heavy pure function in a worker thread, so a Slack bot keeps acking other requests (and
 * answering /healthz) while it computes: profiling 100k accounts takes seconds of JavaScript, and a
 * blocked event loop misses Slack's 3 s ack for everyone. `entry` is a module that reads `workerData.data`
 * and posts one message back. Under tsx or vitest the entry is a .ts file, which a bare worker cannot
 * load on Node 20: the worker then registers tsx first (a dev dependency, absent from production images,
 * where the compiled .js entry is loaded directly).
 */
import { Worker } from 'node:worker_threads';

const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((api) => { api.register(); return import(workerData.entry); });
`;

/** The sibling module `name` next to `base` with the same extension (.ts in development, .js once built). */
export function siblingModule(base: string, name: string): URL {
  const ext = new URL(base).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`${name}${ext}`, base);
}

/** Runs `entry` in a new worker with `data`; resolves with the one message it posts. */
export function runInWorker<T>(entry: URL, data: unknown): Promise<T> {
  const worker = entry.pathname.endsWith('.ts')
    ? new Worker(BOOT, {
        eval: true,
        workerData: { entry: entry.href, tsx: import.meta.resolve('tsx/esm/api'), data },
      })
    : new Worker(entry, { workerData: { data } });
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (m: T) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`worker ${entry.pathname} exited (code ${code}) without an answer`)),
    );
  }).finally(() => void worker.terminate());
}
