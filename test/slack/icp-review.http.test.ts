import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyIcp } from '../../db/queries/icp.ts';
import { recordReview } from '../../db/queries/reviews.ts';
import { accounts, deals, icpReviews, icpVersions, reviewSettings } from '../../db/schema.ts';
import { ReviewActionIds, ReviewCallbackIds, ReviewInputIds } from '../../src/slack/blocks/review.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { composeReminder } from '../../src/usecases/reminders/compose.ts';
import type { RealApp } from '../helpers/app.ts';
import { assertValidMessage, assertValidModal } from '../helpers/blockkit.ts';
import { type TestDb, usingRealPostgres } from '../helpers/db.ts';
import type { FakeSlack } from '../helpers/fake-slack.ts';
import { type HttpSuite, openHome, startHttpSuite, waitForResponses } from '../helpers/http-suite.ts';
import { blockActionsPayload, buttonAction, viewSubmissionPayload } from '../helpers/payloads.ts';

type Msg = { text: string; blocks: Record<string, unknown>[]; response_type?: string };

const T1 = 'T0001';
const OWNER = 'U0OWNER01';
const SELLER = 'U0SELLER1';
const CHANNEL = 'C0REVIEWS';
const NOW = Date.parse('2018-01-01T09:00:00Z');

const allText = (m: { blocks?: unknown }) => JSON.stringify(m.blocks);

async function seed(db: TestDb) {
  const source = readDefaultIcp().replace(/owners:\n {2}- U00000000AA/, `owners:\n  - ${OWNER}`);
  const { version } = await applyIcp(db.db, { teamId: T1, source, createdBy: OWNER });
  await db.db.update(icpVersions).set({ createdAt: new Date('2017-01-01T00:00:00Z') });
  const rows = await db.db
    .insert(accounts)
    .values(
      Array.from({ length: 8 }, (_, i) => ({
        teamId: T1,
        externalId: `A${i}`,
        name: `Account ${i}`,
        normalizedName: `account ${i}`,
        tier: i < 4 ? 'tier1' : 'tier3',
        icpVersion: version.version,
      })),
    )
    .returning({ id: accounts.id });
  const deal = (i: number, closedOn: string, won: boolean) => ({
    teamId: T1,
    externalId: `D${i}`,
    accountId: rows[i % rows.length]!.id,
    outcome: won ? 'won' : 'lost',
    amount: won ? 12_000 : null,
    createdOn: '2016-09-01',
    closedOn,
  });
  await db.db
    .insert(deals)
    .values([
      ...Array.from({ length: 80 }, (_, i) => deal(i, '2017-03-15', i % 2 === 0)),
      ...Array.from({ length: 40 }, (_, i) => deal(100 + i, '2017-11-15', i % 4 === 0)),
    ]);
}

describe(`/icp-review over HTTP (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let suite: HttpSuite | undefined;
  let db: TestDb;
  let fake: FakeSlack;
  let app: RealApp;

  beforeAll(async () => {
    suite = await startHttpSuite({ now: () => NOW });
    ({ db, fake, app } = suite);
  });
  afterAll(() => suite?.close());
  beforeEach(() => suite!.reset(seed));

  /** Posts a reminder in the channel the way the scheduler does, and returns its ts. */
  async function postReminder(): Promise<string> {
    const { message } = await composeReminder(app.deps, T1, { kind: 'due', asOf: new Date(NOW) });
    const res = await app.slack.app.client.chat.postMessage({ channel: CHANNEL, ...message } as never);
    return String(res.ts);
  }

  const click = (user: string, actionId: string, value: string, ts: string, responseId: string) =>
    app.interact(
      blockActionsPayload({
        team: T1,
        user,
        actions: [buttonAction(actionId, value, 'icp_review_actions')],
        container: { type: 'message', message_ts: ts, channel_id: CHANNEL, is_ephemeral: false },
        channel: { id: CHANNEL, name: 'icp-reviews' },
        message: { type: 'message', ts },
        response_url: fake.responseUrl(responseId),
        trigger_id: '1337.42.abcd',
      }),
    );

  it('answers /icp-review with the drift report inside the ack', async () => {
    const res = await app.command('', { command: '/icp-review', user: SELLER });
    expect(res.status).toBe(200);
    const msg = res.json as Msg;
    assertValidMessage(msg);
    expect(msg.response_type).toBe('ephemeral');
    expect(msg.text).toContain('ICP drift report');
    const t = allText(msg);
    expect(t).toContain('Win rate');
    expect(t).toContain('Tier 1');
    expect(t).toContain(ReviewActionIds.markReviewed);
    // No image can ride on an ephemeral answer: the monthly trend comes as text.
    expect(t).toContain('Win rate by close month');
    expect(fake.responses()).toHaveLength(0);
  });

  it('shows help, and lists review history', async () => {
    const help = (await app.command('help', { command: '/icp-review' })).json as Msg;
    assertValidMessage(help);
    expect(help.text).toContain('/icp-review');
    const empty = (await app.command('history', { command: '/icp-review' })).json as Msg;
    expect(empty.text).toContain('No ICP reviews recorded yet');
    await recordReview(db.db, {
      teamId: T1,
      reviewedBy: OWNER,
      note: 'Tier 1 <!channel> holds up',
      icpChanged: true,
      icpVersion: 1,
      drift: null,
      reviewedAt: new Date('2017-07-01T00:00:00Z'),
    });
    const msg = (await app.command('history', { command: '/icp-review' })).json as Msg;
    assertValidMessage(msg);
    const t = allText(msg);
    expect(t).toContain('2017-07-01');
    expect(t).toContain(`<@${OWNER}>`);
    expect(t).toContain('ICP v1 · ICP changed');
    expect(t).toContain('&lt;!channel&gt;');
  });

  it('opens the settings modal for an owner, refuses a non-owner, and saves the settings', async () => {
    const refused = (await app.command('settings', { command: '/icp-review', user: SELLER })).json as Msg;
    assertValidMessage(refused);
    expect(allText(refused)).toContain(`Only <@${OWNER}> can change the ICP review settings`);
    expect(fake.calls('views.open')).toHaveLength(0);

    const res = await app.command('settings', { command: '/icp-review', user: OWNER });
    expect(res.status).toBe(200);
    const [open] = await fake.waitFor('views.open');
    const view = open!.body.view as Record<string, unknown>;
    assertValidModal(view);
    expect(view.callback_id).toBe(ReviewCallbackIds.settings);
    const t = JSON.stringify(view);
    expect(t).toContain('conversations_select');
    expect(t).toContain('timepicker');
    expect(t).toContain('Europe/Berlin');

    const values = (tz: string) => ({
      settings_channel_block: {
        settings_channel_input: { type: 'conversations_select', selected_conversation: CHANNEL },
      },
      settings_time_block: { settings_time_input: { type: 'timepicker', selected_time: '08:30' } },
      settings_timezone_block: {
        settings_timezone_input: { type: 'static_select', selected_option: { value: tz } },
      },
    });
    const bad = await app.interact(
      viewSubmissionPayload({
        team: T1,
        user: OWNER,
        callback_id: ReviewCallbackIds.settings,
        values: values('Mars/Base'),
      }),
    );
    expect(bad.json).toMatchObject({
      response_action: 'errors',
      errors: { settings_timezone_block: expect.any(String) },
    });
    const byOther = await app.interact(
      viewSubmissionPayload({ team: T1, user: SELLER, callback_id: ReviewCallbackIds.settings, values: values('UTC') }),
    );
    expect(byOther.json).toMatchObject({ response_action: 'errors' });
    expect(await db.db.select().from(reviewSettings)).toHaveLength(0);

    const ok = await app.interact(
      viewSubmissionPayload({
        team: T1,
        user: OWNER,
        callback_id: ReviewCallbackIds.settings,
        values: values('Europe/Berlin'),
      }),
    );
    expect(ok.status).toBe(200);
    const [row] = await db.db.select().from(reviewSettings).where(eq(reviewSettings.teamId, T1));
    expect(row).toMatchObject({ channelId: CHANNEL, timeOfDay: '08:30', timezone: 'Europe/Berlin', updatedBy: OWNER });
    const [confirm] = await fake.waitFor('chat.postMessage');
    expect(JSON.stringify(confirm!.body)).toContain(`<#${CHANNEL}>`);
  });

  it('refuses Mark reviewed from a non-owner and stores nothing', async () => {
    const ts = await postReminder();
    const res = await click(SELLER, ReviewActionIds.markReviewed, 'due', ts, 'deny');
    expect(res.status).toBe(200);
    const [answer] = await waitForResponses(fake, 'deny', 1);
    const msg = answer!.body as unknown as Msg;
    assertValidMessage(msg);
    expect(allText(msg)).toContain(`Only <@${OWNER}> can mark the ICP reviewed`);
    expect(answer!.body.replace_original).toBe(false);
    expect(fake.calls('views.open')).toHaveLength(0);
    expect(await db.db.select().from(icpReviews)).toHaveLength(0);
  });

  it('lets an owner mark it reviewed: modal, stored review with drift figures, reminder updated', async () => {
    const ts = await postReminder();
    await click(OWNER, ReviewActionIds.markReviewed, 'due', ts, 'mark');
    const [open] = await fake.waitFor('views.open');
    const view = open!.body.view as Record<string, unknown>;
    assertValidModal(view);
    expect(view.callback_id).toBe(ReviewCallbackIds.markReviewed);
    const meta = JSON.parse(String(view.private_metadata));
    expect(meta).toEqual({ kind: 'due', channel: CHANNEL, ts });

    const res = await app.interact(
      viewSubmissionPayload({
        team: T1,
        user: OWNER,
        callback_id: ReviewCallbackIds.markReviewed,
        private_metadata: String(view.private_metadata),
        values: {
          review_note_block: { review_note_input: { type: 'plain_text_input', value: 'Tier 1 still wins; no change' } },
          review_changed_block: {
            review_changed_input: { type: 'radio_buttons', selected_option: { value: 'no' } },
          },
        },
      }),
    );
    expect(res.status).toBe(200);
    const [update] = await fake.waitFor('chat.update');
    expect(update!.body).toMatchObject({ channel: CHANNEL, ts });
    const updated = fake.messages(CHANNEL).find((m) => m.ts === ts)!;
    assertValidMessage({ text: updated.text ?? '', blocks: updated.blocks as unknown[] });
    expect(allText(updated)).toContain(`Reviewed by <@${OWNER}> on 2018-01-01`);
    expect(allText(updated)).not.toContain(ReviewActionIds.markReviewed);

    const rows = await db.db.select().from(icpReviews);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      teamId: T1,
      reviewedBy: OWNER,
      note: 'Tier 1 still wins; no change',
      icpChanged: false,
      icpVersion: 1,
    });
    expect(rows[0]!.reviewedAt.toISOString()).toBe('2018-01-01T09:00:00.000Z');
    const drift = rows[0]!.drift as {
      windows: { asOf: string };
      segments: { tier1: { winRate: { recent: { n: number } } } };
    };
    expect(drift.windows.asOf).toBe('2018-01-01');
    expect(drift.segments.tier1.winRate.recent.n).toBe(20);

    const history = (await app.command('history', { command: '/icp-review' })).json as Msg;
    expect(allText(history)).toContain('Tier 1 still wins');
  });

  it('replaces an ephemeral /icp-review report through its response_url once reviewed', async () => {
    await app.interact(
      blockActionsPayload({
        team: T1,
        user: OWNER,
        actions: [buttonAction(ReviewActionIds.markReviewed, 'manual', 'icp_review_actions')],
        container: { type: 'message', message_ts: '1.1', channel_id: CHANNEL, is_ephemeral: true },
        channel: { id: CHANNEL, name: 'icp-reviews' },
        response_url: fake.responseUrl('eph'),
        trigger_id: '1337.42.abcd',
      }),
    );
    const [open] = await fake.waitFor('views.open');
    const view = open!.body.view as Record<string, unknown>;
    expect(JSON.parse(String(view.private_metadata))).toEqual({ kind: 'manual', responseUrl: fake.responseUrl('eph') });
    await app.interact(
      viewSubmissionPayload({
        team: T1,
        user: OWNER,
        callback_id: ReviewCallbackIds.markReviewed,
        private_metadata: String(view.private_metadata),
        values: {},
      }),
    );
    const [replaced] = await waitForResponses(fake, 'eph', 1);
    expect(replaced!.body.replace_original).toBe(true);
    assertValidMessage(replaced!.body as unknown as Msg);
    expect(allText(replaced!.body)).toContain(`Reviewed by <@${OWNER}>`);
    expect(fake.calls('chat.update')).toHaveLength(0);
    const rows = await db.db.select().from(icpReviews);
    expect(rows).toMatchObject([{ reviewedBy: OWNER, note: null, icpChanged: false }]);
  });

  it('snoozes for 7 days for an owner only', async () => {
    const ts = await postReminder();
    await click(SELLER, ReviewActionIds.snooze, 'due', ts, 'snooze-no');
    const [no] = await waitForResponses(fake, 'snooze-no', 1);
    expect(allText(no!.body)).toContain('can snooze');
    expect(await db.db.select().from(reviewSettings)).toHaveLength(0);

    await click(OWNER, ReviewActionIds.snooze, 'due', ts, 'snooze');
    const [yes] = await waitForResponses(fake, 'snooze', 1);
    assertValidMessage(yes!.body as unknown as Msg);
    expect(allText(yes!.body)).toContain('snoozed until 2018-01-08');
    const [row] = await db.db.select().from(reviewSettings).where(eq(reviewSettings.teamId, T1));
    expect(row?.snoozedUntil?.toISOString()).toBe('2018-01-08T09:00:00.000Z');
  });

  it('shows the full report on Details, privately', async () => {
    const ts = await postReminder();
    await click(SELLER, ReviewActionIds.details, '2018-01-01', ts, 'details');
    const [answer] = await waitForResponses(fake, 'details', 1);
    const msg = answer!.body as unknown as Msg;
    assertValidMessage(msg);
    expect(answer!.body.response_type).toBe('ephemeral');
    expect(msg.text).toContain('ICP drift report as of 2018-01-01');
    expect(allText(msg)).toContain('95% CI');
  });

  it('shows review status in App Home', async () => {
    const view = await openHome({ app, fake }, T1, OWNER);
    const t = JSON.stringify(view);
    expect(t).toContain('ICP review');
    expect(t).toContain('No reminder channel configured');
  });

  it('lists in Home only the getting-started steps left, and none once the reminder channel is set', async () => {
    const before = JSON.stringify(await openHome({ app, fake }, T1, OWNER));
    expect(before).toContain('Getting started');
    expect(before.match(/white_large_square/g)).toHaveLength(1);
    expect(before).toContain('*Review reminders*: An ICP owner chooses the channel');
    const res = await app.interact(
      viewSubmissionPayload({
        team: T1,
        user: OWNER,
        callback_id: ReviewCallbackIds.settings,
        values: {
          [ReviewInputIds.channel.block]: {
            [ReviewInputIds.channel.action]: { type: 'conversations_select', selected_conversation: CHANNEL },
          },
          [ReviewInputIds.time.block]: { [ReviewInputIds.time.action]: { type: 'timepicker', selected_time: '09:00' } },
          [ReviewInputIds.timezone.block]: {
            [ReviewInputIds.timezone.action]: { type: 'static_select', selected_option: { value: 'UTC' } },
          },
        },
      }),
    );
    expect(res.status).toBe(200);
    // Saving the settings publishes the owner's Home again (the second publish), without the checklist.
    const [, refreshed] = await fake.waitFor('views.publish', 2);
    expect(refreshed!.body.user_id).toBe(OWNER);
    expect(JSON.stringify(refreshed!.body.view)).toContain('Reminders in <#C0REVIEWS>');
    expect(JSON.stringify(refreshed!.body.view)).not.toContain('Getting started');
  });

  describe('from App Home', () => {
    const homeClick = (user: string, actionId: string, value?: string) =>
      app.interact(
        blockActionsPayload({
          source: 'home',
          team: T1,
          user,
          actions: [buttonAction(actionId, value, 'icp_home_review_actions')],
          trigger_id: `trigger-${actionId}`,
        }),
      );
    const buttons = (view: { blocks: Record<string, unknown>[] }) =>
      view.blocks
        .filter((b) => b.block_id === 'icp_home_review_actions')
        .flatMap((b) => (b.elements as { action_id: string }[]).map((e) => e.action_id));

    it('offers owners Mark reviewed and Reminder settings, and everyone the drift report and suggestions', async () => {
      expect(buttons(await openHome({ app, fake }, T1, OWNER))).toEqual([
        ReviewActionIds.homeReport,
        ReviewActionIds.suggest,
        ReviewActionIds.markReviewed,
        ReviewActionIds.homeSettings,
      ]);
      fake.reset();
      expect(buttons(await openHome({ app, fake }, T1, SELLER))).toEqual([
        ReviewActionIds.homeReport,
        ReviewActionIds.suggest,
      ]);
    });

    it('opens the drift report in a modal: a holding view at once, then the report', async () => {
      expect((await homeClick(SELLER, ReviewActionIds.homeReport)).status).toBe(200);
      const [open] = await fake.waitFor('views.open');
      assertValidModal(open!.body.view);
      expect(JSON.stringify(open!.body.view)).toContain('Computing the drift report');
      const [update] = await fake.waitFor('views.update');
      const view = update!.body.view as { blocks: Record<string, unknown>[] };
      assertValidModal(view);
      expect(update!.body.view_id).toBeTruthy();
      expect(JSON.stringify(view)).toContain('Win rate');
      expect(view.blocks.some((b) => b.type === 'actions')).toBe(false);
    });

    it('lets an owner mark the ICP reviewed from Home, and records it', async () => {
      await homeClick(OWNER, ReviewActionIds.markReviewed, 'manual');
      const [open] = await fake.waitFor('views.open');
      const modal = open!.body.view as { private_metadata: string };
      assertValidModal(modal);
      const res = await app.interact(
        viewSubmissionPayload({
          team: T1,
          user: OWNER,
          callback_id: ReviewCallbackIds.markReviewed,
          private_metadata: modal.private_metadata,
          values: {},
        }),
      );
      expect(res.status).toBe(200);
      await expect.poll(async () => (await db.db.select().from(icpReviews)).map((r) => r.reviewedBy)).toEqual([OWNER]);
      const [publish] = await fake.waitFor('views.publish');
      expect(publish!.body.user_id).toBe(OWNER);
      expect(JSON.stringify(publish!.body.view)).toContain('Last reviewed 2018-01-01');
    });

    it('opens Reminder settings for an owner, and tells anyone else by direct message who can', async () => {
      await homeClick(OWNER, ReviewActionIds.homeSettings);
      const [open] = await fake.waitFor('views.open');
      assertValidModal(open!.body.view);
      expect((open!.body.view as { callback_id: string }).callback_id).toBe(ReviewCallbackIds.settings);

      fake.reset();
      await homeClick(SELLER, ReviewActionIds.homeSettings);
      const [dm] = await fake.waitFor('chat.postMessage');
      expect(dm!.body.channel).toBe(SELLER);
      expect(JSON.stringify(dm!.body.blocks)).toContain(`Only <@${OWNER}>`);
      expect(fake.calls('views.open')).toHaveLength(0);
    });
  });
});
