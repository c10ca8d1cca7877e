/**
 * CSV import at scale: a generated 100,000-account Salesforce-style export (quoted names, "$1,234"
 * revenue, US dates, URLs, multi-line descriptions; 22 MB) imported into a fresh database on real
 * PostgreSQL through importFile, then imported again (every row matched; unchanged rows are left as
 * they are). Logs peak RSS growth during the first import and the load average. Baseline, measured in the same run: a naive import that
 * sends one INSERT … ON CONFLICT per row (in one transaction) for a 10,000-row slice, extrapolated.
 * Creates and drops its own throw-away database.
 *
 *   npm run bench -- import   (BENCH_DATABASE_URL picks the server)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { createDb } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { accounts } from '../db/schema.ts';
import { normalizeCountry } from '../src/icp/geo.ts';
import { normalizeCompanyName, registrableDomain } from '../src/lookup/normalize.ts';
import { importFile } from '../src/usecases/import-file.ts';
import { createThrowawayDb } from './throwaway-db.ts';
import type { BenchResult } from './types.ts';

const TEAM = 'T_BENCH';
const ROWS = 100_000;
const BASELINE_ROWS = 10_000;
const TARGET_SECONDS = 10;

const SUFFIXES = ['', 'Systems', 'Labs', 'Partners', 'Europe', 'Digital', 'Analytics', 'Capital', 'Ventures', 'Health'];
const TYPES = ['Customer', 'Prospect', 'Partner', 'Other'];

const dataDir = fileURLToPath(new URL('../../shared/data/', import.meta.url));

function log(msg: string): void {
  process.stderr.write(`[bench:import] ${msg}\n`);
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Seeds: real-looking names, countries and industries from the 10k-organisation data set. */
function seeds(): { name: string; country: string; industry: string; employees: string }[] {
  const file = `${dataDir}datablist-orgs-10k/organizations-10000.csv`;
  if (!existsSync(file)) throw new Error(`bench data missing: ${file}`);
  const rows = parse(readFileSync(file), { columns: true, bom: true }) as Record<string, string>[];
  return rows.map((r) => ({
    name: r.Name ?? 'Unnamed',
    country: r.Country ?? '',
    industry: r.Industry ?? '',
    employees: r['Number of employees'] ?? '',
  }));
}

/** Writes the 100k-row export and returns its path. */
export function generateCsv(dir: string): string {
  const base = seeds();
  const lines = [
    'Account ID,Account Name,Website,Industry,Employees,Annual Revenue,Billing Country,Created Date,Account Type,Description',
  ];
  for (let i = 0; i < ROWS; i++) {
    const s = base[i % base.length]!;
    const suffix = SUFFIXES[Math.floor(i / base.length) % SUFFIXES.length]!;
    const name = suffix ? `${s.name} ${suffix}` : s.name;
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '');
    const employees = Number(s.employees) || 10 + (i % 5000);
    const revenue = employees * (80_000 + (i % 97) * 1_000);
    const m = 1 + (i % 12);
    const d = 1 + (i % 28);
    lines.push(
      [
        `001${i.toString(36).padStart(8, '0')}`,
        csvCell(i % 7 === 0 ? `${name}, Inc.` : name),
        `https://www.${slug}-${i}.com/`,
        csvCell(s.industry),
        csvCell(employees.toLocaleString('en-US')),
        csvCell(`$${revenue.toLocaleString('en-US')}`),
        csvCell(s.country),
        `${m}/${d}/20${String(15 + (i % 10)).padStart(2, '0')}`,
        TYPES[i % TYPES.length]!,
        csvCell(`Account ${i}: "${s.industry}" customer, line one\nline two`),
      ].join(','),
    );
  }
  const path = join(dir, 'accounts-100k.csv');
  writeFileSync(path, `\uFEFF${lines.join('\r\n')}\r\n`);
  return path;
}

export async function run(opts: { databaseUrl: string }): Promise<BenchResult[]> {
  const throwaway = await createThrowawayDb(opts.databaseUrl, 'icp_bench_import');
  const handle = await createDb({ databaseUrl: throwaway.url, poolMax: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'icp-bench-import-'));
  try {
    await migrateDb(handle);
    const db = handle.db;
    const file = generateCsv(dir);
    log(`generated ${ROWS.toLocaleString('en-US')} rows`);

    // Peak resident memory above the level before the import, sampled every 20 ms: a streaming
    // import stays bounded by its batches, not by the file.
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 20);
    let t = performance.now();
    const first = await importFile(db, { teamId: TEAM, kind: 'accounts', input: file });
    const importSeconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    const rssGrowthMb = (rssPeak - rssBefore) / 1024 / 1024;
    log(
      `import: ${importSeconds.toFixed(2)} s (${first.inserted} inserted, ${first.updated} updated), peak RSS +${rssGrowthMb.toFixed(0)} MB, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    if (first.inserted !== ROWS) throw new Error(`expected ${ROWS} inserted, got ${first.inserted}`);

    t = performance.now();
    const again = await importFile(db, { teamId: TEAM, kind: 'accounts', input: file });
    const reimportSeconds = (performance.now() - t) / 1000;
    log(`re-import: ${reimportSeconds.toFixed(2)} s (${again.updated} updated)`);

    // Baseline: the same file, parsed with csv-parse, one INSERT … ON CONFLICT per row, one transaction.
    const slice = (parse(readFileSync(file), { columns: true, bom: true }) as Record<string, string>[]).slice(
      0,
      BASELINE_ROWS,
    );
    t = performance.now();
    await db.transaction(async (tx) => {
      for (const r of slice) {
        const name = r['Account Name'] ?? '';
        const values = {
          teamId: 'T_BASELINE',
          externalId: r['Account ID'] ?? '',
          source: 'salesforce',
          name,
          normalizedName: normalizeCompanyName(name),
          domain: registrableDomain(r.Website ?? ''),
          industry: r.Industry || null,
          employees: Number((r.Employees ?? '').replace(/,/g, '')) || null,
          revenue: Number((r['Annual Revenue'] ?? '').replace(/[$,]/g, '')) || null,
          country: normalizeCountry(r['Billing Country']),
          attributes: { account_type: r['Account Type'], description: r.Description },
        };
        await tx
          .insert(accounts)
          .values(values)
          .onConflictDoUpdate({
            target: [accounts.teamId, accounts.externalId],
            set: { name: values.name, updatedAt: sql`now()` },
          });
      }
    });
    const baselineSliceSeconds = (performance.now() - t) / 1000;
    const baselineSeconds = (baselineSliceSeconds * ROWS) / BASELINE_ROWS;
    log(
      `baseline: ${BASELINE_ROWS} rows one by one in ${baselineSliceSeconds.toFixed(2)} s → ${baselineSeconds.toFixed(1)} s for ${ROWS}`,
    );

    const met = importSeconds <= TARGET_SECONDS;
    return [
      {
        name: `import: 100k-account CSV (stream parse, validate, batched upsert overlapped with parsing, link) on PostgreSQL; peak RSS +${Math.round(rssGrowthMb)} MB`,
        value: round(importSeconds),
        unit: 's',
        baselineName: `one INSERT per row (${BASELINE_ROWS.toLocaleString('en-US')}-row slice, extrapolated)`,
        baseline: round(baselineSeconds),
        ratio: round(baselineSeconds / importSeconds),
        target: `≤ ${TARGET_SECONDS} s: ${met ? 'met' : 'not met'}`,
        met,
      },
      {
        name: 'import: re-import of the same 100k-account CSV (every row an update)',
        value: round(reimportSeconds),
        unit: 's',
        baselineName: `one INSERT per row (${BASELINE_ROWS.toLocaleString('en-US')}-row slice, extrapolated)`,
        baseline: round(baselineSeconds),
        ratio: round(baselineSeconds / reimportSeconds),
        target: `≤ ${TARGET_SECONDS} s: ${reimportSeconds <= TARGET_SECONDS ? 'met' : 'not met'}`,
        met: reimportSeconds <= TARGET_SECONDS,
      },
    ];
  } finally {
    await handle.close();
    await throwaway.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
