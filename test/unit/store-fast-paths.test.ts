/**
 * The store's fast paths (issue 3 benchmark work) keep every guarantee of the slow ones:
 * - the write-through cache of stream versions and rows never decides on stale knowledge: not after a
 *   conflict, not after a failed transaction, not after another context wrote to the same streams;
 * - the fast rebuild (raw cursor pages, no re-validation, diff write) equals the incremental projection,
 *   also for upcast v1 events, at any page size, and folds in appends that land while it runs.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { openDatabase, PROJECTOR_CHECKPOINT, type SemantestDb } from '../../src/store/database.ts';
import { downloadQueries } from '../../src/store/download-queries.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { ConcurrencyError, type NewEvent } from '../../src/store/event-store.ts';
import { projectDownload, rebuildDownloads, sameValue } from '../../src/projections/downloads.ts';
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
  it('reads nothing before writing a stream it wrote itself (the hot path), and writes only events', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    let reads = 0;
    const where = db.events.where.bind(db.events);
    db.events.where = ((...args: Parameters<typeof where>) => {
      reads += 1;
      return where(...args);
    }) as typeof where;
    const scopes: string[][] = [];
    const transaction = db.transaction.bind(db) as (...args: unknown[]) => unknown;
    (db as unknown as { transaction: (...args: unknown[]) => unknown }).transaction = (...args: unknown[]) => {
      const tables = args.slice(1, -1).flat() as { name: string }[];
      scopes.push(tables.map((table) => table.name).sort());
      return transaction(...args);
    };
    await store.appendToStream('a', [failed(1)], { expectedVersion: 1 });
    await store.appendToStream('b', [requested('https://i.test/b.jpg')], { expectedVersion: 'no-stream' });
    expect(reads).toBe(0);
    // Two append transactions on `events` alone; the rows are written by the projector's own transactions.
    expect(scopes.filter((scope) => scope.includes('events'))).toEqual([['events'], ['events']]);
    expect(scopes.filter((scope) => !scope.includes('events')).every((scope) => scope.join() === 'checkpoints,downloads,streams')).toBe(true);
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
    const original = db.events.bulkAdd.bind(db.events);
    let failing = true;
    db.events.bulkAdd = ((...args: Parameters<typeof original>) => {
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
    const other = new DexieEventStore(db); // another context: its own cache, the same database
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
    await new DexieEventStore(db).appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
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

describe('the write-behind projector (streams and downloads rows after the append transaction)', () => {
  it('a read made after an append resolved sees it folded in, also for the table read directly', async () => {
    const { db, store } = fresh();
    const queries = downloadQueries(db);
    for (let version = 0; version < 6; version++) {
      await store.appendToStream('a', [version === 0 ? requested() : failed(version)], { expectedVersion: version === 0 ? 'no-stream' : version });
      // No wait for the projector: its transaction was asked for before the append resolved.
      expect(await db.downloads.get('a')).toMatchObject({ version: version + 1, failures: version });
      expect(await db.streams.get('a')).toMatchObject({ currentVersion: version + 1 });
      expect((await queries.get('a'))?.version).toBe(version + 1);
    }
    // A burst from many callers: every caller reads its own row right after its append.
    const seen = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        await store.appendToStream(`s${i}`, [requested(`https://i.test/${i}.jpg`)], { expectedVersion: 'no-stream' });
        await store.appendToStream(`s${i}`, [failed(1)], { expectedVersion: 1 });
        return (await queries.get(`s${i}`))?.version;
      }),
    );
    expect(seen).toEqual(Array.from({ length: 60 }, () => 2));
    expect((await queries.unsettled()).length).toBe(61);
    await store.whenProjected();
    await expectInStep(db);
  });

  it('coalesces a burst: several events of one stream become fewer row writes than events', async () => {
    const { db, store } = fresh();
    await store.catchUp();
    let rowsWritten = 0;
    const bulkPut = db.downloads.bulkPut.bind(db.downloads);
    db.downloads.bulkPut = ((...args: Parameters<typeof bulkPut>) => {
      rowsWritten += (args[0] as unknown[]).length;
      return bulkPut(...args);
    }) as typeof bulkPut;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await store.appendToStream(`s${i}`, [requested(`https://i.test/${i}.jpg`)], { expectedVersion: 'no-stream' });
        for (let k = 1; k <= 4; k++) await store.appendToStream(`s${i}`, [failed(k)], { expectedVersion: k });
      }),
    );
    await store.whenProjected();
    expect(rowsWritten).toBeLessThan(200);
    await expectInStep(db);
  });

  it('a worker stopped between the events commit and the projector flush: the next start folds the log, once', async () => {
    const name = `projector-stop-${crypto.randomUUID()}`;
    const first = openDatabase(name);
    const store = new DexieEventStore(first);
    await store.appendToStream('d1', [requested()], { expectedVersion: 'no-stream' });
    await store.appendToStream('d2', [requested('https://i.test/2.jpg')], { expectedVersion: 'no-stream' });
    await store.whenProjected();
    // From here on the projector's transactions never commit (the worker is stopped before each one finishes).
    first.checkpoints.put = (() => Promise.reject(new Error('worker stopped'))) as unknown as typeof first.checkpoints.put;
    await store.appendToStream('d1', [failed(1)], { expectedVersion: 1 });
    await store.appendToStream('dlq', [{ type: 'DeadLetterDiscarded', data: { downloadId: 'd2' }, metadata: meta }], { expectedVersion: 'any', aggregateType: 'DeadLetterQueue' });
    await store.appendToStream('d2', [{ type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: meta } as NewEvent], { expectedVersion: 1 });
    await store.appendToStream('d3', [requested('https://i.test/3.jpg'), failed(1)], { expectedVersion: 'no-stream' });
    expect(await first.events.count()).toBe(7); // the log has every event…
    expect(await first.downloads.get('d3')).toBeUndefined(); // …the rows do not
    expect(await first.checkpoints.get(PROJECTOR_CHECKPOINT)).toMatchObject({ position: 2 });
    first.close();

    // The next start: a new connection, a new store; the worker catches up before anything reads the rows.
    const db = openDatabase(name);
    const restarted = new DexieEventStore(db);
    await restarted.catchUp();
    await expectInStep(db);
    expect(await db.downloads.get('d2')).toMatchObject({ discarded: false, version: 2 });
    expect(await db.streams.get('dlq')).toMatchObject({ aggregateType: 'DeadLetterQueue', currentVersion: 1 });
    expect(await db.checkpoints.get(PROJECTOR_CHECKPOINT)).toMatchObject({ position: 7 });
    // A second catch-up (a second start) and more appends fold nothing twice.
    db.close();
    const again = openDatabase(name);
    const third = new DexieEventStore(again);
    await third.catchUp();
    await third.appendToStream('d1', [failed(2)], { expectedVersion: 2 });
    await third.whenProjected();
    expect(await again.downloads.get('d1')).toMatchObject({ version: 3, failures: 2 });
    await expectInStep(again);
    again.close();
  });

  it('a re-delivered batch is not folded twice: not below the checkpoint, not below a row’s version', async () => {
    const { db, store } = fresh();
    await store.appendToStream('d1', [requested(), failed(1)], { expectedVersion: 'no-stream' });
    await store.appendToStream('dlq', [{ type: 'DeadLetterDiscarded', data: { downloadId: 'd1' }, metadata: meta }], { expectedVersion: 'any' });
    await store.appendToStream('d1', [{ type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: meta } as NewEvent], { expectedVersion: 2 });
    await store.whenProjected();
    const expected = await foldedFromLog(db);
    const log = await db.events.orderBy('position').toArray();
    // The same events handed over again (below the checkpoint): nothing changes, the discard included.
    store.projector.enqueue(log, new Map());
    await store.whenProjected();
    expect(await db.downloads.orderBy('streamId').toArray()).toEqual(expected);
    // Rows ahead of the checkpoint (written by a context that did not move it): a stream's own events are
    // skipped by version, so a failure is not counted twice. (A discard has no version in the row it names: it
    // relies on the checkpoint, which the projector, the rebuild and the v3 upgrade always write with the rows.)
    await store.appendToStream('d2', [requested('https://i.test/2.jpg'), failed(1), failed(2)], { expectedVersion: 'no-stream' });
    await store.whenProjected();
    const d2 = await db.events.where('[streamId+version]').between(['d2', 0], ['d2', 9]).toArray();
    const failures = d2.slice(1);
    await db.checkpoints.put({ subscriberId: PROJECTOR_CHECKPOINT, position: (failures[0]?.position ?? 0) - 1, updatedAt: 0 });
    store.projector.enqueue(failures, new Map());
    await store.whenProjected();
    expect(await db.downloads.get('d2')).toMatchObject({ failures: 2, version: 3 });
    await expectInStep(db);
  });

  it('events another connection appended in between are folded from the log, in order (a gap in positions)', async () => {
    const name = `projector-gap-${crypto.randomUUID()}`;
    const one = openDatabase(name);
    const two = openDatabase(name);
    const a = new DexieEventStore(one);
    const b = new DexieEventStore(two);
    await a.appendToStream('x', [requested()], { expectedVersion: 'no-stream' });
    for (let k = 1; k <= 6; k++) await (k % 2 ? b : a).appendToStream('x', [failed(k)], { expectedVersion: k });
    await Promise.all([a.whenProjected(), b.whenProjected()]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([a.whenProjected(), b.whenProjected()]);
    await expectInStep(one);
    expect(await one.downloads.get('x')).toMatchObject({ version: 7, failures: 6 });
    one.close();
    two.close();
  });

  it('a rebuild after a stop before the flush (no catch-up yet) brings the streams rows forward too', async () => {
    const name = `projector-rebuild-${crypto.randomUUID()}`;
    const first = openDatabase(name);
    const store = new DexieEventStore(first);
    await store.appendToStream('d1', [requested()], { expectedVersion: 'no-stream' });
    await store.whenProjected();
    first.checkpoints.put = (() => Promise.reject(new Error('worker stopped'))) as unknown as typeof first.checkpoints.put;
    await store.appendToStream('d1', [failed(1), failed(2)], { expectedVersion: 1 });
    await store.appendToStream('d2', [requested('https://i.test/2.jpg')], { expectedVersion: 'no-stream' });
    first.close();
    const options = openDatabase(name); // the options page: no store, no catch-up
    await rebuildDownloads(options);
    expect(await options.checkpoints.get(PROJECTOR_CHECKPOINT)).toMatchObject({ position: 4 });
    await expectInStep(options);
    expect(await options.streams.get('d1')).toMatchObject({ currentVersion: 3, aggregateType: 'Download' });
    expect(await options.streams.get('d2')).toMatchObject({ currentVersion: 1 });
    options.close();
  });

  it('a rebuild moves the checkpoint with the rows: the projector folds none of its events again', async () => {
    const { db, store } = fresh();
    await store.appendToStream('d1', [requested()], { expectedVersion: 'no-stream' });
    await store.appendToStream('dlq', [{ type: 'DeadLetterDiscarded', data: { downloadId: 'd1' }, metadata: meta }], { expectedVersion: 'any' });
    await store.appendToStream('d1', [{ type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: meta } as NewEvent], { expectedVersion: 1 });
    await store.whenProjected();
    await db.checkpoints.put({ subscriberId: PROJECTOR_CHECKPOINT, position: 1, updatedAt: 0 });
    await rebuildDownloads(db);
    expect(await db.checkpoints.get(PROJECTOR_CHECKPOINT)).toMatchObject({ position: 3 });
    store.projector.enqueue(await db.events.orderBy('position').toArray(), new Map());
    await store.whenProjected();
    expect(await db.downloads.get('d1')).toMatchObject({ discarded: false, version: 2 });
    await expectInStep(db);
  });
});
