/**
 * The popup's search from the index (the snapshot its boot script reads when it opens): the same answer as filtering
 * every row, before the history is read.
 */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { dexieBusStorage } from '../../src/bus/dexie-bus-storage.ts';
import { EventBus } from '../../src/bus/subscriptions.ts';
import { searchIndexSubscriber } from '../../src/projections/search-index.ts';
import { searchByIndex, takeEarlyRead } from '../../src/ui/downloads-reader.ts';
import { NO_FILTER, filterHistory } from '../../src/ui/history-filter.ts';
import { searchWords } from '../../src/domain/search-text.ts';

/** Opens the popup as the page would: its boot script reads the first screen and the index; the app takes them. */
async function openPopup(): Promise<void> {
  vi.resetModules();
  await import('../../src/popup/boot.ts');
  takeEarlyRead(24);
}

describe('search by index', () => {
  it('answers like a filter over every row, newest first, and refuses while the index lags the history', async () => {
    const db = openDatabase('semantest');
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, now: () => Date.now(), random: () => 0.5, wakeAt: async () => undefined, batchDelayMs: 0 });
    bus.subscribe(searchIndexSubscriber(db));
    const animals = ['owl', 'fox', 'hare'];
    for (let i = 0; i < 60; i++) {
      const animal = animals[i % 3] as string;
      await store.appendToStream(`s${i}`, [{ type: 'GoogleImageDownloadRequested', data: { imageUrl: `https://i${i % 7}.test/${animal}-${i}.jpg`, strategy: 'udm2_inline', title: `A ${animal}` }, metadata: { correlationId: `c${i}`, causationId: 'x' } }], { expectedVersion: 'no-stream' });
    }
    await bus.idle();
    await openPopup();
    const all = (await db.downloads.toArray()).sort((a, b) => b.requestedAt - a.requestedAt);
    for (const text of ['owl', 'fox-1', 'i3.test hare', 'nothing-like-this']) {
      const answer = await searchByIndex(searchWords(text));
      const expected = filterHistory(all, { ...NO_FILTER, text }, Date.now());
      expect(answer?.total).toBe(60);
      expect(answer?.rows.map((row) => row.streamId).sort()).toEqual(expected.map((row) => row.streamId).sort());
      answer?.rows.forEach((row, i) => i > 0 && expect(row.requestedAt).toBeLessThanOrEqual(answer.rows[i - 1]?.requestedAt ?? Infinity));
    }
    // A download the index has not caught up with: no answer from it (the popup reads the history instead).
    const [bucket] = await db.searchIndex.toArray();
    await db.searchIndex.put({ ...(bucket as NonNullable<typeof bucket>), ids: [], texts: [], at: [] });
    await openPopup();
    expect(await searchByIndex(['owl'])).toBeNull();
    db.close();
  });

  it('without the boot script (dev server) there is no index answer: the search waits for the history', async () => {
    vi.resetModules();
    const reader = await import('../../src/ui/downloads-reader.ts');
    expect(await reader.searchByIndex(['owl'])).toBeNull();
  });
});
