/** The popup's change read: only the streams appended to since a time, through the `streams` table's index. */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import 'fake-indexeddb/auto';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import type { NewEvent } from '../../src/store/event-store.ts';
import { mergeRows, readChangedSince, readNewest } from '../../src/ui/downloads-reader.ts';

const requested = (name: string): NewEvent => ({
  type: 'GoogleImageDownloadRequested',
  data: { imageUrl: `https://i.test/${name}.jpg`, strategy: 'udm2_inline', title: name },
  metadata: { correlationId: `c-${name}`, causationId: 'cmd' },
});

it('returns the rows of the streams appended to since the given time, not the other open ones', async () => {
  let clock = 1_000;
  const db = openDatabase(); // the reader reads the database named `semantest`
  const store = new DexieEventStore(db, { projection: downloadsProjection, now: () => clock, newId: () => crypto.randomUUID() });
  // 50 queued downloads (open, never settled) appended long ago…
  for (let i = 0; i < 50; i++) await store.appendToStream(`old-${i}`, [requested(`old-${i}`)], { expectedVersion: 'no-stream', aggregateType: 'Download' });
  clock = 100_000;
  // …then two new ones and a non-download stream.
  await store.appendToStream('new-a', [requested('a')], { expectedVersion: 'no-stream', aggregateType: 'Download' });
  clock = 100_500;
  await store.appendToStream('new-b', [requested('b')], { expectedVersion: 'no-stream', aggregateType: 'Download' });
  await store.appendToStream('notifications', [{ type: 'NotificationSent', data: { recipient: 'local-user', channel: 'desktop', kind: 'download-saved', notificationId: 'n1', subject: 'new-a', title: 't', message: 'm', actions: [] }, metadata: { correlationId: 'c-a', causationId: 'x' } }], { expectedVersion: 'no-stream', aggregateType: 'Notification' });

  const changed = await readChangedSince(90_000);
  expect(changed.rows.map((row) => row.streamId).sort()).toEqual(['new-a', 'new-b']);
  expect(changed.gone).toEqual(['notifications']); // not a download: merging it removes nothing
  expect(changed.latest).toBe(100_500);
  expect((await readChangedSince(100_501)).rows).toEqual([]);

  const before = await readNewest(100);
  expect(before).toHaveLength(52);
  const merged = mergeRows(before, changed.rows, changed.gone);
  expect(merged.map((row) => row.streamId)).toEqual(before.map((row) => row.streamId));
  db.close();
});
