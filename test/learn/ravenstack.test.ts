import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IcpProvider } from '../../src/usecases/icp-provider.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { type IcpSuggestion, suggestIcp } from '../../src/usecases/suggest-icp.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const dir = fileURLToPath(new URL('../../../shared/data/ravenstack-saas-churn/', import.meta.url));
const files = ['ravenstack_accounts.csv', 'ravenstack_subscriptions.csv', 'ravenstack_churn_events.csv'];
const present = files.every((f) => existsSync(`${dir}${f}`));
if (!present && process.env.CI) throw new Error(`RavenStack data missing at ${dir} (needed in CI)`);

type Row = Record<string, string>;
const read = (f: string): Row[] => parse(readFileSync(`${dir}${f}`), { columns: true, skip_empty_lines: true });

interface Spells {
  stayed: number;
  churned: number;
}

/**
 * The documented customer definition (README "Customers", STATISTICS.md), written out again from the raw
 * files, one outcome per customer spell: no won deals here, so each subscription start makes a customer
 * who stays one while a subscription runs (an account without subscriptions: from its signup date); a
 * churn event while a customer ends the spell churned; a later start begins the next spell.
 */
function spellsByAccount(accountRows: Row[], subs: Row[], churnRows: Row[]): Map<string, Spells> {
  const subsOf = new Map<string, Row[]>();
  for (const s of subs) subsOf.set(s.account_id!, [...(subsOf.get(s.account_id!) ?? []), s]);
  const churnsOf = new Map<string, string[]>();
  for (const c of churnRows) churnsOf.set(c.account_id!, [...(churnsOf.get(c.account_id!) ?? []), c.churn_date!]);
  const out = new Map<string, Spells>();
  for (const a of accountRows) {
    const id = a.account_id!;
    const mine = subsOf.get(id) ?? [];
    const starts = [...new Set(mine.length > 0 ? mine.map((s) => s.start_date!) : [a.signup_date!])].sort();
    const churns = [...new Set(churnsOf.get(id) ?? [])].sort();
    const customerAt = (x: string) => {
      const ls = starts.filter((d) => d < x).at(-1);
      const lc = churns.filter((d) => d < x).at(-1);
      const runs = mine.length === 0 || mine.some((s) => s.start_date! < x && (!s.end_date || s.end_date >= x));
      return ls !== undefined && (lc === undefined || lc < ls) && runs;
    };
    const begins = starts.filter((d) => !customerAt(d));
    const churnedSpells = new Set(churns.filter((c) => customerAt(c)).map((c) => begins.filter((b) => b < c).at(-1)!));
    if (begins.length > 0) out.set(id, { stayed: begins.length - churnedSpells.size, churned: churnedSpells.size });
  }
  return out;
}

describe.skipIf(!present)(
  `icp suggest --outcome churn on RavenStack: accounts, subscriptions and churn events, no deals (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`,
  () => {
    let t: TestDb;
    let s: IcpSuggestion;
    const accountRows = present ? read(files[0]!) : [];
    const spells = present ? spellsByAccount(accountRows, read(files[1]!), read(files[2]!)) : new Map<string, Spells>();

    beforeAll(async () => {
      t = await createTestDb();
      await importFile(t.db, { teamId: 'raven', kind: 'accounts', input: `${dir}${files[0]}` });
      await importFile(t.db, { teamId: 'raven', kind: 'subscriptions', input: `${dir}${files[1]}` });
      await importFile(t.db, { teamId: 'raven', kind: 'churn', input: `${dir}${files[2]}` });
      s = await suggestIcp({ db: t.db, icp: new IcpProvider(t.db) }, { teamId: 'raven', outcome: 'churn' });
    }, 600_000);
    afterAll(async () => {
      await t?.close();
    });

    it('counts the customers and churns the drift report counts, and profiles them', () => {
      const all = [...spells.values()];
      const stayed = all.reduce((n, x) => n + x.stayed, 0);
      const churned = all.reduce((n, x) => n + x.churned, 0);
      // The old first-won-deal rule found no customer at all in this data.
      expect(churned).toBeGreaterThan(100);
      expect(s.data.n).toBe(stayed + churned);
      expect(s.data.won).toBe(stayed);
      expect(s.attributes.length).toBeGreaterThan(0);
    });

    it('gives each group the retention rate recomputed from the raw files', () => {
      for (const [field, column] of [
        ['industry', 'industry'],
        ['plan_tier', 'plan_tier'],
      ] as const) {
        const attr = s.attributes.find((a) => a.field === field);
        expect(attr, field).toBeDefined();
        const byValue = new Map<string, { n: number; won: number }>();
        for (const a of accountRows) {
          const sp = spells.get(a.account_id!);
          if (!sp) continue;
          const g = byValue.get(a[column]!) ?? { n: 0, won: 0 };
          g.n += sp.stayed + sp.churned;
          g.won += sp.stayed;
          byValue.set(a[column]!, g);
        }
        let checked = 0;
        for (const g of attr!.groups) {
          const want = byValue.get(g.label);
          if (!want) continue;
          expect([g.label, g.n, g.won, g.rate]).toEqual([g.label, want.n, want.won, want.won / want.n]);
          checked++;
        }
        expect(checked, `${field} groups named by one value`).toBeGreaterThanOrEqual(3);
      }
    });
  },
);
