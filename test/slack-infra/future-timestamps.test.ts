/** Signed requests dated in the future are refused at the HTTP edge, like stale ones (#12 item 12). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatedInTheFuture } from '../../src/slack/receiver.ts';
import { TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { type HttpSuite, startHttpSuite } from '../helpers/http-suite.ts';
import { nowSeconds, postToApp, slashCommandBody } from '../helpers/slack-sign.ts';

describe('request timestamps', () => {
  let suite: HttpSuite | undefined;

  beforeAll(async () => {
    suite = await startHttpSuite();
  });
  afterAll(async () => {
    await suite?.close();
  });

  const post = (timestamp: number | string) =>
    postToApp(suite!.app.url, '/slack/events', slashCommandBody({ command: '/icp-check', text: 'help' }), {
      secret: TEST_SIGNING_SECRET,
      // Correctly signed for that timestamp: only its date is wrong.
      timestamp: timestamp as number,
    });

  // Computed when each test runs: the suite may take a while to start on a busy machine.
  it.each([
    ['6 minutes ahead', () => nowSeconds() + 6 * 60],
    ['10 years ahead', () => nowSeconds() + 10 * 365 * 24 * 3600],
    ['Infinity', () => 'Infinity'],
    ['1e400', () => '1e400'],
  ])('refuses a correctly signed request dated %s', async (_what, ts) => {
    const res = await post(ts());
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('icp-check');
  });

  it('still answers requests within the window, a little ahead or behind', async () => {
    for (const ts of [nowSeconds(), nowSeconds() + 4 * 60, nowSeconds() - 4 * 60]) {
      const res = await post(ts);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.json)).toContain('/icp-check');
    }
  });

  it('leaves missing or malformed timestamps to Bolt’s own verifier', () => {
    expect(isDatedInTheFuture(undefined, Date.now())).toBe(false);
    expect(isDatedInTheFuture('soon', Date.now())).toBe(false);
    expect(isDatedInTheFuture(['99999999999'], Date.now())).toBe(true);
  });
});
