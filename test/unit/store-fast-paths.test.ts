/**
 * The store's fast paths (issue 3 benchmark work) keep every guarantee of the slow ones:
 * - the write-through cache of stream versions and rows never decides on stale knowledge: not after a
 *   conflict, not after a failed transaction, not after another context wrote to the same streams;
 * - the fast rebuild (raw cursor pages, no re-validation, diff write) equals the incremental projection,
 *   also for upcast v1 events, at any page size, and folds in appends that land while it runs.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { SemantestDb } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { ConcurrencyError, type NewEvent } from '../../src/store/event-store.ts';
import { projectDownload, rebuildDownloads, sameValue, downloadsProjection } from '../../src/projections/downloads.ts';
import type { DownloadRow } from '../../src/store/database.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import { failed, freshStore, meta, requested } from './store-helpers.ts';

const fresh = () => freshStore('fast-path');

/** The read model as the log says it should be: every event folded in position order, upcast. */
async function foldedFromLog(db: SemantestDb): Promise<DownloadRow[]> {
  const rows = new Map<string, DownloadRow | undefined>();
  for (const event of await db.events.orderBy('position').toArray()) projectDownload(rows, event);
  return [...rows.values()].filter((row): row is DownloadRow => row !== undefined).sort((a, b) => a.streamId.localeCompare(b.streamId));
}

async function expectInStep(db: SemantestDb): Promise<void> {
  expect(await db.downloads.orderBy('streamId').toArray()).toEqual(await foldedFromLog(db));
  const events = await db.events.toArray();
  for (const stream of await db.streams.toArray()) {
    const versions = events.filter((event) => event.streamId === stream.streamId).map((event) => event.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: stream.currentVersion }, (_, i) => i + 1));
  }
}

describe('DexieEventStore stream cache', () => {
  it('reads nothing before writing a stream it wrote itself (the hot path)', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    let reads = 0;
    for (const table of [db.streams, db.downloads]) {
      const original = table.bulkGet.bind(table) as (keys: string[]) => Promise<unknown[]>;
      (table as unknown as { bulkGet: typeof original }).bulkGet = (keys) => {
        reads += 1;
        return original(keys);
      };
    }
    await store.appendToStream('a', [failed(1)], { expectedVersion: 1 });
    await store.appendToStream('b', [requested('https://i.test/b.jpg')], { expectedVersion: 'no-stream' });
    expect(reads).toBe(0);
    await expectInStep(db);
  });

  it('is not left stale by a ConcurrencyError: the next append sees the real version', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    await expect(store.appendToStream('a', [failed(1)], { expectedVersion: 3 })).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.appendToStream('a', [failed(1)], { expectedVersion: 'no-stream' })).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await store.appendToStream('a', [failed(1)], { expectedVersion: 1 })).nextVersion).toBe(2);
    expect((await store.appendToStream('a', [failed(2)], { expectedVersion: 'any' })).nextVersion).toBe(3);
    expect(await db.streams.get('a')).toMatchObject({ currentVersion: 3 });
    await expectInStep(db);
  });

  it('is not advanced by a transaction that failed: nothing written is remembered', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    const original = db.streams.bulkPut.bind(db.streams);
    let failing = true;
    db.streams.bulkPut = ((...args: Parameters<typeof original>) => {
      if (failing) return Promise.reject(new Error('disk went away'));
      return original(...args);
    }) as typeof original;
    await expect(store.appendToStream('a', [failed(1)], { expectedVersion: 1 })).rejects.toThrow('disk went away');
    failing = false;
    expect(await db.events.count()).toBe(1);
    // Had the cache kept version 2 from the failed transaction, this would land at 3, leaving a gap.
    expect((await store.appendToStream('a', [failed(1)], { expectedVersion: 'any' })).nextVersion).toBe(2);
    await expect(store.appendToStream('a', [failed(2)], { expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrencyError);
    await expectInStep(db);
  });

  it('never decides on stale knowledge when another context appended to the same stream', async () => {
    const { db, store } = fresh();
    const other = new DexieEventStore(db, { projection: downloadsProjection }); // another context: its own cache, the same database
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    await other.appendToStream('a', [failed(1)], { expectedVersion: 1 });
    // Exact version as the database has it (the cache still says 1): accepted at version 3.
    expect((await store.appendToStream('a', [failed(2)], { expectedVersion: 2 })).nextVersion).toBe(3);
    await other.appendToStream('a', [failed(3)], { expectedVersion: 3 });
    // Stale expectation matching the cache (3, the database is at 4): a conflict, nothing written.
    await expect(store.appendToStream('a', [failed(4)], { expectedVersion: 3 })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await db.events.count()).toBe(4);
    await other.appendToStream('a', [failed(4)], { expectedVersion: 4 });
    // `any` and `exists` land after the other context's events, never on top of them.
    expect((await store.appendToStream('a', [failed(5)], { expectedVersion: 'any' })).nextVersion).toBe(6);
    await other.appendToStream('a', [failed(6)], { expectedVersion: 6 });
    expect((await store.appendToStream('a', [failed(7)], { expectedVersion: 'exists' })).nextVersion).toBe(8);
    // The row the cache held was behind too: the read model still folds every event.
    expect(await db.downloads.get('a')).toMatchObject({ version: 8, failures: 7 });
    await expectInStep(db);
  });

  it('answers a re-send as a duplicate on the fast path, also with `any` and within one batch', async () => {
    const { db, store } = fresh();
    const first = { ...requested(), eventId: '00000000-0000-4000-8000-00000000000a' };
    const second = { ...failed(1), eventId: '00000000-0000-4000-8000-00000000000b' };
    await store.appendToStream('a', [first], { expectedVersion: 'no-stream' });
    await store.appendToStream('a', [second], { expectedVersion: 1 });
    expect(await store.appendToStream('a', [second], { expectedVersion: 'any' })).toEqual({ nextVersion: 2, events: [], duplicate: true });
    expect(await store.appendToStream('a', [first], { expectedVersion: 'no-stream' })).toMatchObject({ duplicate: true });
    const together = await Promise.all([
      store.appendToStream('b', [{ ...requested('https://i.test/b.jpg'), eventId: '00000000-0000-4000-8000-00000000000c' }], { expectedVersion: 'no-stream' }),
      store.appendToStream('b', [{ ...requested('https://i.test/b.jpg'), eventId: '00000000-0000-4000-8000-00000000000c' }], { expectedVersion: 'no-stream' }),
      store.appendToStream('a', [second], { expectedVersion: 2 }),
    ]);
    expect(together.map((result) => result.duplicate)).toEqual([false, true, true]);
    expect(await db.events.count()).toBe(3);
    await expectInStep(db);
  });

  it('a `no-stream` append to a stream that exists (taken to be new, unread) is refused by the index, not written', async () => {
    const { db, store } = fresh();
    await new DexieEventStore(db, { projection: downloadsProjection }).appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    await expect(store.appendToStream('a', [requested('https://i.test/other.jpg')], { expectedVersion: 'no-stream' })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await db.events.count()).toBe(1);
    expect((await db.downloads.get('a'))?.request.imageUrl).toBe('https://i.test/a.jpg');
    await expectInStep(db);
  });

  it('a discard keeps the named download row in step, also when the discard stream is new', async () => {
    const { db, store } = fresh();
    await store.appendToStream('d1', [requested()], { expectedVersion: 'no-stream' });
    await store.appendToStream('dlq', [{ type: 'DeadLetterDiscarded', data: { downloadId: 'd1' }, metadata: meta }], { expectedVersion: 'any' });
    expect(await db.downloads.get('d1')).toMatchObject({ discarded: true });
    await store.appendToStream('d1', [{ type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: meta } as NewEvent], { expectedVersion: 1 });
    expect(await db.downloads.get('d1')).toMatchObject({ discarded: false, version: 2 });
    await expectInStep(db);
  });
});

describe('rebuildDownloads fast path', () => {
  const fixture = JSON.parse(readFileSync('test/fixtures/events/seed-v1.json', 'utf8')) as Omit<StoredEvent, 'position'>[];

  it('equals the incremental projection, with upcast v1 events, at any page size', async () => {
    const { db, store } = fresh();
    await db.events.bulkAdd(fixture as StoredEvent[]);
    for (let i = 0; i < 12; i++) {
      await store.appendToStream(`s${i}`, [requested(`https://i.test/${i}.jpg`), failed(1)], { expectedVersion: 'no-stream' });
      if (i % 3 === 0) await store.appendToStream(`s${i}`, [failed(2)], { expectedVersion: 2 });
    }
    await store.appendToStream('dlq', [{ type: 'DeadLetterDiscarded', data: { downloadId: 's3' }, metadata: meta }], { expectedVersion: 'any' });
    const expected = await foldedFromLog(db);
    expect(expected.find((row) => row.streamId === 'legacy-1')).toMatchObject({ phase: 'completed', mimeType: 'image/jpeg' });
    for (const pageSize of [1, 2, 7, 5000]) {
      await db.downloads.clear();
      expect(await rebuildDownloads(db, undefined, pageSize)).toBe(fixture.length + 12 * 2 + 4 + 1);
      expect(await db.downloads.orderBy('streamId').toArray()).toEqual(expected);
    }
    // A second rebuild over an equal table confirms it and writes nothing.
    let writes = 0;
    const original = db.downloads.bulkPut.bind(db.downloads);
    db.downloads.bulkPut = ((...args: Parameters<typeof original>) => {
      writes += 1;
      return original(...args);
    }) as typeof original;
    await rebuildDownloads(db);
    expect(writes).toBe(0);
  });

  it('repairs rows that differ and deletes rows the log does not hold', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested(), failed(1)], { expectedVersion: 'no-stream' });
    await store.appendToStream('b', [requested('https://i.test/b.jpg')], { expectedVersion: 'no-stream' });
    const expected = await db.downloads.orderBy('streamId').toArray();
    await db.downloads.update('a', { phase: 'completed', failures: 0 });
    await db.downloads.put({ ...(expected[1] as DownloadRow), streamId: 'ghost' });
    await rebuildDownloads(db);
    expect(await db.downloads.orderBy('streamId').toArray()).toEqual(expected);
  });

  it('folds in an append that lands while it runs: it never writes a row older than the log', async () => {
    const { db, store } = fresh();
    for (let i = 0; i < 20; i++) await store.appendToStream(`s${i}`, [requested(`https://i.test/${i}.jpg`)], { expectedVersion: 'no-stream' });
    // A damaged row, so that the rebuild has to write it.
    await db.downloads.update('s0', { phase: 'completed' });
    let late: Promise<unknown> | null = null;
    await rebuildDownloads(db, (position) => {
      // After the last page: the worker appends to a stream whose events were read already.
      if (position === 20) late ??= store.appendToStream('s0', [failed(1)], { expectedVersion: 1 });
    }, 5);
    await late;
    expect(await db.downloads.get('s0')).toMatchObject({ version: 2, failures: 1 });
    await expectInStep(db);
  });

  it('compares rows as values: key order and undefined properties do not count, nested values do', () => {
    expect(sameValue({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameValue({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameValue({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } })).toBe(false);
    expect(sameValue({ a: null }, { a: undefined })).toBe(false);
    expect(sameValue({ a: [] }, { a: {} })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });
});
