/** The popup's raw IndexedDB reader: the newest rows in one request, the whole history in pages, no row lost. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { DownloadState } from '../../src/domain/download.ts';
import { readAll, readChanged, readNewest } from '../../src/ui/downloads-reader.ts';

function create(rows: Partial<DownloadState>[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('semantest', 20);
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

describe('downloads reader', () => {
  it('reads nothing (and creates nothing) before the worker made the database', async () => {
    expect(await readNewest(10)).toEqual([]);
    expect((await indexedDB.databases()).map((db) => db.name)).not.toContain('semantest');
  });

  it('reads the newest first, and all 7,500 rows across page boundaries full of equal times', async () => {
    // 7,500 rows, 3 per millisecond: every page boundary falls inside a run of equal requestedAt.
    const rows = Array.from({ length: 7500 }, (_, i) => ({ streamId: `s${String(i).padStart(5, '0')}`, requestedAt: Math.floor(i / 3), phase: i % 100 === 0 ? 'downloading' : 'completed' }) as Partial<DownloadState>);
    await create(rows);
    const newest = await readNewest(5);
    expect(newest.map((row) => row.requestedAt)).toEqual([2499, 2499, 2499, 2498, 2498]);
    const all = (await readAll()) ?? [];
    expect(all).toHaveLength(7500);
    expect(new Set(all.map((row) => row.streamId)).size).toBe(7500);
    all.forEach((row, i) => i > 0 && expect(row.requestedAt).toBeLessThanOrEqual(all[i - 1]?.requestedAt ?? Infinity));
    const changed = await readChanged(['s00001', 'gone']);
    expect(changed.gone).toEqual(['gone']);
    expect(changed.rows.filter((row) => row.phase === 'downloading')).toHaveLength(75);
    expect(await readAll({ aborted: true })).toBeNull();
  }, 60_000);
});
