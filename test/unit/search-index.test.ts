/** The search index read model: kept in step by the bus, pruned by a forget, rebuilt by replay to the same buckets. */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { dexieBusStorage } from '../../src/bus/dexie-bus-storage.ts';
import { EventBus } from '../../src/bus/subscriptions.ts';
import { SEARCH_BUCKETS, SEARCH_INDEX, bucketOf, searchIndexSubscriber, setEntry } from '../../src/projections/search-index.ts';
import type { NewEvent } from '../../src/store/event-store.ts';
import { bucketEntries, storedBucket } from '../../src/domain/search-bucket.ts';

let n = 0;
const meta = { correlationId: 'corr', causationId: 'cause' };
const requested = (url: string, title: string): NewEvent => ({ type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline', title }, metadata: meta });

function setup() {
  const db = openDatabase(`search-index-${++n}`);
  const store = new DexieEventStore(db, { projection: downloadsProjection });
  const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, now: () => Date.now(), random: () => 0.5, wakeAt: async () => undefined, batchDelayMs: 0 });
  bus.subscribe(searchIndexSubscriber(db));
  /** streamId → its text, over every bucket. */
  const entries = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const row of await db.searchIndex.toArray()) {
      const bucket = bucketEntries(row);
      bucket.ids.forEach((id, i) => (out[id] = bucket.texts[i] as string));
    }
    return out;
  };
  return { db, store, bus, entries };
}

describe('search index', () => {
  it('holds every download\'s search text in the bucket its stream hashes to, in step with appends', async () => {
    const t = setup();
    for (let i = 0; i < 40; i++) await t.store.appendToStream(`s${i}`, [requested(`https://i.test/owl-${i}.jpg`, `Owl ${i}`)], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    const entries = await t.entries();
    expect(Object.keys(entries)).toHaveLength(40);
    expect(entries.s7).toContain('owl-7.jpg');
    expect(entries.s7).toContain('owl 7');
    for (const row of await t.db.searchIndex.toArray()) for (const id of bucketEntries(row).ids) expect(bucketOf(id)).toBe(row.bucket);
    // Stored as two joined strings per bucket (what Chromium reads fastest).
    for (const row of await t.db.searchIndex.toArray()) expect([typeof row.ids, typeof row.texts]).toEqual(['string', 'string']);
    // The file's real name (Chrome made it unique) replaces the one asked for.
    await t.store.appendToStream('s7', [{ type: 'GoogleImageDownloadCompleted', data: { imageUrl: 'https://i.test/owl-7.jpg', filePath: '/home/u/Downloads/Semantest/owl-7 (1).jpg', fileSize: 9, downloadTime: 3, mimeType: 'image/jpeg' }, metadata: meta }], { expectedVersion: 1 });
    await t.bus.idle();
    expect((await t.entries()).s7).toContain('owl-7 (1).jpg');
    expect(new Set((await t.db.searchIndex.toArray()).map((row) => row.bucket)).size).toBeGreaterThan(10);
    expect(Math.max(...(await t.db.searchIndex.toArray()).map((row) => row.bucket))).toBeLessThan(SEARCH_BUCKETS);
  });

  it('a forget removes the forgotten downloads\' entries; a clear (no list) checks every entry', async () => {
    const t = setup();
    for (const id of ['a', 'b', 'c']) await t.store.appendToStream(id, [requested(`https://i.test/${id}.jpg`, id)], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    await t.db.downloads.delete('a');
    await t.store.appendToStream('history-forgotten', [{ type: 'HistoryForgotten', data: { scope: 'downloads', streamIds: ['a'], before: null, downloads: 1, events: 1, filesDeleted: 0 }, metadata: meta }], { expectedVersion: 'any' });
    await t.bus.idle();
    expect(Object.keys(await t.entries()).sort()).toEqual(['b', 'c']);
    await t.db.downloads.delete('b');
    await t.store.appendToStream('history-forgotten', [{ type: 'HistoryForgotten', data: { scope: 'all', streamIds: [], before: null, downloads: 1, events: 1, filesDeleted: 0 }, metadata: meta }], { expectedVersion: 'any' });
    await t.bus.idle();
    expect(Object.keys(await t.entries())).toEqual(['c']);
  });

  it('replay rebuilds the same index from the log', async () => {
    const t = setup();
    for (let i = 0; i < 25; i++) await t.store.appendToStream(`s${i}`, [requested(`https://i.test/fox-${i}.jpg`, `Fox ${i}`)], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    const before = await t.entries();
    await t.db.searchIndex.clear();
    await t.db.searchIndex.put({ bucket: 0, ids: ['stale'], texts: ['stale'], at: [0] });
    await t.bus.replay(SEARCH_INDEX);
    expect(await t.entries()).toEqual(before);
  });

  it('setEntry adds, changes, leaves alone and removes, saying whether the bucket changed', () => {
    const row = { bucket: 1, ids: [], texts: [], at: [] };
    expect(setEntry(row, 'a', { text: 'x', at: 1 })).toBe(true);
    expect(setEntry(row, 'a', { text: 'x', at: 1 })).toBe(false);
    expect(setEntry(row, 'a', { text: 'y', at: 1 })).toBe(true);
    expect(setEntry(row, 'b', null)).toBe(false);
    expect(setEntry(row, 'a', null)).toBe(true);
    expect(row).toEqual({ bucket: 1, ids: [], texts: [], at: [] });
  });

  it('reads buckets kept as arrays (before the joined strings) and as joined strings alike; a separator in a text stays inside its entry', () => {
    const entries = { ids: ['a', 'b'], texts: ['owl\u0000fox', 'hare'], at: [1, 2] };
    expect(bucketEntries({ bucket: 3, ...entries })).toEqual(entries);
    expect(bucketEntries(storedBucket(3, entries))).toEqual({ ids: ['a', 'b'], texts: ['owl fox', 'hare'], at: [1, 2] });
    expect(bucketEntries(storedBucket(3, { ids: [], texts: [], at: [] }))).toEqual({ ids: [], texts: [], at: [] });
  });
});
