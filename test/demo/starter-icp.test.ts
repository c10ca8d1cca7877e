import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, consoleIntro } from '../../src/app.ts';
import { runCli } from '../../src/cli/icp.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { demoFiles } from '../../src/usecases/demo-data.ts';
import { buildHome } from '../../src/usecases/home.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { starterIcp } from '../../src/usecases/starter-icp.ts';
import { assertValidHome } from '../helpers/blockkit.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import { seedPlanted } from '../learn/planted-db.ts';

describe(`a starter ICP from the workspace's own data (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let deps: Deps;
  let dir: string;
  const icp = async (team: string, ...argv: string[]) => {
    const out: string[] = [];
    const code = await runCli([...argv, '--team', team], {}, { out: (x) => out.push(x), err: () => {} }, t);
    return { code, out: out.join('\n') };
  };
  beforeAll(async () => {
    t = await createTestDb();
    deps = buildDeps(loadConfig({ DEFAULT_TEAM_ID: 'T_CONSOLE' }), t, createLogger({ level: 'error', json: true }));
    dir = mkdtempSync(join(tmpdir(), 'icp-starter-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is offered by `icp import` once accounts and deals are in, and gone once an ICP of their own is applied', async () => {
    const accounts = await icp('T_CLI', 'import', 'accounts', demoFiles.accounts);
    expect(accounts.code).toBe(0);
    expect(accounts.out).not.toContain('Your data suggests');
    expect(await starterIcp(deps, 'T_CLI')).toBeNull();

    const dealsOut = await icp('T_CLI', 'import', 'deals', demoFiles.deals);
    expect(dealsOut.out).toContain(
      'Your data suggests an ICP: 4 attributes separate wins from losses in 4,100 decided deals (Industry, Company size, Annual revenue and Headquarters region), and the example ICP is still in charge.',
    );
    expect(dealsOut.out).toContain('See it with `npm run icp -- suggest --team T_CLI`');
    const json = JSON.parse((await icp('T_CLI', 'import', 'deals', demoFiles.deals, '--json')).out) as {
      starter: { signal: string; attributes: string[] };
    };
    expect(json.starter).toMatchObject({ signal: 'found', attributes: expect.arrayContaining(['Industry']) });

    const view = await buildHome(deps, 'T_CLI', 'U0HOME');
    assertValidHome(view);
    const home = JSON.stringify(view);
    expect(home).toContain('your data suggests one: 4 attributes separate wins from losses');
    expect(home).toContain(
      '"block_id":"icp_home_starter_actions","elements":[{"type":"button","action_id":"icp_suggest_action"',
    );

    const yaml = JSON.parse((await icp('T_CLI', 'suggest', '--json')).out).proposal.yaml as string;
    writeFileSync(join(dir, 'mine.yml'), yaml);
    expect((await icp('T_CLI', 'apply', join(dir, 'mine.yml'))).code).toBe(0);
    expect(await starterIcp(deps, 'T_CLI')).toBeNull();
    expect((await icp('T_CLI', 'import', 'deals', demoFiles.deals)).out).not.toContain('Your data suggests');
    const after = JSON.stringify(await buildHome(deps, 'T_CLI', 'U0HOME'));
    expect(after).not.toContain('icp_home_starter_actions');
    expect(after).not.toContain('Your data suggests');
  });

  it('says honestly when the data separates nothing, and keeps the example', async () => {
    await seedPlanted(t.db, 'T_NOISE', { seed: 7, accounts: 1500, signal: false });
    const s = await starterIcp(deps, 'T_NOISE');
    expect(s).toMatchObject({ signal: 'none', attributes: [] });
    expect(s!.summary).toMatch(/no attribute separates wins from losses/);
    const view = await buildHome(deps, 'T_NOISE', 'U0HOME');
    assertValidHome(view);
    const home = JSON.stringify(view);
    expect(home).toContain('This is the example ICP, and your data suggests none yet');
    expect(home).not.toContain('See the suggested ICP');
  });

  it('the console starts a new workspace on the demo data, and offers an imported one its starter', async () => {
    const intro = await consoleIntro(deps);
    expect(intro).toContain('Demo data loaded: 1,200 fictional accounts');
    expect(intro).toContain('It runs on the ICP its own data suggests (version 2)');
    expect(await consoleIntro(deps)).toBeUndefined(); // demo loaded, its ICP applied: nothing to offer

    await importFile(t.db, { teamId: 'T_OWN', kind: 'accounts', input: demoFiles.accounts });
    await importFile(t.db, { teamId: 'T_OWN', kind: 'deals', input: demoFiles.deals });
    const own = { ...deps, config: loadConfig({ DEFAULT_TEAM_ID: 'T_OWN' }) };
    const offer = await consoleIntro(own);
    expect(offer).toContain('Your data suggests an ICP: 4 attributes separate wins from losses');
    expect(offer).toContain('See it with `/icp-review suggest`');
  });
});
