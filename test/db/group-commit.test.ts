import { describe, expect, it } from 'vitest';
import { GroupCommit, ItemFailed } from '../../db/group-commit.ts';

/** A batch runner whose statements finish only when the test says so. */
function controlled() {
  const batches: number[][] = [];
  const release: (() => void)[] = [];
  const g = new GroupCommit<number, number>(async (items) => {
    batches.push(items);
    await new Promise<void>((r) => release.push(r));
    return items.map((i) => (i < 0 ? new ItemFailed(new Error(`bad ${i}`)) : i * 10));
  }, 3);
  return { g, batches, release };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('runs the first call at once and batches the calls made while it runs', async () => {
    const { g, batches, release } = controlled();
    const first = g.submit(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const later = [g.submit(2), g.submit(3)];
    await tick();
    expect(batches).toEqual([[1]]); // they wait for the running statement
    release.shift()?.();
    expect(await first).toBe(10);
    await tick();
    expect(batches).toEqual([[1], [2, 3]]);
    release.shift()?.();
    expect(await Promise.all(later)).toEqual([20, 30]);
  });

  it('puts the calls made in one event-loop turn into one statement', async () => {
    const { g, batches, release } = controlled();
    const calls = [g.submit(1), g.submit(2)];
    await Promise.resolve(); // a later microtask of the same turn still joins
    calls.push(g.submit(3));
    await tick();
    expect(batches).toEqual([[1, 2, 3]]);
    release.shift()?.();
    expect(await Promise.all(calls)).toEqual([10, 20, 30]);
  });

  it('never answers a call from a statement that started before it', async () => {
    const { g, batches, release } = controlled();
    const a = g.submit(1);
    await tick();
    const b = g.submit(2); // made while [1] runs
    release.shift()?.();
    await a;
    await tick();
    expect(batches[1]).toEqual([2]);
    release.shift()?.();
    expect(await b).toBe(20);
  });

  it('caps a batch and carries the rest to the next statement', async () => {
    const { g, batches, release } = controlled();
    const a = g.submit(0);
    await tick();
    const rest = [1, 2, 3, 4, 5].map((i) => g.submit(i));
    for (let i = 0; i < 3; i++) {
      release.shift()?.();
      await tick();
      await tick();
    }
    expect(await a).toBe(0);
    expect(await Promise.all(rest)).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('rejects only the item that failed, and every caller when the statement fails', async () => {
    const { g, release } = controlled();
    const first = g.submit(1);
    await tick();
    const good = g.submit(2);
    const bad = g.submit(-1);
    release.shift()?.();
    await first;
    await tick();
    release.shift()?.();
    expect(await good).toBe(20);
    await expect(bad).rejects.toThrow('bad -1');

    const failing = new GroupCommit<number, number>(async () => {
      throw new Error('connection lost');
    });
    const results = await Promise.allSettled([failing.submit(1), failing.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // It recovers: the next call starts a new statement.
    const ok = new GroupCommit<number, number>(async (items) => items);
    expect(await ok.submit(7)).toBe(7);
  });

  it('with a linger, gathers the calls of a quiet moment into one statement', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, number>(
      async (items) => {
        batches.push(items);
        return items;
      },
      256,
      20,
    );
    const first = g.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const second = g.submit(2);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('with a linger, lingers again before each later statement', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const g = new GroupCommit<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
        return items;
      },
      256,
      20,
    );
    const first = g.submit(1);
    await new Promise((r) => setTimeout(r, 30)); // [1] is running
    const second = g.submit(2);
    release();
    await first;
    await new Promise((r) => setTimeout(r, 5)); // within the next linger: 3 joins 2
    const third = g.submit(3);
    expect(await Promise.all([second, third])).toEqual([2, 3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('rejects every caller of a batch whose result count is wrong', async () => {
    const g = new GroupCommit<number, number>(async () => [1]);
    const first = g.submit(1);
    await tick(); // [1] is running: 2 and 3 go into the next statement
    const results = await Promise.allSettled([first, g.submit(2), g.submit(3)]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(results.slice(1).every((r) => r.status === 'rejected')).toBe(true);
  });
});
