/**
 * Prometheus metrics (prom-client), served at /metrics beside /healthz. Counters are process-wide, as
 * Prometheus expects of one process: any part of the bot increments them with one line, e.g.
 * `reminderPosts.inc({ result: 'posted' })` or `importRows.inc({ kind: 'accounts' }, n)`.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Every command, click, modal submission, shortcut and event, by how it ended. */
export const requests = new Counter({
  name: 'icp_requests_total',
  help: 'Slack requests handled, by surface (command, action, view, shortcut, event) and outcome (ok, refused, error)',
  labelNames: ['surface', 'outcome'] as const,
  registers: [registry],
});

/** From the listener starting to its last answer (ack, response_url post or Web API call) being sent. */
export const answerSeconds = new Histogram({
  name: 'icp_answer_seconds',
  help: 'Time to answer a Slack request, by surface',
  labelNames: ['surface'] as const,
  // Slack's ack window is 3 s: the buckets resolve the part of it a workspace feels.
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
  registers: [registry],
});

/** Review reminders: posted, retried after a failure, or given up on. */
export const reminderPosts = new Counter({
  name: 'icp_reminders_total',
  help: 'Review reminders by result (posted, retried, failed)',
  labelNames: ['result'] as const,
  registers: [registry],
});

/** Rows imported, by kind: CSV files (accounts, deals, churn, subscriptions) and CRM syncs (crm accounts, crm deals). */
export const importRows = new Counter({
  name: 'icp_import_rows_total',
  help: 'Rows imported, by kind of file',
  labelNames: ['kind'] as const,
  registers: [registry],
});

/** Counts one handled Slack request (src/slack/listen.ts calls this for every listener). */
export function observeRequest(surface: string, outcome: string, seconds: number): void {
  requests.inc({ surface, outcome });
  answerSeconds.observe({ surface }, seconds);
}

/** Counts one reminder pass's results (the cron tick calls this). */
export function countReminders(r: {
  posted: readonly unknown[];
  retrying: readonly unknown[];
  failed: readonly unknown[];
}) {
  reminderPosts.inc({ result: 'posted' }, r.posted.length);
  reminderPosts.inc({ result: 'retried' }, r.retrying.length);
  reminderPosts.inc({ result: 'failed' }, r.failed.length);
}
