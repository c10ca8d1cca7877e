import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accounts, churnEvents, deals } from '../../db/schema.ts';
import { ImportError } from '../../src/errors.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

const BOM = '\uFEFF';
const crlf = (lines: string[]) => `${BOM}${lines.join('\r\n')}\r\n`;

const hubspotCompanies = crlf([
  'Record ID,Company name,Company Domain Name,Website URL,Industry,Number of Employees,Annual Revenue,Country/Region,Create Date,Lifecycle Stage,Notes,Is Public',
  '101,"Acme, Inc.",acme.com,https://www.acme.com,Software,"1,200","$12,500,000",United States,2023-01-15T10:00:00Z,customer,"Line one\r\nline two, with a comma",true',
  '102,Beta GmbH,,http://www.beta.co.uk/about,Manufacturing,250,"€ 3.400.000,50",Deutschland,03/25/2023,lead,,false',
  '103,"Gamma ""The Best"" AB",,,Retail,,"USD 900",Sverige,"Mar 1, 2023",,,',
  '104,Delta Oy,delta.fi,,,51-200,,Atlantis,01/02/2023,lead,,no',
  '',
  ',,,,,,,,,,,',
  'Total,,,,,"1,450","$16,400,000.50",,,,,',
]);

const hubspotDeals = crlf([
  'Record ID,Deal Name,Associated Company,Deal Stage,Amount,Create Date,Close Date,Deal owner,Is Closed Won,Pipeline',
  '9001,Acme renewal,"Acme, Inc.",closedwon,"$5,000.00",2023-01-20,2023-02-28,Ann,true,default',
  '9002,Beta pilot,Beta GmbH,Closed Lost,"1.234,56 €",2023-02-01,2023-03-15,Bob,false,default',
  '9003,Gamma expansion,Gamma The Best AB,contractsent,£900,2023-03-01,2023-12-31,Ann,false,default',
  '9004,Unknown co deal,Nobody Ltd,Appointment Scheduled,,2023-03-02,,Cy,,default',
]);

const salesforceAccounts = crlf([
  'Account ID,Account Name,Industry,Annual Revenue,Employees,Billing Country,Website,Account Type',
  '001A,"Northwind Traders, Ltd.",Food,"1.500.000,00",45,UK,northwind.example.com,Customer',
  '001B,Contoso Corp,Technology,"2.000,5",1.200,Schweiz,https://contoso.ch,Prospect',
]);

const salesforceOpportunities = crlf([
  'Opportunity ID,Opportunity Name,Account Name,Account ID,Amount,Close Date,Stage,Closed,Won,Probability (%),Opportunity Owner,Created Date',
  '006A,Northwind big order,"Northwind Traders, Ltd.",001A,"USD 1,200.50",15/03/2023,Signed,1,1,100,Dana,01.02.2023 10:15',
  '006B,Contoso trial,Contoso Corp,001B,kr 12 500,01/04/2023,Dead,1,0,0,Eve,02.02.2023 09:00',
  '006C,Contoso upsell,Contoso Corp,001B,"2,000",30/06/2023,Negotiation/Review,0,0,60,Eve,03.02.2023 17:45',
  '',
  '"Confidential Information - Do Not Distribute"',
  '"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."',
]);

describe('importFile on CRM-style exports', () => {
  let t: TestDb;
  let dir: string;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    t = await createTestDb();
    dir = mkdtempSync(join(tmpdir(), 'icp-import-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await t.truncateAll();
  });

  const accountsOf = (teamId: string) =>
    t.db.select().from(accounts).where(eq(accounts.teamId, teamId)).orderBy(asc(accounts.externalId));

  it('imports a HubSpot companies export with BOM, CRLF, quotes, separators, currencies, mixed dates and a junk trailer', async () => {
    const s = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: file('hs.csv', hubspotCompanies) });
    expect(s).toMatchObject({ kind: 'accounts', format: 'hubspot', rows: 4, inserted: 4, updated: 0, skipped: 3 });
    expect(s.skippedReasons).toEqual({ blank: 2, total: 1 });
    expect(s.columns.mapped).toMatchObject({
      'Record ID': 'externalId',
      'Company name': 'name',
      'Company Domain Name': 'domain',
      'Number of Employees': 'employees',
      'Country/Region': 'country',
      'Lifecycle Stage': 'attributes.lifecycle_stage',
    });
    const [acme, beta, gamma, delta] = await accountsOf('T1');
    expect(acme).toMatchObject({
      externalId: '101',
      source: 'hubspot',
      name: 'Acme, Inc.',
      normalizedName: 'acme',
      domain: 'acme.com',
      industry: 'Software',
      employees: 1200,
      revenue: 12_500_000,
      country: 'US',
    });
    expect(acme!.attributes).toMatchObject({
      create_date: '2023-01-15',
      lifecycle_stage: 'customer',
      notes: 'Line one\r\nline two, with a comma',
      is_public: true,
      website: 'https://www.acme.com',
    });
    expect(beta).toMatchObject({ domain: 'beta.co.uk', revenue: 3_400_000.5, country: 'DE' });
    expect(beta!.attributes).toMatchObject({ create_date: '2023-03-25', is_public: false });
    expect(gamma).toMatchObject({ name: 'Gamma "The Best" AB', revenue: 900, country: 'SE', employees: null });
    expect(gamma!.attributes).toMatchObject({ create_date: '2023-03-01' });
    expect(delta).toMatchObject({ domain: 'delta.fi', employees: 126, country: null, industry: null });
    expect(delta!.attributes).toMatchObject({ country_raw: 'Atlantis', create_date: '2023-01-02', is_public: false });
    expect(s.warnings.join(' ')).toMatch(/1 row\(s\) have a country that was not recognised/);
  });

  it('imports HubSpot deals with internal and label stage names and links them by company name', async () => {
    await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: file('hs.csv', hubspotCompanies) });
    const s = await importFile(t.db, { teamId: 'T1', kind: 'deals', input: file('hsd.csv', hubspotDeals) });
    expect(s).toMatchObject({ format: 'hubspot', rows: 4, inserted: 4, linked: 3, unlinked: 1 });
    const rows = await t.db.select().from(deals).where(eq(deals.teamId, 'T1')).orderBy(asc(deals.externalId));
    expect(rows.map((d) => [d.externalId, d.outcome, d.amount, d.closedOn])).toEqual([
      ['9001', 'won', 5000, '2023-02-28'],
      ['9002', 'lost', 1234.56, '2023-03-15'],
      ['9003', 'open', 900, null],
      ['9004', 'open', null, null],
    ]);
    expect(rows[2]!.attributes).toMatchObject({ expected_close_date: '2023-12-31', pipeline: 'default' });
    expect(rows[3]).toMatchObject({ accountName: 'Nobody Ltd', accountId: null, source: 'hubspot' });
    const [acme] = await t.db
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.teamId, 'T1'), eq(accounts.externalId, '101')));
    expect(rows[0]!.accountId).toBe(acme!.id);
  });

  it('imports Salesforce report exports: European numbers and dates, flags over stage names, footer skipped', async () => {
    const a = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: file('sfa.csv', salesforceAccounts) });
    expect(a).toMatchObject({ format: 'salesforce', rows: 2, inserted: 2 });
    const [northwind, contoso] = await accountsOf('T1');
    expect(northwind).toMatchObject({
      source: 'salesforce',
      normalizedName: 'northwind traders',
      revenue: 1_500_000,
      employees: 45,
      country: 'GB',
      domain: 'example.com',
    });
    expect(contoso).toMatchObject({ revenue: 2000.5, employees: 1200, country: 'CH', domain: 'contoso.ch' });
    expect(contoso!.attributes).toMatchObject({ account_type: 'Prospect' });

    const s = await importFile(t.db, {
      teamId: 'T1',
      kind: 'deals',
      input: file('sfo.csv', salesforceOpportunities),
    });
    expect(s).toMatchObject({ format: 'salesforce', rows: 3, inserted: 3, skipped: 3, linked: 3, unlinked: 0 });
    expect(s.skippedReasons).toEqual({ blank: 1, footer: 2 });
    const rows = await t.db.select().from(deals).where(eq(deals.teamId, 'T1')).orderBy(asc(deals.externalId));
    expect(rows.map((d) => [d.stage, d.outcome, d.amount, d.createdOn, d.closedOn, d.owner])).toEqual([
      ['Signed', 'won', 1200.5, '2023-02-01', '2023-03-15', 'Dana'],
      ['Dead', 'lost', 12500, '2023-02-02', '2023-04-01', 'Eve'],
      ['Negotiation/Review', 'open', 2000, '2023-02-03', null, 'Eve'],
    ]);
    expect(rows[2]!.attributes).toMatchObject({
      expected_close_date: '2023-06-30',
      probability_pct: 60,
      account_external_id: '001B',
    });
    expect(rows[0]!.accountId).toBe(northwind!.id);
  });

  it('reads a stream as well as a file, and honours an explicit format', async () => {
    const s = await importFile(t.db, {
      teamId: 'T1',
      kind: 'accounts',
      input: Readable.from([Buffer.from(salesforceAccounts)]),
      format: 'generic',
    });
    expect(s).toMatchObject({ format: 'generic', inserted: 2 });
    const [first] = await accountsOf('T1');
    expect(first!.source).toBe('csv');
  });

  it('imports nothing from a file with a bad row and reports row, column, value and problem', async () => {
    const good = file('good.csv', 'name,employees,founded_on\nAlpha,10,2020-01-01\n');
    await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: good });
    const bad = file(
      'bad.csv',
      [
        'name,employees,founded_on,revenue',
        'Alpha,20,2020-01-01,100',
        '"Beta\nwith a line break",30,2020-02-01,200',
        'Gamma,lots,2020-03-01,300',
        'Delta,40,2020-13-45,400',
        ',50,2020-04-01,500',
        'Epsilon,60,2020-05-01,"$1,000"',
        '',
      ].join('\n'),
    );
    const err = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).rowErrors).toEqual([
      { row: 5, column: 'employees', value: 'lots', problem: 'not a whole number' },
      { row: 7, column: 'name', value: '', problem: 'company name is required' },
    ]);
    const all = await accountsOf('T1');
    expect(all.map((r) => [r.name, r.employees])).toEqual([['Alpha', 10]]);
  });

  it('reports unparseable dates, and mid-file rows with the wrong field count', async () => {
    const bad = file(
      'bad-deals.csv',
      ['id,account,stage,close_date', '1,A,Won,2020-01-01', '2,B,Won,someday', '3,C', '4,D,Lost,2020-02-30', ''].join(
        '\r\n',
      ),
    );
    const err = (await importFile(t.db, { teamId: 'T1', kind: 'deals', input: bad }).catch(
      (e: unknown) => e,
    )) as ImportError;
    expect(err).toBeInstanceOf(ImportError);
    expect(err.rowErrors.map((e) => [e.row, e.column, e.value, e.problem])).toEqual([
      [3, 'close_date', 'someday', 'not a date'],
      [4, '', '3,C', 'has 2 fields but the header has 4'],
      [5, 'close_date', '2020-02-30', 'not a valid date'],
    ]);
    expect(err.userMessage).toMatch(/row 3, column "close_date" = "someday": not a date/);
    const [n] = await t.db.select({ n: count() }).from(deals);
    expect(n!.n).toBe(0);
  });

  it('refuses a file whose every row has the wrong field count instead of skipping it all as footer', async () => {
    const p = file('shifted.csv', 'Account Name\nACME, Inc.\nBeta, Ltd\n');
    const err = (await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: p }).catch(
      (e: unknown) => e,
    )) as ImportError;
    expect(err).toBeInstanceOf(ImportError);
    expect(err.rowErrors.map((e) => e.row)).toEqual([2, 3]);
  });

  it('keeps deals without an id under a stable row hash, so a re-import updates them', async () => {
    const p = file('noid.csv', 'account,stage,amount\nAlpha,Won,100\nBeta,Prospecting,\n');
    const first = await importFile(t.db, { teamId: 'T1', kind: 'deals', input: p });
    const again = await importFile(t.db, { teamId: 'T1', kind: 'deals', input: p });
    expect(first).toMatchObject({ inserted: 2, updated: 0 });
    expect(again).toMatchObject({ inserted: 0, updated: 2 });
    const rows = await t.db.select({ id: deals.externalId }).from(deals);
    expect(rows.every((r) => r.id.startsWith('row:'))).toBe(true);
  });

  it('links deals imported before their accounts, within the team only', async () => {
    const d = file(
      'd.csv',
      'Opportunity ID,Account Name,Stage,Amount\nO1,Acme Inc,Closed Won,10\nO2,Acme Inc,Prospecting,5\n',
    );
    await importFile(t.db, { teamId: 'T1', kind: 'deals', input: d });
    await importFile(t.db, { teamId: 'T2', kind: 'deals', input: d });
    const a = await importFile(t.db, {
      teamId: 'T2',
      kind: 'accounts',
      input: file('a.csv', 'Account Name\n"ACME, Inc."\n'),
    });
    expect(a.linked).toBe(2);
    const linked = await t.db
      .select({ team: deals.teamId, accountId: deals.accountId })
      .from(deals)
      .orderBy(asc(deals.teamId));
    expect(linked.filter((r) => r.team === 'T1').every((r) => r.accountId === null)).toBe(true);
    expect(linked.filter((r) => r.team === 'T2').every((r) => r.accountId !== null)).toBe(true);
    const [churn] = await t.db.select({ n: count() }).from(churnEvents);
    expect(churn!.n).toBe(0);
  });
  it('decides a date order proven only after the first 5,000 rows, re-reading the file under it', async () => {
    // Every early date reads either way (01/02 … 12/12); a late 13/01 proves day-first for the column.
    const lines = ['id,name,founded_on,signup_date'];
    for (let i = 0; i < 6000; i++) {
      const d = i === 5999 ? '13/01/2020' : `${String(1 + (i % 12)).padStart(2, '0')}/02/2020`;
      lines.push(`A${i},Company ${i},${d},${d}`);
    }
    const s = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: file('late.csv', lines.join('\n')) });
    expect(s).toMatchObject({ inserted: 6000, updated: 0 });
    const [first] = await t.db
      .select({ attributes: accounts.attributes, customerSince: accounts.customerSince })
      .from(accounts)
      .where(and(eq(accounts.teamId, 'T1'), eq(accounts.externalId, 'A0')));
    // signup_date is the customer-since column; founded_on stays an attribute. Both read day-first.
    expect(first!.attributes).toMatchObject({ founded_on: '2020-02-01' });
    expect(first!.customerSince).toBe('2020-02-01');
  });

  it('writes nothing when a row error comes after batches were already written, and caps the listed errors', async () => {
    const lines = ['id,name,employees'];
    for (let i = 0; i < 7000; i++) lines.push(`B${i},Company ${i},${i >= 4500 ? 'many' : i}`);
    const err = (await importFile(t.db, {
      teamId: 'T1',
      kind: 'accounts',
      input: file('late-bad.csv', lines.join('\n')),
    }).catch((e: unknown) => e)) as ImportError;
    expect(err).toBeInstanceOf(ImportError);
    expect(err.rowErrors).toHaveLength(1000);
    expect(err.rowErrors[0]).toEqual({ row: 4502, column: 'employees', value: 'many', problem: 'not a whole number' });
    expect(err.message).toMatch(/2500 problem/);
    const [n] = await t.db.select({ n: count() }).from(accounts);
    expect(n!.n).toBe(0);
  });

  it('re-import leaves unchanged rows alone and keeps values an empty cell would erase', async () => {
    const a = file('a1.csv', 'id,name,industry,employees\nC1,Acme,Software,10\nC2,Beta,Retail,20\n');
    await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: a });
    const b = file('a2.csv', 'id,name,industry,employees\nC1,Acme,Software,10\nC2,Beta,,25\n');
    const s = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: b });
    expect(s).toMatchObject({ inserted: 0, updated: 2 });
    const rows = await t.db
      .select({ id: accounts.externalId, industry: accounts.industry, employees: accounts.employees })
      .from(accounts)
      .orderBy(asc(accounts.externalId));
    expect(rows).toEqual([
      { id: 'C1', industry: 'Software', employees: 10 },
      { id: 'C2', industry: 'Retail', employees: 25 },
    ]);
  });

  it('leaves the planner statistics for what it wrote, so linking thousands of deals stays a hash join', async () => {
    const accountLines = Array.from({ length: 600 }, (_, i) => `A${i},Company ${i},Software,${10 + i}`);
    const dealLines = Array.from(
      { length: 3000 },
      (_, i) => `D${i},A${i % 600},${i % 3 ? 'Lost' : 'Won'},2025-01-0${1 + (i % 9)}`,
    );
    await importFile(t.db, {
      teamId: 'T1',
      kind: 'accounts',
      input: file('stats-a.csv', `id,name,industry,employees\n${accountLines.join('\n')}\n`),
    });
    const s = await importFile(t.db, {
      teamId: 'T1',
      kind: 'deals',
      input: file('stats-d.csv', `deal_id,account_id,stage,close_date\n${dealLines.join('\n')}\n`),
    });
    expect(s).toMatchObject({ inserted: 3000, linked: 3000, unlinked: 0 });
    const stats = await t.db.execute(
      sql`SELECT relname, reltuples::int AS n FROM pg_class WHERE relname IN ('accounts', 'deals') ORDER BY relname`,
    );
    expect((stats as unknown as { rows: unknown[] }).rows).toEqual([
      { relname: 'accounts', n: 600 },
      { relname: 'deals', n: 3000 },
    ]);
  });
});
