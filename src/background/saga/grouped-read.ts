/**
 * A read by key whose callers, while a read is in flight, wait and are answered together by the next one (one
 * transaction for many: a bulk selection's clicks, transfers that end together). The first caller reads at once
 * (alone, with `one`). Without `many`, each reads alone.
 */
export function groupedRead<K, R>(one: (key: K) => Promise<R[]>, many: ((keys: readonly K[]) => Promise<R[]>) | undefined, keyOf: (row: R) => K): (key: K) => Promise<R[]> {
  if (!many) return one;
  let waiting = new Map<K, { resolve: (rows: R[]) => void; reject: (error: unknown) => void }[]>();
  let reading = false;
  const drain = async (): Promise<void> => {
    while (waiting.size > 0) {
      const batch = waiting;
      waiting = new Map();
      try {
        const keys = [...batch.keys()];
        // One key: the plain read (an `anyOf` walks a cursor, an `equals` gets all at once).
        const rows = keys.length === 1 ? await one(keys[0] as K) : await many(keys);
        const byKey = new Map<K, R[]>();
        for (const row of rows) {
          const key = keyOf(row);
          const list = byKey.get(key);
          if (list) list.push(row);
          else byKey.set(key, [row]);
        }
        for (const [key, callers] of batch) for (const caller of callers) caller.resolve([...(byKey.get(key) ?? [])]);
      } catch (error) {
        for (const callers of batch.values()) for (const caller of callers) caller.reject(error);
      }
    }
    reading = false;
  };
  return (key) =>
    new Promise((resolve, reject) => {
      const callers = waiting.get(key) ?? [];
      callers.push({ resolve, reject });
      waiting.set(key, callers);
      if (reading) return;
      reading = true;
      void drain();
    });
}
