import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, churnEvents } from '../../db/schema.ts';
import { addDays, churnPeriods, driftWindows } from '../../src/drift/windows.ts';
import type { ImportError } from '../../src/errors.ts';
import { driftReportText } from '../../src/slack/blocks/review.ts';
import { getDriftReport } from '../../src/usecases/drift-report.ts';
import { importFile } from '../../src/usecases/import-file.ts';
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
      // The documented definition with one start per account (customer-since only: no deals, no
      // subscriptions): a customer from its customer-since day until its first churn event, never again.
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

const SUBS = 'ravenstack_subscriptions.csv';
const withSubs = present && existsSync(`${dir}${SUBS}`);

/**
 * The documented churn definition (README "Customers" and "Churn", STATISTICS.md), written out again from
 * the raw files: no won deals, so each subscription start makes a customer, who stays one while a
 * subscription runs; a churn ends it; a later start makes it a customer again.
 */
function recompute(subs: Row[], churnDays: Map<string, string[]>) {
  const byAccount = new Map<string, Row[]>();
  for (const s of subs) byAccount.set(s.account_id!, [...(byAccount.get(s.account_id!) ?? []), s]);
  const active = (id: string, day: string) => {
    const mine = byAccount.get(id) ?? [];
    const starts = mine.map((s) => s.start_date!).filter((d) => d < day);
    if (starts.length === 0) return false;
    const lastStart = starts.sort().at(-1)!;
    const lastChurn =
      (churnDays.get(id) ?? [])
        .filter((d) => d < day)
        .sort()
        .at(-1) ?? '';
    const running = mine.some((s) => s.start_date! < day && (!s.end_date || s.end_date >= day));
    return (lastChurn === '' || lastChurn < lastStart) && running;
  };
  const churned = (id: string, start: string, end: string) =>
    active(id, start) && (churnDays.get(id) ?? []).some((d) => d >= start && d <= end);
  return { active, churned };
}

describe.skipIf(!withSubs)(
  `churn drift from RavenStack files imported as they are: accounts, subscriptions, churn (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`,
  () => {
    let t: TestDb;
    let accountRows: Row[];
    let subRows: Row[];
    let churnRows: Row[];
    const asOf = '2024-12-31';
    const w = driftWindows(asOf);
    const periods = churnPeriods(w);

    beforeAll(async () => {
      t = await createTestDb();
      accountRows = read('ravenstack_accounts.csv');
      subRows = read(SUBS);
      churnRows = read('ravenstack_churn_events.csv');
      for (const team of ['events', 'flags']) {
        await importFile(t.db, { teamId: team, kind: 'accounts', input: `${dir}ravenstack_accounts.csv` });
        // A test-only tier rule by plan (no ICP needed to see churn by tier).
        await t.db.execute(sql`UPDATE accounts SET tier = CASE attributes->>'plan_tier'
          WHEN 'Enterprise' THEN 'tier1' WHEN 'Pro' THEN 'tier2' WHEN 'Basic' THEN 'tier3' END WHERE team_id = ${team}`);
      }
      // Team "events": churn events are the churn signal. Team "flags": the subscriptions' churn_flag is.
      await importFile(t.db, { teamId: 'events', kind: 'subscriptions', input: `${dir}${SUBS}` });
      await importFile(t.db, { teamId: 'events', kind: 'churn', input: `${dir}ravenstack_churn_events.csv` });
      const flags = await importFile(t.db, {
        teamId: 'flags',
        kind: 'subscriptions',
        input: `${dir}${SUBS}`,
        churnColumn: 'churn_flag',
      });
      const flagged = subRows.filter((s) => s.churn_flag === 'True');
      expect(flags.warnings).toContain(
        `${flagged.length} churn event(s) from the "churn_flag" column, each dated by its subscription's end date`,
      );
    });
    afterAll(async () => {
      await t?.close();
    });

    const expectChurnByTier = async (team: string, churnDays: Map<string, string[]>) => {
      const def = recompute(subRows, churnDays);
      const report = await getDriftReport(t.db, { teamId: team, asOf });
      expect(report.hasChurnData).toBe(true);
      let repeatChurners = 0;
      for (const a of accountRows) {
        const windows = [w.recent, ...periods].filter((p) => def.churned(a.account_id!, p.start, p.end));
        if (windows.length > 1) repeatChurners++;
      }
      for (const tier of TIERS) {
        const mine = accountRows.filter((a) => tierByPlan[a.plan_tier!] === tier).map((a) => a.account_id!);
        const recentActive = mine.filter((id) => def.active(id, w.recent.start));
        const recentChurned = mine.filter((id) => def.churned(id, w.recent.start, w.recent.end));
        let exposure = 0;
        let churned = 0;
        const customers = new Set<string>();
        for (const p of periods) {
          for (const id of mine) {
            if (!def.active(id, p.start)) continue;
            exposure++;
            customers.add(id);
            if (def.churned(id, p.start, p.end)) churned++;
          }
        }
        const got = report.segments[tier].churnRate;
        expect(got.recent.n, `${team} ${tier} recent customers`).toBe(recentActive.length);
        expect(got.recent.value, `${team} ${tier} recent rate`).toBe(recentChurned.length / recentActive.length);
        expect(got.baseline.n, `${team} ${tier} baseline customers`).toBe(customers.size);
        expect(got.baseline.exposure, `${team} ${tier} baseline customer-periods`).toBe(exposure);
        expect(got.baseline.value, `${team} ${tier} baseline rate`).toBe(churned / exposure);
        expect(['stable', 'drift_down', 'drift_up']).toContain(got.verdict);
      }
      expect(report.segments.tier1.winRate.verdict).toBe('not_enough_data');
      expect(report.churnDefinition).toMatch(/^churn = .* per 90 days/);
      expect(driftReportText(report)).toContain(
        'churn = customers at the window start who churned in the window ÷ customers at the window start, per 90 days',
      );
      return { report, repeatChurners };
    };

    it('reports churn by tier from subscriptions and churn events, repeat churn after a reactivation included', async () => {
      const days = new Map<string, string[]>();
      for (const c of churnRows) days.set(c.account_id!, [...(days.get(c.account_id!) ?? []), c.churn_date!]);
      const { report, repeatChurners } = await expectChurnByTier('events', days);
      // The data has accounts that churned, came back and churned again in a later window: counted again.
      expect(repeatChurners).toBeGreaterThan(0);
      console.info(`events: ${repeatChurners} accounts churned in more than one window\n${report.summary.join('\n')}`);
    });

    it("reports churn by tier with the subscriptions' churn_flag as the churn signal, dated by their end", async () => {
      const days = new Map<string, string[]>();
      for (const s of subRows.filter((x) => x.churn_flag === 'True'))
        days.set(s.account_id!, [...(days.get(s.account_id!) ?? []), s.end_date!]);
      const { report } = await expectChurnByTier('flags', days);
      console.info(`flags:\n${report.summary.join('\n')}`);
    });

    it('refuses an accounts churn_flag as the churn signal: it says whether, not when, and imports nothing', async () => {
      const err = await importFile(t.db, {
        teamId: 'refused',
        kind: 'accounts',
        input: `${dir}ravenstack_accounts.csv`,
        churnColumn: 'churn_flag',
      }).catch((e: unknown) => e);
      expect((err as ImportError).rowErrors[0]?.problem).toMatch(/says whether an account churned, not when/);
      const [row] = await t.db.select({ n: count() }).from(accounts).where(eq(accounts.teamId, 'refused'));
      expect(row!.n).toBe(0);
    });
  },
);
