import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { churnEvents, subscriptions } from '../../db/schema.ts';
import { ImportError } from '../../src/errors.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/ravenstack-saas-churn/', import.meta.url));
const RAVEN_ACCOUNTS = `${DATA}ravenstack_accounts.csv`;
const RAVEN_SUBS = `${DATA}ravenstack_subscriptions.csv`;
const hasData = existsSync(RAVEN_ACCOUNTS) && existsSync(RAVEN_SUBS);
if (!hasData && process.env.CI) throw new Error(`RavenStack data missing under ${DATA}`);

describe(`importFile: subscriptions (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'subs-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await t.truncateAll();
  });

  const stored = () =>
    t.db.select().from(subscriptions).where(eq(subscriptions.teamId, 'T1')).orderBy(asc(subscriptions.externalId));

  it('stores start, end, plan, MRR and ARR, links by account id, and links later accounts on their import', async () => {
    const subs = file(
      's.csv',
      [
        'Subscription ID,Customer ID,Start Date,End Date,Plan,MRR,ARR,Billing',
        'S1,C1,2024-01-15,,Pro,"1,200",14400,monthly',
        'S2,C1,2023-02-01,2023-12-31,Basic,99,1188,annual',
        'S3,C9,2024-03-01,,Pro,500,,monthly',
      ].join('\n'),
    );
    const first = await importFile(t.db, { teamId: 'T1', kind: 'subscriptions', input: subs });
    expect(first).toMatchObject({ kind: 'subscriptions', rows: 3, inserted: 3, linked: 0, unlinked: 3 });
    expect(first.columns.mapped).toMatchObject({
      'Subscription ID': 'externalId',
      'Customer ID': 'accountExternalId',
      'Start Date': 'startedOn',
      'End Date': 'endedOn',
      Plan: 'plan',
      MRR: 'mrr',
      ARR: 'arr',
      Billing: 'attributes.billing',
    });
    const accounts = file('a.csv', 'Account ID,Company name\nC1,Acme\nC2,Beta\n');
    const acc = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: accounts });
    expect(acc.linked).toBe(2);
    const rows = await stored();
    expect(rows.map((r) => [r.externalId, r.startedOn, r.endedOn, r.plan, r.mrr, r.arr, r.attributes])).toEqual([
      ['S1', '2024-01-15', null, 'Pro', 1200, 14400, { billing: 'monthly' }],
      ['S2', '2023-02-01', '2023-12-31', 'Basic', 99, 1188, { billing: 'annual' }],
      ['S3', '2024-03-01', null, 'Pro', 500, null, { billing: 'monthly' }],
    ]);
    expect(rows.filter((r) => r.accountId !== null).map((r) => r.externalId)).toEqual(['S1', 'S2']);

    // Re-import: updated in place, and a file without an ARR column keeps the stored ARR.
    const again = file(
      's2.csv',
      'Subscription ID,Customer ID,Start Date,End Date,MRR\nS1,C1,2024-01-15,2024-06-30,1300\n',
    );
    const s = await importFile(t.db, { teamId: 'T1', kind: 'subscriptions', input: again });
    expect(s).toMatchObject({ inserted: 0, updated: 1, linked: 1, unlinked: 0 });
    const s1 = (await stored()).find((r) => r.externalId === 'S1')!;
    expect(s1).toMatchObject({ endedOn: '2024-06-30', mrr: 1300, arr: 14400, plan: 'Pro' });
    expect(s1.accountId).not.toBeNull();
  });

  it('refuses a file whose subscription ends before it starts, or that has no start date column, and imports nothing', async () => {
    const bad = file(
      'bad.csv',
      'subscription_id,account_id,start_date,end_date\nS1,C1,2024-05-01,2024-04-30\nS2,C1,,\n',
    );
    const err = await importFile(t.db, { teamId: 'T1', kind: 'subscriptions', input: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).rowErrors).toEqual([
      expect.objectContaining({ row: 2, column: 'end_date', problem: 'ends before it starts (2024-05-01)' }),
      expect.objectContaining({ row: 3, column: 'start_date', problem: 'subscription start date is required' }),
    ]);
    const noStart = file('nostart.csv', 'subscription_id,account_id,plan\nS1,C1,Pro\n');
    const e2 = await importFile(t.db, { teamId: 'T1', kind: 'subscriptions', input: noStart }).catch((e: unknown) => e);
    expect((e2 as ImportError).rowErrors).toEqual([
      expect.objectContaining({ row: 1, problem: expect.stringMatching(/^no subscription start date column/) }),
    ]);
    expect(await stored()).toEqual([]);
  });

  it('turns --churn-column into churn events: a flag dated by the end date, or a churn date, kept in step on re-import', async () => {
    const events = () =>
      t.db
        .select({ id: churnEvents.externalId, on: churnEvents.churnedOn, acc: churnEvents.accountId })
        .from(churnEvents)
        .where(eq(churnEvents.teamId, 'T1'))
        .orderBy(asc(churnEvents.externalId));
    await importFile(t.db, {
      teamId: 'T1',
      kind: 'accounts',
      input: file('a.csv', 'Account ID,Company name\nC1,Acme\nC2,Beta\n'),
    });
    const subs = (flag2: string) =>
      file(
        's.csv',
        `id,account_id,start_date,end_date,churned\nS1,C1,2024-01-01,2024-03-31,yes\nS2,C2,2024-01-01,2024-05-31,${flag2}\n`,
      );
    const s = await importFile(t.db, {
      teamId: 'T1',
      kind: 'subscriptions',
      input: subs('yes'),
      churnColumn: 'Churned',
    });
    expect(s.warnings).toContain(
      '2 churn event(s) from the "churned" column, each dated by its subscription\'s end date',
    );
    expect((await events()).map((e) => [e.id, e.on, e.acc !== null])).toEqual([
      ['subscription:S1', '2024-03-31', true],
      ['subscription:S2', '2024-05-31', true],
    ]);
    await importFile(t.db, { teamId: 'T1', kind: 'subscriptions', input: subs('no'), churnColumn: 'churned' });
    expect((await events()).map((e) => e.id)).toEqual(['subscription:S1']);

    const noEnd = file('n.csv', 'id,account_id,start_date,end_date,churned\nS3,C1,2024-01-01,,yes\n');
    const err = await importFile(t.db, {
      teamId: 'T1',
      kind: 'subscriptions',
      input: noEnd,
      churnColumn: 'churned',
    }).catch((e: unknown) => e);
    expect((err as ImportError).rowErrors).toEqual([
      expect.objectContaining({ row: 2, column: 'churned', problem: expect.stringMatching(/no end date/) }),
    ]);

    const dated = file('d.csv', 'Account ID,Company name,Churn Date\nC1,Acme,2024-06-15\nC2,Beta,\n');
    await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: dated, churnColumn: 'churn date' });
    expect((await events()).map((e) => [e.id, e.on])).toEqual([
      ['account:C1', '2024-06-15'],
      ['subscription:S1', '2024-03-31'],
    ]);
    // The end date column itself: every subscription that ended churned that day.
    const ends = await importFile(t.db, {
      teamId: 'T1',
      kind: 'subscriptions',
      input: subs('no'),
      churnColumn: 'END_DATE',
    });
    expect(ends.warnings).toContain('2 churn event(s) from the "end_date" column');
    expect((await events()).map((e) => [e.id, e.on])).toEqual([
      ['account:C1', '2024-06-15'],
      ['subscription:S1', '2024-03-31'],
      ['subscription:S2', '2024-05-31'],
    ]);
    const churnFile = file('c.csv', 'churn_date,account_id\n2024-01-01,C1\n');
    const wrongKind = await importFile(t.db, { teamId: 'T1', kind: 'churn', input: churnFile, churnColumn: 'x' }).catch(
      (e: unknown) => e,
    );
    expect((wrongKind as ImportError).rowErrors[0]?.problem).toMatch(/applies to accounts and subscriptions files/);
  });

  it.skipIf(!hasData)('imports RavenStack subscriptions, every one tied to its account', async () => {
    await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: RAVEN_ACCOUNTS });
    const s = await importFile(t.db, { teamId: 'T1', kind: 'subscriptions', input: RAVEN_SUBS });
    const raw = parse(readFileSync(RAVEN_SUBS), { columns: true }) as Record<string, string>[];
    expect(s).toMatchObject({ rows: raw.length, inserted: raw.length, linked: raw.length, unlinked: 0 });
    const unlinked = await t.db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.teamId, 'T1'), isNull(subscriptions.accountId)));
    expect(unlinked).toEqual([]);
    const rows = await stored();
    const byId = new Map(rows.map((r) => [r.externalId, r]));
    for (const r of raw) {
      expect(byId.get(r.subscription_id!)).toMatchObject({
        accountExternalId: r.account_id,
        startedOn: r.start_date,
        endedOn: r.end_date || null,
        plan: r.plan_tier,
        mrr: Number(r.mrr_amount),
        arr: Number(r.arr_amount),
      });
    }
  });
});
