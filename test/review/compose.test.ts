import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordTierFeedback } from '../../db/queries/checks.ts';
import { applyIcp } from '../../db/queries/icp.ts';
import { recordReview } from '../../db/queries/reviews.ts';
import { accounts, deals, tierFeedback } from '../../db/schema.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { composeReminder } from '../../src/usecases/reminders/compose.ts';
import { assertValidMessage } from '../helpers/blockkit.ts';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bolt.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T = 'T0REVIEW';
const OWNER = 'U0OWNER01';

/** Decided deals for one tier in one window: `won` of `decided`, spread over `days` days before `end`. */
function dealsFor(teamId: string, ids: number[], tag: string, end: string, days: number, won: number, decided: number) {
  const endMs = Date.parse(`${end}T00:00:00Z`);
  return Array.from({ length: decided }, (_, i) => {
    const closed = new Date(endMs - (1 + ((i * 7) % (days - 2))) * 86_400_000);
    const created = new Date(closed.getTime() - (20 + (i % 40)) * 86_400_000);
    return {
      teamId,
      externalId: `${tag}-${i}`,
      accountId: ids[i % ids.length]!,
      outcome: i < won ? 'won' : 'lost',
      amount: i < won ? 10_000 + (i % 10) * 1000 : null,
      createdOn: created.toISOString().slice(0, 10),
      closedOn: closed.toISOString().slice(0, 10),
    };
  });
}

describe(`composeReminder (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let deps: Deps;

  beforeAll(async () => {
    t = await createTestDb();
    const config = loadConfig({ SLACK_BOT_TOKEN: TEST_BOT_TOKEN, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET });
    deps = {
      ...buildDeps(config, t, createLogger({ level: 'error', write: () => {} })),
      now: () => Date.parse('2018-01-01T09:00:00Z'),
    };
    const source = readDefaultIcp().replace(/owners:\n {2}- U00000000AA/, `owners:\n  - ${OWNER}`);
    const applied = await applyIcp(t.db, { teamId: T, source, createdBy: OWNER });
    const v = applied.version.version;
    const acc = (tier: string, i: number) => ({
      teamId: T,
      externalId: `${tier}-${i}`,
      name: `${tier} company ${i}`,
      normalizedName: `${tier} company ${i}`,
      tier,
      icpVersion: v,
    });
    const rows = await t.db
      .insert(accounts)
      .values([
        ...Array.from({ length: 10 }, (_, i) => acc('tier1', i)),
        ...Array.from({ length: 10 }, (_, i) => acc('tier3', i)),
      ])
      .returning({ id: accounts.id, tier: accounts.tier });
    const t1 = rows.filter((r) => r.tier === 'tier1').map((r) => r.id);
    const t3 = rows.filter((r) => r.tier === 'tier3').map((r) => r.id);
    await t.db
      .insert(deals)
      .values([
        ...dealsFor(T, t1, 't1b', '2017-10-03', 365, 300, 400),
        ...dealsFor(T, t1, 't1r', '2018-01-01', 90, 40, 120),
        ...dealsFor(T, t3, 't3b', '2017-10-03', 365, 60, 240),
        ...dealsFor(T, t3, 't3r', '2018-01-01', 90, 12, 12),
      ]);
    await recordReview(t.db, {
      teamId: T,
      reviewedBy: OWNER,
      note: null,
      icpChanged: false,
      icpVersion: v,
      drift: null,
      reviewedAt: new Date('2017-06-01T00:00:00Z'),
    });
    const fb = (company: string, reason: string) => ({
      teamId: T,
      userId: 'U0SELLER1',
      checkId: null,
      accountId: null,
      companyName: company,
      givenTier: 'tier1',
      expectedTier: null,
      reason,
      note: null,
      icpVersion: v,
    });
    await recordTierFeedback(t.db, fb('Globex <!channel>', 'should_be_lower'));
    await recordTierFeedback(t.db, {
      ...fb('Initech', 'should_be_lower'),
      note: 'They have 12 people, not 200 *really* <@U0BOSS> ' + 'x'.repeat(400),
    });
    await recordTierFeedback(t.db, fb('Hooli', 'should_be_higher'));
    await t.db
      .insert(tierFeedback)
      .values({ ...fb('Old Feedback Inc', 'data_wrong'), createdAt: new Date('2017-01-01T00:00:00Z') });
    await recordTierFeedback(t.db, { ...fb('Other Team Co', 'data_wrong'), teamId: 'T0OTHER' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('uses a drift report the caller already computed instead of computing it again', async () => {
    const asOf = new Date('2018-01-01T09:00:00Z');
    const first = await composeReminder(deps, T, { kind: 'drift', asOf });
    const again = await composeReminder(deps, T, { kind: 'drift', asOf, report: first.report });
    expect(again.report).toBe(first.report);
    expect(again.message).toEqual(first.message);
  });

  it('puts the drift figures, the cadence and the feedback since the last review into the reminder', async () => {
    const { message, report, series } = await composeReminder(deps, T, {
      kind: 'due',
      asOf: new Date('2018-01-01T09:00:00Z'),
    });
    assertValidMessage(message);
    expect(report.windows.asOf).toBe('2018-01-01');
    expect(report.segments.tier1.winRate.recent).toMatchObject({ n: 120, value: 40 / 120 });
    expect(report.segments.tier1.winRate.baseline).toMatchObject({ n: 400, value: 0.75 });
    expect(report.segments.tier1.winRate.verdict).toBe('drift_down');
    expect(report.segments.tier3.winRate.verdict).toBe('not_enough_data');
    expect(report.driftDetected).toBe(true);
    expect(report.signals).toContain('tier1.winRate');
    expect(series.months).toHaveLength(12);
    expect(series.winRate.tier1.reduce((s, m) => s + m.decided, 0)).toBeGreaterThan(120);

    const text = JSON.stringify(message.blocks);
    expect(text).toContain('34 days overdue'); // due 2017-11-28: 34 local dates before 2018-01-01
    expect(text).toMatch(/ICP lift .*not enough data \(n=12 &lt; 30\)/);
    expect(text).toContain('Tier 1 win rate');
    expect(text).toContain('33.3%');
    expect(text).toContain('75.0%');
    expect(text).toContain('120/400');
    expect(text).toContain('not enough data (n=12 &lt; 30)');
    expect(text).toContain('3 reports');
    expect(text).toContain('Should be a lower tier: 2');
    expect(text).toContain('Globex &lt;!channel&gt;');
    // The rep's own words are shown to the owners: escaped, on one line, capped at 200 characters.
    expect(text).toContain('They have 12 people, not 200');
    expect(text).toContain('&lt;@U0BOSS&gt;');
    expect(text).not.toContain('<@U0BOSS>');
    expect(text).not.toContain('x'.repeat(200));
    expect(text).toContain('Hooli');
    expect(text).not.toContain('Old Feedback Inc');
    expect(text).not.toContain('Other Team Co');
    expect(text).toContain('<@U0OWNER01>');
    expect(message.text).toContain('ICP review due');
  });

  it('labels a drift reminder as an early review and a manual one as a report', async () => {
    const asOf = new Date('2018-01-01T09:00:00Z');
    const drift = await composeReminder(deps, T, { kind: 'drift', asOf });
    expect(drift.message.text).toContain('Early review recommended');
    const manual = await composeReminder(deps, T, { kind: 'manual', asOf });
    expect(manual.message.text).toContain('ICP drift report');
    assertValidMessage(manual.message);
  });

  it('says not enough data for a workspace with no deals', async () => {
    const { message, report } = await composeReminder(deps, 'T0EMPTY', {
      kind: 'manual',
      asOf: new Date('2018-01-01'),
    });
    assertValidMessage(message);
    expect(report.driftDetected).toBe(false);
    // Empty tables are left out; the report says plainly that there is nothing to compare yet.
    expect(JSON.stringify(message.blocks)).toContain('No decided deals or churn events in these windows yet');
    expect(JSON.stringify(message.blocks)).toContain('(n=0 &lt; 30)');
    expect(JSON.stringify(message.blocks)).toContain('No \\"wrong tier?\\" feedback');
  });
});
