/** The event store's write-through cache of the streams it wrote (src/store/dexie-event-store.ts). */
import type { DownloadRow } from './database.ts';

/** What this context knows of a stream after its own last committed write (see `StreamCache`). */
export interface KnownStream {
  version: number;
  aggregateType: string;
  /** The stream's downloads row as this context last wrote or read it (undefined: the stream has none). */
  row: DownloadRow | undefined;
}

/** How many streams the cache remembers (the least recently used go first). */
const CACHE_LIMIT = 2000;

/**
 * A write-through cache of the streams this context wrote, so that the hot path reads nothing before it writes.
 *
 * Only `DexieEventStore` appends (in the worker); the import writes only streams this store never wrote,
 * compaction removes events but never changes a stream's version or its row, and forgetting a download (which
 * deletes its stream) runs through `runExclusive` and clears the cache. So an entry can only be behind the
 * database, never ahead, and being behind is caught before anything is decided on it: a version that does not
 * match the caller's expectation is read again inside the transaction before a conflict is reported, and a
 * write at a version another context already wrote fails on the unique `[streamId+version]` index, which aborts
 * the batch; the batch is then done again with every version, id and row read from the database.
 * Entries are only set after a transaction committed, from what it wrote; a failed one changes nothing.
 */
export class StreamCache {
  private readonly entries = new Map<string, KnownStream>();

  get(streamId: string): KnownStream | undefined {
    const entry = this.entries.get(streamId);
    if (entry) {
      this.entries.delete(streamId);
      this.entries.set(streamId, entry);
    }
    return entry;
  }

  set(streamId: string, entry: KnownStream): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    if (this.entries.size > CACHE_LIMIT) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** A row changed by an event of another stream (a discard): kept in step if its stream is known. */
  updateRow(streamId: string, row: DownloadRow | undefined): void {
    const entry = this.entries.get(streamId);
    if (entry) entry.row = row;
  }

  clear(): void {
    this.entries.clear();
  }
}
