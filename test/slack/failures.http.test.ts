/**
 * When the database fails mid-request, every surface still answers (inside Slack's window) with the
 * friendly sentence from src/errors.ts, and the failure is logged, never shown raw.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShortcutIds } from '../../commands/check-anywhere.ts';
import type { Db } from '../../db/client.ts';
import { HomeCheckIds } from '../../src/slack/blocks/home-check.ts';
import { assertValidMessage, assertValidModal } from '../helpers/blockkit.ts';
import { usingRealPostgres } from '../helpers/db.ts';
import { type HttpSuite, startHttpSuite, waitForResponses } from '../helpers/http-suite.ts';
import { shortcutPayload, viewSubmissionPayload } from '../helpers/payloads.ts';

const SORRY = 'Something went wrong on our side';
type Msg = { text: string; blocks: Record<string, unknown>[] };

describe(`a database failure mid-request (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let suite: HttpSuite | undefined;
  let healthy: Db;

  beforeAll(async () => {
    suite = await startHttpSuite();
    healthy = suite.app.deps.db;
    // Every query through the handlers' database handle fails as a lost connection would.
    suite.app.deps.db = new Proxy(healthy, {
      get() {
        throw new Error('connection terminated unexpectedly');
      },
    });
  });
  afterEach(() => {
    suite!.fake.reset();
    suite!.app.logs.length = 0;
  });
  afterAll(async () => {
    if (suite) suite.app.deps.db = healthy;
    await suite?.close();
  });

  const loggedFailure = () => {
    const logs = suite!.app.logs.join('\n');
    expect(logs).toContain('connection terminated unexpectedly');
    return logs;
  };

  it('/icp-check answers inside the ack with the friendly sentence', async () => {
    const res = await suite!.app.command('northwind-analytics.se');
    expect(res.status).toBe(200);
    const msg = res.json as Msg;
    assertValidMessage(msg);
    expect(msg.text).toContain(SORRY);
    expect(loggedFailure()).toContain('/icp-check failed');
  });

  it('the Home tab’s check modal shows the friendly sentence under the input', async () => {
    const res = await suite!.app.interact(
      viewSubmissionPayload({
        team: 'T0001',
        user: 'U0HOMEUSER',
        callback_id: HomeCheckIds.callback,
        view: { id: 'V0FAIL', hash: '1.a' },
        values: { [HomeCheckIds.block]: { [HomeCheckIds.input]: { type: 'plain_text_input', value: 'acme.com' } } },
      }),
    );
    const ack = res.json as { response_action: string; view: unknown };
    expect(ack.response_action).toBe('update');
    assertValidModal(ack.view);
    expect(JSON.stringify(ack.view)).toContain(SORRY);
    expect(loggedFailure()).toContain('check in a modal failed');
  });

  it('“Check ICP fit” on a message answers through its response_url', async () => {
    await suite!.app.interact(
      shortcutPayload({
        callback_id: ShortcutIds.message,
        team: 'T0001',
        user: 'U2147483697',
        response_url: suite!.fake.responseUrl('fail'),
        message: { text: 'see <https://acme.com|acme>' },
      }),
    );
    const [answer] = await waitForResponses(suite!.fake, 'fail', 1);
    const msg = answer!.body as unknown as Msg;
    assertValidMessage(msg);
    expect(msg.text).toContain(SORRY);
    expect(loggedFailure()).toContain('message shortcut check failed');
  });

  it('/icp-review and /icp-persona answer too', async () => {
    for (const [command, text] of [
      ['/icp-review', ''],
      ['/icp-persona', 'for acme.com'],
    ] as const) {
      const res = await suite!.app.command(text, { command, responseId: `fail-${command.slice(1)}` });
      expect(res.status).toBe(200);
      const acked = res.json as Msg | undefined;
      const msg = acked?.text
        ? acked
        : ((await waitForResponses(suite!.fake, `fail-${command.slice(1)}`, 1))[0]!.body as unknown as Msg);
      assertValidMessage(msg);
      expect(msg.text).toContain(SORRY);
    }
    loggedFailure();
  });
});
