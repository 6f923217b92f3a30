/** The popup's raw IndexedDB reader: the newest rows in one request, the whole history in pages, no row lost. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { DownloadState } from '../../src/domain/download.ts';
import { createRawDownloads } from './raw-downloads.ts';
import { readAll, readNewest } from '../../src/ui/downloads-reader.ts';

describe('downloads reader', () => {
  it('reads nothing (and creates nothing) before the worker made the database', async () => {
    expect(await readNewest(10)).toEqual([]);
    expect((await indexedDB.databases()).map((db) => db.name)).not.toContain('semantest');
  });

  it('reads the newest first, and all 7,500 rows across page boundaries full of equal times', async () => {
    // 7,500 rows, 3 per millisecond: every page boundary falls inside a run of equal requestedAt.
    const rows = Array.from({ length: 7500 }, (_, i) => ({ streamId: `s${String(i).padStart(5, '0')}`, requestedAt: Math.floor(i / 3), phase: i % 100 === 0 ? 'downloading' : 'completed' }) as Partial<DownloadState>);
    await createRawDownloads(rows);
    const newest = await readNewest(5);
    expect(newest.map((row) => row.requestedAt)).toEqual([2499, 2499, 2499, 2498, 2498]);
    const all = (await readAll()) ?? [];
    expect(all).toHaveLength(7500);
    expect(new Set(all.map((row) => row.streamId)).size).toBe(7500);
    all.forEach((row, i) => i > 0 && expect(row.requestedAt).toBeLessThanOrEqual(all[i - 1]?.requestedAt ?? Infinity));
    expect(await readAll({ aborted: true })).toBeNull();
  }, 60_000);

  it('with getAllRecords (Chromium 141+), reads backwards and hands over the newest part after each page', async () => {
    type Fake = { result: unknown[]; error: null; onsuccess: (() => void) | null; onerror: (() => void) | null };
    // fake-indexeddb has no getAllRecords yet: the same semantics over a cursor.
    const proto = IDBIndex.prototype as unknown as Record<string, unknown>;
    proto['getAllRecords'] = function (this: IDBIndex, options: { query?: IDBKeyRange | null; count?: number; direction?: IDBCursorDirection }) {
      const fake: Fake = { result: [], error: null, onsuccess: null, onerror: null };
      const cursor = this.openCursor(options.query ?? null, options.direction ?? 'next');
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at || fake.result.length >= (options.count ?? Infinity)) return fake.onsuccess?.();
        fake.result.push({ key: at.key, primaryKey: at.primaryKey, value: at.value });
        at.continue();
      };
      return fake;
    };
    try {
      const parts: number[] = [];
      const all = (await readAll(undefined, (part) => {
        parts.push(part.length);
        expect(part[0]?.requestedAt).toBe(2499);
      })) ?? [];
      expect(all).toHaveLength(7500);
      expect(new Set(all.map((row) => row.streamId)).size).toBe(7500);
      all.forEach((row, i) => i > 0 && expect(row.requestedAt).toBeLessThanOrEqual(all[i - 1]?.requestedAt ?? Infinity));
      expect(parts[0]).toBe(1000);
      expect(parts.length).toBeGreaterThan(1);
      expect(await readNewest(2)).toEqual(all.slice(0, 2));
    } finally {
      delete proto['getAllRecords'];
    }
  }, 60_000);
});
