import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../db/schema.ts';
import { csvCell } from '../../src/cli/csv.ts';
import { runCli } from '../../src/cli/icp.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

describe('CSV cells the bot writes', () => {
  it('neutralises cells a spreadsheet would run as a formula (OWASP)', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","Click")')).toBe(
      '"\'=HYPERLINK(""http://evil.example"",""Click"")"',
    );
    expect(csvCell('+46 8 123')).toBe(`"'+46 8 123"`);
    expect(csvCell('-2+3')).toBe(`"'-2+3"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('\t=1')).toBe(`"'\t=1"`);
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
  });
  it('leaves plain text and numbers as they are', () => {
    expect(csvCell('Acme, Inc.')).toBe('"Acme, Inc."');
    expect(csvCell('Acme = best')).toBe('Acme = best');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });
});

describe(`icp scores --csv (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes hostile account names as inert text', async () => {
    const names = ['=HYPERLINK("http://evil.example","x")', '+cmd', '-1+1', '@SUM(1)', 'Plain AB'];
    await t.db
      .insert(accounts)
      .values(
        names.map((name, i) => ({ teamId: 'T_CSV', externalId: `A${i}`, name, normalizedName: `n${i}`, score: 50 })),
      );
    const out: string[] = [];
    const code = await runCli(
      ['scores', '--csv', '--team', 'T_CSV'],
      {},
      { out: (x) => out.push(x), err: () => {} },
      t,
    );
    expect(code).toBe(0);
    const lines = out.join('\n').split('\n').slice(1);
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      const name = line.split(',')[1]!;
      expect(name).not.toMatch(/^"?[=+\-@\t\r]/);
    }
    expect(lines.join('\n')).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(lines.join('\n')).toContain('Plain AB');
  });
});
