/**
 * What the HTTP suites (test/slack/*.http.test.ts) share: a fresh database, the fake Slack Web API
 * and the real app on an ephemeral port, started and stopped together; waiting for response_url
 * posts; reading buttons and mrkdwn out of a message.
 */
import type { NewAccount } from '../../db/queries/accounts.ts';
import { type RealApp, startRealApp } from './app.ts';
import { assertValidHome } from './blockkit.ts';
import { TEST_SIGNING_SECRET } from './bolt.ts';
import { createTestDb, type TestDb } from './db.ts';
import { type FakeSlack, type RespondPost, startFakeSlack } from './fake-slack.ts';
import { eventEnvelope } from './payloads.ts';
import { postToApp } from './slack-sign.ts';

export interface HttpSuite {
  db: TestDb;
  fake: FakeSlack;
  app: RealApp;
  /** Empties every table and the fake's records, then seeds: a clean slate for the next test. */
  reset(seed?: (db: TestDb) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** Starts database, fake Slack and app; whatever started is closed again if a later step fails. */
export async function startHttpSuite(opts: Parameters<typeof startRealApp>[2] = {}): Promise<HttpSuite> {
  let db: TestDb | undefined;
  let fake: FakeSlack | undefined;
  let app: RealApp | undefined;
  const close = async () => {
    await app?.close();
    await fake?.close();
    await db?.close();
  };
  try {
    db = await createTestDb();
    fake = await startFakeSlack();
    app = await startRealApp(db, fake, opts);
  } catch (err) {
    await close();
    throw err;
  }
  const started = { db, fake, app };
  return {
    ...started,
    async reset(seed) {
      await started.db.truncateAll();
      started.fake.reset();
      await seed?.(started.db);
    },
    close,
  };
}

/** The first `count` response_url posts on `id`, polling until they arrive. */
export async function waitForResponses(
  fake: FakeSlack,
  id: string,
  count: number,
  timeoutMs = 10_000,
): Promise<RespondPost[]> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const r = fake.responses(id);
    if (r.length >= count) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`timed out waiting for ${count} response(s) on ${id}; got ${fake.responses(id).length}`);
}

/**
 * Opens the App Home tab as `user` of `team` (a signed app_home_opened event) and returns the view the
 * bot published, validated against Block Kit.
 */
export async function openHome(
  suite: { app: RealApp; fake: FakeSlack },
  team: string,
  user: string,
): Promise<{ blocks: Record<string, unknown>[] }> {
  const body = JSON.stringify(
    eventEnvelope({ type: 'app_home_opened', user, channel: 'D1', tab: 'home', event_ts: '1.2' }, { team_id: team }),
  );
  await postToApp(suite.app.url, '/slack/events', body, { secret: TEST_SIGNING_SECRET });
  const [publish] = await suite.fake.waitFor('views.publish');
  const view = publish!.body.view as { blocks: Record<string, unknown>[] };
  assertValidHome(view);
  return view;
}

/** Every mrkdwn text anywhere in a block tree. */
export function mrkdwnTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(mrkdwnTexts);
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const own = o.type === 'mrkdwn' && typeof o.text === 'string' ? [o.text] : [];
    return [...own, ...Object.values(o).flatMap(mrkdwnTexts)];
  }
  return [];
}

/** The value of the button (element or accessory) with this action id. */
export function buttonValue(msg: { blocks: Record<string, unknown>[] }, actionId: string): string {
  for (const b of msg.blocks) {
    const els = [
      ...((b.elements as Record<string, unknown>[]) ?? []),
      ...(b.accessory ? [b.accessory as Record<string, unknown>] : []),
    ];
    for (const e of els) if (e.action_id === actionId) return String(e.value);
  }
  throw new Error(`no button ${actionId}`);
}

/** The Tier 1 account the HTTP suites check by domain: every criterion of the default ICP known and met. */
export const NORTHWIND: NewAccount = {
  name: 'Northwind Analytics AB',
  domain: 'northwind-analytics.se',
  industry: 'Software',
  employees: 140,
  revenue: 18_000_000,
  country: 'SE',
  attributes: { business_model: 'B2B', tech_stack: ['HubSpot'], growth: 45, funding_stage: 'Series B' },
};
