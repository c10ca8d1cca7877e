import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, churnEvents } from '../../db/schema.ts';
import { addDays, churnPeriods, driftWindows } from '../../src/drift/windows.ts';
import { getDriftReport } from '../../src/review/drift.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const dir = fileURLToPath(new URL('../../../shared/data/ravenstack-saas-churn/', import.meta.url));
const present = existsSync(`${dir}ravenstack_accounts.csv`) && existsSync(`${dir}ravenstack_churn_events.csv`);
if (!present && process.env.CI) throw new Error(`RavenStack data missing at ${dir} (needed in CI)`);

type Row = Record<string, string>;
const read = (f: string): Row[] => parse(readFileSync(`${dir}${f}`), { columns: true, skip_empty_lines: true });

/** A deterministic test-only tier rule by plan. */
const tierByPlan: Record<string, string> = { Enterprise: 'tier1', Pro: 'tier2', Basic: 'tier3' };
const TIERS = ['tier1', 'tier2', 'tier3'] as const;

describe.skipIf(!present)(
  `churn drift from accounts with a customer-since date and churn events, no deals (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`,
  () => {
    let t: TestDb;
    let accountRows: Row[];
    let churnRows: Row[];
    beforeAll(async () => {
      t = await createTestDb();
      accountRows = read('ravenstack_accounts.csv');
      churnRows = read('ravenstack_churn_events.csv');
      const inserted = await t.db
        .insert(accounts)
        .values(
          accountRows.map((a) => ({
            teamId: 'raven',
            externalId: a.account_id!,
            source: 'ravenstack',
            name: a.account_name!,
            normalizedName: a.account_name!.toLowerCase(),
            industry: a.industry!,
            tier: tierByPlan[a.plan_tier!] ?? null,
            customerSince: a.signup_date!,
          })),
        )
        .returning({ id: accounts.id, externalId: accounts.externalId });
      const idOf = new Map(inserted.map((r) => [r.externalId, r.id]));
      await t.db.insert(churnEvents).values(
        churnRows.map((c) => ({
          teamId: 'raven',
          externalId: c.churn_event_id!,
          source: 'ravenstack',
          accountId: idOf.get(c.account_id!) ?? null,
          accountExternalId: c.account_id!,
          churnedOn: c.churn_date!,
          reason: c.reason_code || null,
        })),
      );
    });
    afterAll(async () => {
      await t?.close();
    });

    it('reports churn by tier equal to the figures recomputed from the raw files (as of 2024-12-31)', async () => {
      const asOf = '2024-12-31';
      const w = driftWindows(asOf);
      // The documented definition: a customer from its customer-since day; churned at its first churn event.
      const firstChurn = new Map<string, string>();
      for (const c of churnRows) {
        const prev = firstChurn.get(c.account_id!);
        if (!prev || c.churn_date! < prev) firstChurn.set(c.account_id!, c.churn_date!);
      }
      const active = (a: Row, start: string) => {
        const fc = firstChurn.get(a.account_id!);
        return a.signup_date! < start && (!fc || fc >= start);
      };
      const churnedIn = (a: Row, start: string, end: string) => {
        const fc = firstChurn.get(a.account_id!);
        return active(a, start) && fc !== undefined && fc <= end;
      };
      const report = await getDriftReport(t.db, { teamId: 'raven', asOf });
      expect(report.hasChurnData).toBe(true);
      const periods = churnPeriods(w);
      expect(periods.at(-1)!.start).toBe(w.churnBaseline.start);
      expect(addDays(periods[0]!.end, 1)).toBe(w.recent.start);
      for (const tier of TIERS) {
        const mine = accountRows.filter((a) => tierByPlan[a.plan_tier!] === tier);
        const recentActive = mine.filter((a) => active(a, w.recent.start));
        const recentChurned = mine.filter((a) => churnedIn(a, w.recent.start, w.recent.end));
        let exposure = 0;
        let churned = 0;
        const customers = new Set<string>();
        for (const p of periods) {
          for (const a of mine) {
            if (!active(a, p.start)) continue;
            exposure++;
            customers.add(a.account_id!);
            if (churnedIn(a, p.start, p.end)) churned++;
          }
        }
        const got = report.segments[tier].churnRate;
        expect(got.recent.n, `${tier} recent customers`).toBe(recentActive.length);
        expect(got.recent.value, `${tier} recent rate`).toBe(recentChurned.length / recentActive.length);
        expect(got.baseline.n, `${tier} baseline customers`).toBe(customers.size);
        expect(got.baseline.exposure, `${tier} baseline customer-periods`).toBe(exposure);
        expect(got.baseline.value, `${tier} baseline rate`).toBe(churned / exposure);
        // Enough customers in both windows: a tested figure, not "no data" or "not enough".
        expect(['stable', 'drift_down', 'drift_up']).toContain(got.verdict);
      }
      // No deals: win rates have nothing to say, churn alone makes the report.
      expect(report.segments.tier1.winRate.verdict).toBe('not_enough_data');
      expect(report.comparisons).toBeGreaterThanOrEqual(3);
      expect(report.summary[0]).not.toMatch(/^Not enough data/);
      console.info(report.summary.join('\n'));
    });
  },
);
