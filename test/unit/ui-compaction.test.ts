/** Retention: compaction removes only intermediate events of settled streams, and the read model survives it. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import type { NewEvent } from '../../src/store/event-store.ts';
import { rebuildDownloads, downloadsProjection } from '../../src/projections/downloads.ts';
import { COMPACTION_STATE_VERSION, compactOldDownloads, compactSettledStreams, removableEvents } from '../../src/store/compaction.ts';

const DAY = 86_400_000;
let n = 0;
let clock = 0;
const fresh = () => {
  const db = openDatabase(`compaction-test-${++n}`);
  return { db, store: new DexieEventStore(db, { projection: downloadsProjection, now: () => clock, newId: () => crypto.randomUUID() }) };
};
const meta = (correlationId = 'corr') => ({ correlationId, causationId: 'cause' });
const url = 'https://i.test/a.jpg';
const requested: NewEvent = { type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline', title: 'A' }, metadata: meta() };
const validated = (attempt: number): NewEvent => ({
  type: 'ImageSourceValidated',
  data: { attempt, mimeType: 'image/jpeg', extension: 'jpg', filename: 'Semantest/a.jpg', contentLength: 10 },
  metadata: meta(),
});
const initiated = (attempt: number): NewEvent => ({ type: 'DownloadInitiated', data: { attempt, filename: 'Semantest/a.jpg', url }, metadata: meta() });
const started = (attempt: number, id: number): NewEvent => ({ type: 'DownloadStarted', data: { attempt, chromeDownloadId: id }, metadata: meta() });
const paused: NewEvent = { type: 'DownloadPaused', data: {}, metadata: meta() };
const resumed: NewEvent = { type: 'DownloadResumed', data: {}, metadata: meta() };
const failed = (attempt: number, final: boolean): NewEvent => ({
  type: 'GoogleImageDownloadFailed',
  data: { imageUrl: url, error: 'HTTP 500', code: 'http_server_error', retryable: true, attempt, nextAttemptAt: final ? null : 5, deadLettered: final },
  metadata: meta(),
});
const completed: NewEvent = { type: 'GoogleImageDownloadCompleted', data: { imageUrl: url, filePath: '/d/Semantest/a.jpg', fileSize: 10, downloadTime: 3, mimeType: 'image/jpeg' }, metadata: meta() };

/** Appends one event at a time, each a millisecond later (the read model keeps createdAt of some events). */
async function write(store: DexieEventStore, streamId: string, events: NewEvent[], at: number): Promise<void> {
  let version = 0;
  for (const event of events) {
    clock = at + version;
    await store.appendToStream(streamId, [event], { expectedVersion: version === 0 ? 'no-stream' : version });
    version += 1;
  }
}

describe('compaction of settled streams', () => {
  it('removes only intermediate events, writes a snapshot, and a rebuild of the read model equals the one before', async () => {
    const { db, store } = fresh();
    const old = 100 * DAY;
    // Paused and resumed, then completed: the pause and resume can go; the last intent cannot (it sets initiatedAt).
    await write(store, 'paused-then-done', [requested, validated(1), initiated(1), started(1, 1), paused, resumed, completed], old);
    // Two attempts: the first attempt's intent is superseded by the second's.
    await write(store, 'retried-then-done', [requested, validated(1), initiated(1), started(1, 2), failed(1, false), validated(2), initiated(2), started(2, 3), completed], old);
    // Dead-lettered after retries, with a pause on the way.
    await write(store, 'dead', [requested, validated(1), initiated(1), started(1, 4), paused, resumed, failed(1, false), validated(2), initiated(2), failed(2, true)], old);
    // Still running: never touched, even when old.
    await write(store, 'running', [requested, validated(1), initiated(1), started(1, 5), paused, resumed], old);
    // Settled but recent: not yet.
    await write(store, 'recent', [requested, validated(1), initiated(1), started(1, 6), paused, resumed, completed], 200 * DAY);
    // A discard (its own stream) names a download: it stays.
    clock = old + 50;
    await store.appendToStream('dlq', [{ type: 'DeadLetterDiscarded', data: { downloadId: 'dead' }, metadata: meta('discard') }], { expectedVersion: 'any', aggregateType: 'DeadLetterQueue' });

    const before = await db.downloads.orderBy('streamId').toArray();
    const eventsBefore = await db.events.count();

    const dry = await compactSettledStreams(db, { now: 201 * DAY, olderThanMs: 30 * DAY, dryRun: true, projection: downloadsProjection });
    expect(await db.events.count()).toBe(eventsBefore);
    const report = await compactSettledStreams(db, { now: 201 * DAY, olderThanMs: 30 * DAY, batchSize: 2, projection: downloadsProjection });
    expect(report).toEqual({ ...dry, snapshotsWritten: 3 });
    expect(report.removedByType).toEqual({ DownloadPaused: 2, DownloadResumed: 2, DownloadInitiated: 2 });
    expect(report.eventsRemoved).toBe(6);
    expect(report.streamsCompacted).toBe(3);
    expect(report.streamsSkipped).toBe(2); // the running one and the discard queue; the recent one is not even looked at
    expect(await db.events.count()).toBe(eventsBefore - 6);

    // The facts the history needs are all still there.
    const types = async (id: string) => (await db.events.where('streamId').equals(id).sortBy('version')).map((event) => event.type);
    expect(await types('paused-then-done')).toEqual(['GoogleImageDownloadRequested', 'ImageSourceValidated', 'DownloadInitiated', 'DownloadStarted', 'GoogleImageDownloadCompleted']);
    expect(await types('retried-then-done')).toEqual([
      'GoogleImageDownloadRequested', 'ImageSourceValidated', 'DownloadStarted', 'GoogleImageDownloadFailed', 'ImageSourceValidated', 'DownloadInitiated', 'DownloadStarted', 'GoogleImageDownloadCompleted',
    ]);
    expect((await types('running')).length).toBe(6);
    expect((await types('recent')).length).toBe(7);
    expect(await types('dlq')).toEqual(['DeadLetterDiscarded']);

    // The snapshot holds the aggregate's state at the stream's last version (the discard lives in another stream).
    const snapshot = await db.snapshots.get(`dead@${COMPACTION_STATE_VERSION}`);
    expect(snapshot).toMatchObject({ streamId: 'dead', version: 10, state: { ...before.find((row) => row.streamId === 'dead'), discarded: false } });

    // The proof: rebuilding the read model from the compacted log gives the rows it had before.
    await db.downloads.clear();
    await rebuildDownloads(db);
    expect(await db.downloads.orderBy('streamId').toArray()).toEqual(before);

    // A second run finds nothing more to remove.
    expect((await compactSettledStreams(db, { now: 201 * DAY, olderThanMs: 30 * DAY, projection: downloadsProjection })).eventsRemoved).toBe(0);
    // A retry continues a compacted stream at its next version.
    clock = 202 * DAY;
    await store.appendToStream('dead', [{ type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: meta('retry') }], { expectedVersion: 10 });
    expect(await db.downloads.get('dead')).toMatchObject({ phase: 'queued', version: 11 });
    db.close();
  }, 60_000);

  it('keeps an intent whose removal would change the row (the check can say no)', async () => {
    const { db, store } = fresh();
    await write(store, 'plain', [requested, validated(1), initiated(1), started(1, 1), completed], 0);
    const events = await db.events.where('streamId').equals('plain').sortBy('version');
    expect(removableEvents(events, downloadsProjection)).toEqual([]);
    db.close();
  });

  it('the automatic run does nothing when retention is off, and then looks only at streams that aged since its last run', async () => {
    const { db, store } = fresh();
    await write(store, 'first', [requested, validated(1), initiated(1), started(1, 1), paused, resumed, completed], 1 * DAY);
    expect(await compactOldDownloads(db, 0, 100 * DAY, downloadsProjection)).toBeNull();
    expect(await db.events.count()).toBe(7);
    expect(await compactOldDownloads(db, 30, 100 * DAY, downloadsProjection)).toMatchObject({ streamsSeen: 1, eventsRemoved: 2 });
    await write(store, 'second', [requested, validated(1), initiated(1), started(1, 2), paused, resumed, completed], 80 * DAY);
    // 'first' is behind the cursor and not looked at again; 'second' is not old enough yet.
    expect(await compactOldDownloads(db, 30, 101 * DAY, downloadsProjection)).toMatchObject({ streamsSeen: 0, eventsRemoved: 0 });
    expect(await compactOldDownloads(db, 30, 111 * DAY, downloadsProjection)).toMatchObject({ streamsSeen: 1, eventsRemoved: 2 });
    db.close();
  }, 60_000);
});
