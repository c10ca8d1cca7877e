import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accounts, churnEvents, deals } from '../../db/schema.ts';
import { runCli } from '../../src/cli/icp.ts';
import { ImportError } from '../../src/errors.ts';
import { parseStageMap } from '../../src/import/stages.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const fullDeals = [
  'opportunity_id,account,deal_stage,engage_date,close_date,close_value,sales_agent,product,region',
  'D1,Acme,Won,2023-01-05,2023-02-10,1000,Ann,GTX Pro,North',
  'D2,Beta,Lost,2023-01-06,2023-03-01,500,Bob,MG Special,South',
  'D3,Gamma,Engaging,2023-02-01,,,Cy,GTX Basic,North',
].join('\n');

/** Random letters: they do not compress, so PostgreSQL must store them as they are. */
const noise = (n: number) =>
  randomBytes(n)
    .toString('base64')
    .replace(/[^a-zA-Z]/g, 'q')
    .slice(0, n);

describe(`strict imports (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const fail = async (kind: 'accounts' | 'deals' | 'churn', input: string) => {
    const err = await importFile(t.db, { teamId: 'T1', kind, input }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    return err as ImportError;
  };
  const nothingIn = async (table: typeof accounts | typeof deals) => {
    const [n] = await t.db.select({ n: count() }).from(table);
    expect(n!.n).toBe(0);
  };
  const dealRows = () =>
    t.db
      .select({
        id: deals.externalId,
        accountName: deals.accountName,
        accountId: deals.accountId,
        stage: deals.stage,
        outcome: deals.outcome,
        amount: deals.amount,
        createdOn: deals.createdOn,
        closedOn: deals.closedOn,
        owner: deals.owner,
        product: deals.product,
        attributes: deals.attributes,
      })
      .from(deals)
      .orderBy(asc(deals.externalId));

  beforeAll(async () => {
    t = await createTestDb();
    dir = mkdtempSync(join(tmpdir(), 'icp-strict-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await t.truncateAll();
  });

  describe('a file without some columns never blanks what is known (#12.2)', () => {
    it('re-importing ids, accounts and amounts keeps stage, outcome, dates, owner, product and attributes', async () => {
      await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: file('a.csv', 'name\nAcme\nBeta\nGamma\n') });
      await importFile(t.db, { teamId: 'T1', kind: 'deals', input: file('full.csv', fullDeals) });
      const before = await dealRows();
      const s = await importFile(t.db, {
        teamId: 'T1',
        kind: 'deals',
        input: file('partial.csv', 'opportunity_id,account,close_value\nD1,Acme,1200\nD2,Beta,500\nD3,Gamma,\n'),
      });
      expect(s).toMatchObject({ inserted: 0, updated: 3 });
      const after = await dealRows();
      expect(after.map((d) => d.amount)).toEqual([1200, 500, null]);
      after.forEach((d, i) => {
        expect({ ...d, amount: null }).toEqual({ ...before[i], amount: null });
      });
      expect(after[0]).toMatchObject({ outcome: 'won', stage: 'Won', closedOn: '2023-02-10', owner: 'Ann' });
      expect(after[0]!.attributes).toMatchObject({ region: 'North' });
    });

    it('a file with stages but no account column keeps the account and its link', async () => {
      await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: file('a.csv', 'name\nAcme\nBeta\nGamma\n') });
      await importFile(t.db, { teamId: 'T1', kind: 'deals', input: file('full.csv', fullDeals) });
      const before = await dealRows();
      await importFile(t.db, {
        teamId: 'T1',
        kind: 'deals',
        input: file('stages.csv', 'opportunity_id,deal_stage,close_date\nD3,Won,2023-04-01\n'),
      });
      const [, , gamma] = await dealRows();
      expect(gamma).toMatchObject({
        accountName: 'Gamma',
        accountId: before[2]!.accountId,
        outcome: 'won',
        closedOn: '2023-04-01',
        createdOn: '2023-02-01',
        owner: 'Cy',
        product: 'GTX Basic',
      });
      expect(gamma!.accountId).not.toBeNull();
    });

    it('refuses a deals file with neither a stage/won column nor an account column, and changes nothing', async () => {
      await importFile(t.db, { teamId: 'T1', kind: 'deals', input: file('full.csv', fullDeals) });
      const before = await dealRows();
      const err = await fail('deals', file('ids.csv', 'opportunity_id,close_value\nD1,1\nD2,2\n'));
      expect(err.userMessage).toMatch(/no stage or won\/closed column and no account column/);
      expect(await dealRows()).toEqual(before);
      // Olist's closed_deals file has neither (a won date, a seller id and lead facts).
      const olist = await fail(
        'deals',
        file(
          'olist.csv',
          'mql_id,seller_id,sdr_id,sr_id,won_date,business_segment,lead_type\nm1,s1,d1,r1,2018-02-26 19:58:54,pet,online_medium\n',
        ),
      );
      expect(olist.rowErrors[0]!.problem).toMatch(/add a "Stage" \(or "Won"\) column/);
    });

    it('a churn file without a reason column keeps the stored reason', async () => {
      await importFile(t.db, {
        teamId: 'T1',
        kind: 'churn',
        input: file(
          'c1.csv',
          'churn_event_id,account_id,churn_date,reason_code,refund_amount_usd\nE1,A1,2024-01-05,pricing,10\n',
        ),
      });
      await importFile(t.db, {
        teamId: 'T1',
        kind: 'churn',
        input: file('c2.csv', 'churn_event_id,churn_date\nE1,2024-01-06\n'),
      });
      const [row] = await t.db.select().from(churnEvents);
      expect(row).toMatchObject({ churnedOn: '2024-01-06', reason: 'pricing', amount: 10, accountExternalId: 'A1' });
    });
  });

  describe('a damaged file imports nothing (#12.3)', () => {
    it('refuses a truncated last row with its row number instead of skipping it', async () => {
      const err = await fail(
        'accounts',
        file('cut.csv', 'id,name,industry,employees,country\nA1,Alpha,Software,10,SE\nA2,Beta,Retail,20,DE\nA3,Gam'),
      );
      expect(err.rowErrors).toEqual([expect.objectContaining({ row: 4, problem: expect.stringMatching(/cut short/) })]);
      await nothingIn(accounts);
    });

    it('still skips a report footer set apart by a blank line', async () => {
      const s = await importFile(t.db, {
        teamId: 'T1',
        kind: 'accounts',
        input: file('footer.csv', 'id,name,industry\nA1,Alpha,Software\n\n"Generated by Salesforce"\n'),
      });
      expect(s).toMatchObject({ inserted: 1, skippedReasons: { blank: 1, footer: 1 } });
    });

    it('reads a Windows-1252 file (HubSpot and Excel exports) with its accents and euro signs', async () => {
      const bytes = Buffer.from(
        'name,country,revenue,note\nSoci\xe9t\xe9 G\xe9n\xe9rale,France,\x80 1200,Caf\xe9 \x93best\x94\n',
        'latin1',
      );
      const s = await importFile(t.db, { teamId: 'T1', kind: 'accounts', input: file('cp1252.csv', bytes) });
      expect(s.warnings.join(' ')).toMatch(/Windows-1252/);
      const [row] = await t.db.select().from(accounts);
      expect(row).toMatchObject({ name: 'Société Générale', country: 'FR', revenue: 1200 });
      expect(row!.attributes).toMatchObject({ note: 'Café “best”' });
      expect(JSON.stringify(row)).not.toContain('\uFFFD');
    });

    it('reads a UTF-16 file with a byte-order mark', async () => {
      const text = '\uFEFFname,country\nSociété Générale,France\n';
      const s = await importFile(t.db, {
        teamId: 'T1',
        kind: 'accounts',
        input: file('utf16.csv', Buffer.from(text, 'utf16le')),
      });
      expect(s.inserted).toBe(1);
      const [row] = await t.db.select().from(accounts);
      expect(row!.name).toBe('Société Générale');
    });

    it('refuses a file that is neither UTF-8 nor Windows-1252, naming the encoding problem', async () => {
      const bytes = Buffer.concat([Buffer.from('name\nAlpha\nBe'), Buffer.from([0x81, 0xe9]), Buffer.from('ta\n')]);
      const err = await fail('accounts', file('bad-enc.csv', bytes));
      expect(err.userMessage).toMatch(/neither UTF-8 nor Windows-1252/);
      expect(err.rowErrors[0]!.row).toBe(3);
      await nothingIn(accounts);
    });

    it('refuses U+FFFD already in a UTF-8 file: a letter lost in an earlier conversion', async () => {
      const err = await fail('accounts', file('fffd.csv', 'name,industry\nAlpha,Software\nSoci\uFFFDt\uFFFD,Retail\n'));
      expect(err.rowErrors).toEqual([
        expect.objectContaining({ row: 3, column: 'name', problem: expect.stringMatching(/U\+FFFD/) }),
      ]);
      await nothingIn(accounts);
    });
  });

  describe('every broken cell is a short row-level error (#12.4)', () => {
    it('a NUL byte', async () => {
      const err = await fail('accounts', file('nul.csv', 'name,industry\nAlpha,Software\nBe\u0000ta,Retail\n'));
      expect(err.rowErrors).toEqual([
        { row: 3, column: 'name', value: 'Be\\x00ta', problem: expect.stringMatching(/NUL byte/) },
      ]);
      expect(err.userMessage).toMatch(/row 3, column "name" = "Be\\x00ta": contains a NUL byte/);
      await nothingIn(accounts);
    });

    it('a 5 MB cell and a 4,000-character name, without echoing them', async () => {
      const big = noise(5 * 1024 * 1024);
      const long = noise(4000);
      const err = await fail('accounts', file('big.csv', `name,notes\nAlpha,${big}\n${long},ok\n`));
      expect(err.rowErrors.map((e) => [e.row, e.column])).toEqual([
        [2, 'notes'],
        [3, 'name'],
      ]);
      expect(err.rowErrors[0]!.problem).toMatch(/5,242,880 characters long; at most 131,072/);
      expect(err.rowErrors[1]!.problem).toMatch(/4,000 characters long; at most 500/);
      expect(err.userMessage.length).toBeLessThan(600);
      await nothingIn(accounts);
    });

    it('unbalanced quotes', async () => {
      const err = await fail(
        'accounts',
        file('quotes.csv', 'name,industry\nAlpha,Software\n"Beta,Retail\nGamma,Food\n'),
      );
      expect(err.rowErrors).toEqual([
        expect.objectContaining({ row: 3, problem: expect.stringMatching(/closing quote never comes/) }),
      ]);
      await nothingIn(accounts);
    });

    it('the CLI exits non-zero with a short message, never the SQL or a stack trace', async () => {
      const run = async (...argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli(argv, {}, { out: (x) => out.push(x), err: (x) => err.push(x) }, t);
        return { code, out: out.join('\n'), err: err.join('\n') };
      };
      const inputs = [
        file('cli-nul.csv', 'name\nAl\u0000pha\n'),
        file('cli-long.csv', `name\n${noise(4000)}\n`),
        file('cli-quote.csv', 'name\n"Alpha\n'),
      ];
      for (const p of inputs) {
        const r = await run('import', 'accounts', p);
        expect(r.code).toBe(2);
        expect(r.err).toMatch(/^Import failed/);
        expect(r.err).toMatch(/row \d+/);
        expect(r.err.length).toBeLessThan(600);
        expect(r.err).not.toMatch(/Failed query|INSERT|at .*\.ts:\d+/);
      }
      await nothingIn(accounts);
    });
  });

  describe('deal stages and dates a sales leader can trust (#13.8)', () => {
    it('refuses unknown stages with the list and how to map them, then imports with the map', async () => {
      const p = file(
        'banana.csv',
        'opportunity_id,account,deal_stage,engage_date,close_date\nD1,Acme,Banana,2023-01-01,2023-02-01\nD2,Acme,Banana,2023-01-02,2023-02-02\nD3,Acme,Demo booked,2023-01-03,\nD4,Acme,Won,2023-01-04,2023-02-04\n',
      );
      const err = await fail('deals', p);
      expect(err.message).toMatch(/2 deal stage\(s\) are not known: "Banana" \(2 deals\), "Demo booked" \(1 deal\)/);
      expect(err.message).toMatch(/--stage-map "Banana=lost,Demo booked=open"/);
      expect(err.rowErrors.map((e) => [e.row, e.column, e.value])).toEqual([
        [2, 'deal_stage', 'Banana'],
        [4, 'deal_stage', 'Demo booked'],
      ]);
      await nothingIn(deals);

      const stageMap = parseStageMap(['Banana=lost, demo BOOKED=open']);
      const s = await importFile(t.db, { teamId: 'T1', kind: 'deals', input: p, stageMap });
      expect(s.inserted).toBe(4);
      expect((await dealRows()).map((d) => d.outcome)).toEqual(['lost', 'lost', 'open', 'won']);
    });

    it('reports deals that close before they were created, with their rows', async () => {
      const s = await importFile(t.db, {
        teamId: 'T1',
        kind: 'deals',
        input: file(
          'backwards.csv',
          'opportunity_id,account,deal_stage,engage_date,close_date\nD1,Acme,Won,2023-03-01,2021-02-01\nD2,Acme,Lost,2023-01-01,2023-02-01\nD3,Acme,Lost,2023-05-01,2023-04-30\n',
        ),
      });
      expect(s.inserted).toBe(3);
      expect(s.warnings).toContain(
        '2 deal(s) close before they were created (rows 2, 4): imported, but left out of sales-cycle figures',
      );
    });

    it('the CLI passes --stage-map and explains a malformed one', async () => {
      const p = file('cli-banana.csv', 'opportunity_id,account,deal_stage\nD1,Acme,Banana\n');
      const io = { out: () => {}, err: (x: string) => errors.push(x) };
      const errors: string[] = [];
      expect(await runCli(['import', 'deals', p, '--stage-map', 'Banana=maybe'], {}, io, t)).toBe(2);
      expect(errors.join('\n')).toMatch(/--stage-map: cannot read “Banana=maybe”/);
      expect(await runCli(['import', 'deals', p, '--stage-map', 'Banana=won'], {}, io, t)).toBe(0);
      const [d] = await t.db.select().from(deals).where(eq(deals.externalId, 'D1'));
      expect(d!.outcome).toBe('won');
    });
  });
});
