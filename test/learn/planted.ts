/**
 * Seeded generator of accounts with won and lost deals whose win probability depends on a few planted
 * attributes (industry, employees) while the others (country, plan, revenue, source) are pure noise.
 */
import { mulberry32 } from '../../src/drift/stats.ts';
import type { LearnUnit } from '../../src/learn/profile.ts';

export interface PlantedUnit extends LearnUnit {
  /** The true win probability of this account's deals. */
  p: number;
}

const INDUSTRIES = ['Software', 'Fintech', 'Retail', 'Healthcare', 'Manufacturing', 'Education', 'Logistics', 'Media'];
const INDUSTRY_EFFECT: Record<string, number> = {
  Software: 0.9,
  Fintech: 0.7,
  Retail: -0.4,
  Healthcare: 0,
  Manufacturing: -0.2,
  Education: -1.2,
  Logistics: 0,
  Media: -0.3,
};
const COUNTRIES = ['US', 'GB', 'DE', 'SE', 'FR', 'NL'];
const PLANS = ['Free', 'Pro', 'Enterprise'];
const SOURCES = ['Inbound', 'Outbound', 'Partner', 'Event', 'Referral'];

export const PLANTED = ['industry', 'employees'];
export const NOISE = ['country', 'plan', 'revenue', 'source'];

export function planted(seed: number, accounts: number, signal: boolean): PlantedUnit[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const maybe = <T>(v: T) => (rand() < 0.05 ? null : v);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const units: PlantedUnit[] = [];
  for (let i = 0; i < accounts; i++) {
    const industry = pick(INDUSTRIES);
    const employees = Math.max(1, Math.round(10 ** (2 + 0.6 * normal())));
    let logit = -0.2;
    if (signal) logit += INDUSTRY_EFFECT[industry]! + 0.9 * Math.max(-1.5, Math.min(1.5, Math.log10(employees) - 2));
    const p = 1 / (1 + Math.exp(-logit));
    const facts = {
      industry: maybe(industry),
      employees: maybe(employees),
      country: maybe(pick(COUNTRIES)),
      plan: maybe(pick(PLANS)),
      revenue: maybe(Math.round(10 ** (6 + normal()))),
      source: maybe(pick(SOURCES)),
    };
    const u: PlantedUnit = { facts, trainWon: 0, trainLost: 0, holdWon: 0, holdLost: 0, p };
    const deals = 1 + Math.floor(rand() * 4);
    for (let d = 0; d < deals; d++) {
      const win = rand() < p;
      if (rand() < 0.75) {
        if (win) u.trainWon++;
        else u.trainLost++;
      } else if (win) u.holdWon++;
      else u.holdLost++;
    }
    units.push(u);
  }
  return units;
}
