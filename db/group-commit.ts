/**
 * Group commit: many concurrent callers, one statement. A call made while no batch is running starts
 * one once the event loop has handled the rest of its current I/O (`setImmediate`): requests that
 * arrived together (one poll of the sockets) share that statement, and a quiet server adds no timer
 * delay. Calls made while a batch runs wait for it and go together into the next one. Each caller
 * still gets its own result only after a statement that started after its call has finished, so
 * nothing is answered from a stale read or before its write is committed. Under load this turns N
 * round trips into about one per batch.
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
    /**
     * For work nobody waits on (a write behind an answer already sent): gather calls for this long
     * before each statement starts, so writes go in batches at any load. 0: only the rest of the
     * current event-loop turn.
     */
    private readonly lingerMs = 0,
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
        if (this.queue.length < this.maxBatch) {
          await new Promise((r) => (this.lingerMs > 0 ? setTimeout(r, this.lingerMs) : setImmediate(r)));
        }
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

/** One value per key object (a database handle), made on first use and dropped with the key. */
export function perHandle<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const map = new WeakMap<K, V>();
  return (key) => {
    let v = map.get(key);
    if (v === undefined) {
      v = make(key);
      map.set(key, v);
    }
    return v;
  };
}
