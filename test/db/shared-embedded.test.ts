/**
 * The bot and the `icp` command line on one embedded data folder (issue #12, item 1), with real
 * processes: the bot serves its database over a Unix socket, the CLI's import lands in the running
 * bot's database and survives the bot's exit, and a second bot on the folder refuses at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { lockPath, serveEmbedded, socketPath } from '../../db/embedded.ts';

const accountsCsv = '../shared/data/maven-crm/accounts.csv';

function run(args: string[], env: Record<string, string>, stdin = false): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  return Object.assign(child, { output: () => out });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

async function waitFor(read: () => string, pattern: RegExp, timeoutMs = 240_000): Promise<void> {
  const t0 = Date.now();
  while (!pattern.test(read())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`no ${pattern} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the bot and the icp command line on one embedded data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'icp-shared-'));
  const env = { DATA_DIR: dataDir };
  let bot: ReturnType<typeof run> | undefined;

  afterAll(async () => {
    if (bot && bot.exitCode === null) {
      bot.kill('SIGKILL');
      await exited(bot);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the CLI works on the running bot’s data; a second bot refuses; the data outlives the bot', async () => {
    bot = run(['src/app.ts'], env, true);
    await waitFor(bot.output, /starting the local console/);
    expect(existsSync(socketPath(dataDir))).toBe(true);

    const imported = run(['src/cli/icp.ts', 'import', 'accounts', accountsCsv], env);
    expect(await exited(imported)).toBe(0);
    expect(imported.output()).toMatch(/Imported 85 accounts rows/);

    // The running bot answers from the rows the CLI imported a moment ago.
    bot.stdin?.write('/icp-check Betasoloin\n');
    await waitFor(bot.output, /ICP check: Betasoloin[\s\S]*score \*\d+\*\/100/);

    const second = run(['src/app.ts'], env, true);
    expect(await exited(second)).toBe(1);
    expect(second.output()).toContain(
      `Start-up failed: Another ICP Coach (pid ${bot.pid}) is already running on the embedded database in ${dataDir}: stop it first`,
    );

    bot.stdin?.write('exit\n');
    expect(await exited(bot)).toBe(0);
    expect(existsSync(lockPath(dataDir))).toBe(false);

    // With the bot gone the CLI opens the folder itself, and the import is still there.
    const check = run(['src/cli/icp.ts', 'check', 'Betasoloin', '--json'], env);
    expect(await exited(check)).toBe(0);
    expect(check.output()).toMatch(/"name": "Betasoloin"/);
  }, 600_000);
});

describe('statements from the socket and from the bot take turns', () => {
  it('the bot does not run inside a socket client’s transaction, and sees it once committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icp-gate-'));
    const client = await PGlite.create();
    const served = await serveEmbedded(client, join(dir, '.s.PGSQL.5432'));
    const cli = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
    try {
      await cli.connect();
      await served.db.query('create table t (n int)');
      await cli.query('begin');
      await cli.query('insert into t values (1)');
      let botSaw: number | undefined;
      const botQuery = served.db.query<{ c: number }>('select count(*)::int as c from t').then((r) => {
        botSaw = r.rows[0]?.c;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(botSaw).toBeUndefined(); // waiting for the transaction, not running inside it
      await cli.query('insert into t values (2)');
      await cli.query('commit');
      await botQuery;
      expect(botSaw).toBe(2);
    } finally {
      await cli.end();
      await served.stop();
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
