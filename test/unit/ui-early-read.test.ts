/**
 * The popup's boot code (the first module of the popup's one classic script) reads the first screen before the rest
 * runs; the module takes its connection and rows over. Over fake-indexeddb.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DownloadState } from '../../src/domain/download.ts';
import { createRawDownloads } from './raw-downloads.ts';
import { EARLY_READ_KEY, readNewest, takeEarlyRead } from '../../src/ui/downloads-reader.ts';

/** What the worker does on a schema change: a new version (here: one more store). Rejects if it stays blocked. */
function upgrade(version: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('semantest', version);
    const timer = setTimeout(() => reject(new Error('the upgrade stayed blocked: a page kept its connection open')), 2000);
    request.onupgradeneeded = () => request.result.createObjectStore(`extra${version}`);
    request.onsuccess = () => {
      clearTimeout(timer);
      request.result.close();
      resolve();
    };
    request.onerror = () => reject(request.error);
  });
}

/** Runs src/popup/boot.ts as the page would (once per call). */
async function boot(): Promise<void> {
  vi.resetModules();
  await import('../../src/popup/boot.ts');
}

const rows = Array.from({ length: 30 }, (_, i) => ({ streamId: `s${i}`, requestedAt: 1000 + i, phase: 'completed' }) as Partial<DownloadState>);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the popup’s early read', () => {
  it('with no database yet: no rows, and no database created', async () => {
    await boot();
    const early = takeEarlyRead(24);
    expect(early).toBeDefined();
    expect(await early?.newest).toEqual([]);
    expect((await indexedDB.databases()).map((db) => db.name)).not.toContain('semantest');
    expect((globalThis as Record<string, unknown>)[EARLY_READ_KEY]).toBeUndefined();
  });

  it('reads the newest screen before the module runs; the module reuses its connection and survives an upgrade', async () => {
    await createRawDownloads(rows, 10);
    await boot();
    const open = vi.spyOn(indexedDB, 'open');
    const early = takeEarlyRead(24);
    const first = (await early?.newest) ?? [];
    expect(first.map((row) => row.requestedAt)).toEqual(rows.map((row) => row.requestedAt).reverse().slice(0, 24));
    expect(early?.rows).toBe(first); // there for the module's first render
    expect(takeEarlyRead(24)).toBeUndefined(); // taken once

    // The reader's next read goes through the boot script's connection: no second open.
    expect((await readNewest(2)).map((row) => row.streamId)).toEqual(['s29', 's28']);
    expect(open).not.toHaveBeenCalled();

    // The worker upgrades the schema: the adopted connection lets it (never blocks it), and the reader reopens.
    await upgrade(11);
    expect((await readNewest(1)).map((row) => row.streamId)).toEqual(['s29']);
    expect(open).toHaveBeenCalledTimes(2); // the upgrade's and the reader's reopen
  });

  it('another first-screen size takes the connection but not the rows', async () => {
    await boot();
    expect(takeEarlyRead(10)).toBeUndefined();
    expect((await readNewest(3)).map((row) => row.streamId)).toEqual(['s29', 's28', 's27']);
  });
});
