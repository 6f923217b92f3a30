/** Test helper: a `semantest` database holding only a raw `downloads` store (what the popup's readers need). */
import type { DownloadState } from '../../src/domain/download.ts';

/** Creates (at `version`) the downloads store with the indexes the readers use, and puts `rows` into it. */
export function createRawDownloads(rows: Partial<DownloadState>[], version = 20): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('semantest', version);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore('downloads', { keyPath: 'streamId' });
      store.createIndex('requestedAt', 'requestedAt');
      store.createIndex('phase', 'phase');
    };
    request.onsuccess = () => {
      const db = request.result;
      const tx = db.transaction('downloads', 'readwrite');
      for (const row of rows) tx.objectStore('downloads').put(row);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
    request.onerror = () => reject(request.error);
  });
}
