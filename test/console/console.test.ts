import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCommands } from '../../commands/index.ts';
import { insertAccounts } from '../../db/queries/accounts.ts';
import { applyIcp } from '../../db/queries/icp.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createConsole, type LocalConsole } from '../../src/console/console.ts';
import { createLogger } from '../../src/logger.ts';
import { loadReviewSettings } from '../../src/usecases/review-settings.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

describe(`local console (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDb;
  let out: string[];
  let answers: string[];
  let c: LocalConsole;

  beforeAll(async () => {
    db = await createTestDb();
    await insertAccounts(db.db, 'T_LOCAL', [
      {
        name: 'Northwind Analytics',
        domain: 'northwind-analytics.se',
        industry: 'Software',
        employees: 140,
        country: 'SE',
      },
    ]);
    out = [];
    answers = [];
    const deps = buildDeps(loadConfig({}), db, createLogger({ write: () => undefined }));
    c = await createConsole(
      deps,
      {
        write: (t) => out.push(t),
        ask: async () => answers.shift() ?? null,
      },
      registerCommands,
    );
  });
  afterAll(async () => {
    await c?.close();
    await db?.close();
  });

  const printed = () => out.splice(0).join('');

  it('renders the same /icp-check card as text, with numbered buttons', async () => {
    await c.handle('/icp-check northwind-analytics.se');
    const text = printed();
    expect(text).toContain('ICP check: Northwind Analytics');
    expect(text).toMatch(/\*Company size\*: 140/);
    expect(text).toMatch(/\[1: Share in channel\]/);
  });

  it('presses a button: Share posts the card in the channel', async () => {
    await c.handle('/icp-check northwind-analytics.se');
    printed();
    await c.handle('click 1');
    const text = printed();
    expect(text).toContain('posted in #local');
    expect(text).toContain('checked by @U0LOCALUSER');
  });

  it('fills a modal by prompting for each field, then re-scores', async () => {
    await c.handle('/icp-check northwind-analytics.se');
    const card = printed();
    const n = /\[(\d+): Add missing details\]/.exec(card)?.[1];
    expect(n).toBeDefined();
    answers.push(...Array.from({ length: 12 }, (_, i) => (i === 0 ? 'B2B' : '')));
    await c.handle(`click ${n}`);
    const text = printed();
    expect(text).toContain('Add missing details');
    expect(text).toContain('ICP check: Northwind Analytics');
    expect(text).toMatch(/Business model\*: B2B/);
  });

  it('saves reminder settings from a typed channel, time and timezone (an owner of the ICP)', async () => {
    const source = readFileSync('db/seed/icp.default.yml', 'utf8').replace('U00000000AA', 'U0LOCALUSER');
    await applyIcp(db.db, { teamId: 'T_LOCAL', source, createdBy: 'test' });
    answers.length = 0;
    answers.push('#local', '9:30', 'Europe/Berlin');
    await c.handle('/icp-review settings');
    const text = printed();
    expect(text).not.toContain('✗');
    expect(text).toContain('reminders will be posted in #C0LOCALCHAN at 09:30 (Europe/Berlin)');
    expect(await loadReviewSettings(db.db, 'T_LOCAL')).toMatchObject({
      channelId: 'C0LOCALCHAN',
      timeOfDay: '09:30',
      timezone: 'Europe/Berlin',
    });
    answers.push('', '10:00', '');
    await c.handle('/icp-review settings');
    expect(printed()).not.toContain('✗');
    expect(await loadReviewSettings(db.db, 'T_LOCAL')).toMatchObject({
      channelId: 'C0LOCALCHAN',
      timeOfDay: '10:00',
      timezone: 'Europe/Berlin',
    });
  });

  it('explains what it understands when the input is not a command', async () => {
    await c.handle('hello');
    expect(printed()).toContain('Type a slash command');
    await c.handle('click 99');
    expect(printed()).toContain('No button 99');
  });

  it('shows a holding line before the answer that replaces it (/icp-review suggest)', async () => {
    await c.handle('/icp-review suggest');
    const text = printed();
    const holding = text.indexOf('Profiling your accounts and deals');
    const answer = text.indexOf('There are no decided deals yet to learn from');
    expect(holding).toBeGreaterThanOrEqual(0);
    expect(answer).toBeGreaterThan(holding);
  });

  it('shows the App Home', async () => {
    await c.handle('home');
    expect(printed()).toContain('App Home');
  });

  it('shows the drift report from the App Home in a modal, once, when it is ready', async () => {
    await c.handle('home');
    const n = /\[(\d+): Drift report\]/.exec(printed())?.[1];
    expect(n).toBeDefined();
    await c.handle(`click ${n}`);
    const text = printed();
    expect(text.match(/┌─ ICP drift report ─┐/g)).toHaveLength(1);
    expect(text).toContain('Not enough data');
    expect(text).not.toContain('Computing the drift report');
    expect(text).not.toContain('modal inputs need');
  });

  it('checks a company from the App Home modal, and a candidate picked there updates the modal', async () => {
    await insertAccounts(db.db, 'T_LOCAL', [
      {
        externalId: 'gx-se',
        name: 'Globex Nordic',
        domain: 'globex.se',
        industry: 'Software',
        employees: 90,
        country: 'SE',
      },
      {
        externalId: 'gx-no',
        name: 'Globex Nordics',
        domain: 'globex.no',
        industry: 'Fintech',
        employees: 300,
        country: 'NO',
      },
    ]);
    await c.handle('home');
    const n = /\[(\d+): Check a company\]/.exec(printed())?.[1];
    expect(n).toBeDefined();
    answers.push('Globex');
    await c.handle(`click ${n}`);
    const asked = printed();
    expect(asked).toContain('┌─ Check a company ─┐');
    expect(asked).toContain('Several companies match');
    // The Home tab refreshed behind the modal is not printed over it.
    expect(asked).not.toContain('── App Home ──');
    // Candidates are listed lowest id first: Globex Nordic, then Globex Nordics.
    const which = [...asked.matchAll(/\[(\d+): Check this one\]/g)].map((m) => m[1]);
    expect(which).toHaveLength(2);
    await c.handle(`click ${which[1]}`);
    const card = printed();
    expect(card).toContain('┌─ Check a company ─┐');
    expect(card).toContain('ICP check: Globex Nordics');
    expect(card).not.toContain('Share in channel');
    expect(card).not.toContain('── App Home ──');
    await c.handle('home');
    expect(printed()).toContain('Globex Nordics');
  });
});
