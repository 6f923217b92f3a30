/** The event store's contract on Dexie (fake-indexeddb): versions, positions, idempotency, reads, replay. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConcurrencyError, type NewEvent } from '../../src/store/event-store.ts';
import { EventSchemaError } from '../../src/domain/events.ts';
import { rebuildDownloads, downloadsProjection } from '../../src/projections/downloads.ts';
import { InMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { loadAggregate, type EventStore } from '../../src/store/event-store.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import { evolve, type DownloadState } from '../../src/domain/download.ts';
import { failed, freshStore, meta, requested } from './store-helpers.ts';

const fresh = () => freshStore('store-test');

const backends: [string, () => EventStore][] = [
  ['DexieEventStore', () => fresh().store],
  ['InMemoryEventStore', () => new InMemoryEventStore({ projection: downloadsProjection })],
];

describe.each(backends)('event store contract: %s', (_name, make) => {
  it('numbers versions from 1 per stream and positions in commit order', async () => {
    const store = make();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    await store.appendToStream('b', [requested('https://i.test/b.jpg')], { expectedVersion: 'no-stream' });
    const result = await store.appendToStream('a', [failed(1), failed(2)], { expectedVersion: 1 });
    expect(result.nextVersion).toBe(3);
    expect(result.events.map((e) => e.version)).toEqual([2, 3]);
    const all = await store.readAll(0, 100);
    expect(all.map((e) => [e.streamId, e.version, e.position])).toEqual([['a', 1, 1], ['b', 1, 2], ['a', 2, 3], ['a', 3, 4]]);
    expect(all[0]).toMatchObject({ correlationId: 'corr', causationId: 'cause', metadata: meta, schemaVersion: 2 });
  });

  it('checks the expected version: no-stream, exists, any, exact; a conflict writes nothing', async () => {
    const store = make();
    await expect(store.appendToStream('a', [requested()], { expectedVersion: 'exists' })).rejects.toBeInstanceOf(ConcurrencyError);
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    await expect(store.appendToStream('a', [failed(1)], { expectedVersion: 'no-stream' })).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.appendToStream('a', [failed(1)], { expectedVersion: 2 })).rejects.toBeInstanceOf(ConcurrencyError);
    await store.appendToStream('a', [failed(1)], { expectedVersion: 'exists' });
    await store.appendToStream('a', [failed(2)], { expectedVersion: 'any' });
    await store.appendToStream('a', [failed(3)], { expectedVersion: 3 });
    expect((await store.readStream('a')).map((e) => e.version)).toEqual([1, 2, 3, 4]);
  });

  it('answers a re-sent event id with duplicate and writes nothing', async () => {
    const store = make();
    const event = { ...requested(), eventId: '00000000-0000-4000-8000-000000000009' };
    await store.appendToStream('a', [event], { expectedVersion: 'no-stream' });
    expect(await store.appendToStream('a', [event], { expectedVersion: 'no-stream' })).toMatchObject({ duplicate: true, events: [] });
    expect(await store.readAll(0, 10)).toHaveLength(1);
  });

  it('refuses an event that fails its schema and writes nothing', async () => {
    const store = make();
    const bad = { type: 'GoogleImageDownloadFailed', data: { imageUrl: 'x' }, metadata: meta } as unknown as NewEvent;
    await expect(store.appendToStream('a', [requested(), bad], { expectedVersion: 'any' })).rejects.toThrow(EventSchemaError);
    expect(await store.readAll(0, 10)).toEqual([]);
  });

  it('loads an aggregate from a snapshot plus later events; a snapshot of another reducer version is ignored', async () => {
    const store = make();
    await store.appendToStream('a', [requested(), failed(1)], { expectedVersion: 'no-stream' });
    const reducer = { stateVersion: 1, evolve };
    const first = await loadAggregate<DownloadState>(store, 'a', reducer);
    await store.saveSnapshot({ streamId: 'a', version: first.version, stateVersion: 1, state: { ...first.state, sourceHost: 'from-the-snapshot' } });
    await store.appendToStream('a', [failed(2)], { expectedVersion: 2 });
    const fromSnapshot = await loadAggregate<DownloadState>(store, 'a', reducer);
    expect(fromSnapshot.version).toBe(3);
    expect(fromSnapshot.state?.failures).toBe(2);
    expect(fromSnapshot.state?.sourceHost).toBe('from-the-snapshot'); // the snapshot was used…
    expect(fromSnapshot.state?.attempt).toBe(3); // …and the later event applied on top of it
    const changedReducer = await loadAggregate<DownloadState>(store, 'a', { stateVersion: 2, evolve });
    expect(changedReducer.state?.failures).toBe(2);
    expect(changedReducer.state?.sourceHost).toBe('i.test');
    expect(await store.loadSnapshot('a', 2)).toBeUndefined();
  });

  it('reads forward, backward from a version, with limits', async () => {
    const store = make();
    await store.appendToStream('a', [requested(), failed(1), failed(2), failed(3)], { expectedVersion: 'no-stream' });
    expect((await store.readStream('a', { fromVersion: 2, limit: 2 })).map((e) => e.version)).toEqual([2, 3]);
    expect((await store.readStream('a', { direction: 'backward', limit: 2 })).map((e) => e.version)).toEqual([4, 3]);
    expect((await store.readStream('a', { direction: 'backward', fromVersion: 2 })).map((e) => e.version)).toEqual([2, 1]);
    expect(await store.readStream('nope')).toEqual([]);
  });
});

describe('DexieEventStore', () => {
  it('group-commits concurrent appends in one transaction, each with its own version check', async () => {
    const { db, store } = fresh();
    let transactions = 0;
    const original = db.transaction.bind(db) as (...args: unknown[]) => unknown;
    (db as unknown as { transaction: (...args: unknown[]) => unknown }).transaction = (...args: unknown[]) => {
      transactions += 1;
      return original(...args);
    };
    const results = await Promise.allSettled([
      ...Array.from({ length: 100 }, (_, i) => store.appendToStream(`s${i}`, [requested(`https://i.test/${i}.jpg`)], { expectedVersion: 'no-stream' })),
      store.appendToStream('s7', [requested('https://i.test/dup.jpg')], { expectedVersion: 'no-stream' }),
    ]);
    expect(transactions).toBe(1);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(100);
    expect(results[100]).toMatchObject({ status: 'rejected', reason: expect.any(ConcurrencyError) });
    expect(await db.events.count()).toBe(100);
    expect((await store.readStream('s7'))[0]?.data).toMatchObject({ imageUrl: 'https://i.test/7.jpg' });
    expect(await db.downloads.count()).toBe(100);
  });

  it('stores the contract row shape, versions from 1, positions in commit order', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    await store.appendToStream('b', [requested('https://i.test/b.jpg')], { expectedVersion: 'no-stream' });
    await store.appendToStream('a', [failed(1), failed(2)], { expectedVersion: 1 });
    const rows = await db.events.orderBy('position').toArray();
    expect(rows.map((row) => [row.streamId, row.version])).toEqual([['a', 1], ['b', 1], ['a', 2], ['a', 3]]);
    expect(rows.map((row) => row.position)).toEqual([1, 2, 3, 4]);
    const row = rows[0];
    expect(Object.keys(row ?? {}).sort()).toEqual(['causationId', 'correlationId', 'createdAt', 'data', 'eventId', 'metadata', 'position', 'schemaVersion', 'streamId', 'type', 'version']);
    expect(row).toMatchObject({ schemaVersion: 2, correlationId: 'corr', causationId: 'cause', metadata: meta });
    expect(row?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await db.streams.get('a')).toMatchObject({ currentVersion: 3, aggregateType: 'Download' });
  });

  it('refuses a wrong expected version with a typed error and writes nothing', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    await expect(store.appendToStream('a', [failed(1)], { expectedVersion: 'no-stream' })).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.appendToStream('a', [failed(1)], { expectedVersion: 5 })).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.appendToStream('z', [failed(1)], { expectedVersion: 'exists' })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await db.events.count()).toBe(1);
    await store.appendToStream('a', [failed(1)], { expectedVersion: 'any' });
    expect(await db.events.count()).toBe(2);
  });

  it('treats a re-sent event id as a no-op that says so', async () => {
    const { db, store } = fresh();
    const event = { ...requested(), eventId: '00000000-0000-4000-8000-000000000001' };
    const first = await store.appendToStream('a', [event], { expectedVersion: 'no-stream' });
    const again = await store.appendToStream('a', [event], { expectedVersion: 'no-stream' });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ nextVersion: 1, events: [], duplicate: true });
    expect(await db.events.count()).toBe(1);
  });

  it('refuses an event that fails its schema, with the reason, writing nothing', async () => {
    const { db, store } = fresh();
    const bad = { type: 'GoogleImageDownloadFailed', data: { imageUrl: 'x', retryable: 'yes' }, metadata: meta } as unknown as NewEvent;
    await expect(store.appendToStream('a', [requested(), bad], { expectedVersion: 'any' })).rejects.toThrow(EventSchemaError);
    expect(await db.events.count()).toBe(0);
  });

  it('reads a stream forward, backward, from a version, with a limit; reads all in pages', async () => {
    const { store } = fresh();
    await store.appendToStream('a', [requested(), failed(1), failed(2), failed(3)], { expectedVersion: 'no-stream' });
    await store.appendToStream('b', [requested('https://i.test/b.jpg')], { expectedVersion: 'no-stream' });
    expect((await store.readStream('a')).map((e) => e.version)).toEqual([1, 2, 3, 4]);
    expect((await store.readStream('a', { fromVersion: 2, limit: 2 })).map((e) => e.version)).toEqual([2, 3]);
    expect((await store.readStream('a', { direction: 'backward', limit: 2 })).map((e) => e.version)).toEqual([4, 3]);
    expect((await store.readAll(0, 3)).map((e) => e.position)).toEqual([1, 2, 3]);
    expect((await store.readAll(3, 10)).map((e) => e.streamId)).toEqual(['a', 'b']);
  });

  it('property: random appends, conflicts and duplicates keep versions gap-free, positions increasing, and replay equal to the inline projection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ stream: fc.constantFrom('s1', 's2', 's3'), size: fc.integer({ min: 1, max: 3 }), stale: fc.boolean(), resend: fc.boolean() }), { maxLength: 25 }),
        async (ops) => {
          const { db, store } = fresh();
          const versions = new Map<string, number>();
          let lastId: string | null = null;
          for (const op of ops) {
            const current = versions.get(op.stream) ?? 0;
            if (op.resend && lastId) {
              const result = await store.appendToStream(op.stream, [{ ...failed(1), eventId: lastId }], { expectedVersion: 'any' }).catch((error: Error) => error);
              if (!(result instanceof Error)) expect(result.duplicate).toBe(true);
              continue;
            }
            const events: NewEvent[] = current === 0 ? [requested(`https://i.test/${op.stream}`)] : [];
            while (events.length < op.size) events.push(failed(current + events.length));
            const withIds = events.map((event) => ({ ...event, eventId: crypto.randomUUID() }));
            const expected = op.stale ? current + 1 : current === 0 ? 'no-stream' : current;
            const result = await store.appendToStream(op.stream, withIds, { expectedVersion: expected }).catch((error: unknown) => error);
            if (op.stale) expect(result).toBeInstanceOf(ConcurrencyError);
            else {
              versions.set(op.stream, current + withIds.length);
              lastId = withIds[withIds.length - 1]?.eventId ?? null;
            }
          }
          const all = await db.events.orderBy('position').toArray();
          for (const [stream, version] of versions) {
            expect(all.filter((e) => e.streamId === stream).map((e) => e.version)).toEqual(Array.from({ length: version }, (_, i) => i + 1));
          }
          all.forEach((event, i) => i > 0 && expect(event.position).toBeGreaterThan(all[i - 1]?.position ?? 0));
          const incremental = await db.downloads.orderBy('streamId').toArray();
          await rebuildDownloads(db, undefined, 7);
          expect(await db.downloads.orderBy('streamId').toArray()).toEqual(incremental);
          db.close();
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe('DexieEventStore under hostile storage', () => {
  it('a QuotaExceededError during an append writes nothing, says so in words, and the store carries on', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    const original = db.events.bulkAdd.bind(db.events);
    let full = true;
    db.events.bulkAdd = ((...args: Parameters<typeof original>) => {
      if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return original(...args);
    }) as typeof original;
    await expect(store.appendToStream('a', [failed(1)], { expectedVersion: 1 })).rejects.toThrow(/no room left/);
    expect(await db.events.count()).toBe(1);
    expect(await db.streams.get('a')).toMatchObject({ currentVersion: 1 });
    expect(await db.downloads.get('a')).toMatchObject({ version: 1 });
    full = false;
    await store.appendToStream('a', [failed(1)], { expectedVersion: 1 });
    expect(await db.events.count()).toBe(2);
  });

  it('a corrupt stored row is quarantined and reported by the rebuild, not fatal', async () => {
    const { db, store } = fresh();
    await store.appendToStream('a', [requested()], { expectedVersion: 'no-stream' });
    await db.events.add({ eventId: 'broken', streamId: 'b', version: 1, type: 'GoogleImageDownloadRequested', schemaVersion: 2, data: null, metadata: meta, correlationId: 'c', causationId: 'x', createdAt: 1 } as unknown as StoredEvent);
    const reported: string[] = [];
    expect(await rebuildDownloads(db, undefined, 100, (event) => reported.push(event.eventId))).toBe(2);
    expect(reported).toEqual(['broken']);
    expect(await db.downloads.get('a')).toMatchObject({ phase: 'queued' });
    expect(await db.subscriberDeadLetters.where('subscriberId').equals('downloads').toArray()).toMatchObject([{ eventId: 'broken', position: 2 }]);
  });
});
