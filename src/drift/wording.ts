/** How drift figures read in sentences: labels, numbers, p-values. Pure. */
import type { Tier } from '../icp/types.ts';
import { tierLabels } from '../icp/types.ts';
import type { MetricName, Segment } from './types.ts';

export const segmentLabels: Record<Segment, string> = {
  ...(tierLabels as Record<Tier, string>),
  no_fit: 'Not-a-fit',
  fit: 'ICP-fit (Tier 1-2)',
  non_fit: 'non-fit (Tier 3 and not-a-fit)',
  all: 'overall',
  unscored: 'unscored or tier-unknown accounts',
};

export const scopeOf = (s: Segment) => (s === 'all' ? '' : ` in ${segmentLabels[s]}`);

export const metricLabels: Record<MetricName, string> = {
  winRate: 'win rate',
  churnRate: 'churn rate',
  salesCycleDays: 'median sales cycle',
  dealSize: 'median deal size',
};

export const sampleNouns: Record<MetricName | 'lift' | 'outsideIcpShare', string> = {
  winRate: 'decided deals',
  churnRate: 'customers',
  salesCycleDays: 'won deals with dates',
  dealSize: 'won deals with amounts',
  lift: 'decided deals',
  outsideIcpShare: 'won deals',
};

/** "the last 90 days": what the recent window is, in words that cannot be misread as a calendar quarter. */
export const windowPhrase = (days: number) => `the last ${days} days`;

export const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A p-value with as many significant digits as it takes to be on the right side of `alpha` once
 * printed: 0.045 → "p=0.045", 0.0502 → "p=0.0502" (never "p=0.05" for both a drift and a non-drift).
 */
export function formatP(p: number, alpha = 0.05): string {
  if (p < 0.001) return 'p<0.001';
  for (let digits = 2; digits <= 6; digits++) {
    const shown = Number(p.toPrecision(digits));
    if (shown !== alpha && shown < alpha === p < alpha) return `p=${shown}`;
  }
  return `p=${p}`;
}

/** A rate as a percentage: whole points, or one decimal under 10 % (churn rates live there). */
export function pct(v: number): string {
  const x = v * 100;
  return x > 0 && x < 10 ? `${x.toFixed(1)}%` : `${Math.round(x)}%`;
}

export const fmtNum = (v: number) =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1).replace(/\.0$/, '');

export const count = (n: number) => n.toLocaleString('en-US');

export const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
