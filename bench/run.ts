/**
 * `npm run bench`: every benchmark, each figure printed with the baseline measured in the same run and
 * the ratio between them. Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/postgres).
 * `npm run bench -- engine lookup` runs a subset. Results are also written to bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { BenchResult } from './types.ts';

const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

const suites: Record<string, () => Promise<BenchResult[]>> = {
  engine: async () => (await import('./engine.ts')).run(),
  rescore: async () => (await import('./rescore.ts')).run({ databaseUrl }),
  lookup: async () => (await import('./lookup.ts')).run({ databaseUrl }),
  import: async () => (await import('./import.ts')).run({ databaseUrl }),
  'check-http': async () => (await import('./check-http.ts')).run({ databaseUrl }),
  drift: async () => (await import('./drift.ts')).run({ databaseUrl }),
  suggest: async () => (await import('./suggest.ts')).run({ databaseUrl }),
  runtime: async () => (await import('./runtime.ts')).run({ databaseUrl }),
  'crm-sync': async () => (await import('./crm-sync.ts')).run({ databaseUrl }),
};

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2));

async function main() {
  const wanted = process.argv.slice(2).filter((a) => a !== '--');
  const names = wanted.length > 0 ? wanted : Object.keys(suites);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(`Benchmarks on ${machine}\n\n`);
  const all: (BenchResult & { suite: string })[] = [];
  let failed = false;
  for (const name of names) {
    const suite = suites[name];
    if (!suite) {
      process.stderr.write(`unknown benchmark ${name}; choose from ${Object.keys(suites).join(', ')}\n`);
      process.exitCode = 1;
      continue;
    }
    const t0 = performance.now();
    try {
      const results = await suite();
      for (const r of results) {
        all.push({ suite: name, ...r });
        process.stdout.write(
          `${r.met ? 'MET ' : 'MISS'}  ${name.padEnd(10)} ${r.name}: ${fmt(r.value)} ${r.unit} | baseline (${r.baselineName}) ${fmt(r.baseline)} ${r.unit} | ratio ${r.ratio.toFixed(2)}× | target ${r.target}\n`,
        );
      }
    } catch (err) {
      failed = true;
      process.stdout.write(`FAIL  ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.stderr.write(`[bench] ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  writeFileSync(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ machine, at: new Date().toISOString(), results: all }, null, 2)}\n`,
  );
  if (failed) process.exitCode = 1;
}

await main();
