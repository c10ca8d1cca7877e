/**
 * The check log keeps a check's inputs (the facts its ICP version read) and re-scores them on demand.
 * Whatever is re-scored later (Share, the modals) must be exactly what the user was answered.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.ts';
import { applyIcp } from '../../db/queries/icp.ts';
import { queryRows } from '../../db/raw.ts';
import { checkCompany, loadCheck } from '../../src/usecases/check-company.ts';
import { IcpProvider, readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { importFile } from '../../src/usecases/import-file.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const demo = fileURLToPath(new URL('../../db/seed/demo/accounts.csv', import.meta.url));
const T = 'T_LOG';

describe(`check log re-scoring (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let deps: { db: TestDb['db']; icp: IcpProvider; llm: undefined };
  beforeAll(async () => {
    t = await createTestDb();
    deps = { db: t.db, icp: new IcpProvider(t.db), llm: undefined };
    await importFile(t.db, { teamId: T, kind: 'accounts', input: demo, format: 'auto' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('reproduces every answered check line for line, under the version it was made with', async () => {
    const names = await queryRows<{ name: string }>(
      t.db,
      sql`select name from accounts where team_id = ${T} order by id limit 12`,
    );
    const texts = [
      ...names.map((n) => n.name),
      'Unknown Startup employees=120 country=SE industry=fintech',
      `${names[0]!.name} employees=9999 country=US`,
    ];
    const answered = [];
    for (const text of texts) {
      const o = await checkCompany(deps, { teamId: T, userId: 'U1', text, useAi: false });
      if (o.kind === 'scored') answered.push(o);
    }
    expect(answered.length).toBeGreaterThanOrEqual(12);
    // A new ICP version afterwards must not change how the earlier checks read.
    await applyIcp(t.db, { teamId: T, source: readDefaultIcp().replace('tier1: 75', 'tier1: 90'), createdBy: 'U1' });
    const fresh = { ...deps, icp: new IcpProvider(t.db) }; // nothing compiled yet, as after a restart
    for (const o of answered) {
      const loaded = await loadCheck(fresh, T, o.checkId);
      expect(loaded?.outcome.result).toEqual(o.result);
      expect(loaded?.outcome.company).toEqual(o.company);
      expect(loaded?.outcome.origins).toEqual(o.origins);
      expect(loaded?.outcome.result.icpVersion).toBe(1);
    }
    // Scoped: another workspace cannot load it.
    expect(await loadCheck(fresh, 'T_OTHER', answered[0]!.checkId)).toBeNull();
  });

  it('answers under a version applied elsewhere since this process last looked', async () => {
    const team = 'T_REPLICA';
    await importFile(t.db, { teamId: team, kind: 'accounts', input: demo, format: 'auto' });
    const replica = { ...deps, icp: new IcpProvider(t.db) };
    const first = await checkCompany(replica, {
      teamId: team,
      userId: 'U1',
      text: 'Braxamere Software',
      useAi: false,
    });
    expect(first.kind === 'scored' && first.result.icpVersion).toBe(1);
    // Another replica (or the CLI) applies version 2: this process still holds version 1.
    // Version 2 no longer counts Software as a target industry.
    const v2 = readDefaultIcp().replace('values: [Software, SaaS, Technology]', 'values: [SaaS, Technology]');
    await applyIcp(t.db, { teamId: team, source: v2, createdBy: 'U1' });
    const second = await checkCompany(replica, {
      teamId: team,
      userId: 'U1',
      text: 'Braxamere Software',
      useAi: false,
    });
    expect(second.kind).toBe('scored');
    if (second.kind !== 'scored') return;
    expect(second.result.icpVersion).toBe(2);
    const industry = (r: typeof second.result) => r.lines.find((l) => l.field === 'industry')?.status;
    expect(first.kind === 'scored' && industry(first.result)).toBe('match');
    expect(industry(second.result)).toBe('miss'); // version 2's rule took effect
    expect(second.result.score).toBeLessThan(first.kind === 'scored' ? first.result.score : 0);
    const [row] = await queryRows<{ icp_version: number; tier: string }>(
      t.db,
      sql`select icp_version, tier from checks where id = ${second.checkId}`,
    );
    expect(row).toEqual({ icp_version: 2, tier: second.result.tier });
    const loaded = await loadCheck({ ...deps, icp: new IcpProvider(t.db) }, team, second.checkId);
    expect(loaded?.outcome.result).toEqual(second.result);
  });

  it('commits the log row before answering, so any replica can read the check at once', async () => {
    const o = await checkCompany(deps, { teamId: T, userId: 'U9', text: 'Braxamere Software', useAi: false });
    expect(o.kind).toBe('scored');
    if (o.kind !== 'scored') return;
    // Another process (a second replica serving the Share click) sees the row through its own connection.
    const other = t.url ? await createDb({ databaseUrl: t.url, poolMax: 1 }) : t;
    try {
      const [row] = await queryRows<{ user_id: string }>(
        other.db,
        sql`select user_id from checks where id = ${o.checkId}`,
      );
      expect(row?.user_id).toBe('U9');
      const loaded = await loadCheck({ ...deps, db: other.db, icp: new IcpProvider(other.db) }, T, o.checkId);
      expect(loaded?.outcome.result).toEqual(o.result);
    } finally {
      if (other !== t) await other.close();
    }
  });

  it('fails a check whose log row cannot be written instead of answering with buttons that lead nowhere', async () => {
    // A clock that makes the logged latency overflow its int column: the write fails in the database.
    const times = [0, 3e9];
    const failing = { ...deps, now: () => times.shift() ?? 0 };
    await expect(
      checkCompany(failing, { teamId: T, userId: 'U7', text: 'Braxamere Software', useAi: false }),
    ).rejects.toThrow();
    // The next check logs normally.
    const next = await checkCompany(deps, { teamId: T, userId: 'U7', text: 'Braxamere Software', useAi: false });
    expect(next.kind === 'scored' && (await loadCheck(deps, T, next.checkId))?.outcome.company.name).toBe(
      'Braxamere Software',
    );
  });

  it('logs a text cut at an emoji whole, so the check stays readable', async () => {
    // The cut falls inside the emoji: a surrogate pair (1999–2000) and a family emoji joined by ZWJs.
    for (const emoji of ['😀', '👩‍👩‍👧']) {
      const head = 'Unknown Startup, employees=120 country=SE a description ';
      const text = `${head}${'x'.repeat(1999 - head.length)}${emoji} and more`;
      expect(text.indexOf(emoji)).toBe(1999);
      const o = await checkCompany(deps, { teamId: T, userId: 'U5', text, useAi: false });
      expect(o.kind).toBe('scored');
      if (o.kind !== 'scored') return;
      const [row] = await queryRows<{ query: string }>(t.db, sql`select query from checks where id = ${o.checkId}`);
      expect(row?.query).toBe(text.slice(0, 1999));
      expect((await loadCheck(deps, T, o.checkId))?.outcome.company.name).toBe('Unknown Startup');
    }
  });

  it('logs only the facts the ICP reads, not the whole CRM record', async () => {
    const o = await checkCompany(deps, { teamId: T, userId: 'U1', text: 'x employees=50 note=hello', useAi: false });
    expect(o.kind).toBe('scored');
    if (o.kind !== 'scored') return;
    const [row] = await queryRows<{ result: { facts: Record<string, unknown>; inline: Record<string, unknown> } }>(
      t.db,
      sql`select result from checks where id = ${o.checkId}`,
    );
    expect(row?.result.facts.employees).toBe(50);
    expect(row?.result.facts).not.toHaveProperty('note');
  });

  it('keeps a check readable after its account is deleted by hand', async () => {
    const [acc] = await queryRows<{ id: number; name: string }>(
      t.db,
      sql`select id, name from accounts where team_id = ${T} order by id desc limit 1`,
    );
    const o = await checkCompany(deps, { teamId: T, userId: 'U1', text: acc!.name, useAi: false });
    expect(o.kind).toBe('scored');
    if (o.kind !== 'scored') return;
    // The log's account_id is a foreign key that lets go of a deleted account; re-scoring reads the logged inputs.
    await t.db.execute(sql`delete from accounts where id = ${acc!.id}`);
    const loaded = await loadCheck(deps, T, o.checkId);
    expect(loaded?.outcome.result).toEqual(o.result);
    expect(loaded?.outcome.company.name).toBe(acc!.name);
    const [row] = await queryRows<{ account_id: number | null }>(
      t.db,
      sql`select account_id from checks where id = ${o.checkId}`,
    );
    expect(row?.account_id).toBeNull();
  });
});
