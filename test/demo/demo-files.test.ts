import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_SEED, demoDir, generateDemoData } from '../../src/demo/generate.ts';
import { registrableDomain } from '../../src/lookup/normalize.ts';
import { DEMO_LAST_DAY } from '../../src/usecases/demo-data.ts';

describe('the committed demo data set', () => {
  const files = generateDemoData(DEMO_SEED);

  it.each(['accounts', 'deals', 'churn'] as const)(
    'db/seed/demo/%s.csv is exactly what the seeded script writes',
    (kind) => {
      expect(readFileSync(`${demoDir}${kind}.csv`, 'utf8') === files[kind]).toBe(true);
    },
  );

  it('is the same for the same seed and different for another', () => {
    expect(generateDemoData(DEMO_SEED)).toEqual(files);
    expect(generateDemoData(DEMO_SEED + 1).deals).not.toEqual(files.deals);
  });

  it('has about 1,200 accounts under .example, two years of decided deals ending on its last day, and churn', () => {
    const rows = (text: string) => text.trim().split('\n').slice(1);
    const accounts = rows(files.accounts);
    expect(accounts.length).toBeGreaterThanOrEqual(1000);
    expect(accounts.length).toBeLessThanOrEqual(1500);
    const domains = accounts.map((l) => l.split(',')[2]!);
    expect(domains.every((d) => d.endsWith('.example') && registrableDomain(d) === d)).toBe(true);
    expect(new Set(domains).size).toBe(domains.length);
    const closed = rows(files.deals)
      .map((l) => l.split(',').at(-3)!)
      .sort();
    expect(closed.at(-1)).toBe(DEMO_LAST_DAY);
    expect(closed[0]! < '2025-01-01').toBe(true);
    expect(rows(files.churn).length).toBeGreaterThan(50);
  });
});
