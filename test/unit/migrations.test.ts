/** Every earlier schema of the `semantest` database, with data, opens under the current one with nothing lost. */
import { describe, expect, it } from 'vitest';
import { Dexie } from 'dexie';
import { openDatabase, type SemantestDb } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';

/** The v1 schema exactly as released in the walking skeleton. */
const V1 = {
  events: '++position, &eventId, streamId, &[streamId+version], type, correlationId, createdAt',
  streams: 'streamId, aggregateType, lastUpdated',
  snapshots: 'snapshotId, streamId, [streamId+version]',
  downloads: 'streamId, phase, requestedAt, chromeDownloadId, request.imageUrl',
  checkpoints: 'subscriberId',
};

describe('database migrations', () => {
  it('v1 with data → current: events, streams, read model and checkpoints kept; new tables usable; appends continue', async () => {
    const name = 'migration-v1';
    const old = new Dexie(name);
    old.version(1).stores(V1);
    const v1Store = new DexieEventStore(old as unknown as SemantestDb) /* the store only touches tables v1 has */;
    await v1Store.appendToStream('a', [{ type: 'GoogleImageDownloadRequested', data: { imageUrl: 'https://i.test/a.jpg', strategy: 'udm2_inline' }, metadata: { correlationId: 'c', causationId: 'x' } }], { expectedVersion: 'no-stream' });
    await old.table('checkpoints').put({ subscriberId: 'metrics', position: 1, updatedAt: 1 });
    old.close();

    const db = openDatabase(name);
    expect(await db.events.count()).toBe(1);
    expect(await db.streams.get('a')).toMatchObject({ currentVersion: 1 });
    expect(await db.downloads.get('a')).toMatchObject({ phase: 'queued' });
    expect(await db.checkpoints.get('metrics')).toMatchObject({ position: 1 });
    expect(db.verno).toBe(4);
    // v4's batch reports' read model: usable on an upgraded database.
    await db.batches.put({ batchId: 'b', requestedAt: 1, size: 1, streamIds: ['a'], alreadySaved: [], folder: null, skippedSmaller: 0 });
    expect((await db.batches.where('streamIds').equals('a').first())?.batchId).toBe('b');
    await db.metrics.put({ minute: 0, appended: 1, handled: 0, retried: 0, deadLettered: 0, byType: {}, latencies: [] });
    await db.subscriberDeadLetters.add({ subscriberId: 's', streamId: 'a', position: 1, eventId: 'e', type: 't', error: 'x', attempts: 4, createdAt: 1 });
    const store = new DexieEventStore(db);
    const result = await store.appendToStream('a', [{ type: 'DownloadPaused', data: {}, metadata: { correlationId: 'c', causationId: 'y' } }], { expectedVersion: 1 });
    expect(result.events[0]).toMatchObject({ position: 2, version: 2 });
  });
});
