import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rescoreAll } from '../../db/queries/scores.ts';
import { churnEvents } from '../../db/schema.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { confirmMapping, editMapping } from '../../src/usecases/crm-mapping.ts';
import { connectHubSpot, syncCrm } from '../../src/usecases/crm-sync.ts';
import { getDriftReport } from '../../src/usecases/drift-report.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { type FakeHubSpot, startFakeHubSpot } from '../fakes/hubspot.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const CRM = 'T0CHURNCRM';
const CSV = 'T0CHURNCSV';
const OWNER = 'U0OWNER01';
const TOKEN = 'pat-na1-c0ffee00-1111-2222-3333-444455556666';
const at = new Date('2024-06-01T12:00:00Z');

/** 40 customers (a won deal each); every fifth churned on a day of its own. */
const N = 40;
const churnDay = (i: number) => (i % 5 === 0 ? `2024-0${1 + (i % 4)}-${String(10 + (i % 15)).padStart(2, '0')}` : '');
const company = (i: number) => ({
  name: `Customer ${i}`,
  industry: i % 2 ? 'Software' : 'Retail',
  numberofemployees: String(20 * i),
  country: 'Germany',
  churned_on: churnDay(i),
});

describe(`churn from the CRM (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeHubSpot;
  const dir = mkdtempSync(join(tmpdir(), 'crm-churn-'));
  const key = randomBytes(32).toString('base64');
  const deps = () =>
    buildDeps(
      loadConfig({ CRM_ENCRYPTION_KEY: key, HUBSPOT_API_URL: fake.url, HUBSPOT_MAX_REQUESTS_PER_SECOND: '0' }),
      t,
      createLogger({ level: 'error', write: () => {} }),
    );
  const events = async (teamId = CRM) =>
    (
      await t.db.select().from(churnEvents).where(eq(churnEvents.teamId, teamId)).orderBy(asc(churnEvents.externalId))
    ).map((e) => ({
      id: e.externalId,
      on: e.churnedOn,
      linked: e.accountId !== null,
      account: e.accountExternalId,
      reason: e.reason,
    }));
  const connect = async (churn?: string) => {
    const r = await connectHubSpot(deps(), { teamId: CRM, userId: OWNER, token: TOKEN });
    await confirmMapping(deps(), { teamId: CRM, userId: OWNER, edits: churn ? { churn } : {} });
    return r;
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
    fake = await startFakeHubSpot();
    fake.tokens.set(TOKEN, ['crm.objects.companies.read', 'crm.objects.deals.read']);
    fake.properties.companies = [
      ...['name', 'industry', 'numberofemployees', 'country'].map((name) => ({
        name,
        label: name,
        type: 'string',
        hubspotDefined: true,
      })),
      {
        name: 'lifecyclestage',
        label: 'Lifecycle stage',
        type: 'enumeration',
        hubspotDefined: true,
        options: [
          { value: 'customer', label: 'Customer' },
          { value: '1234567', label: 'Churned customer' },
        ],
      },
      { name: 'churned_on', label: 'Churned on', type: 'date', hubspotDefined: false },
    ];
    fake.properties.deals = ['dealname', 'dealstage', 'amount', 'createdate', 'closedate', 'pipeline'].map((name) => ({
      name,
      label: name,
      type: 'string',
      hubspotDefined: true,
    }));
    for (let i = 1; i <= N; i++) {
      fake.upsert('companies', String(100 + i), company(i), at);
      fake.upsert(
        'deals',
        String(500 + i),
        {
          dealname: `Deal ${i}`,
          dealstage: i % 8 === 0 ? 'closedlost' : 'closedwon',
          amount: String(1000 * i),
          createdate: '2023-03-01T00:00:00.000Z',
          closedate: `2023-${String(4 + (i % 6)).padStart(2, '0')}-15T00:00:00.000Z`,
        },
        at,
      );
      fake.associate(String(500 + i), String(100 + i));
    }
  });
  afterEach(async () => {
    await fake.close();
  });

  it('proposes the churn date property, and the drift report counts its churn as it counts imported churn', async () => {
    const { mapping } = await connect();
    expect(mapping.churn).toEqual({ kind: 'property', property: 'churned_on' });
    const r = await syncCrm(deps(), { teamId: CRM });
    expect(r.status).toBe('ok');

    // The same data as files, imported into another workspace with --churn-column.
    const accountsCsv = join(dir, 'accounts.csv');
    const dealsCsv = join(dir, 'deals.csv');
    writeFileSync(
      accountsCsv,
      `Record ID,Company name,Industry,Number of Employees,Country/Region,churned_on\n${Array.from(
        { length: N },
        (_, k) => {
          const i = k + 1;
          const c = company(i);
          return [100 + i, c.name, c.industry, c.numberofemployees, c.country, c.churned_on].join(',');
        },
      ).join('\n')}\n`,
    );
    writeFileSync(
      dealsCsv,
      `Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,Associated Company ID\n${Array.from(
        { length: N },
        (_, k) => {
          const i = k + 1;
          return [
            500 + i,
            `Deal ${i}`,
            i % 8 === 0 ? 'closedlost' : 'closedwon',
            1000 * i,
            '2023-03-01',
            `2023-${String(4 + (i % 6)).padStart(2, '0')}-15`,
            100 + i,
          ].join(',');
        },
      ).join('\n')}\n`,
    );
    await importFile(t.db, { teamId: CSV, kind: 'accounts', input: accountsCsv, churnColumn: 'churned_on' });
    await importFile(t.db, { teamId: CSV, kind: 'deals', input: dealsCsv });

    const crm = await events(CRM);
    expect(crm).toHaveLength(N / 5);
    expect(crm[0]).toEqual({ id: 'account:105', on: '2024-02-15', linked: true, account: '105', reason: 'churned_on' });
    expect(crm).toEqual(await events(CSV));
    for (const teamId of [CRM, CSV]) await rescoreAll(t.db, teamId, (await deps().icp.current(teamId)).compiled);
    const asOf = '2024-03-31';
    const crmReport = await getDriftReport(t.db, { teamId: CRM, asOf });
    const csvReport = await getDriftReport(t.db, { teamId: CSV, asOf });
    // 35 customers (won deals) at the window's start; the 5 churned in the window count, as imported.
    expect(crmReport.segments.all.churnRate.recent).toMatchObject({ n: 35, value: 5 / 35 });
    expect(crmReport.signals).toEqual(['all.churnRate']);
    expect(crmReport).toEqual(csvReport);
  });

  it('keeps churn events in step on every sync: idempotent, moved, cleared', async () => {
    await connect();
    await syncCrm(deps(), { teamId: CRM });
    const first = await t.db.select().from(churnEvents).where(eq(churnEvents.teamId, CRM));
    // A full sync again writes nothing new and changes nothing.
    await syncCrm(deps(), { teamId: CRM, full: true });
    const again = await t.db.select().from(churnEvents).where(eq(churnEvents.teamId, CRM));
    expect(again).toEqual(first);

    fake.upsert('companies', '105', { churned_on: '2024-05-02' }, new Date('2024-07-01T00:00:00Z'));
    fake.upsert('companies', '110', { churned_on: null }, new Date('2024-07-01T00:00:00Z'));
    fake.upsert('companies', '111', { churned_on: '2024-04-30' }, new Date('2024-07-01T00:00:00Z'));
    const r = await syncCrm(deps(), { teamId: CRM });
    expect(r).toMatchObject({ mode: 'incremental', counts: { companies: 3 } });
    const now = await events();
    expect(now.find((e) => e.id === 'account:105')?.on).toBe('2024-05-02');
    expect(now.find((e) => e.id === 'account:110')).toBeUndefined();
    expect(now.find((e) => e.id === 'account:111')).toMatchObject({ on: '2024-04-30', linked: true });
    expect(now).toHaveLength(N / 5);
  });

  it('reads a lifecycle stage’s entry date, and a new signal replaces the old one’s events', async () => {
    for (const i of [3, 4]) {
      fake.upsert('companies', String(100 + i), { hs_lifecyclestage_1234567_date: `2024-03-0${i}T16:30:00.000Z` }, at);
    }
    await connect();
    await syncCrm(deps(), { teamId: CRM });
    expect((await events()).map((e) => e.id)).toContain('account:105');

    await editMapping(deps(), { teamId: CRM, edits: { churn: 'lifecycle:Churned customer' } });
    const confirmed = await confirmMapping(deps(), { teamId: CRM, userId: OWNER });
    expect(confirmed.mapping.churn).toEqual({
      kind: 'lifecycle',
      stage: '1234567',
      property: 'hs_lifecyclestage_1234567_date',
    });
    expect(confirmed.resync).toBe(true);
    expect(await events()).toEqual([]);
    await syncCrm(deps(), { teamId: CRM });
    expect(await events()).toEqual([
      {
        id: 'account:103',
        on: '2024-03-03',
        linked: true,
        account: '103',
        reason: 'hs_lifecyclestage_1234567_date',
      },
      {
        id: 'account:104',
        on: '2024-03-04',
        linked: true,
        account: '104',
        reason: 'hs_lifecyclestage_1234567_date',
      },
    ]);
  });

  it('with no churn signal writes no churn events, and a churn date that is not a date is a row-level problem', async () => {
    await connect('none');
    await syncCrm(deps(), { teamId: CRM });
    expect(await events()).toEqual([]);
    // Churn imported from a HubSpot export, for a company the CRM no longer holds: a new signal keeps it.
    const old = join(dir, 'old.csv');
    writeFileSync(old, 'Record ID,Company name,churned_on\n999,Gone Ltd,2023-11-30\n');
    await importFile(t.db, { teamId: CRM, kind: 'accounts', input: old, churnColumn: 'churned_on' });
    await editMapping(deps(), { teamId: CRM, edits: { churn: 'churned_on' } });
    await confirmMapping(deps(), { teamId: CRM, userId: OWNER });
    expect((await events()).map((e) => e.id)).toEqual(['account:999']);
    fake.upsert('companies', '107', { churned_on: 'last spring' }, at);
    const r = await syncCrm(deps(), { teamId: CRM });
    expect(r.status).toBe('partial');
    expect(r.problems).toEqual([
      {
        object: 'companies',
        id: '107',
        property: 'churned_on',
        value: 'last spring',
        problem: 'the churn date is not a date',
      },
    ]);
    const rows = await t.db
      .select()
      .from(churnEvents)
      .where(and(eq(churnEvents.teamId, CRM), eq(churnEvents.source, 'hubspot')));
    expect(rows).toHaveLength(N / 5 + 1);
  });
});
