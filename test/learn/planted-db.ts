/**
 * Stores the planted-signal accounts of ./planted.ts in the database as accounts with dated won and lost
 * deals: training deals close in 2025, holdout deals in the first half of 2026, so the default holdout (the
 * last quarter of decided deals by close date) falls near 2026-01-01.
 */
import type { Db } from '../../db/client.ts';
import { accounts, deals } from '../../db/schema.ts';
import { mulberry32 } from '../../src/drift/stats.ts';
import { planted } from './planted.ts';

const day = (start: string, span: number, r: number) =>
  new Date(Date.parse(`${start}T00:00:00Z`) + Math.floor(r * span) * 86_400_000).toISOString().slice(0, 10);

export async function seedPlanted(
  db: Db,
  teamId: string,
  opts: { seed: number; accounts: number; signal: boolean },
): Promise<{ accounts: number; deals: number }> {
  const units = planted(opts.seed, opts.accounts, opts.signal);
  const rand = mulberry32(opts.seed + 1);
  const ids: number[] = [];
  for (let i = 0; i < units.length; i += 1000) {
    const rows = await db
      .insert(accounts)
      .values(
        units.slice(i, i + 1000).map((u, j) => {
          const f = u.facts as Record<string, string | number | null>;
          const attributes: Record<string, string> = {};
          if (f.plan != null) attributes.plan = String(f.plan);
          if (f.source != null) attributes.source = String(f.source);
          return {
            teamId,
            externalId: `P${i + j}`,
            name: `Planted ${i + j}`,
            normalizedName: `planted ${i + j}`,
            industry: f.industry == null ? null : String(f.industry),
            employees: f.employees == null ? null : Number(f.employees),
            revenue: f.revenue == null ? null : Number(f.revenue),
            country: f.country == null ? null : String(f.country),
            attributes,
          };
        }),
      )
      .returning({ id: accounts.id });
    ids.push(...rows.map((r) => r.id));
  }
  const values: (typeof deals.$inferInsert)[] = [];
  units.forEach((u, i) => {
    const add = (n: number, outcome: string, holdout: boolean) => {
      for (let k = 0; k < n; k++) {
        values.push({
          teamId,
          externalId: `D${values.length}`,
          accountId: ids[i]!,
          outcome,
          closedOn: holdout ? day('2026-01-01', 180, rand()) : day('2025-01-01', 365, rand()),
        });
      }
    };
    add(u.trainWon, 'won', false);
    add(u.trainLost, 'lost', false);
    add(u.holdWon, 'won', true);
    add(u.holdLost, 'lost', true);
  });
  for (let i = 0; i < values.length; i += 2000) await db.insert(deals).values(values.slice(i, i + 2000));
  return { accounts: units.length, deals: values.length };
}
