/** Every earlier schema of the `semantest` database, with data, opens under the current one with nothing lost. */
import { describe, expect, it } from 'vitest';
import { Dexie } from 'dexie';
import { openDatabase, PROJECTOR_CHECKPOINT, type DownloadRow, type SemantestDb } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { toStoredRow, type NewEvent } from '../../src/store/event-store.ts';
import { projectDownload } from '../../src/projections/downloads.ts';
import type { StoredEvent } from '../../src/domain/events.ts';

/** The v1 schema exactly as released in the walking skeleton. */
const V1 = {
  events: '++position, &eventId, streamId, &[streamId+version], type, correlationId, createdAt',
  streams: 'streamId, aggregateType, lastUpdated',
  snapshots: 'snapshotId, streamId, [streamId+version]',
  downloads: 'streamId, phase, requestedAt, chromeDownloadId, request.imageUrl',
  checkpoints: 'subscriberId',
};
/** What v2 added, exactly as released. */
const V2 = {
  subscriberDeadLetters: '++id, subscriberId, [subscriberId+streamId], position',
  metrics: 'minute',
};

const meta = { correlationId: 'c', causationId: 'x' };

describe('database migrations', () => {
  it('v1 with data → current: events, streams, read model and checkpoints kept; new tables usable; appends continue', async () => {
    const name = 'migration-v1';
    const old = new Dexie(name);
    old.version(1).stores(V1);
    const v1Store = new DexieEventStore(old as unknown as SemantestDb) /* the store only touches tables v1 has */;
    await v1Store.appendToStream('a', [{ type: 'GoogleImageDownloadRequested', data: { imageUrl: 'https://i.test/a.jpg', strategy: 'udm2_inline' }, metadata: meta }], { expectedVersion: 'no-stream' });
    await v1Store.whenProjected();
    await old.table('checkpoints').put({ subscriberId: 'metrics', position: 1, updatedAt: 1 });
    old.close();

    const db = openDatabase(name);
    expect(await db.events.count()).toBe(1);
    expect(await db.streams.get('a')).toMatchObject({ currentVersion: 1 });
    expect(await db.downloads.get('a')).toMatchObject({ phase: 'queued' });
    expect(await db.checkpoints.get('metrics')).toMatchObject({ position: 1 });
    expect(db.verno).toBe(3);
    await db.metrics.put({ minute: 0, appended: 1, handled: 0, retried: 0, deadLettered: 0, byType: {}, latencies: [] });
    await db.subscriberDeadLetters.add({ subscriberId: 's', streamId: 'a', position: 1, eventId: 'e', type: 't', error: 'x', attempts: 4, createdAt: 1 });
    const store = new DexieEventStore(db);
    const result = await store.appendToStream('a', [{ type: 'DownloadPaused', data: {}, metadata: { correlationId: 'c', causationId: 'y' } }], { expectedVersion: 1 });
    expect(result.events[0]).toMatchObject({ position: 2, version: 2 });
  });

  it('v2 (read models written inside each append) → v3: the projector starts at the end of the log and folds nothing twice', async () => {
    const name = 'migration-v2';
    const old = new Dexie(name);
    old.version(1).stores(V1);
    old.version(2).stores(V2);
    // What the v2 store left: a download discarded from the dead-letter queue, then retried (discarded again false).
    const drafts: [string, number, NewEvent][] = [
      ['d1', 1, { type: 'GoogleImageDownloadRequested', data: { imageUrl: 'https://i.test/a.jpg', strategy: 'udm2_inline' }, metadata: meta }],
      ['dlq', 1, { type: 'DeadLetterDiscarded', data: { downloadId: 'd1' }, metadata: meta }],
      ['d1', 2, { type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: meta }],
    ];
    const events = drafts.map(([streamId, version, event], i) => ({ ...toStoredRow({ ...event, eventId: `e${i}` }, streamId, version, 10 + i), position: i + 1 }) as StoredEvent);
    const rows = new Map<string, DownloadRow | undefined>();
    for (const event of events) projectDownload(rows, event);
    await old.table('events').bulkAdd(events);
    await old.table('downloads').bulkPut([...rows.values()]);
    await old.table('streams').bulkPut([
      { streamId: 'd1', aggregateType: 'Download', currentVersion: 2, lastUpdated: 12 },
      { streamId: 'dlq', aggregateType: 'DeadLetterQueue', currentVersion: 1, lastUpdated: 11 },
    ]);
    old.close();

    const db = openDatabase(name);
    expect(db.verno).toBe(3);
    expect(await db.checkpoints.get(PROJECTOR_CHECKPOINT)).toMatchObject({ position: 3 });
    // The plain streamId index is gone; queries by stream still work (Dexie serves them from [streamId+version]).
    expect(db.tables.find((table) => table.name === 'events')?.schema.indexes.map((index) => index.name)).not.toContain('streamId');
    expect((await db.events.where('streamId').equals('d1').toArray()).map((event) => event.version)).toEqual([1, 2]);
    const store = new DexieEventStore(db);
    await store.catchUp();
    expect(await db.downloads.get('d1')).toMatchObject({ version: 2, discarded: false, phase: 'queued' });
    await store.appendToStream('d1', [{ type: 'DownloadPaused', data: {}, metadata: meta }], { expectedVersion: 2 });
    await store.whenProjected();
    expect(await db.downloads.get('d1')).toMatchObject({ version: 3, discarded: false });
    expect(await db.streams.get('d1')).toMatchObject({ currentVersion: 3, aggregateType: 'Download' });
    db.close();
  });
});
