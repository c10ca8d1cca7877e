import { describe, expect, it } from 'vitest';
import type { Db } from '../../db/client.ts';
import { FIRST_ANALYZE_ROWS, statisticsKeeper } from '../../src/usecases/import-writes.ts';

/** A stand-in transaction that records the SQL it is asked to run (the keeper only runs ANALYZE). */
function recordingTx(): { tx: Db; ran: string[] } {
  const ran: string[] = [];
  const tx = {
    execute: async (q: { queryChunks: { value?: string[] }[] }) => {
      ran.push(q.queryChunks.flatMap((c) => c.value ?? []).join(''));
      return { rows: [] };
    },
  } as unknown as Db;
  return { tx, ran };
}

describe('statistics kept in step with a growing table', () => {
  it('analyzes after the first thousand rows, then each time the rows written double', async () => {
    const { tx, ran } = recordingTx();
    const keep = statisticsKeeper('deals');
    const analyzedAt: number[] = [];
    let written = 0;
    for (let page = 0; page < 300; page++) {
      const before = ran.length;
      await keep(tx, 100);
      written += 100;
      if (ran.length > before) analyzedAt.push(written);
    }
    expect(FIRST_ANALYZE_ROWS).toBe(1000);
    // 30,000 rows in pages of 100: five ANALYZE rounds, not one per page.
    expect(analyzedAt).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(ran.filter((s) => s === 'ANALYZE deals')).toHaveLength(5);
    expect(ran.filter((s) => s === 'ANALYZE accounts')).toHaveLength(5);
  });
});
