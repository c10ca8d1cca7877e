import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyIcp, getCurrentIcp } from '../../db/queries/icp.ts';
import { accounts, icpReviews, icpSuggestions, icpVersions } from '../../db/schema.ts';
import { ReviewActionIds, ReviewCallbackIds, ReviewInputIds } from '../../src/slack/blocks/review.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { composeReminder } from '../../src/usecases/reminders/compose.ts';
import type { RealApp } from '../helpers/app.ts';
import { assertValidMessage, assertValidModal } from '../helpers/blockkit.ts';
import { type TestDb, usingRealPostgres } from '../helpers/db.ts';
import type { FakeSlack } from '../helpers/fake-slack.ts';
import { buttonValue, type HttpSuite, openHome, startHttpSuite, waitForResponses } from '../helpers/http-suite.ts';
import { blockActionsPayload, buttonAction, viewSubmissionPayload } from '../helpers/payloads.ts';
import { seedPlanted } from '../learn/planted-db.ts';

type Msg = { text: string; blocks: Record<string, unknown>[]; response_type?: string; replace_original?: boolean };
type View = {
  callback_id: string;
  private_metadata?: string;
  submit?: { text: string };
  blocks: Record<string, unknown>[];
};

const OWNER = 'U0OWNER01';
const SELLER = 'U0SELLER1';
const CHANNEL = 'C0REVIEWS';
const NOW = Date.parse('2026-07-01T09:00:00Z');
const WAIT = 60_000;
const ownedIcp = () => readDefaultIcp().replace(/owners:\n {2}- U00000000AA/, `owners:\n  - ${OWNER}`);
const text = (x: unknown) => JSON.stringify(x);

describe(`ICP suggestions in Slack over HTTP (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let suite: HttpSuite | undefined;
  let db: TestDb;
  let fake: FakeSlack;
  let app: RealApp;

  let T1 = '';
  let teams = 0;

  beforeAll(async () => {
    suite = await startHttpSuite({ now: () => NOW });
    ({ db, fake, app } = suite);
  });
  afterAll(() => suite?.close());
  // A workspace of its own per test (ICP versions are never deleted, so none is reset): planted data, ICP v1.
  beforeEach(async () => {
    fake.reset();
    T1 = `T0PLANT${++teams}`;
    await seedPlanted(db.db, T1, { seed: 5, accounts: 2000, signal: true });
    await applyIcp(db.db, { teamId: T1, source: ownedIcp(), createdBy: OWNER });
  }, 120_000);

  /** `/icp-review suggest` as `user`: the ack, then the suggestion posted on response_url `id`. */
  async function suggest(user: string, id: string, words = 'suggest') {
    const res = await app.command(words, { command: '/icp-review', team: T1, user, responseId: id });
    expect(res.status).toBe(200);
    const [answer] = await waitForResponses(fake, id, 1, WAIT);
    const msg = answer!.body as unknown as Msg;
    assertValidMessage(msg);
    return { ack: res.json as Msg, msg };
  }

  const click = (user: string, actionId: string, value: string, responseId: string, ephemeral = true) =>
    app.interact(
      blockActionsPayload({
        team: T1,
        user,
        actions: [buttonAction(actionId, value, 'icp_suggest_actions')],
        container: { type: 'message', message_ts: '1.1', channel_id: CHANNEL, is_ephemeral: ephemeral },
        channel: { id: CHANNEL, name: 'icp-reviews' },
        response_url: fake.responseUrl(responseId),
        trigger_id: `trigger-${actionId}`,
      }),
    );

  const submit = (user: string, callback_id: string, view: View, values = {}, viewId = 'V0APPLY01') =>
    app.interact(
      viewSubmissionPayload({
        team: T1,
        user,
        callback_id,
        private_metadata: view.private_metadata ?? '',
        values,
        view: { id: viewId },
      }),
    );

  async function openedView(method = 'views.open'): Promise<View> {
    const [call] = await fake.waitFor(method, 1, WAIT);
    const view = call!.body.view as View;
    assertValidModal(view);
    return view;
  }

  it('acks /icp-review suggest at once, then answers with the suggestion through response_url', async () => {
    const { ack, msg } = await suggest(OWNER, 'sug');
    expect(ack.text).toContain('Profiling your accounts and deals');
    expect(ack.response_type).toBe('ephemeral');
    expect(msg.response_type).toBe('ephemeral');
    expect(msg.replace_original).toBe(true);
    const t = text(msg.blocks);
    expect(t).toContain('Signal found');
    expect(t).toContain('What changes against ICP v1');
    expect(t).toContain('Out-of-time backtest');
    const [row] = await db.db.select().from(icpSuggestions).where(eq(icpSuggestions.teamId, T1));
    expect(buttonValue(msg, ReviewActionIds.suggestReview)).toBe(`${row!.id}:1`);
    expect(buttonValue(msg, ReviewActionIds.suggestDismiss)).toBe(`${row!.id}:1`);
    expect(text(msg).length).toBeLessThan(12_000);
  }, 120_000);

  it('answers `suggest churn` for retention, and anything else after `suggest` with the help', async () => {
    const { msg } = await suggest(OWNER, 'churn', 'suggest churn');
    expect(text(msg.blocks)).toContain('ICP suggestion (retention)');
    // The planted workspace has customers (won deals) but no churn records: nothing to learn, nothing proposed.
    expect(text(msg.blocks)).toMatch(
      /No signal: nothing is proposed.\* None of the [\d,]+ customers has a churn record, so there is nothing to learn/,
    );
    expect(text(msg.blocks)).not.toMatch(/information value [1-9]/);
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
    const help = await app.command('suggest everything', { command: '/icp-review', team: T1, user: OWNER });
    expect((help.json as Msg).text).toContain('suggest');
    expect(text((help.json as Msg).blocks)).toContain('*/icp-review suggest* (or *suggest churn*)');
    expect(await db.db.select().from(icpSuggestions).where(eq(icpSuggestions.teamId, T1))).toHaveLength(0);
  }, 120_000);

  it('lets an owner review and apply it as a new version, confirmed with the version and how to roll back', async () => {
    const { msg } = await suggest(OWNER, 'sug');
    await click(OWNER, ReviewActionIds.suggestReview, buttonValue(msg, ReviewActionIds.suggestReview), 'rev');
    const modal = await openedView();
    expect(modal.callback_id).toBe(ReviewCallbackIds.suggestApply);
    expect(modal.submit?.text).toBe('Apply as v2');
    expect(text(modal)).toContain('criteria:');
    const res = await submit(OWNER, ReviewCallbackIds.suggestApply, modal, {
      [ReviewInputIds.applyNote.block]: {
        [ReviewInputIds.applyNote.action]: { type: 'plain_text_input', value: 'Backtest beats v1' },
      },
    });
    expect(res.json).toMatchObject({ response_action: 'update' });
    const [update] = await fake.waitFor('views.update', 1, WAIT);
    expect(update!.body.view_id).toBe('V0APPLY01');
    const result = update!.body.view as View;
    assertValidModal(result);
    expect(text(result)).toContain(`Applied as ICP version 2*, approved by <@${OWNER}>`);
    expect(text(result)).toContain('npm run icp -- rollback 1');
    const [replaced] = await waitForResponses(fake, 'rev', 1, WAIT);
    assertValidMessage(replaced!.body as unknown as Msg);
    expect(replaced!.body.replace_original).toBe(true);
    expect(text(replaced!.body)).toContain('Applied as ICP version 2');
    const current = await getCurrentIcp(db.db, T1);
    expect(current).toMatchObject({ version: 2, origin: 'suggestion', createdBy: OWNER });
    expect(await db.db.select().from(icpReviews).where(eq(icpReviews.teamId, T1))).toMatchObject([
      { reviewedBy: OWNER, icpChanged: true, icpVersion: 2, note: 'Backtest beats v1' },
    ]);
    const versions = await db.db.select({ v: accounts.icpVersion }).from(accounts).where(eq(accounts.teamId, T1));
    expect(new Set(versions.map((a) => a.v))).toEqual(new Set([2]));
    const [publish] = await fake.waitFor('views.publish', 1, WAIT); // Home shows the new version and the review
    expect(text(publish!.body.view)).not.toContain('Your own data proposes ICP changes');
  }, 120_000);

  it('refuses a stale proposal, keeps the change made meanwhile, and recomputes on request', async () => {
    const { msg } = await suggest(OWNER, 'sug');
    const ref = buttonValue(msg, ReviewActionIds.suggestReview);
    await applyIcp(db.db, {
      teamId: T1,
      source: ownedIcp().replace(/^name: .*$/m, 'name: Edited by hand'),
      createdBy: OWNER,
    });
    await click(OWNER, ReviewActionIds.suggestReview, ref, 'rev');
    const modal = await openedView();
    expect(modal.submit).toBeUndefined();
    expect(text(modal)).toContain('computed against version 1; the current version is 2');

    // A modal opened before the change and submitted after it is refused the same way.
    const res = await submit(OWNER, ReviewCallbackIds.suggestApply, {
      ...modal,
      private_metadata: JSON.stringify({ id: Number(ref.split(':')[0]), base: 1 }),
    });
    expect(res.json).toMatchObject({ response_action: 'update' });
    const [update] = await fake.waitFor('views.update', 1, WAIT);
    const stale = update!.body.view as View;
    assertValidModal(stale);
    expect(text(stale)).toContain('The ICP changed since this proposal was computed');
    expect((await getCurrentIcp(db.db, T1))!).toMatchObject({ version: 2, name: 'Edited by hand' });

    fake.reset();
    await app.interact(
      blockActionsPayload({
        team: T1,
        user: OWNER,
        actions: [buttonAction(ReviewActionIds.suggest, buttonValue(stale, ReviewActionIds.suggest), 'x')],
        container: { type: 'view', view_id: 'V0APPLY01' },
        view: { id: 'V0APPLY01', type: 'modal', callback_id: ReviewCallbackIds.suggestApply },
        trigger_id: 'trigger-recompute',
      }),
    );
    const [, fresh] = await fake.waitFor('views.update', 2, WAIT);
    const view = fresh!.body.view as View;
    assertValidModal(view);
    expect(text(view)).toContain('What changes against ICP v2');
    expect(buttonValue(view, ReviewActionIds.suggestReview)).toMatch(/:2$/);
  }, 120_000);

  it('shows a non-owner the suggestion read-only and lets them neither apply nor dismiss', async () => {
    const { msg } = await suggest(SELLER, 'sug');
    expect(text(msg.blocks)).toContain(`Only <@${OWNER}> can apply or dismiss it`);
    const ref = buttonValue(msg, ReviewActionIds.suggestReview);
    await click(SELLER, ReviewActionIds.suggestReview, ref, 'rev');
    const modal = await openedView();
    expect(modal.submit).toBeUndefined();
    expect(text(modal)).toContain(`Only <@${OWNER}> can apply it`);

    const forged = await submit(SELLER, ReviewCallbackIds.suggestApply, {
      ...modal,
      private_metadata: JSON.stringify({ id: Number(ref.split(':')[0]), base: 1 }),
    });
    expect(forged.json).toMatchObject({ response_action: 'errors' });
    await click(SELLER, ReviewActionIds.suggestDismiss, ref, 'dis');
    const [refusal] = await waitForResponses(fake, 'dis', 1, WAIT);
    expect(text(refusal!.body)).toContain(`Only <@${OWNER}> can dismiss a suggested ICP`);
    expect(await db.db.select().from(icpVersions).where(eq(icpVersions.teamId, T1))).toHaveLength(1);
    const [row] = await db.db.select().from(icpSuggestions).where(eq(icpSuggestions.teamId, T1));
    expect(row).toMatchObject({ dismissedBy: null, appliedBy: null });
  }, 120_000);

  it('remembers a dismissal: the same proposal is not offered again, unless asked', async () => {
    const pointed = async () => {
      fake.reset();
      const home = await openHome({ app, fake }, T1, SELLER);
      const { message } = await composeReminder(app.deps, T1, { kind: 'due', asOf: new Date(NOW) });
      assertValidMessage(message);
      return [text(home), text(message.blocks)].map((t) => t.includes('Your own data proposes ICP changes'));
    };
    expect(await pointed()).toEqual([false, false]);
    const { msg } = await suggest(OWNER, 'sug');
    expect(await pointed()).toEqual([true, true]);
    await click(OWNER, ReviewActionIds.suggestDismiss, buttonValue(msg, ReviewActionIds.suggestDismiss), 'dis');
    const modal = await openedView();
    expect(modal.callback_id).toBe(ReviewCallbackIds.suggestDismiss);
    const res = await submit(OWNER, ReviewCallbackIds.suggestDismiss, modal, {
      [ReviewInputIds.dismissReason.block]: {
        [ReviewInputIds.dismissReason.action]: { type: 'plain_text_input', value: 'Education is our <new> bet' },
      },
    });
    expect(res.json).toMatchObject({ response_action: 'update' });
    const [row] = await db.db.select().from(icpSuggestions).where(eq(icpSuggestions.teamId, T1));
    expect(row).toMatchObject({ dismissedBy: OWNER, dismissReason: 'Education is our <new> bet' });
    const [confirm] = await waitForResponses(fake, 'dis', 1, WAIT);
    expect(text(confirm!.body)).toContain('&lt;new&gt;');

    expect(await pointed()).toEqual([false, false]);
    const again = await suggest(OWNER, 'sug2');
    expect(text(again.msg.blocks)).toContain('No new ICP suggestion');
    expect(() => buttonValue(again.msg, ReviewActionIds.suggestReview)).toThrow();
    await click(OWNER, ReviewActionIds.suggest, buttonValue(again.msg, ReviewActionIds.suggest), 'show');
    const [, full] = await waitForResponses(fake, 'show', 2, WAIT);
    assertValidMessage(full!.body as unknown as Msg);
    expect(full!.body.replace_original).toBe(true);
    expect(text(full!.body)).toContain('This proposal was dismissed by');
    expect(buttonValue(full!.body as unknown as Msg, ReviewActionIds.suggestReview)).toBe(`${row!.id}:1`);
  }, 120_000);

  it('answers Suggest changes on the reminder privately, and opens it in a modal from App Home', async () => {
    const { message } = await composeReminder(app.deps, T1, { kind: 'due', asOf: new Date(NOW) });
    await click(SELLER, ReviewActionIds.suggest, buttonValue(message as never, ReviewActionIds.suggest), 'rem', false);
    const [answer] = await waitForResponses(fake, 'rem', 1, WAIT);
    expect(answer!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    assertValidMessage(answer!.body as unknown as Msg);
    expect(text(answer!.body)).toContain('Signal found');

    await app.interact(
      blockActionsPayload({
        source: 'home',
        team: T1,
        user: OWNER,
        actions: [buttonAction(ReviewActionIds.suggest, 'win', 'icp_home_review_actions')],
        trigger_id: 'trigger-home',
      }),
    );
    const holding = await openedView();
    expect(text(holding)).toContain('Profiling your accounts');
    const [update] = await fake.waitFor('views.update', 1, WAIT);
    const view = update!.body.view as View;
    assertValidModal(view);
    expect(text(view)).toContain('Signal found');
    expect(buttonValue(view, ReviewActionIds.suggestDismiss)).toMatch(/^\d+:1$/);
  }, 120_000);
});
