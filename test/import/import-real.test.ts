import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { and, count, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accounts, churnEvents, deals } from '../../db/schema.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const MAVEN_ACCOUNTS = `${DATA}maven-crm/accounts.csv`;
const MAVEN_PIPELINE = `${DATA}maven-crm/sales_pipeline.csv`;
const RAVEN_ACCOUNTS = `${DATA}ravenstack-saas-churn/ravenstack_accounts.csv`;
const RAVEN_CHURN = `${DATA}ravenstack-saas-churn/ravenstack_churn_events.csv`;
const hasData = [MAVEN_ACCOUNTS, MAVEN_PIPELINE, RAVEN_ACCOUNTS, RAVEN_CHURN].every((f) => existsSync(f));
if (!hasData && process.env.CI) throw new Error(`shared data missing under ${DATA}`);

function csvRows(path: string): Record<string, string>[] {
  return parse(readFileSync(path), { columns: true, bom: true }) as Record<string, string>[];
}

describe.skipIf(!hasData)('importFile on the real shared data sets', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
  });

  const countWhere = async (table: typeof accounts | typeof deals | typeof churnEvents, teamId: string) => {
    const [r] = await t.db.select({ n: count() }).from(table).where(eq(table.teamId, teamId));
    return r!.n;
  };

  it('imports Maven accounts with revenue in whole dollars and ISO countries, and re-imports in place', async () => {
    const s = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: MAVEN_ACCOUNTS });
    expect(s).toMatchObject({ kind: 'accounts', format: 'generic', rows: 85, inserted: 85, updated: 0, skipped: 0 });
    expect(s.columns.mapped).toMatchObject({ account: 'name', revenue: 'revenue', office_location: 'country' });
    expect(await countWhere(accounts, 'T1')).toBe(85);
    const [acme] = await t.db
      .select()
      .from(accounts)
      .where(and(eq(accounts.teamId, 'T1'), eq(accounts.name, 'Acme Corporation')));
    expect(acme).toMatchObject({
      externalId: 'acme',
      normalizedName: 'acme',
      source: 'csv',
      industry: 'technolgy',
      employees: 2822,
      revenue: 1_100_040_000,
      country: 'US',
    });
    expect(acme!.attributes).toMatchObject({ year_established: 1996 });
    const [sub] = await t.db
      .select({ a: accounts.attributes })
      .from(accounts)
      .where(and(eq(accounts.teamId, 'T1'), sql`${accounts.attributes} ? 'subsidiary_of'`))
      .limit(1);
    expect(typeof (sub!.a as Record<string, unknown>).subsidiary_of).toBe('string');

    const again = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: MAVEN_ACCOUNTS });
    expect(again).toMatchObject({ rows: 85, inserted: 0, updated: 85 });
    expect(await countWhere(accounts, 'T1')).toBe(85);
  });

  it('imports all 8,800 Maven deals with won/lost/open matching the file, keeping open deals without account', async () => {
    const rows = csvRows(MAVEN_PIPELINE);
    const expected = { won: 0, lost: 0, open: 0 };
    for (const r of rows) {
      if (r.deal_stage === 'Won') expected.won++;
      else if (r.deal_stage === 'Lost') expected.lost++;
      else expected.open++;
    }
    const noAccount = rows.filter((r) => r.account === '').length;
    expect(noAccount).toBeGreaterThan(0);

    await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: MAVEN_ACCOUNTS });
    const progress: number[] = [];
    const s = await importFile(t.db, {
      teamId: 'T1',
      kind: 'deals',
      input: MAVEN_PIPELINE,
      onProgress: (n) => progress.push(n),
    });
    expect(s).toMatchObject({ rows: 8800, inserted: 8800, updated: 0, linked: 8800 - noAccount, unlinked: noAccount });
    expect(progress.at(-1)).toBe(8800);

    const byOutcome = await t.db
      .select({ outcome: deals.outcome, n: count() })
      .from(deals)
      .where(eq(deals.teamId, 'T1'))
      .groupBy(deals.outcome);
    expect(Object.fromEntries(byOutcome.map((r) => [r.outcome, r.n]))).toEqual(expected);

    const [orphans] = await t.db
      .select({ n: count() })
      .from(deals)
      .where(and(eq(deals.teamId, 'T1'), isNull(deals.accountName), eq(deals.outcome, 'open')));
    expect(orphans!.n).toBe(noAccount);

    const [first] = await t.db
      .select()
      .from(deals)
      .where(and(eq(deals.teamId, 'T1'), eq(deals.externalId, '1C1I7A6R')));
    expect(first).toMatchObject({
      accountName: 'Cancity',
      stage: 'Won',
      outcome: 'won',
      amount: 1054,
      createdOn: '2016-10-20',
      closedOn: '2017-03-01',
      owner: 'Moses Frase',
      product: 'GTX Plus Basic',
    });
    expect(first!.accountId).not.toBeNull();

    const [openClosed] = await t.db
      .select({ n: count() })
      .from(deals)
      .where(and(eq(deals.teamId, 'T1'), eq(deals.outcome, 'open'), isNotNull(deals.closedOn)));
    expect(openClosed!.n).toBe(0);

    const again = await importFile(t.db, { teamId: 'T1', kind: 'deals', input: MAVEN_PIPELINE });
    expect(again).toMatchObject({ inserted: 0, updated: 8800, linked: 8800 - noAccount });
    expect(await countWhere(deals, 'T1')).toBe(8800);
  }, 300_000); // full Maven imports: a hang guard for slow shared CI hosts; bench/import.ts measures speed

  it('imports RavenStack accounts with typed attributes, and churn events linked by account id', async () => {
    const a = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: RAVEN_ACCOUNTS });
    expect(a).toMatchObject({ rows: 500, inserted: 500 });
    const [first] = await t.db
      .select()
      .from(accounts)
      .where(and(eq(accounts.teamId, 'T1'), eq(accounts.externalId, 'A-2e4581')));
    // signup_date says when the account became a customer: churn drift counts it from then (no deals needed).
    expect(first).toMatchObject({ name: 'Company_0', industry: 'EdTech', country: 'US', customerSince: '2024-10-16' });
    expect(first!.attributes).toEqual({
      referral_source: 'partner',
      plan_tier: 'Basic',
      seats: 9,
      is_trial: false,
      churn_flag: false,
    });

    const c = await importFile(t.db, { teamId: 'T1', kind: 'churn', input: RAVEN_CHURN });
    expect(c).toMatchObject({ kind: 'churn', rows: 600, inserted: 600, linked: 600, unlinked: 0 });
    const [ev] = await t.db
      .select()
      .from(churnEvents)
      .where(and(eq(churnEvents.teamId, 'T1'), eq(churnEvents.externalId, 'C-816288')));
    expect(ev).toMatchObject({
      accountExternalId: 'A-c37cab',
      churnedOn: '2024-10-27',
      reason: 'pricing',
      amount: 4.03,
    });
    expect(ev!.attributes).toMatchObject({
      feedback_text: 'switched to competitor',
      preceding_upgrade_flag: false,
      is_reactivation: false,
    });
    expect(await countWhere(churnEvents, 'T1')).toBe(600);
    const again = await importFile(t.db, { teamId: 'T1', kind: 'churn', input: RAVEN_CHURN });
    expect(again).toMatchObject({ inserted: 0, updated: 600 });
    expect(await countWhere(churnEvents, 'T1')).toBe(600);
  });

  it('keeps churn whose account is not imported yet and links it once the account arrives', async () => {
    const c = await importFile(t.db, { teamId: 'T1', kind: 'churn', input: RAVEN_CHURN });
    expect(c).toMatchObject({ rows: 600, inserted: 600, linked: 0, unlinked: 600 });
    expect(c.warnings.join(' ')).toMatch(/600 churn event/);
    const a = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: RAVEN_ACCOUNTS });
    expect(a.linked).toBe(600);
    const [left] = await t.db
      .select({ n: count() })
      .from(churnEvents)
      .where(and(eq(churnEvents.teamId, 'T1'), isNull(churnEvents.accountId)));
    expect(left!.n).toBe(0);
  });

  it('never lets one team see or link to another team’s rows', async () => {
    await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: MAVEN_ACCOUNTS });
    const d2 = await importFile(t.db, { teamId: 'T2', kind: 'deals', input: MAVEN_PIPELINE });
    expect(d2).toMatchObject({ inserted: 8800, linked: 0 });
    expect(await countWhere(accounts, 'T2')).toBe(0);
    const a2 = await importFile(t.db, { teamId: 'T2', kind: 'accounts', input: MAVEN_ACCOUNTS });
    expect(a2).toMatchObject({ inserted: 85, updated: 0 });
    expect(a2.linked).toBe(d2.unlinked! - 1425);
    const [cross] = await t.db
      .select({ n: count() })
      .from(deals)
      .innerJoin(accounts, eq(deals.accountId, accounts.id))
      .where(sql`${deals.teamId} <> ${accounts.teamId}`);
    expect(cross!.n).toBe(0);
    expect(await countWhere(accounts, 'T1')).toBe(85);
    expect(await countWhere(deals, 'T1')).toBe(0);
  }, 300_000); // full Maven imports: a hang guard for slow shared CI hosts; bench/import.ts measures speed
});
