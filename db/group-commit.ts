/**
 * Group commit: many concurrent callers, one statement. A call made while no batch is running starts
 * one at once (no added latency on a quiet server); calls made while a batch runs wait for it and go
 * together into the next one. Each caller still gets its own result only after a statement that
 * started after its call has finished, so nothing is answered from a stale read or before its write
 * is committed. Under load this turns N round trips into about one per batch.
 */
/** A batch result standing for one item's own failure: that caller is rejected, the others are not. */
export class ItemFailed {
  constructor(readonly error: unknown) {}
}

export class GroupCommit<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  /**
   * @param run executes one batch; must return one result (or ItemFailed) per item, in order. When it
   *   throws, every caller of the batch is rejected with that error.
   * @param maxBatch items per statement at most (the rest wait for the next one).
   */
  constructor(
    private readonly run: (items: I[]) => Promise<(O | ItemFailed)[]>,
    private readonly maxBatch = 256,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const out = await this.run(batch.map((b) => b.item));
          if (out.length !== batch.length) throw new Error(`group commit: ${out.length} results for ${batch.length}`);
          batch.forEach((b, i) => {
            const r = out[i];
            if (r instanceof ItemFailed) b.reject(r.error);
            else b.resolve(r as O);
          });
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** One GroupCommit per key object (a database handle), made on first use. */
export function perHandle<K extends object, I, O>(make: (key: K) => GroupCommit<I, O>): (key: K) => GroupCommit<I, O> {
  const map = new WeakMap<K, GroupCommit<I, O>>();
  return (key) => {
    let g = map.get(key);
    if (!g) {
      g = make(key);
      map.set(key, g);
    }
    return g;
  };
}
