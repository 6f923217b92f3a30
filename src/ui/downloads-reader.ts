/**
 * The popup's window on the downloads read model, in raw IndexedDB: the popup only reads, and Dexie would be
 * ≈ 99 KB of its bundle. It re-reads when Dexie in another context (the worker, the options page) announces a
 * change to the `downloads` table on its BroadcastChannel `x-storagemutated-1` (dexie/src/globals/global-events).
 */
import type { DownloadState } from '../domain/download.ts';

const DATABASE = 'semantest';
const CHANNEL = 'x-storagemutated-1';

function openExisting(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE);
    // The worker creates the database; never create an empty one here (Dexie would then have to upgrade it).
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close(); // let the worker upgrade; the next read reopens
      resolve(db);
    };
    request.onerror = () => reject(request.error ?? new Error('The history database could not be opened.'));
  });
}

/** The downloads, newest first; at most `limit` when given. */
export async function readDownloads(limit: number | null): Promise<DownloadState[]> {
  let db: IDBDatabase;
  try {
    db = await openExisting();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') return []; // no database yet: no downloads yet
    throw error;
  }
  try {
    if (!db.objectStoreNames.contains('downloads')) return [];
    const index = db.transaction('downloads', 'readonly').objectStore('downloads').index('requestedAt');
    return await new Promise<DownloadState[]>((resolve, reject) => {
      if (limit === null) {
        const all = index.getAll();
        all.onsuccess = () => resolve((all.result as DownloadState[]).reverse());
        all.onerror = () => reject(all.error);
        return;
      }
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
  } finally {
    db.close();
  }
}

/** Calls `onChange` (at most every `throttleMs`) when another context writes to the downloads table. */
export function onDownloadsChanged(onChange: () => void, throttleMs = 150): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => undefined;
  const channel = new BroadcastChannel(CHANNEL);
  let timer: ReturnType<typeof setTimeout> | null = null;
  channel.onmessage = (event: MessageEvent<unknown>) => {
    const parts = event.data && typeof event.data === 'object' ? Object.keys(event.data) : [];
    if (!parts.some((part) => part.includes(`/${DATABASE}/downloads`))) return;
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, throttleMs);
  };
  return () => {
    if (timer !== null) clearTimeout(timer);
    channel.close();
  };
}

