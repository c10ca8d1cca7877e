import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ShortcutIds } from '../../commands/check-anywhere.ts';
import { insertAccounts } from '../../db/queries/accounts.ts';
import { queryRows } from '../../db/raw.ts';
import { checks, crmConnections, installations, tierFeedback } from '../../db/schema.ts';
import { ActionIds } from '../../src/slack/blocks/check.ts';
import { HomeCheckIds } from '../../src/slack/blocks/home-check.ts';
import { CallbackIds } from '../../src/slack/blocks/modals.ts';
import type { RealApp } from '../helpers/app.ts';
import { assertValidMessage, assertValidModal } from '../helpers/blockkit.ts';
import { TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { type FakeOpenAI, jsonReply, malformedReply, slowReply, startFakeOpenAI } from '../helpers/fake-openai.ts';
import type { FakeSlack } from '../helpers/fake-slack.ts';
import {
  buttonValue,
  type HttpSuite,
  mrkdwnTexts,
  NORTHWIND,
  openHome,
  startHttpSuite,
  waitForResponses,
} from '../helpers/http-suite.ts';
import {
  blockActionsPayload,
  buttonAction,
  eventEnvelope,
  shortcutPayload,
  viewSubmissionPayload,
} from '../helpers/payloads.ts';
import { nowSeconds, postToApp, slashCommandBody } from '../helpers/slack-sign.ts';

type Msg = { text: string; blocks: Record<string, unknown>[]; response_type?: string };

const T1 = 'T0001';
const T2 = 'T0002';

function allText(msg: Msg): string {
  return JSON.stringify(msg.blocks);
}

async function seed(db: TestDb) {
  await insertAccounts(db.db, T1, [
    NORTHWIND,
    { name: 'Globex Nordic', domain: 'globex.se', industry: 'Software', employees: 90, country: 'SE' },
    { name: 'Globex Nordics', domain: 'globex.no', industry: 'Fintech', employees: 300, country: 'NO' },
    { name: '<!channel> Holdings', domain: 'evil-corp.com', industry: 'Software', employees: 100, country: 'SE' },
    { name: 'Tamsk Municipality', domain: 'tamsk.gov', industry: 'Public sector', employees: 900, country: 'EE' },
  ]);
  await insertAccounts(db.db, T2, [
    { name: 'Secret Rival Oy', domain: 'rival.fi', industry: 'Software', employees: 100, country: 'FI' },
  ]);
}

describe(`/icp-check over HTTP (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let suite: HttpSuite | undefined;
  let db: TestDb;
  let fake: FakeSlack;
  let app: RealApp;

  beforeAll(async () => {
    suite = await startHttpSuite();
    ({ db, fake, app } = suite);
  });
  afterAll(() => suite?.close());
  beforeEach(() => suite!.reset(seed));

  it('shows usage for empty text and for help', async () => {
    for (const text of ['', 'help']) {
      const res = await app.command(text);
      expect(res.status).toBe(200);
      const msg = res.json as Msg;
      expect(msg.response_type).toBe('ephemeral');
      expect(msg.text).toContain('/icp-check');
      assertValidMessage(msg);
    }
  });

  it('answers a domain with an explained, tiered card inside the ack', async () => {
    const res = await app.command('northwind-analytics.se');
    expect(res.status).toBe(200);
    const msg = res.json as Msg;
    assertValidMessage(msg);
    expect(msg.response_type).toBe('ephemeral');
    expect(msg.text).toMatch(/Northwind Analytics AB: Tier \d/);
    const text = allText(msg);
    expect(text).toContain('Company size');
    expect(text).toContain('140');
    expect(text).toContain('ICP v1');
    expect(fake.responses()).toHaveLength(0);
    // The log row is committed before the answer goes out.
    const [row] = await db.db.select().from(checks).where(eq(checks.teamId, T1));
    expect(row?.companyName).toBe('Northwind Analytics AB');
    expect(row?.icpVersion).toBe(1);
    expect(row?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('asks which company when two accounts match, and scores the one picked', async () => {
    const res = await app.command('Globex');
    const msg = res.json as Msg;
    assertValidMessage(msg);
    expect(msg.text).toMatch(/Several companies match/);
    expect(allText(msg)).toContain('globex.se');
    expect(allText(msg)).toContain('globex.no');
    const pick = msg.blocks.find((b) => JSON.stringify(b).includes('globex.no'))!.accessory as Record<string, string>;
    const click = await app.interact(
      blockActionsPayload({
        team: T1,
        user: 'U2147483697',
        actions: [buttonAction(pick.action_id!, pick.value, 'b1')],
        response_url: fake.responseUrl('pick'),
      }),
    );
    expect(click.status).toBe(200);
    const [answer] = await waitForResponses(fake, 'pick', 1);
    const card = answer!.body as unknown as Msg;
    assertValidMessage(card);
    expect(card.text).toContain('Globex Nordics');
  });

  it('says the account is gone when the one picked is no longer (or never was) the workspace’s', async () => {
    const msg = (await app.command('Globex')).json as Msg;
    const pick = msg.blocks.find((b) => JSON.stringify(b).includes('globex.no'))!.accessory as Record<string, string>;
    await db.db.execute(sql`delete from accounts where team_id = ${T1} and domain = 'globex.no'`);
    const [rival] = await queryRows<{ id: number }>(db.db, sql`select id from accounts where team_id = ${T2}`);
    for (const [key, value] of [
      ['deleted', pick.value],
      ['other-team', String(rival!.id)],
    ] as const) {
      const click = await app.interact(
        blockActionsPayload({
          team: T1,
          user: 'U2147483697',
          actions: [buttonAction(`${ActionIds.pickCandidate}_${value}`, value, 'b1')],
          response_url: fake.responseUrl(key),
        }),
      );
      expect(click.status).toBe(200);
      const [answer] = await waitForResponses(fake, key, 1);
      const card = answer!.body as unknown as Msg;
      assertValidMessage(card);
      expect(card.text).toContain('That account is gone');
      expect(JSON.stringify(card)).not.toContain('Secret Rival');
    }
  });

  it('says so when the company is unknown, and scores typed attributes', async () => {
    const unknown = (await app.command('Nonexistent Widgets')).json as Msg;
    assertValidMessage(unknown);
    expect(unknown.text).toContain('not in your CRM data');
    const typed = (await app.command('Nonexistent Widgets employees=120 industry=saas country=SE')).json as Msg;
    assertValidMessage(typed);
    expect(typed.text).toMatch(/Nonexistent Widgets: Tier/);
    expect(allText(typed)).toContain('scored from the details given');
  });

  it('reports an exclusion first, with its reason', async () => {
    const msg = (await app.command('tamsk.gov')).json as Msg;
    assertValidMessage(msg);
    expect(msg.text).toContain('Not a fit');
    const excludedAt = msg.blocks.findIndex((b) => JSON.stringify(b).includes('Excluded'));
    const firstCriterion = msg.blocks.findIndex((b) => JSON.stringify(b).includes('pts'));
    expect(excludedAt).toBeGreaterThan(0);
    expect(excludedAt).toBeLessThan(firstCriterion);
  });

  it('escapes names from the data so they cannot ping a channel', async () => {
    const msg = (await app.command('evil-corp.com')).json as Msg;
    assertValidMessage(msg);
    // Mentions are parsed in mrkdwn and in the fallback text (notifications), not in plain_text.
    const mrkdwn = mrkdwnTexts(msg.blocks);
    expect(msg.text).toContain('&lt;!channel&gt;');
    for (const t of [msg.text, ...mrkdwn]) expect(t).not.toContain('<!channel>');
  });

  it('never shows one workspace’s accounts to another', async () => {
    const fromT1 = (await app.command('rival.fi', { team: T1 })).json as Msg;
    expect(fromT1.text).toContain('not in your CRM data');
    const fromT2 = (await app.command('rival.fi', { team: T2 })).json as Msg;
    expect(fromT2.text).toContain('Secret Rival Oy');
    const t2Checks = await db.db.select().from(checks).where(eq(checks.teamId, T2));
    expect(t2Checks).toHaveLength(1);
  });

  it('shares the card in the channel, crediting who asked', async () => {
    const card = (await app.command('northwind-analytics.se')).json as Msg;
    const click = await app.interact(
      blockActionsPayload({
        team: T1,
        user: 'U0SHARER1',
        actions: [buttonAction(ActionIds.share, buttonValue(card, ActionIds.share), 'icp_check_actions')],
        response_url: fake.responseUrl('share'),
      }),
    );
    expect(click.status).toBe(200);
    const [posted] = await waitForResponses(fake, 'share', 1);
    const shared = posted!.body as unknown as Msg;
    expect(shared.response_type).toBe('in_channel');
    assertValidMessage(shared);
    expect(allText(shared)).toContain('<@U0SHARER1>');
  });

  it('collects missing details in a modal, rejects bad input as field errors, and re-scores', async () => {
    const card = (await app.command('Globex Nordic employees=abc')).json as Msg;
    expect(allText(card)).toContain('Ignored employees=abc');
    const checkId = buttonValue(card, ActionIds.addDetails);
    await app.interact(
      blockActionsPayload({
        team: T1,
        user: 'U2147483697',
        actions: [buttonAction(ActionIds.addDetails, checkId, 'icp_check_actions')],
        response_url: fake.responseUrl('details'),
        trigger_id: 'trigger-1',
      }),
    );
    const [open] = await fake.waitFor('views.open');
    const view = open!.body.view as Record<string, unknown>;
    assertValidModal(view);
    const blockIds = (view.blocks as Record<string, unknown>[]).map((b) => b.block_id).filter(Boolean);
    expect(blockIds).toContain('revenue_block');
    expect(blockIds).not.toContain('employees_block');

    const bad = await app.interact(
      viewSubmissionPayload({
        team: T1,
        user: 'U2147483697',
        callback_id: CallbackIds.details,
        private_metadata: String(view.private_metadata),
        values: { revenue_block: { value_input: { type: 'plain_text_input', value: 'lots' } } },
      }),
    );
    expect(bad.status).toBe(200);
    expect(bad.json).toMatchObject({ response_action: 'errors', errors: { revenue_block: expect.any(String) } });

    const good = await app.interact(
      viewSubmissionPayload({
        team: T1,
        user: 'U2147483697',
        callback_id: CallbackIds.details,
        private_metadata: String(view.private_metadata),
        values: { revenue_block: { value_input: { type: 'plain_text_input', value: '20M' } } },
      }),
    );
    expect(good.status).toBe(200);
    const [rescored] = await waitForResponses(fake, 'details', 1);
    const msg = rescored!.body as unknown as Msg;
    assertValidMessage(msg);
    expect(allText(msg)).toContain('$20,000,000');
  });

  it('stores “wrong tier?” feedback for the review', async () => {
    const card = (await app.command('northwind-analytics.se')).json as Msg;
    const checkId = buttonValue(card, ActionIds.wrongTier);
    await app.interact(
      blockActionsPayload({
        team: T1,
        user: 'U2147483697',
        actions: [buttonAction(ActionIds.wrongTier, checkId, 'icp_check_actions')],
        trigger_id: 'trigger-2',
      }),
    );
    const [open] = await fake.waitFor('views.open');
    const view = open!.body.view as Record<string, unknown>;
    assertValidModal(view);
    const res = await app.interact(
      viewSubmissionPayload({
        team: T1,
        user: 'U2147483697',
        callback_id: CallbackIds.wrongTier,
        private_metadata: String(view.private_metadata),
        values: {
          reason_block: { reason_input: { type: 'radio_buttons', selected_option: { value: 'should_be_lower' } } },
          note_block: { note_input: { type: 'plain_text_input', value: 'They just froze hiring' } },
        },
      }),
    );
    expect(res.status).toBe(200);
    await fake.waitFor('chat.postMessage');
    const rows = await db.db.select().from(tierFeedback);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      teamId: T1,
      reason: 'should_be_lower',
      note: 'They just froze hiring',
      checkId: Number(checkId),
    });
  });

  it('rejects bad signatures, wrong secrets, stale timestamps and missing headers with 401 and no side effect', async () => {
    const body = slashCommandBody({ command: '/icp-check', text: 'northwind-analytics.se', team_id: T1 });
    const url = app.url;
    const cases = [
      postToApp(url, '/slack/events', body, { secret: 'wrong-secret' }),
      postToApp(url, '/slack/events', body, {
        secret: TEST_SIGNING_SECRET,
        headers: { 'x-slack-signature': 'v0=deadbeef' },
      }),
      postToApp(url, '/slack/events', body, { secret: TEST_SIGNING_SECRET, timestamp: nowSeconds() - 6 * 60 }),
      postToApp(url, '/slack/events', body, {
        secret: TEST_SIGNING_SECRET,
        headers: { 'x-slack-signature': undefined, 'x-slack-request-timestamp': undefined },
      }),
    ];
    for (const res of await Promise.all(cases)) expect(res.status).toBe(401);
    const [n] = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from checks`);
    expect(n?.n).toBe(0);
    expect(fake.calls()).toHaveLength(0);
  });

  it('deletes the workspace’s tokens when the app is uninstalled', async () => {
    for (const teamId of [T1, T2]) {
      await db.db.insert(crmConnections).values({
        teamId,
        provider: 'hubspot',
        tokenEncrypted: 'v1.aXY.dGFn.Y2lwaGVy',
        createdBy: 'U0OWNER01',
      });
    }
    await db.db.insert(installations).values({
      installKey: T1,
      teamId: T1,
      enterpriseId: null,
      isEnterpriseInstall: false,
      data: { team: { id: T1 }, bot: { token: 'xoxb-secret' } },
    });
    await db.db
      .insert(installations)
      .values({ installKey: T2, teamId: T2, enterpriseId: null, isEnterpriseInstall: false, data: {} });
    const body = JSON.stringify(eventEnvelope({ type: 'app_uninstalled' }, { team_id: T1, event_id: 'Ev1' }));
    const res = await postToApp(app.url, '/slack/events', body, { secret: TEST_SIGNING_SECRET });
    expect(res.status).toBe(200);
    await expect.poll(async () => (await db.db.select().from(installations)).map((r) => r.teamId)).toEqual([T2]);
    await expect.poll(async () => (await db.db.select().from(crmConnections)).map((r) => r.teamId)).toEqual([T2]);
  });

  it('publishes App Home with the ICP and the user’s recent checks', async () => {
    await app.command('northwind-analytics.se', { user: 'U0HOMEUSER' });
    const view = await openHome({ app, fake }, T1, 'U0HOMEUSER');
    expect(JSON.stringify(view)).toContain('Northwind Analytics AB');
    expect(JSON.stringify(view)).toContain('Next review due');
  });

  describe('“Check a company” from the App Home tab', () => {
    const homeClick = () =>
      app.interact(
        blockActionsPayload({
          source: 'home',
          team: T1,
          user: 'U0HOMEUSER',
          actions: [buttonAction(HomeCheckIds.open, undefined, 'icp_home_actions')],
          trigger_id: 'trigger-home',
        }),
      );
    const submit = (text: string | null, team = T1) =>
      app.interact(
        viewSubmissionPayload({
          team,
          user: 'U0HOMEUSER',
          callback_id: HomeCheckIds.callback,
          view: { id: 'V0HOMECHECK', hash: '1.abc' },
          values: { [HomeCheckIds.block]: { [HomeCheckIds.input]: { type: 'plain_text_input', value: text } } },
        }),
      );
    const updated = (res: { json: unknown }) => {
      const ack = res.json as { response_action?: string; view?: Record<string, unknown> };
      expect(ack.response_action).toBe('update');
      assertValidModal(ack.view);
      return ack.view as { blocks: Record<string, unknown>[]; submit: { text: string } };
    };

    it('offers the button on the Home tab and opens a valid modal with one input', async () => {
      const home = await openHome({ app, fake }, T1, 'U0HOMEUSER');
      expect(JSON.stringify(home)).toContain(HomeCheckIds.open);

      expect((await homeClick()).status).toBe(200);
      const [open] = await fake.waitFor('views.open');
      expect(open!.body.trigger_id).toBe('trigger-home');
      const view = open!.body.view as { callback_id: string; blocks: Record<string, unknown>[] };
      assertValidModal(view);
      expect(view.callback_id).toBe(HomeCheckIds.callback);
      expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual([HomeCheckIds.block]);
    });

    it('opens a recent check from the Home tab again, the same card from its logged inputs', async () => {
      const card = (await app.command('northwind-analytics.se', { user: 'U0HOMEUSER' })).json as Msg;
      const home = await openHome({ app, fake }, T1, 'U0HOMEUSER');
      const checkId = buttonValue(home, HomeCheckIds.viewCheck);
      expect(checkId).toBe(buttonValue(card, ActionIds.share));
      // Presses View on the Home tab as a user of `team`; returns the modal the bot opened.
      const view = async (team: string) => {
        fake.reset();
        await app.interact(
          blockActionsPayload({
            source: 'home',
            team,
            user: 'U0HOMEUSER',
            actions: [buttonAction(HomeCheckIds.viewCheck, checkId, 'b1')],
            trigger_id: `trigger-view-${team}`,
          }),
        );
        const [open] = await fake.waitFor('views.open');
        return open!.body.view as { blocks: Record<string, unknown>[] };
      };
      const mine = await view(T1);
      assertValidModal(mine);
      const shown = JSON.stringify(mine.blocks);
      const original = JSON.stringify(card.blocks.filter((b) => b.type !== 'actions'));
      expect(shown).toContain(original.slice(1, -1));
      expect(shown).toContain(`check #${checkId}`);

      // Another workspace cannot open it by guessing the id.
      const denied = JSON.stringify(await view(T2));
      expect(denied).toContain('no longer available');
      expect(denied).not.toContain('Northwind');
    });

    it('rejects an empty input as a field error', async () => {
      const res = await submit('   ');
      expect(res.json).toMatchObject({
        response_action: 'errors',
        errors: { [HomeCheckIds.block]: expect.any(String) },
      });
      expect(await db.db.select().from(checks)).toHaveLength(0);
    });

    it('shows the explained card under the input, without message-only buttons, and logs the check', async () => {
      const view = updated(await submit('northwind-analytics.se'));
      const text = JSON.stringify(view.blocks);
      expect(text).toContain('ICP check: Northwind Analytics AB');
      expect(text).toContain('Company size');
      expect(text).toContain('/icp-check northwind-analytics.se');
      expect(view.blocks.find((b) => b.block_id === HomeCheckIds.block)).toMatchObject({
        element: { initial_value: 'northwind-analytics.se' },
      });
      for (const id of [ActionIds.share, ActionIds.addDetails, ActionIds.wrongTier, ActionIds.personas]) {
        expect(text).not.toContain(id);
      }
      expect(view.submit.text).toBe('Check another');
      const logged = await db.db.select().from(checks);
      expect(logged.map((c) => [c.userId, c.companyName])).toEqual([['U0HOMEUSER', 'Northwind Analytics AB']]);
      // The Home tab behind the modal is published again, with the check among the recent ones.
      const [publish] = await fake.waitFor('views.publish');
      expect(publish!.body.user_id).toBe('U0HOMEUSER');
      expect(JSON.stringify(publish!.body.view)).toContain(HomeCheckIds.viewCheck);
    });

    it('asks which company when several match, and a pick updates the modal with its card', async () => {
      const view = updated(await submit('Globex'));
      expect(JSON.stringify(view.blocks)).toMatch(/Several companies match/);
      const pick = view.blocks.find((b) => JSON.stringify(b).includes('globex.no'))!.accessory as Record<
        string,
        string
      >;
      const click = await app.interact(
        blockActionsPayload({
          team: T1,
          user: 'U0HOMEUSER',
          actions: [buttonAction(pick.action_id!, pick.value, 'b1')],
          container: { type: 'view', view_id: 'V0HOMECHECK' },
          view: {
            id: 'V0HOMECHECK',
            hash: '1.abc',
            type: 'modal',
            callback_id: HomeCheckIds.callback,
            state: {
              values: { [HomeCheckIds.block]: { [HomeCheckIds.input]: { type: 'plain_text_input', value: 'Globex' } } },
            },
          },
        }),
      );
      expect(click.status).toBe(200);
      const [update] = await fake.waitFor('views.update');
      expect(update!.body.view_id).toBe('V0HOMECHECK');
      const next = update!.body.view as { blocks: Record<string, unknown>[] };
      assertValidModal(next);
      expect(JSON.stringify(next.blocks)).toContain('ICP check: Globex Nordics');
      expect(fake.responses()).toHaveLength(0);
      await fake.waitFor('views.publish', 2); // Home refreshed after each check, so nothing spills into the next test
    });

    it('says an unknown company is unknown, with no button that cannot work in a modal', async () => {
      const view = updated(await submit('Nonexistent Widgets'));
      const text = JSON.stringify(view.blocks);
      expect(text).toContain('couldn’t find *Nonexistent Widgets*');
      expect(text).not.toContain(ActionIds.addUnknown);
      const typed = updated(await submit('Nonexistent Widgets employees=120 industry=saas country=SE'));
      expect(JSON.stringify(typed.blocks)).toContain('scored from the details given');
      await fake.waitFor('views.publish', 2);
    });

    it('escapes what was typed and never shows another workspace’s accounts', async () => {
      const view = updated(await submit('<!channel> rival.fi'));
      expect(JSON.stringify(view.blocks)).not.toContain('Secret Rival');
      // The input keeps the text as typed (plain text); every mrkdwn line shows it escaped.
      const lines = mrkdwnTexts(view.blocks);
      expect(lines.join('\n')).toContain('&lt;!channel&gt;');
      expect(lines.filter((t) => t.includes('<!channel>'))).toEqual([]);
      await fake.waitFor('views.publish');
    });
  });

  describe('shortcuts', () => {
    it('opens the “Check a company” modal from the global shortcut', async () => {
      const res = await app.interact(
        shortcutPayload({ callback_id: ShortcutIds.check, team: T1, user: 'U2147483697', trigger_id: 'trig-sc' }),
      );
      expect(res.status).toBe(200);
      const [open] = await fake.waitFor('views.open');
      expect(open!.body.trigger_id).toBe('trig-sc');
      assertValidModal(open!.body.view);
      expect((open!.body.view as { callback_id: string }).callback_id).toBe(HomeCheckIds.callback);
    });

    it('scores the company a deal post links to, skipping CRM and meeting links, with working buttons', async () => {
      const res = await app.interact(
        shortcutPayload({
          callback_id: ShortcutIds.message,
          team: T1,
          user: 'U2147483697',
          response_url: fake.responseUrl('msc'),
          message: {
            text:
              'New deal <https://app.hubspot.com/contacts/1/deal/2|in HubSpot>, call <https://zoom.us/j/1|here>: ' +
              '<https://www.northwind-analytics.se/|Northwind> (cc <mailto:ops@globex.se|ops@globex.se>)',
          },
        }),
      );
      expect(res.status).toBe(200);
      const [answer] = await waitForResponses(fake, 'msc', 1);
      const msg = answer!.body as unknown as Msg;
      assertValidMessage(msg);
      expect(answer!.body.response_type).toBe('ephemeral');
      expect(msg.text).toMatch(/Northwind Analytics AB: Tier/);
      expect(allText(msg)).toContain('Also in that message: globex.se');
      expect(buttonValue(msg, ActionIds.share)).toMatch(/^\d+$/);
      expect((await db.db.select().from(checks)).map((c) => c.query)).toEqual(['northwind-analytics.se']);
    });

    it('opens the modal with a hint when the message links to no company', async () => {
      await app.interact(
        shortcutPayload({
          callback_id: ShortcutIds.message,
          team: T1,
          user: 'U2147483697',
          response_url: fake.responseUrl('none'),
          message: { text: 'Call notes <https://docs.google.com/document/d/1|doc> with <@U123>' },
        }),
      );
      const [open] = await fake.waitFor('views.open');
      assertValidModal(open!.body.view);
      expect(JSON.stringify(open!.body.view)).toContain('links to no company domain');
      expect(fake.responses('none')).toHaveLength(0);
    });

    it('keeps to the workspace it was used in', async () => {
      await app.interact(
        shortcutPayload({
          callback_id: ShortcutIds.message,
          team: T2,
          user: 'U2147483697',
          response_url: fake.responseUrl('t2'),
          message: { text: 'look at <https://northwind-analytics.se|this one>' },
        }),
      );
      const [answer] = await waitForResponses(fake, 't2', 1);
      const msg = answer!.body as unknown as Msg;
      assertValidMessage(msg);
      expect(msg.text).toContain('not in your CRM data');
      expect(allText(msg)).not.toContain('Northwind Analytics AB');
    });
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('/icp-check with AI extraction', () => {
  let suite: HttpSuite | undefined;
  let fake: FakeSlack;
  let openai: FakeOpenAI;
  let app: RealApp;
  let reply: () => ReturnType<typeof jsonReply>;

  beforeAll(async () => {
    openai = await startFakeOpenAI(() => reply());
    suite = await startHttpSuite({
      env: { OPENAI_API_KEY: 'sk-test-key-123456', OPENAI_BASE_URL: openai.url, OPENAI_TIMEOUT_MS: '12000' },
    });
    ({ fake, app } = suite);
  });
  afterAll(async () => {
    await suite?.close();
    await openai?.close();
  });
  beforeEach(() => fake.reset());
  afterEach(() => undefined);

  const extraction = {
    industry: 'Fintech',
    business_model: 'B2B',
    funding_stage: 'Series B',
    employees: 120,
    revenue: null,
    growth: null,
    country: 'Sweden',
    tech_stack: ['Salesforce'],
    recent_funding: true,
    hiring_spike: null,
    multi_region: null,
  };

  it('acks at once and answers through response_url with AI-extracted values marked', async () => {
    reply = () => jsonReply(extraction);
    const res = await app.command('Acme, 120-person Swedish fintech on Salesforce, Series B', { responseId: 'ai1' });
    expect(res.status).toBe(200);
    expect((res.json as Msg).text).toMatch(/Checking/);
    const [answer] = await waitForResponses(fake, 'ai1', 1);
    const msg = answer!.body as unknown as Msg;
    assertValidMessage(msg);
    expect(allText(msg)).toContain(':sparkles:');
    expect(allText(msg)).toContain('Sweden');
    expect(openai.requests().length).toBeGreaterThan(0);
  });

  it('acks inside 3 s even when the model takes 10 s', async () => {
    reply = () => slowReply(10_000, jsonReply(extraction));
    const res = await app.command('Slowco, 50-person Danish SaaS', { responseId: 'slow' });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    const [answer] = await waitForResponses(fake, 'slow', 1, 20_000);
    assertValidMessage(answer!.body as unknown as Msg);
  }, 30_000);

  it('in the Home tab modal: says “Checking…” in the ack, then updates the modal with the AI-read card', async () => {
    reply = () => jsonReply(extraction);
    const res = await app.interact(
      viewSubmissionPayload({
        team: 'T0001',
        user: 'U0HOMEUSER',
        callback_id: HomeCheckIds.callback,
        view: { id: 'V0HOMEAI', hash: '1.abc' },
        values: {
          [HomeCheckIds.block]: {
            [HomeCheckIds.input]: { type: 'plain_text_input', value: 'Acme, 120-person Swedish fintech on Salesforce' },
          },
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    const ack = res.json as { response_action: string; view: unknown };
    expect(ack.response_action).toBe('update');
    assertValidModal(ack.view);
    expect(JSON.stringify(ack.view)).toContain('Checking');
    const [update] = await fake.waitFor('views.update');
    expect(update!.body.view_id).toBe('V0HOMEAI');
    assertValidModal(update!.body.view);
    expect(JSON.stringify(update!.body.view)).toContain(':sparkles:');
  });

  it('“Check ICP fit” on a post with no link: the model points at a name in it, the lookup decides', async () => {
    await insertAccounts(suite!.db.db, 'T0001', [NORTHWIND]);
    const post = (responseId: string, text: string) =>
      app.interact(
        shortcutPayload({
          callback_id: ShortcutIds.message,
          team: 'T0001',
          user: 'U2147483697',
          response_url: fake.responseUrl(responseId),
          message: { text },
        }),
      );
    reply = () => jsonReply({ companies: ['Northwind Analytics AB', 'Globex Corp', 'Initech'] });
    await post('ainame', 'Great call with Northwind Analytics AB, they also looked at Initech. <!here> thoughts?');
    const [answer] = await waitForResponses(fake, 'ainame', 1);
    const msg = answer!.body as unknown as Msg;
    assertValidMessage(msg);
    expect(msg.text).toMatch(/Northwind Analytics AB: Tier/);
    expect(allText(msg)).toContain('AI read the name “Northwind Analytics AB” from the message');
    // "Globex Corp" is not in the message: the model cannot add a company.
    expect(allText(msg)).toContain('Also in that message: Initech.');
    expect(allText(msg)).not.toContain('Globex');
    const sent = JSON.stringify(openai.requests().at(-1));
    expect(sent).toContain('SLACK_MESSAGE');

    reply = () => jsonReply({ companies: ['Globex Corp'] });
    await post('ainone', 'Lunch on Friday?');
    const [none] = await waitForResponses(fake, 'ainone', 1);
    assertValidMessage(none!.body as unknown as Msg);
    expect((none!.body as unknown as Msg).text).toContain('AI found no company name in it');
  });

  it('falls back with a clear note when the model answers garbage', async () => {
    reply = () => malformedReply();
    await app.command('Garbleco, a fintech in Oslo employees=80', { responseId: 'bad' });
    const [answer] = await waitForResponses(fake, 'bad', 1);
    const msg = answer!.body as unknown as Msg;
    assertValidMessage(msg);
    expect(allText(msg)).toContain('AI extraction was skipped');
    expect(allText(msg)).toContain('80');
  });
});

describe('/icp-check without an OpenAI key', () => {
  let suite: HttpSuite | undefined;
  let app: RealApp;
  beforeAll(async () => {
    suite = await startHttpSuite();
    ({ app } = suite);
  });
  afterAll(() => suite?.close());

  it('says AI extraction is off and uses the key=value details', async () => {
    const res = await app.command('Acme, 120-person Swedish fintech employees=120 country=SE');
    const msg = res.json as Msg;
    assertValidMessage(msg);
    expect(allText(msg)).toContain('AI extraction is off');
    expect(allText(msg)).toContain('120');
  });
});
