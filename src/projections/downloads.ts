/**
 * The downloads read model (history, failures, dead letters): one row per download, the aggregate's state.
 * Applied inline, inside the append's transaction; `rebuildDownloads` replays the whole log into an empty table
 * and must give the same rows (a test checks it).
 */
import { evolve } from '../domain/download.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import { isFromTheFuture, upcast } from '../domain/upcasters.ts';
import type { DownloadRow, SemantestDb, SubscriberDeadLetterRow } from '../store/database.ts';
import type { InlineProjection } from '../store/event-store.ts';

/** The download row an event belongs to: its own stream, or the download a dead-letter event names. */
function targetOf(event: StoredEvent): string {
  return event.type === 'DeadLetterDiscarded' ? (event.data as EventData<'DeadLetterDiscarded'>).downloadId : event.streamId;
}

/** Pure step of the projection over an in-memory map of rows. */
export function projectDownload(rows: Map<string, DownloadRow | undefined>, stored: StoredEvent): void {
  // A newer build's event: kept in the log, not guessed at here.
  if (isFromTheFuture(stored)) return;
  const event = upcast(stored);
  const id = targetOf(event);
  const row = rows.get(id);
  if (event.type === 'DeadLetterDiscarded') {
    if (row) rows.set(id, { ...row, discarded: true });
    return;
  }
  const next = evolve(row, event);
  if (next) rows.set(id, next);
}

/** The download row ids `events` touch (their own streams, and the downloads that discards name). */
export function downloadTargets(events: readonly StoredEvent[]): string[] {
  return [...new Set(events.map(targetOf))];
}

/** The downloads read model as the stores take it (inline, in each append's transaction). */
export const downloadsProjection: InlineProjection<DownloadRow> = { targets: downloadTargets, project: projectDownload };

/** Deep equality of two plain JSON-like values (rows of the read model), without building strings. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key)) continue;
    const value = left[key];
    // JSON (and IndexedDB's structured clone of our rows) treats an undefined property like a missing one.
    if (value === undefined) {
      if (right[key] !== undefined) return false;
      continue;
    }
    count++;
    if (!Object.hasOwn(right, key) || !sameValue(value, right[key])) return false;
  }
  for (const key in right) if (Object.hasOwn(right, key) && right[key] !== undefined) count--;
  return count === 0;
}

/**
 * Folds the events after `after`, at most `limit` of them, straight from IndexedDB with one cursor in one
 * read-only transaction, and returns the last position folded (or `after` when there were none). A cursor, not
 * `getAll` pages: in Chromium it streams prefetched rows and measured 2-5x faster than `getAll` over the same
 * range. Each `continue()` is issued before the row is folded, so IndexedDB fetches while this thread folds.
 * Bounded pages let the worker's appends (readwrite on `events`) in between.
 */
function foldPage(idb: IDBDatabase, after: number, limit: number, fold: (event: StoredEvent) => void): Promise<{ last: number; count: number }> {
  return new Promise((resolve, reject) => {
    const tx = idb.transaction('events', 'readonly');
    const cursorRequest = tx.objectStore('events').openCursor(IDBKeyRange.lowerBound(after, true));
    let last = after;
    let count = 0;
    let failure: unknown = null;
    cursorRequest.onsuccess = () => {
      const cursor = cursorRequest.result;
      if (!cursor) return;
      const event = cursor.value as StoredEvent;
      last = event.position;
      count += 1;
      if (count < limit) cursor.continue();
      try {
        fold(event);
      } catch (error) {
        failure ??= error;
      }
    };
    tx.oncomplete = () => (failure ? reject(failure instanceof Error ? failure : new Error(String(failure))) : resolve({ last, count }));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB read failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB read aborted'));
  });
}

/** Every row of the downloads table, by one raw cursor in one read-only transaction. */
function readRows(idb: IDBDatabase): Promise<Map<string, DownloadRow>> {
  return new Promise((resolve, reject) => {
    const tx = idb.transaction('downloads', 'readonly');
    const rows = new Map<string, DownloadRow>();
    const cursorRequest = tx.objectStore('downloads').openCursor();
    cursorRequest.onsuccess = () => {
      const cursor = cursorRequest.result;
      if (!cursor) return;
      const row = cursor.value as DownloadRow;
      rows.set(row.streamId, row);
      cursor.continue();
    };
    tx.oncomplete = () => resolve(rows);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB read failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB read aborted'));
  });
}

/**
 * Replays the log from position 0 into the downloads table; `onProgress` gets the position reached. A stored
 * event the projection cannot read (a corrupt row) is quarantined: skipped, recorded as a dead letter of the
 * `downloads` projection, and passed to `onCorrupt`, never fatal to the rebuild.
 *
 * Fast path (the benchmark's `replayRatioVsRawCursor`): the log is read with a raw cursor in pages of
 * `pageSize` and folded in memory as the rows arrive; rows are not re-validated (they were parsed when written)
 * but still upcast. The table is written once at the end, only where it differs, in a transaction that
 * first folds in whatever the worker appended since the last page, so a rebuild running beside a live worker
 * never writes a row older than the log.
 */
export async function rebuildDownloads(
  db: SemantestDb,
  onProgress?: (position: number) => void,
  pageSize = 5000,
  onCorrupt?: (event: StoredEvent, error: string) => void,
): Promise<number> {
  const rows = new Map<string, DownloadRow | undefined>();
  const quarantined: SubscriberDeadLetterRow[] = [];
  let after = 0;
  let count = 0;
  const foldOne = (event: StoredEvent) => {
    try {
      projectDownload(rows, event);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      quarantined.push({
        subscriberId: 'downloads',
        streamId: String(event.streamId),
        position: event.position,
        eventId: String(event.eventId),
        type: String(event.type),
        error: `Unreadable event: ${message}`,
        attempts: 1,
        createdAt: Date.now(),
      });
      onCorrupt?.(event, message);
    }
  };
  if (!db.isOpen()) await db.open();
  const idb = db.backendDB();
  // The table as it is, read before the log. Only appends change a row, and each one's event is folded below
  // (in a page or as a late event), so a row read here that equals the fold needs no write even if an append
  // landed since: the append wrote that same fold. Read first, not beside the log: in Chromium two cursors
  // running at once (rows and events) measured slower in sum than one after the other.
  const existing = await readRows(idb);
  for (;;) {
    const page = await foldPage(idb, after, pageSize, foldOne);
    count += page.count;
    after = page.last;
    if (page.count > 0) onProgress?.(after);
    if (page.count < pageSize) break;
  }
  await db.transaction('rw', [db.events, db.downloads, db.subscriberDeadLetters], async () => {
    // Whatever was appended since the last page (the worker does not wait for a rebuild) is folded in here,
    // inside the transaction that writes the rows: no append can land between this read and the write.
    for (;;) {
      const late = await db.events.where('position').above(after).limit(pageSize).toArray();
      if (late.length === 0) break;
      after = (late[late.length - 1] as StoredEvent).position;
      count += late.length;
      for (const event of late) foldOne(event);
    }
    // Write only what differs from the table as it is: a rebuild usually confirms most rows, and the cost of
    // IndexedDB is in the writes (each row has five indexes).
    const changed = [...rows.values()].filter((row): row is DownloadRow => row !== undefined && !sameValue(existing.get(row.streamId), row));
    const gone = [...existing.keys()].filter((id) => rows.get(id) === undefined);
    if (gone.length > 0) await db.downloads.bulkDelete(gone);
    if (changed.length > 0) await db.downloads.bulkPut(changed);
    await db.subscriberDeadLetters.where('subscriberId').equals('downloads').delete();
    if (quarantined.length > 0) await db.subscriberDeadLetters.bulkAdd(quarantined);
  });
  return count;
}
