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

  /** fake-indexeddb has `getAllRecords` (Chromium 141+); this hides it, as on an older Chromium. */
  const withoutGetAllRecords = async (work: () => Promise<void>): Promise<void> => {
    const proto = IDBIndex.prototype as unknown as Record<string, unknown>;
    const own = Object.getOwnPropertyDescriptor(proto, 'getAllRecords');
    expect(own, 'fake-indexeddb has getAllRecords').toBeDefined();
    delete proto['getAllRecords'];
    try {
      await work();
    } finally {
      Object.defineProperty(proto, 'getAllRecords', own as PropertyDescriptor);
    }
  };

  it('reads the newest first, and all 7,500 rows across page boundaries full of equal times', async () => {
    // 7,500 rows, 3 per millisecond: every page boundary falls inside a run of equal requestedAt.
    const rows = Array.from({ length: 7500 }, (_, i) => ({ streamId: `s${String(i).padStart(5, '0')}`, requestedAt: Math.floor(i / 3), phase: i % 100 === 0 ? 'downloading' : 'completed' }) as Partial<DownloadState>);
    await createRawDownloads(rows);
    await withoutGetAllRecords(async () => {
      const newest = await readNewest(5);
      expect(newest.map((row) => row.requestedAt)).toEqual([2499, 2499, 2499, 2498, 2498]);
      const all = (await readAll()) ?? [];
      expect(all).toHaveLength(7500);
      expect(new Set(all.map((row) => row.streamId)).size).toBe(7500);
      all.forEach((row, i) => i > 0 && expect(row.requestedAt).toBeLessThanOrEqual(all[i - 1]?.requestedAt ?? Infinity));
      expect(await readAll({ aborted: true })).toBeNull();
    });
  }, 60_000);

  it('with getAllRecords (Chromium 141+), reads backwards and hands over the newest part after each page', async () => {
    // fake-indexeddb's own getAllRecords (a walk of its index, as the browser's).
    expect(typeof (IDBIndex.prototype as unknown as Record<string, unknown>)['getAllRecords']).toBe('function');
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
  }, 60_000);
});
