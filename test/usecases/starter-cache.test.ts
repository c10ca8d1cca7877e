import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { setupSection } from '../../src/slack/blocks/home.ts';
import { buildHome } from '../../src/usecases/home.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { starterIcp } from '../../src/usecases/starter-icp.ts';
import { suggestIcp } from '../../src/usecases/suggest-icp.ts';
import { assertValidHome } from '../helpers/blockkit.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { seedPlanted } from '../learn/planted-db.ts';

describe(`the starter ICP is computed once per data change (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let base: Deps;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDb();
    base = buildDeps(loadConfig({}), t, createLogger({ level: 'error', json: true }));
    dir = mkdtempSync(join(tmpdir(), 'icp-starter-cache-'));
    await seedPlanted(t.db, 'T_CACHE', { seed: 5, accounts: 1500, signal: true });
    await seedPlanted(t.db, 'T_BIG', { seed: 6, accounts: 300, signal: true });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('profiles the deals on the first App Home open only, and again after an import or a changed deal', async () => {
    const runs = vi.fn(suggestIcp);
    const deps: Deps = { ...base, suggestIcp: runs };
    const home = async () => {
      const view = await buildHome(deps, 'T_CACHE', 'U0HOME');
      assertValidHome(view);
      return JSON.stringify(view);
    };
    const first = await home();
    expect(first).toContain('your data suggests one:');
    expect(runs).toHaveBeenCalledTimes(1);
    expect(await home()).toBe(first);
    expect(await home()).toBe(first);
    expect(runs).toHaveBeenCalledTimes(1);

    const file = join(dir, 'deals.csv');
    writeFileSync(file, 'Deal ID,Account ID,Stage,Close Date\nNEW1,P1,Closed Won,2026-03-01\n');
    const imported = await importFile(t.db, { teamId: 'T_CACHE', kind: 'deals', input: file });
    expect(imported.inserted).toBe(1);
    const after = await home();
    expect(runs).toHaveBeenCalledTimes(2);
    expect(after).toContain('your data suggests one:');
    await home();
    expect(runs).toHaveBeenCalledTimes(2);

    // A re-import that changes a deal in place (no new row, no timestamp on deals) is a data change too.
    await t.db.execute(sql`UPDATE deals SET outcome = 'won' WHERE team_id = 'T_CACHE' AND external_id = 'D0'`);
    await home();
    expect(runs).toHaveBeenCalledTimes(3);
    // Another team's import leaves this team's result alone.
    await importFile(t.db, { teamId: 'T_OTHER', kind: 'deals', input: file });
    await home();
    expect(runs).toHaveBeenCalledTimes(3);
  }, 300_000);

  it('computes a large one in the background: Home says "Computing…" at once, and shows the result later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const runs = vi.fn(async (...args: Parameters<typeof suggestIcp>) => {
      await gate;
      return suggestIcp(...args);
    });
    const deps: Deps = { ...base, suggestIcp: runs };
    const big = { backgroundFrom: 100 };
    const s = await starterIcp(deps, 'T_BIG', big);
    expect(s).toMatchObject({ signal: 'computing', accounts: 300 });
    expect(await starterIcp(deps, 'T_BIG', big)).toMatchObject({ signal: 'computing' });
    expect(runs).toHaveBeenCalledTimes(1);
    const blocks = setupSection({
      teamId: 'T0123ABC',
      userId: 'U0456DEF',
      icpApplied: false,
      ownersSet: false,
      accounts: true,
      deals: true,
      reminderChannel: false,
      starter: s,
    });
    assertValidHome({ type: 'home', blocks });
    const text = JSON.stringify(blocks);
    expect(text).toContain('Computing… what your data (300 accounts) suggests instead');
    expect(text).toContain('See the suggested ICP');

    release();
    await vi.waitFor(async () => {
      expect((await starterIcp(deps, 'T_BIG', big))?.signal).toBe('found');
    });
    expect(runs).toHaveBeenCalledTimes(1);
    // Below the threshold (the CLI, the console) it is computed before answering.
    expect((await starterIcp(deps, 'T_BIG'))?.signal).toBe('found');
    expect(runs).toHaveBeenCalledTimes(1);
  }, 300_000);
});
