/** Work run one piece at a time, in the order asked; a piece that fails does not stop the next. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** A mutex per key (an address, a stream): work on one key waits for that key's earlier work only. */
export class KeyedMutex<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  run<T>(key: K, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const settled = result.catch(() => undefined);
    this.tails.set(key, settled);
    // The key is dropped once its last piece of work is done.
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
