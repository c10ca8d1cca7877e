import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ShortcutIds } from '../../commands/check-anywhere.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { AppError, ErrorCode } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { ActionIds } from '../../src/slack/blocks/check.ts';
import { HomeCheckIds } from '../../src/slack/blocks/home-check.ts';
import { CallbackIds } from '../../src/slack/blocks/modals.ts';
import * as listen from '../../src/slack/listen.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import {
  buildActionArgs,
  buildCommandArgs,
  buildShortcutArgs,
  buildViewArgs,
  captureListeners,
  type FakeIo,
  fakeIo,
  listenerFor,
  platformError,
  type Registered,
  sampleName,
} from '../helpers/listener-args.ts';

const SORRY = 'Something went wrong on our side';
const SLACK_SORRY = 'Slack did not accept';

/** Everything the user was shown: ack payloads, response_url posts and Web API messages. */
function told(io: FakeIo): string {
  return JSON.stringify([io.acks, io.responds, io.calls.map((c) => c.args.text ?? c.args.errors ?? c.args.view)]);
}

function argsFor(io: FakeIo, l: Registered) {
  const name = sampleName(l.constraint);
  switch (l.kind) {
    case 'command':
      return buildCommandArgs(io, { command: name, text: 'for acme.com' });
    case 'action':
      return buildActionArgs(io, { actionId: name, value: '7' });
    case 'view':
      return buildViewArgs(io, { callbackId: name });
    case 'shortcut':
      return name === ShortcutIds.message
        ? buildShortcutArgs(io, { callbackId: name, message: { text: 'see <https://acme.com|acme>' } })
        : buildShortcutArgs(io, { callbackId: name });
    case 'event':
      throw new Error('events have no ack');
  }
}

describe('the listener wrapper (handler tests)', () => {
  let logs: string[];
  let deps: Deps;

  beforeEach(() => {
    logs = [];
    const logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
    // Every query fails the way a lost connection does.
    const broken = new Proxy(
      {},
      {
        get() {
          throw new Error('connection terminated unexpectedly');
        },
      },
    );
    deps = buildDeps(loadConfig({}), { db: broken } as never, logger);
  });

  it('acks every command, click, modal and shortcut exactly once when the database throws, and tells the user', async () => {
    const listeners = captureListeners(deps).filter((l) => l.kind !== 'event');
    expect(listeners.length).toBeGreaterThan(20);
    for (const l of listeners) {
      const io = fakeIo(deps.logger);
      logs.length = 0;
      await l.fn(argsFor(io, l) as never);
      const where = `${l.kind} ${String(l.constraint)}`;
      expect(io.acks, where).toHaveLength(1);
      if (logs.some((line) => line.includes('connection terminated'))) {
        expect(told(io), where).toContain(SORRY);
        expect(logs.filter((line) => line.includes(' failed')).length, where).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('/icp-check answers a database failure inside its one ack, and logs it with the workspace', async () => {
    const io = fakeIo(deps.logger);
    await listenerFor(
      captureListeners(deps),
      'command',
      '/icp-check',
    )(buildCommandArgs(io, { text: 'acme.com' }) as never);
    expect(io.acks).toHaveLength(1);
    expect((io.acks[0] as { text: string }).text).toContain(SORRY);
    expect(io.responds).toEqual([]);
    const line = logs.find((l) => l.includes('/icp-check failed'));
    expect(line).toContain('T0001');
    expect(line).toContain('connection terminated unexpectedly');
  });

  it('tells the user when views.open fails (App Home button, global shortcut), after one ack', async () => {
    const listeners = captureListeners(deps);
    for (const [fn, args] of [
      [
        listenerFor(listeners, 'action', HomeCheckIds.open),
        (io: FakeIo) => buildActionArgs(io, { actionId: HomeCheckIds.open, source: 'home' }),
      ],
      [
        listenerFor(listeners, 'shortcut', ShortcutIds.check),
        (io: FakeIo) => buildShortcutArgs(io, { callbackId: ShortcutIds.check }),
      ],
    ] as const) {
      const io = fakeIo(deps.logger);
      io.failing.set('views.open', platformError('expired_trigger_id'));
      logs.length = 0;
      await fn(args(io) as never);
      expect(io.acks).toEqual([undefined]);
      const dm = io.calls.find((c) => c.method === 'chat.postMessage');
      expect(dm?.args.channel).toBe('U2147483697');
      expect(String(dm?.args.text)).toContain(SLACK_SORRY);
      expect(logs.join('\n')).toContain('expired_trigger_id');
    }
  });

  it('a listener that acks twice reaches Slack once; one that never acks is acked', async () => {
    const io = fakeIo(deps.logger);
    await listen.command(deps, 'twice', async ({ ack }) => {
      await ack({ text: 'first' });
      await ack({ text: 'second' });
    })(buildCommandArgs(io) as never);
    expect(io.acks).toEqual([{ text: 'first' }]);

    const quiet = fakeIo(deps.logger);
    await listen.view(deps, 'quiet', async () => undefined)(buildViewArgs(quiet, { callbackId: 'x' }) as never);
    expect(quiet.acks).toEqual([undefined]);
  });

  it('a command that fails after its holding line replaces it with the sentence', async () => {
    const io = fakeIo(deps.logger);
    await listen.command(deps, 'slow', async ({ ack }) => {
      await ack({ text: 'Checking…' });
      throw new Error('boom');
    })(buildCommandArgs(io) as never);
    expect(io.acks).toEqual([{ text: 'Checking…' }]);
    expect(io.responds).toHaveLength(1);
    expect(io.responds[0]).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    expect(String(io.responds[0]!.text)).toContain(SORRY);
    expect(logs.join('\n')).toContain('slow failed');
  });

  it('a modal that fails before its ack shows the sentence under its first input, keeping what was typed', async () => {
    const io = fakeIo(deps.logger);
    const blocks = [
      { type: 'section', block_id: 'intro', text: { type: 'mrkdwn', text: 'hi' } },
      { type: 'input', block_id: 'channel_block', label: { type: 'plain_text', text: 'Channel' }, element: {} },
    ];
    await listen.view(deps, 'settings', async () => {
      throw new Error('db down');
    })(buildViewArgs(io, { callbackId: 'x', blocks }) as never);
    expect(io.acks).toHaveLength(1);
    const ack = io.acks[0] as { response_action: string; errors: Record<string, string> };
    expect(ack.response_action).toBe('errors');
    expect(ack.errors.channel_block).toContain(SORRY);
  });

  it('a click that cannot act says why (logged at info, not as a fault)', async () => {
    const io = fakeIo(deps.logger);
    await listen.action(deps, 'share check', async () => {
      throw new AppError(ErrorCode.CheckGone);
    })(buildActionArgs(io, { actionId: ActionIds.share }) as never);
    expect(io.acks).toEqual([undefined]);
    expect(io.responds).toHaveLength(1);
    expect(io.responds[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(io.responds[0]!.text)).toContain('That check is no longer available.');
    expect(logs.join('\n')).toMatch(/INFO .*share check: That check is no longer available/);
    expect(logs.join('\n')).not.toContain('ERROR');
  });
});

describe(`listeners on a real database (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDb;
  let deps: Deps;
  let listeners: Registered[];

  beforeAll(async () => {
    db = await createTestDb();
    deps = buildDeps(loadConfig({}), db, createLogger({ write: () => undefined }));
    listeners = captureListeners(deps);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('Add details and Wrong tier on a check that is gone say so instead of opening nothing', async () => {
    for (const actionId of [ActionIds.addDetails, ActionIds.wrongTier, ActionIds.share]) {
      const io = fakeIo(deps.logger);
      await listenerFor(listeners, 'action', actionId)(buildActionArgs(io, { actionId, value: '999999' }) as never);
      expect(io.acks, actionId).toEqual([undefined]);
      expect(
        io.calls.filter((c) => c.method === 'views.open'),
        actionId,
      ).toEqual([]);
      expect(String(io.responds[0]?.text), actionId).toContain('That check is no longer available.');
    }
  });

  it('a Wrong tier form with unreadable metadata is answered, not dropped', async () => {
    const io = fakeIo(deps.logger);
    const values = {
      reason_block: { reason_input: { type: 'static_select', selected_option: { value: 'should_be_higher' } } },
    };
    await listenerFor(
      listeners,
      'view',
      CallbackIds.wrongTier,
    )(buildViewArgs(io, { callbackId: CallbackIds.wrongTier, values, privateMetadata: '{not json' }) as never);
    expect(io.acks).toHaveLength(1);
    expect(told(io)).toContain('That form is out of date');
  });
});
