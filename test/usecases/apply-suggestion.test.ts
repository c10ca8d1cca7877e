import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyIcp, getCurrentIcp } from '../../db/queries/icp.ts';
import { accounts, icpReviews, icpSuggestions, icpVersions } from '../../db/schema.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logger.ts';
import {
  applySuggestion,
  dismissSuggestion,
  offerSuggestion,
  proposalForReview,
} from '../../src/usecases/apply-suggestion.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { seedPlanted } from '../learn/planted-db.ts';

const T1 = 'T0PLANT1';
const T2 = 'T0OTHER2';
const OWNER = 'U0OWNER01';
const SELLER = 'U0SELLER1';
const NOW = Date.parse('2026-07-01T09:00:00Z');
const ownedIcp = (owner: string) => readDefaultIcp().replace(/owners:\n {2}- U00000000AA/, `owners:\n  - ${owner}`);

describe(`approving a suggested ICP (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let deps: Deps;
  let seeded: Promise<void> | undefined;

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    // The planted data is seeded once; each test starts again from ICP version 1 and no stored proposals.
    deps = { ...buildDeps(loadConfig({}), t, createLogger({ level: 'error', write: () => {} })), now: () => NOW };
    seeded ??= seedPlanted(t.db, T1, { seed: 5, accounts: 2000, signal: true }).then(() => undefined);
    await seeded;
    await t.db.delete(icpVersions);
    await t.db.delete(icpSuggestions);
    await t.db.delete(icpReviews);
    await applyIcp(t.db, { teamId: T1, source: ownedIcp(OWNER), createdBy: OWNER });
  });

  it('offers the proposal once stored, with its id and the version it was computed against', async () => {
    const offer = await offerSuggestion(deps, { teamId: T1 });
    expect(offer.suggestion.signal).toBe('found');
    expect(offer.proposal).toMatchObject({ baseVersion: 1, dismissed: null });
    expect(offer.owners).toEqual([OWNER]);
    const again = await offerSuggestion(deps, { teamId: T1 });
    expect(again.proposal!.id).toBe(offer.proposal!.id);
    expect(await t.db.select().from(icpSuggestions)).toHaveLength(1);
    const review = await proposalForReview(deps, { teamId: T1, id: offer.proposal!.id, userId: SELLER });
    expect(review).toMatchObject({ currentVersion: 1, canApply: false, owners: [OWNER] });
    expect(review!.row.yaml).toBe(offer.suggestion.proposal!.yaml);
    expect(await proposalForReview(deps, { teamId: T2, id: offer.proposal!.id, userId: OWNER })).toBeNull();
  }, 120_000);

  it('applies it for an owner as the next version, rescores every account and records a review', async () => {
    const offer = await offerSuggestion(deps, { teamId: T1 });
    const r = await applySuggestion(deps, {
      teamId: T1,
      id: offer.proposal!.id,
      base: 1,
      userId: OWNER,
      note: 'Data says so',
    });
    expect(r).toMatchObject({ status: 'applied', version: 2, previous: 1 });
    if (r.status !== 'applied') return;
    expect(r.changes.length).toBeGreaterThan(0);
    const v2 = await getCurrentIcp(t.db, T1);
    expect(v2).toMatchObject({ version: 2, origin: 'suggestion', createdBy: OWNER });
    expect(v2!.source).toBe(offer.suggestion.proposal!.yaml);
    const scored = await t.db.select({ v: accounts.icpVersion }).from(accounts).where(eq(accounts.teamId, T1));
    expect(scored.every((a) => a.v === 2)).toBe(true);
    expect(r.rescored.accounts).toBe(scored.length);
    expect(await t.db.select().from(icpReviews)).toMatchObject([
      { teamId: T1, reviewedBy: OWNER, icpChanged: true, icpVersion: 2, note: 'Data says so' },
    ]);
    const [row] = await t.db.select().from(icpSuggestions);
    expect(row).toMatchObject({ appliedBy: OWNER, appliedVersion: 2 });
    // The same data now proposes what the ICP already is.
    const after = await offerSuggestion(deps, { teamId: T1 });
    expect(after).toMatchObject({ upToDate: true, proposal: null });
  }, 120_000);

  it('refuses to overwrite a version applied since the proposal was computed', async () => {
    const offer = await offerSuggestion(deps, { teamId: T1 });
    await applyIcp(t.db, {
      teamId: T1,
      source: ownedIcp(OWNER).replace(/^name: .*$/m, 'name: Changed meanwhile'),
      createdBy: OWNER,
    });
    const r = await applySuggestion(deps, { teamId: T1, id: offer.proposal!.id, base: 1, userId: OWNER, note: null });
    expect(r).toEqual({ status: 'stale', base: 1, current: 2, outcome: 'win' });
    expect((await getCurrentIcp(t.db, T1))!.name).toBe('Changed meanwhile');
    expect(await t.db.select().from(icpReviews)).toHaveLength(0);
  }, 120_000);

  it('lets only one of two concurrent approvals of the same version through', async () => {
    const offer = await offerSuggestion(deps, { teamId: T1 });
    const args = { teamId: T1, id: offer.proposal!.id, base: 1, userId: OWNER, note: null };
    const results = await Promise.all([applySuggestion(deps, args), applySuggestion(deps, args)]);
    expect(results.map((r) => r.status).sort()).toEqual(['applied', 'stale']);
    expect(await t.db.select().from(icpVersions).where(eq(icpVersions.teamId, T1))).toHaveLength(2);
  }, 120_000);

  it('lets a non-owner neither apply nor dismiss, and finds nothing of another workspace', async () => {
    const offer = await offerSuggestion(deps, { teamId: T1 });
    const id = offer.proposal!.id;
    expect(await applySuggestion(deps, { teamId: T1, id, base: 1, userId: SELLER, note: null })).toEqual({
      status: 'not_owner',
      owners: [OWNER],
    });
    expect(await dismissSuggestion(deps, { teamId: T1, id, userId: SELLER, reason: null })).toMatchObject({
      status: 'not_owner',
    });
    await applyIcp(t.db, { teamId: T2, source: ownedIcp(OWNER), createdBy: OWNER });
    expect(await applySuggestion(deps, { teamId: T2, id, base: 1, userId: OWNER, note: null })).toEqual({
      status: 'gone',
    });
    expect(await dismissSuggestion(deps, { teamId: T2, id, userId: OWNER, reason: null })).toEqual({ status: 'gone' });
    expect(await t.db.select().from(icpVersions).where(eq(icpVersions.teamId, T1))).toHaveLength(1);
    const [row] = await t.db.select().from(icpSuggestions);
    expect(row).toMatchObject({ dismissedBy: null, appliedBy: null });
  }, 120_000);

  it('remembers a dismissal of that exact proposal for the workspace', async () => {
    const offer = await offerSuggestion(deps, { teamId: T1 });
    const id = offer.proposal!.id;
    const d = await dismissSuggestion(deps, { teamId: T1, id, userId: OWNER, reason: 'Education is a new market' });
    expect(d).toMatchObject({ status: 'dismissed', dismissal: { by: OWNER, reason: 'Education is a new market' } });
    const again = await offerSuggestion(deps, { teamId: T1 });
    expect(again.proposal).toMatchObject({
      id,
      dismissed: { by: OWNER, at: new Date(NOW), reason: 'Education is a new market' },
    });
    const rows = await t.db
      .select()
      .from(icpSuggestions)
      .where(and(eq(icpSuggestions.teamId, T1), eq(icpSuggestions.id, id)));
    expect(rows[0]!.dismissedAt!.toISOString()).toBe('2026-07-01T09:00:00.000Z');
  }, 120_000);
});
