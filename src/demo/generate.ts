/**
 * The fictional demo data set that `npm start` loads on first run (db/seed/demo/*.csv): about 1,200
 * accounts with two years of won and lost deals and churn events, drawn from a seeded PRNG (pure-rand's
 * xoroshiro128+) so the same seed always writes the same bytes. `npm run demo:generate` rewrites the
 * files; test/demo/demo-files.test.ts regenerates them and compares byte for byte.
 *
 * Every company is invented: names are made-up words and every domain is under `.example`, the TLD
 * reserved for documentation (RFC 2606), so no demo account can ever resolve to a real company.
 *
 * Planted patterns (what `icp suggest` and the drift report should find):
 * - win rate: industry (Fintech and Healthcare win clearly more, Retail and Education clearly less),
 *   company size (bigger wins more, monotone in log head-count), and region (DACH and UK & Ireland win
 *   more, North America less);
 * - churn: Media customers churn about four times as often as the rest;
 * - drift: in the last 90 days before the data's last day, Fintech's win rate drops to well below average;
 * - noise: business model, funding stage, channel (lead source), founded year, growth, tech stack, recent funding and
 *   hiring spike are drawn independently of every outcome (revenue follows head-count, as in real data).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { csvLine } from '../cli/csv.ts';
import { DEMO_LAST_DAY } from '../usecases/demo-data.ts';

export const DEMO_SEED = 20261130;
const DAYS = 730;
const ACCOUNTS = 1200;

export interface DemoFiles {
  accounts: string;
  deals: string;
  churn: string;
}

type Rng = ReturnType<typeof xoroshiro128plus>;

const INDUSTRIES: readonly (readonly [name: string, share: number, logit: number])[] = [
  ['Fintech', 10, 0.9],
  ['Healthcare', 10, 0.65],
  ['Software', 16, 0.1],
  ['Manufacturing', 12, 0],
  ['Logistics', 10, 0],
  ['Media', 8, 0],
  ['Professional services', 10, -0.15],
  ['Hospitality', 6, -0.3],
  ['Retail', 12, -0.9],
  ['Education', 6, -0.75],
];

const COUNTRIES: readonly (readonly [name: string, share: number, logit: number])[] = [
  ['Germany', 10, 0.6],
  ['Austria', 4, 0.6],
  ['Switzerland', 4, 0.6],
  ['United Kingdom', 10, 0.5],
  ['Ireland', 4, 0.5],
  ['Sweden', 7, 0],
  ['Norway', 5, 0],
  ['Denmark', 5, 0],
  ['Finland', 4, 0],
  ['Netherlands', 6, 0],
  ['France', 7, 0],
  ['Spain', 5, 0],
  ['Poland', 5, 0],
  ['United States', 16, -0.5],
  ['Canada', 8, -0.5],
];

const NOUN_BY_INDUSTRY: Record<string, readonly string[]> = {
  Fintech: ['Pay', 'Ledger', 'Capital', 'Payments'],
  Healthcare: ['Health', 'Care', 'Clinics', 'Medical'],
  Software: ['Software', 'Labs', 'Systems', 'Cloud'],
  Manufacturing: ['Works', 'Industries', 'Fabrication', 'Components'],
  Logistics: ['Freight', 'Logistics', 'Transport', 'Cargo'],
  Media: ['Media', 'Studios', 'Publishing', 'Broadcast'],
  'Professional services': ['Advisory', 'Partners', 'Consulting', 'Associates'],
  Hospitality: ['Hotels', 'Hospitality', 'Stays', 'Dining'],
  Retail: ['Retail', 'Stores', 'Outlet', 'Market'],
  Education: ['Learning', 'Academy', 'Education', 'Schools'],
};
// Made-up syllables: the names they form are not words, so they are not real companies' names.
const HEADS = ['Zor', 'Quil', 'Vend', 'Brax', 'Tal', 'Oxi', 'Kelv', 'Mor', 'Fenn', 'Yar', 'Lum', 'Sorv', 'Dra', 'Pell'];
const MIDS = ['', 'a', 'e', 'i', 'o', 'u', 'an', 'el'];
const TAILS = ['vex', 'mere', 'wick', 'dor', 'quist', 'tova', 'brin', 'zel', 'thar', 'nook', 'vane', 'rix'];

const BUSINESS_MODELS = ['B2B', 'B2B', 'B2B', 'B2B', 'B2B', 'B2B', 'B2B', 'B2C', 'B2C', 'B2B2C'];
const FUNDING = ['Bootstrapped', 'Seed', 'Series A', 'Series B', 'Series C', 'Growth', 'Public'];
const SOURCES = ['Inbound', 'Outbound', 'Partner', 'Event', 'Referral'];
const TOOLS = ['HubSpot', 'Salesforce', 'Pipedrive', 'Slack', 'Microsoft Teams', 'Snowflake', 'Zendesk'];
const PRODUCTS = ['Starter', 'Growth', 'Enterprise'];
const OWNERS = ['Ada Quorn', 'Bo Tallis', 'Cleo Varga', 'Dev Marlow', 'Esme Okafor', 'Finn Rask'];
const CHURN_REASONS = ['Budget cut', 'Switched vendor', 'Low adoption', 'Company closed', 'Merged'];

const float = (rng: Rng) => uniformFloat64(rng);
const int = (rng: Rng, from: number, to: number) => uniformInt(rng, from, to);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, 0, xs.length - 1)]!;
function weighted<T extends readonly [string, number, number]>(rng: Rng, xs: readonly T[]): T {
  const total = xs.reduce((s, x) => s + x[1], 0);
  let r = float(rng) * total;
  for (const x of xs) {
    r -= x[1];
    if (r < 0) return x;
  }
  return xs[xs.length - 1]!;
}
/** Knuth's Poisson sampler (small means only). */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = float(rng);
  while (p > limit) {
    k++;
    p *= float(rng);
  }
  return k;
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const DAY_MS = 86_400_000;
const lastDay = Date.parse(`${DEMO_LAST_DAY}T00:00:00Z`);
const dayString = (offset: number) => new Date(lastDay - offset * DAY_MS).toISOString().slice(0, 10);

interface Account {
  id: string;
  name: string;
  industry: string;
  employees: number;
  country: string;
  logit: number;
}

function makeAccounts(rng: Rng): { rows: string[]; accounts: Account[] } {
  const used = new Set<string>();
  const rows: string[] = [];
  const accounts: Account[] = [];
  for (let i = 1; i <= ACCOUNTS; i++) {
    const [industry, , industryLogit] = weighted(rng, INDUSTRIES);
    const [country, , countryLogit] = weighted(rng, COUNTRIES);
    // Log-uniform head-count from 10 to about 5,000.
    const employees = Math.round(10 ** (1 + float(rng) * 2.7));
    let name = '';
    let slug = '';
    do {
      const word = `${pick(rng, HEADS)}${pick(rng, MIDS)}${pick(rng, TAILS)}`;
      name = `${word} ${pick(rng, NOUN_BY_INDUSTRY[industry]!)}`;
      slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    } while (used.has(slug));
    used.add(slug);
    const revenue = Math.round((employees * (60_000 + float(rng) * 240_000)) / 10_000) * 10_000;
    const tools = TOOLS.filter(() => float(rng) < 0.3);
    const id = `ACC-${String(i).padStart(4, '0')}`;
    const sizeLogit = 0.6 * (Math.log10(employees) - 2.3);
    accounts.push({ id, name, industry, employees, country, logit: industryLogit + countryLogit + sizeLogit });
    rows.push(
      csvLine([
        id,
        name,
        `${slug}.example`,
        industry,
        employees,
        revenue,
        country,
        pick(rng, BUSINESS_MODELS),
        pick(rng, FUNDING),
        pick(rng, SOURCES),
        int(rng, 1975, 2022),
        int(rng, -10, 80),
        tools.join(', '),
        float(rng) < 0.3 ? 'yes' : 'no',
        float(rng) < 0.25 ? 'yes' : 'no',
      ]),
    );
  }
  return { rows, accounts };
}

/** Generates the three demo files from `seed`: the same seed gives the same bytes. */
export function generateDemoData(seed: number = DEMO_SEED): DemoFiles {
  const rng = xoroshiro128plus(seed);
  const { rows: accountRows, accounts } = makeAccounts(rng);
  const dealRows: string[] = [];
  const churnRows: string[] = [];
  let dealNo = 0;
  let churnNo = 0;
  for (const a of accounts) {
    const n = 1 + poisson(rng, 2.4);
    let firstWon: number | null = null;
    for (let k = 0; k < n; k++) {
      const closeAgo = int(rng, 0, DAYS - 30);
      const cycle = int(rng, 14, 150);
      const recentFintech = a.industry === 'Fintech' && closeAgo < 90;
      const p = sigmoid(-0.55 + (recentFintech ? -1.2 : a.logit));
      const won = float(rng) < p;
      if (won && (firstWon === null || closeAgo > firstWon)) firstWon = closeAgo;
      const product = pick(rng, PRODUCTS);
      const amount = Math.round((2_000 * Math.sqrt(a.employees) * (0.6 + float(rng))) / 100) * 100;
      dealNo++;
      dealRows.push(
        csvLine([
          `DEAL-${String(dealNo).padStart(5, '0')}`,
          a.id,
          `${a.name} – ${product}`,
          won ? 'Closed Won' : 'Closed Lost',
          amount,
          dayString(closeAgo + cycle),
          dayString(closeAgo),
          pick(rng, OWNERS),
          product,
        ]),
      );
    }
    if (firstWon === null) continue;
    // Exponential time to churn from the first win: Media's yearly hazard is about four times the rest's.
    const hazard = a.industry === 'Media' ? 0.45 : 0.11;
    const years = -Math.log(1 - float(rng)) / hazard;
    const churnAgo = firstWon - Math.max(30, Math.round(years * 365));
    if (churnAgo < 0) continue;
    churnNo++;
    churnRows.push(
      csvLine([`CHURN-${String(churnNo).padStart(4, '0')}`, a.id, dayString(churnAgo), pick(rng, CHURN_REASONS)]),
    );
  }
  const file = (header: string, rows: string[]) => `${header}\n${rows.join('\n')}\n`;
  return {
    accounts: file(
      'account_id,company_name,domain,industry,employees,annual_revenue,country,business_model,funding_stage,' +
        'channel,year_founded,growth,tech_stack,recent_funding,hiring_spike',
      accountRows,
    ),
    deals: file('deal_id,account_id,name,stage,amount,created_on,closed_on,owner,product', dealRows),
    churn: file('churn_id,account_id,churn_date,reason', churnRows),
  };
}

/** Where the committed files live. */
export const demoDir = fileURLToPath(new URL('../../db/seed/demo/', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = generateDemoData();
  mkdirSync(demoDir, { recursive: true });
  for (const [kind, text] of Object.entries(files)) writeFileSync(`${demoDir}${kind}.csv`, text);
  process.stdout.write(`wrote ${Object.keys(files).join(', ')} to ${demoDir}\n`);
}
