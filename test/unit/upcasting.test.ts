/** Old events (the seed's v1 shapes, test/fixtures/events) are upcast when read; newer ones are kept, not guessed. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { rebuildDownloads, downloadsProjection } from '../../src/projections/downloads.ts';
import { isFromTheFuture, upcast } from '../../src/domain/upcasters.ts';
import { parseEventData, type StoredEvent } from '../../src/domain/events.ts';

const fixture = JSON.parse(readFileSync('test/fixtures/events/seed-v1.json', 'utf8')) as Omit<StoredEvent, 'position'>[];

describe('upcasting', () => {
  it('brings every v1 fixture to a payload valid under the current schema', () => {
    for (const event of fixture.filter((e) => !isFromTheFuture(e))) {
      const current = upcast({ ...event, position: 1 });
      expect(() => parseEventData(current.type, current.data)).not.toThrow();
    }
    const requested = upcast({ ...(fixture[0] as StoredEvent), position: 1 });
    expect(requested).toMatchObject({ schemaVersion: 2, data: { imageUrl: 'https://images.example/old/cat.jpg', strategy: 'legacy', title: 'An old cat', width: 800 } });
    expect(upcast({ ...(fixture[1] as StoredEvent), position: 2 }).data).toMatchObject({ mimeType: 'image/jpeg' });
  });

  it('reads old events upcast from the store, and replays them into the history; a newer-version event is kept and skipped', async () => {
    const db = openDatabase('upcast-test');
    await db.events.bulkAdd(fixture as StoredEvent[]);
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    const stream = await store.readStream('legacy-2');
    expect(stream.map((e) => e.schemaVersion)).toEqual([2, 2, 9]);
    expect(stream[1]?.data).toMatchObject({ code: 'unknown', retryable: false, attempt: 1, deadLettered: false });
    expect(isFromTheFuture(stream[2] as StoredEvent)).toBe(true);
    expect(await rebuildDownloads(db)).toBe(5);
    expect(await db.downloads.get('legacy-1')).toMatchObject({ phase: 'completed', fileSize: 51234, mimeType: 'image/jpeg', sourceHost: 'example.org' });
    expect(await db.downloads.get('legacy-2')).toMatchObject({ phase: 'failed', error: '404 Not Found', version: 2 });
    expect(await db.events.count()).toBe(5);
  });
});
