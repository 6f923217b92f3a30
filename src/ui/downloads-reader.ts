/**
 * The popup's window on the downloads read model, in raw IndexedDB: the popup only reads, and Dexie would be
 * ≈ 99 KB of its bundle. It re-reads when the worker, the one writer, says the downloads changed (a message).
 *
 * Measured with 10,000 downloads on a busy 2-core machine: what delays the first row is the number of requests,
 * and one huge request in the IndexedDB backend ahead of ours. So the first screen is ONE request (the newest
 * rows of the `requestedAt` index, backwards: `getAllRecords` where the browser has it, a cursor otherwise), and
 * the whole history is read after it in pages of `PAGE` rows, never as one 10,000-row `getAll` that would hold up
 * every other reader (the worker too) for a second.
 */
import type { BatchRecord } from '../domain/batch-report.ts';
import type { DownloadState } from '../domain/download.ts';
import { matchesWords } from '../domain/search-text.ts';
import { bucketEntries } from '../domain/search-bucket.ts';
import type { SearchIndexRow } from '../store/database.ts';
import { onWorkerMessage } from '../platform/messaging.ts';
import { DOWNLOADS_CHANGED, type DownloadsChangedMessage } from '../shared/page-messages.ts';

const DATABASE = 'semantest';
/** The whole history's first page; each next page is twice as big (up to `MAX_PAGE`): few requests, none huge. */
const PAGE = 1000;
const MAX_PAGE = 4000;


/** Chromium 141+: `getAllRecords({ query, count, direction })`; not yet in the DOM typings of TypeScript 5.9. */
interface RecordsIndex {
  getAllRecords(options: { query?: IDBKeyRange | null; count?: number; direction?: IDBCursorDirection }): IDBRequest<{ value: unknown }[]>;
}
const hasGetAllRecords = (index: IDBIndex): index is IDBIndex & RecordsIndex => typeof (index as Partial<RecordsIndex>).getAllRecords === 'function';

/**
 * What the popup's boot code (src/popup/boot.ts, the first code of the popup's script) started before the rest of
 * the popup ran: the database connection and the first screen's rows. `rows` is set once the read succeeded, so a
 * module that runs later can draw them in its first render.
 */
export interface EarlyRead {
  limit: number;
  db: Promise<IDBDatabase | null>;
  newest: Promise<DownloadState[]>;
  rows?: DownloadState[];
  /** Set when the popup's app took the read over: from then on the page is the app's (the first screen draws nothing). */
  taken?: boolean;
  /** The search index as it was when the first screen was read (null: the database has none yet). */
  index?: Promise<SearchIndexSnapshot | null>;
  /** A search typed into the first screen, and its answer from the search index: the app takes it over too. */
  search?: { text: string; answer: Promise<IndexAnswer | null> };
}

/** The global the boot script leaves its read under. */
export const EARLY_READ_KEY = '__semantestEarlyRead';

let shared: Promise<IDBDatabase | null> | null = null;
let early: EarlyRead | undefined;
/** The search index as the boot script read it (kept after its connection was adopted). */
let earlyIndex: EarlyRead['index'];

/**
 * Takes (once) the boot script's read, if there is one: its connection becomes this page's connection, and its rows
 * are returned for the first screen when `limit` matches. Without a boot script (dev server, unit tests) reads work
 * as before.
 */
export function takeEarlyRead(limit: number): EarlyRead | undefined {
  const holder = globalThis as unknown as Record<string, EarlyRead | undefined>;
  const found = holder[EARLY_READ_KEY];
  if (!found) return undefined;
  delete holder[EARLY_READ_KEY];
  found.taken = true;
  early = found;
  earlyIndex = found.index;
  return found.limit === limit ? found : undefined;
}

/** Adopts the boot script's connection: the same lifecycle as one opened here (an upgrade closes it, reads reopen). */
function adopt(db: Promise<IDBDatabase | null>): Promise<IDBDatabase | null> {
  const adopted: Promise<IDBDatabase | null> = db.then(
    (opened) => {
      if (opened) {
        const forget = () => {
          if (shared === adopted) shared = null;
        };
        // The boot script's own `onversionchange` closes it; here the page only forgets it.
        opened.addEventListener('versionchange', forget);
        opened.addEventListener('close', forget);
      }
      return opened;
    },
    () => {
      if (shared === adopted) shared = null;
      return connection();
    },
  );
  return adopted;
}

/**
 * One connection per page, opened once. It closes itself when the worker upgrades the schema (`versionchange`),
 * and the next read opens the new version: an open popup survives an upgrade.
 */
function connection(): Promise<IDBDatabase | null> {
  if (!shared && early) {
    const from = early.db;
    early = undefined;
    shared = adopt(from);
  }
  shared ??= new Promise<IDBDatabase | null>((resolve, reject) => {
    const request = indexedDB.open(DATABASE);
    // The worker creates the database; never create an empty one here (Dexie would then have to upgrade it).
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => {
        db.close();
        shared = null;
      };
      db.onclose = () => {
        shared = null;
      };
      resolve(db);
    };
    request.onerror = () => {
      shared = null;
      const error = request.error;
      if (error?.name === 'AbortError') resolve(null); // no database yet: no downloads yet
      else reject(error ?? new Error('The history database could not be opened.'));
    };
    // Another page still holds an older version open: wait, the upgrade will close it.
    request.onblocked = () => undefined;
  });
  return shared;
}

const asPromise = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/** Runs `read` on the downloads store in a fresh read transaction; reopens once if the connection was closed. */
async function withDownloads<T>(read: (store: IDBObjectStore) => Promise<T>, empty: T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const db = await connection();
    if (!db || !db.objectStoreNames.contains('downloads')) return empty;
    try {
      return await read(db.transaction('downloads', 'readonly').objectStore('downloads'));
    } catch (error) {
      // Closed under us (an upgrade): open the new version and read again.
      if (attempt === 0 && error instanceof DOMException && (error.name === 'InvalidStateError' || error.name === 'TransactionInactiveError')) {
        shared = null;
        continue;
      }
      throw error;
    }
  }
}

/**
 * The newest batch's record from the `batches` read model and its downloads' rows, in one read transaction; null
 * when there is no batch yet. (domain/batch-report.ts joins them, in the popup's lazily loaded part.)
 */
export async function readLatestBatch(): Promise<{ batch: BatchRecord; rows: DownloadState[] } | null> {
  const db = await connection();
  if (!db || !db.objectStoreNames.contains('batches')) return null;
  const tx = db.transaction(['batches', 'downloads'], 'readonly');
  const cursor = await asPromise(tx.objectStore('batches').index('requestedAt').openCursor(null, 'prev'));
  const batch = cursor?.value as BatchRecord | undefined;
  if (!batch) return null;
  const store = tx.objectStore('downloads');
  const rows = await Promise.all(batch.streamIds.map((id) => asPromise(store.get(id) as IDBRequest<DownloadState | undefined>)));
  return { batch, rows: rows.filter((row): row is DownloadState => !!row) };
}

/** The `limit` newest downloads, newest first, in one request. */
export function readNewest(limit: number): Promise<DownloadState[]> {
  return withDownloads(async (store) => {
    const index = store.index('requestedAt');
    if (hasGetAllRecords(index)) {
      const records = await asPromise(index.getAllRecords({ count: limit, direction: 'prev' }));
      return records.map((record) => record.value as DownloadState);
    }
    return new Promise<DownloadState[]>((resolve, reject) => {
      const rows: DownloadState[] = [];
      const cursor = index.openCursor(null, 'prev');
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at || rows.length >= limit) return resolve(rows);
        rows.push(at.value as DownloadState);
        at.continue();
      };
      cursor.onerror = () => reject(cursor.error);
    });
  }, []);
}

/**
 * Every download, newest first, read in pages (each page its own transaction). Where the browser can read an
 * index backwards in one request (`getAllRecords`), pages go newest first and `onPage` gets the newest part read so
 * far after each page (search answers from it at once); otherwise pages go oldest first and only the end counts.
 */
export async function readAll(signal?: { aborted: boolean }, onPage?: (newestFirst: DownloadState[]) => void): Promise<DownloadState[] | null> {
  const rows: DownloadState[] = [];
  const seen = new Set<string>();
  let backwards: boolean | null = null;
  let bound: number | null = null;
  let size = PAGE;
  for (;; size = Math.min(MAX_PAGE, size * 2)) {
    if (signal?.aborted) return null;
    const from: number | null = bound;
    const count = size;
    const page = await withDownloads(async (store) => {
      const index = store.index('requestedAt');
      backwards ??= hasGetAllRecords(index);
      if (hasGetAllRecords(index) && backwards) {
        // The boundary's own time is read again (rows of equal requestedAt may straddle it); `seen` drops repeats.
        const records = await asPromise(index.getAllRecords({ query: from === null ? null : IDBKeyRange.upperBound(from), count, direction: 'prev' }));
        return records.map((record) => record.value as DownloadState);
      }
      return (await asPromise(index.getAll(from === null ? null : IDBKeyRange.lowerBound(from), count))) as DownloadState[];
    }, [] as DownloadState[]);
    let added = 0;
    for (const row of page) {
      if (seen.has(row.streamId)) continue;
      seen.add(row.streamId);
      rows.push(row);
      added += 1;
    }
    if (page.length < count) break;
    const last = page[page.length - 1] as DownloadState;
    if (added === 0) {
      // A whole page of one requestedAt: read the rest in one go (never seen in practice).
      const range = backwards ? IDBKeyRange.upperBound(last.requestedAt) : IDBKeyRange.lowerBound(last.requestedAt);
      const rest = (await withDownloads((store) => asPromise(store.index('requestedAt').getAll(range)), [])) as DownloadState[];
      if (backwards) rest.reverse();
      for (const row of rest) {
        if (seen.has(row.streamId)) continue;
        seen.add(row.streamId);
        rows.push(row);
      }
      break;
    }
    bound = last.requestedAt;
    if (backwards && onPage && !signal?.aborted) onPage(rows.slice());
  }
  return backwards ? rows : rows.reverse();
}

/**
 * The download rows of the streams appended to since `since` (ms, the worker's clock: same machine), by the
 * `streams` table's `lastUpdated` index, which each append updates in the same transaction as the row: a change
 * costs the rows that changed, not every open download (with 1,000 queued, re-reading all open rows at each change
 * kept the database busy enough to slow the worker down). `latest` is the newest `lastUpdated` seen.
 */
export async function readChangedSince(since: number): Promise<{ rows: DownloadState[]; gone: string[]; latest: number }> {
  const empty = { rows: [], gone: [], latest: since };
  for (let attempt = 0; ; attempt++) {
    const db = await connection();
    if (!db || !db.objectStoreNames.contains('downloads') || !db.objectStoreNames.contains('streams')) return empty;
    try {
      const tx = db.transaction(['streams', 'downloads'], 'readonly');
      const streams = (await asPromise(tx.objectStore('streams').index('lastUpdated').getAll(IDBKeyRange.lowerBound(since)))) as { streamId: string; lastUpdated: number }[];
      const downloads = tx.objectStore('downloads');
      const byKey = await Promise.all(streams.map((stream) => asPromise(downloads.get(stream.streamId)) as Promise<DownloadState | undefined>));
      return {
        rows: byKey.filter((row): row is DownloadState => row !== undefined),
        gone: streams.filter((_, i) => byKey[i] === undefined).map((stream) => stream.streamId),
        latest: streams.reduce((most, stream) => Math.max(most, stream.lastUpdated), since),
      };
    } catch (error) {
      if (attempt === 0 && error instanceof DOMException && (error.name === 'InvalidStateError' || error.name === 'TransactionInactiveError')) {
        shared = null;
        continue;
      }
      throw error;
    }
  }
}

/** An answer from the search index: the matching downloads, newest first, and how many downloads there are. */
export interface IndexAnswer {
  rows: DownloadState[];
  total: number;
}

/** The search index's buckets (projections/search-index.ts) and the number of downloads, read together. */
export interface SearchIndexSnapshot {
  buckets: SearchIndexRow[];
  total: number;
}

/**
 * The downloads whose search text holds every word, newest first, from a snapshot of the search index: their
 * rows are read from `db`. Null while the index lags the history (fewer entries than downloads).
 */
export async function searchIndexOf(db: IDBDatabase, index: SearchIndexSnapshot, words: readonly string[]): Promise<IndexAnswer | null> {
  const found: { id: string; at: number }[] = [];
  let entries = 0;
  for (const row of index.buckets) {
    const bucket = bucketEntries(row);
    entries += bucket.ids.length;
    bucket.texts.forEach((text, i) => {
      if (matchesWords(text, words)) found.push({ id: bucket.ids[i] as string, at: bucket.at[i] as number });
    });
  }
  if (entries < index.total) return null;
  found.sort((a, b) => b.at - a.at);
  const downloads = db.transaction('downloads', 'readonly').objectStore('downloads');
  const rows = await Promise.all(found.map(({ id }) => asPromise(downloads.get(id)) as Promise<DownloadState | undefined>));
  return { rows: rows.filter((row): row is DownloadState => row !== undefined), total: index.total };
}

/**
 * A search over every download while the history is still being read: from the index the popup's boot script read
 * when it opened (none without it: the search then answers from the history as it is read).
 */
export async function searchByIndex(words: readonly string[]): Promise<IndexAnswer | null> {
  const index = await earlyIndex;
  for (let attempt = 0; index; attempt++) {
    const db = await connection();
    if (!db) return null;
    try {
      return await searchIndexOf(db, index, words);
    } catch (error) {
      if (attempt === 0 && error instanceof DOMException && (error.name === 'InvalidStateError' || error.name === 'TransactionInactiveError')) {
        shared = null;
        continue;
      }
      throw error;
    }
  }
  return null;
}

/** Merges changed rows into a newest-first list (replacing by streamId, new ones in requestedAt order). */
export function mergeRows(current: readonly DownloadState[], changed: readonly DownloadState[], gone: readonly string[] = []): DownloadState[] {
  if (changed.length === 0 && gone.length === 0) return current as DownloadState[];
  const updates = new Map(changed.map((row) => [row.streamId, row]));
  const removed = new Set(gone);
  const out: DownloadState[] = [];
  for (const row of current) {
    if (removed.has(row.streamId)) continue;
    const update = updates.get(row.streamId);
    if (update) {
      updates.delete(row.streamId);
      out.push(update);
    } else out.push(row);
  }
  if (updates.size === 0) return out;
  const fresh = [...updates.values()];
  // Rows new to the list: usually newer than all (a new download); keep the order by requestedAt anyway.
  const merged = [...fresh, ...out];
  merged.sort((a, b) => b.requestedAt - a.requestedAt);
  return merged;
}

/** Calls `onChange` (at most every `throttleMs`) when the worker says the downloads changed (`downloads.changed`). */
export function onDownloadsChanged(onChange: () => void, throttleMs = 150): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const stop = onWorkerMessage((message) => {
    if ((message as Partial<DownloadsChangedMessage> | null)?.type !== DOWNLOADS_CHANGED) return;
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, throttleMs);
  });
  return () => {
    if (timer !== null) clearTimeout(timer);
    stop();
  };
}
