import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSuggestText } from '../../commands/icp-suggest.ts';
import { applyIcp, getCurrentIcp } from '../../db/queries/icp.ts';
import { saveSuggestion } from '../../db/queries/suggestions.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { ReviewActionIds, ReviewCallbackIds } from '../../src/slack/blocks/review.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import {
  buildActionArgs,
  buildViewArgs,
  captureListeners,
  type FakeIo,
  fakeIo,
  listenerFor,
  platformError,
  type Registered,
} from '../helpers/listener-args.ts';

const T1 = 'T0001';
const OWNER = 'U2147483697'; // the user the listener-args factories act as
const STALE = 'That form is out of date';
const told = (io: FakeIo) => JSON.stringify([io.acks, io.responds, io.calls.map((c) => c.args)]);
const ownedIcp = () => readDefaultIcp().replace(/owners:\n {2}- U00000000AA/, `owners:\n  - ${OWNER}`);

describe('parsing /icp-review suggest', () => {
  it('reads the outcome and refuses anything else', () => {
    expect(parseSuggestText('suggest')).toBe('win');
    expect(parseSuggestText('  Suggest   CHURN ')).toBe('churn');
    expect(parseSuggestText('suggest win')).toBe('win');
    expect(parseSuggestText('suggest churn now')).toBeNull();
    expect(parseSuggestText('suggest revenue')).toBeNull();
    expect(parseSuggestText('history')).toBeNull();
  });
});

describe(`suggestion listeners (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDb;
  let deps: Deps;
  let listeners: Registered[];
  let id: number;

  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.truncateAll();
    deps = buildDeps(loadConfig({}), db, createLogger({ write: () => undefined }));
    listeners = captureListeners(deps);
    await applyIcp(db.db, { teamId: T1, source: ownedIcp(), createdBy: OWNER });
    const yaml = ownedIcp().replace(/^name: .*$/m, 'name: Proposed');
    ({ id } = await saveSuggestion(db.db, {
      teamId: T1,
      proposalKey: 'k1',
      outcome: 'win',
      baseVersion: 1,
      yaml,
      summary: 'Industry separates wins from losses.',
      reasons: ['Software wins 60% vs 30% elsewhere, n = 400.'],
      diff: ['Name: "B2B" → "Proposed"'],
      computedAt: new Date(),
    }));
  });

  it('answers Review & apply and Dismiss with an unreadable or foreign reference, opening nothing', async () => {
    for (const [actionId, value, team] of [
      [ReviewActionIds.suggestReview, 'nonsense', T1],
      [ReviewActionIds.suggestDismiss, '12', T1],
      [ReviewActionIds.suggestReview, `${id}:1`, 'T0OTHER'],
    ] as const) {
      const io = fakeIo(deps.logger);
      await listenerFor(listeners, 'action', actionId)(buildActionArgs(io, { actionId, value, team }) as never);
      expect(io.acks, `${actionId} ${value}`).toEqual([undefined]);
      expect(io.calls.filter((c) => c.method.startsWith('views.'))).toEqual([]);
      expect(told(io)).toContain(STALE);
    }
  });

  it('answers a submission whose metadata cannot be read, with one ack', async () => {
    for (const callbackId of [ReviewCallbackIds.suggestApply, ReviewCallbackIds.suggestDismiss]) {
      const io = fakeIo(deps.logger);
      await listenerFor(
        listeners,
        'view',
        callbackId,
      )(buildViewArgs(io, { callbackId, privateMetadata: '{"id":"x"}' }) as never);
      expect(io.acks, callbackId).toHaveLength(1);
      expect(told(io)).toContain(STALE);
    }
    expect((await getCurrentIcp(db.db, T1))!.version).toBe(1);
  });

  it('confirms by direct message when the modal was closed before the ICP was applied', async () => {
    const io = fakeIo(deps.logger);
    io.failing.set('views.update', platformError('not_found'));
    await listenerFor(
      listeners,
      'view',
      ReviewCallbackIds.suggestApply,
    )(
      buildViewArgs(io, {
        callbackId: ReviewCallbackIds.suggestApply,
        privateMetadata: JSON.stringify({ id, base: 1 }),
      }) as never,
    );
    expect(io.acks).toHaveLength(1);
    expect(io.acks[0]).toMatchObject({ response_action: 'update' });
    expect(await getCurrentIcp(db.db, T1)).toMatchObject({ version: 2, name: 'Proposed', origin: 'suggestion' });
    const dm = io.calls.find((c) => c.method === 'chat.postMessage');
    expect(dm?.args.channel).toBe(OWNER);
    expect(String(dm?.args.text)).toContain('Applied as ICP version 2 (was 1)');
    expect(JSON.stringify(dm?.args.blocks)).toContain('npm run icp -- rollback 1');
  });
});
