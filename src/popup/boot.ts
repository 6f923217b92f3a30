/**
 * The popup's first read, started before anything else of the popup runs: the first-screen script
 * (first-screen.tsx) and the app (main.tsx) both import this module first; whichever runs first starts the read.
 * The build (scripts/vite-popup-head.ts) makes each of them ONE classic script. The database opens and the newest
 * rows are read while the rest is evaluated. The app takes the read over through a page global
 * (downloads-reader.ts `takeEarlyRead`), so this module also works as a script of its own.
 *
 * It must import nothing at run time (types only): it has to run before the modules it would import.
 */
import type { DownloadState } from '../domain/download.ts';
import type { EarlyRead, EARLY_READ_KEY, SearchIndexSnapshot } from '../ui/downloads-reader.ts';

interface RecordsIndex {
  getAllRecords(options: { count?: number; direction?: IDBCursorDirection }): IDBRequest<{ value: unknown }[]>;
}

// In a function: a classic script's top-level names would be globals of the page.
(() => {
  const holder = globalThis as unknown as Record<string, EarlyRead | undefined>;
  // Started already (the first-screen script ran this before the app's script imported it again).
  const KEY: typeof EARLY_READ_KEY = '__semantestEarlyRead';
  if (holder[KEY]) return;
  /** Must equal the popup's FIRST_SCREEN (view.tsx); a mismatch only costs the early read, never correctness. */
  const LIMIT = 24;

  const db = new Promise<IDBDatabase | null>((resolve, reject) => {
    const request = indexedDB.open('semantest');
    // The worker creates the database; never create an empty one here.
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => {
      const opened = request.result;
      // An upgrade by the worker: let it go on; the popup's reader reopens the new version.
      opened.onversionchange = () => opened.close();
      resolve(opened);
    };
    request.onerror = () => (request.error?.name === 'AbortError' ? resolve(null) : reject(request.error));
  });

  // The search index, asked for BEFORE the first screen's rows: a search typed as the first row shows is answered
  // from it at once (asked after, it came behind the first paint: 50 ms for that search, against ≈ 20 ms now, for
  // ≈ 25 ms later first rows with 10,000 downloads; docs/decisions/0061). The popup prefers fresher rows it holds.
  const index = db.then(
    (opened) =>
      new Promise<SearchIndexSnapshot | null>((resolve, reject) => {
        if (!opened || !opened.objectStoreNames.contains('searchIndex')) return resolve(null);
        const tx = opened.transaction(['searchIndex', 'downloads'], 'readonly');
        const buckets = tx.objectStore('searchIndex').getAll();
        const total = tx.objectStore('downloads').count();
        // On the last request's success, not the transaction's `complete` (a task later, behind the first paint).
        total.onsuccess = () => resolve({ buckets: buckets.result as SearchIndexSnapshot['buckets'], total: total.result });
        tx.onerror = () => reject(tx.error);
      }),
  );
  index.catch(() => undefined);

  const newest = db.then(
    (opened) =>
      new Promise<DownloadState[]>((resolve, reject) => {
        if (!opened || !opened.objectStoreNames.contains('downloads')) return resolve([]);
        const index = opened.transaction('downloads', 'readonly').objectStore('downloads').index('requestedAt');
        if (typeof (index as Partial<RecordsIndex>).getAllRecords === 'function') {
          const request = (index as IDBIndex & RecordsIndex).getAllRecords({ count: LIMIT, direction: 'prev' });
          request.onsuccess = () => resolve(request.result.map((record) => record.value as DownloadState));
          request.onerror = () => reject(request.error);
          return;
        }
        const rows: DownloadState[] = [];
        const cursor = index.openCursor(null, 'prev');
        cursor.onsuccess = () => {
          const at = cursor.result;
          if (!at || rows.length >= LIMIT) return resolve(rows);
          rows.push(at.value as DownloadState);
          at.continue();
        };
        cursor.onerror = () => reject(cursor.error);
      }),
  );


  const read: EarlyRead = { limit: LIMIT, db, newest, index };
  newest.then(
    (rows) => {
      read.rows = rows;
    },
    () => undefined, // the popup reads again, and shows the error if that fails too
  );
  db.catch(() => undefined);
  holder[KEY] = read;
})();
