/**
 * What the extension's pages read from the worker's database: the only page module that names its tables and
 * indexes. (The popup reads the downloads in raw IndexedDB, downloads-reader.ts: Dexie is too big for it.)
 */
import type { DownloadState } from '../domain/download.ts';
import type { StoredEvent } from '../domain/events.ts';
import type { MetricsRowV2 } from '../projections/metrics.ts';
import type { CheckpointRow, SemantestDb, SubscriberDeadLetterRow } from '../store/database.ts';

// The pages' one door to the store (the linter lets no page import store/ itself).
export type { SemantestDb, SubscriberDeadLetterRow };
export { openDatabase } from '../store/database.ts';
export { exportNdjson } from '../store/event-log-io.ts';

/** Every bus dead letter (the failed events and those parked behind them), in position order. */
export async function readBusDeadLetters(db: SemantestDb): Promise<SubscriberDeadLetterRow[]> {
  return (await db.subscriberDeadLetters.toArray()).sort((a, b) => a.position - b.position);
}

/** Downloads waiting in the dead-letter queue (not discarded, not imported), newest change first. */
export async function readDeadLetteredDownloads(db: SemantestDb): Promise<DownloadState[]> {
  return (await db.downloads.where('phase').equals('dead-lettered').toArray()).filter((row) => !row.discarded && !row.imported).sort((a, b) => b.updatedAt - a.updatedAt);
}

/** The newest `limit` downloads, newest first. */
export function readRecentDownloads(db: SemantestDb, limit: number): Promise<DownloadState[]> {
  return db.downloads.orderBy('requestedAt').reverse().limit(limit).toArray();
}

/** A download's events, with the discards that name it (they live in the dead-letter queue's stream). */
export async function readDownloadStory(db: SemantestDb, streamId: string): Promise<StoredEvent[]> {
  const own = await db.events.where('streamId').equals(streamId).toArray();
  const discards = await db.events
    .where('type')
    .equals('DeadLetterDiscarded')
    .filter((event) => (event.data as { downloadId?: string }).downloadId === streamId)
    .toArray();
  return [...own, ...discards];
}

/** The raw log newest first, of one type if given, created within [from, to] (epoch ms); a Dexie collection to page. */
export function queryLog(db: SemantestDb, type: string, from: number, to: number) {
  const base = type ? db.events.where('type').equals(type).reverse() : db.events.orderBy('position').reverse();
  return Number.isFinite(from) || Number.isFinite(to) ? base.filter((event) => event.createdAt >= from && event.createdAt <= to) : base;
}

/** How many events and downloads the database holds. */
export async function readCounts(db: SemantestDb): Promise<{ events: number; downloads: number }> {
  return { events: await db.events.count(), downloads: await db.downloads.count() };
}

/** A subscriber's checkpoint row (the outbox's) and the log's last position. */
export async function readCheckpointAndLast(db: SemantestDb, subscriberId: string): Promise<{ row: CheckpointRow | undefined; last: number }> {
  const [row, last] = await Promise.all([db.checkpoints.get(subscriberId), db.events.orderBy('position').lastKey()]);
  return { row, last: typeof last === 'number' ? last : 0 };
}

/** The monitoring counters from `start` (minute, epoch ms) on, and the dead-letter depth just before it. */
export async function readMetrics(db: SemantestDb, start: number): Promise<{ rows: MetricsRowV2[]; depthBefore: number }> {
  const rows: MetricsRowV2[] = await db.metrics.where('minute').aboveOrEqual(start).toArray();
  const before: MetricsRowV2 | undefined = await db.metrics
    .where('minute')
    .between(0, start)
    .reverse()
    .filter((row: MetricsRowV2) => row.deadLetterDepth !== undefined)
    .first();
  return { rows, depthBefore: before?.deadLetterDepth ?? 0 };
}
