/**
 * Retention: compaction of settled downloads' intermediate events, with a snapshot of each compacted stream.
 *
 * Only events that are steps on the way, never facts the history needs, may go: `DownloadInitiated` (the intent
 * written before chrome.downloads is called), `DownloadPaused` and `DownloadResumed`. The request, the source
 * check, every start, every failure, the completion, retries and discards always stay. And an event goes only if
 * the stream folded WITHOUT it gives exactly the row it gives with it (the read model's own fold,
 * `projectDownload`), so a rebuild of the read model after compaction equals the one before, by construction;
 * a unit test checks that on the whole table. A stream is touched only once it is settled (completed, failed,
 * dead-lettered) and has not changed for `olderThanMs`; a retry later continues it at its next version.
 *
 * Deletion leaves gaps in a stream's versions: the contract allows it only for a retention policy the user turned
 * on (settings: `retentionDays`, 0 = off). A snapshot (state at the stream's last version) is written first, in
 * the same transaction, so anything that loads the aggregate can start from it.
 */
import { isSettled, type DownloadState } from '../domain/download.ts';
import type { EventType, StoredEvent } from '../domain/events.ts';
import type { SemantestDb, SnapshotRow } from './database.ts';
import type { InlineProjection } from './event-store.ts';

/** Event types that compaction may remove (if the fold check agrees). */
export const COMPACTABLE_TYPES: ReadonlySet<EventType> = new Set<EventType>(['DownloadInitiated', 'DownloadPaused', 'DownloadResumed']);

/** Version of the snapshot's state shape: `DownloadState` as folded by src/domain/download.ts `evolve`. */
export const COMPACTION_STATE_VERSION = 1;

export interface CompactionOptions {
  /** Only streams settled and unchanged since before `now - olderThanMs`. */
  olderThanMs: number;
  now: number;
  /** Look at this many streams per transaction. */
  batchSize?: number;
  /** Report what would go, delete nothing. */
  dryRun?: boolean;
  onProgress?: (streamsSeen: number, streamsTotal: number) => void;
  /**
   * Look only at streams that became old enough since the last incremental run (a cursor kept in the snapshots
   * table): what an automatic run at every worker start uses. A full run (the default) looks at all of them.
   */
  incremental?: boolean;
  /** The downloads read model's fold, as the store was given it: an event may go only if the fold stays the same. */
  projection: InlineProjection<DownloadState>;
  /** Runs each batch's transaction between the store's own appends (the worker's single writer). */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface CompactionReport {
  streamsSeen: number;
  /** Streams that lost at least one event. */
  streamsCompacted: number;
  eventsRemoved: number;
  removedByType: Partial<Record<EventType, number>>;
  /** Streams left alone because they are not settled yet, or changed too recently. */
  streamsSkipped: number;
  snapshotsWritten: number;
}

const fold = (events: readonly StoredEvent[], projection: InlineProjection<DownloadState>): DownloadState | undefined => {
  const rows = new Map<string, DownloadState | undefined>();
  for (const event of events) projection.project(rows, event);
  return rows.get(events[0]?.streamId ?? '');
};

const same = (a: DownloadState | undefined, b: DownloadState | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Which of one stream's events may go: each candidate is dropped only if the fold without it (and without the
 * candidates already dropped) still equals the fold of the whole stream.
 */
export function removableEvents(stream: readonly StoredEvent[], projection: InlineProjection<DownloadState>): StoredEvent[] {
  const whole = fold(stream, projection);
  if (!whole || !isSettled(whole)) return [];
  // Folded as a download stream only: events of other streams (a discard names its download in its data) are
  // never in `stream` and are never removed.
  let kept = [...stream];
  const removed: StoredEvent[] = [];
  for (const event of stream) {
    if (!COMPACTABLE_TYPES.has(event.type)) continue;
    const without = kept.filter((other) => other.position !== event.position);
    if (same(fold(without, projection), whole)) {
      kept = without;
      removed.push(event);
    }
  }
  return removed;
}

/** Compacts every settled download stream older than the limit; returns what was (or, dry, would be) removed. */
export async function compactSettledStreams(db: SemantestDb, options: CompactionOptions): Promise<CompactionReport> {
  const report: CompactionReport = { streamsSeen: 0, streamsCompacted: 0, eventsRemoved: 0, removedByType: {}, streamsSkipped: 0, snapshotsWritten: 0 };
  const limit = options.now - options.olderThanMs;
  const batchSize = options.batchSize ?? 200;
  const run = options.exclusive ?? (<T>(work: () => Promise<T>) => work());
  // Old enough to be looked at: the streams table says when each stream last changed.
  const cursor = options.incremental ? await db.snapshots.get(CURSOR_ID) : undefined;
  const since = cursor && cursor.version <= limit ? cursor.version : -Infinity;
  const ids = (await db.streams.where('lastUpdated').between(since, limit, true, false).primaryKeys()) as string[];
  const total = ids.length;
  for (let from = 0; from < ids.length; from += batchSize) {
    const batch = ids.slice(from, from + batchSize);
    await run(() => db.transaction('rw', db.events, db.streams, db.snapshots, async () => {
      for (const streamId of batch) {
        report.streamsSeen += 1;
        const stream = await db.streams.get(streamId);
        // Changed since the list was read (a retry): leave it for next time.
        if (!stream || stream.lastUpdated >= limit || stream.aggregateType !== 'Download') {
          report.streamsSkipped += 1;
          continue;
        }
        const events = await db.events.where('[streamId+version]').between([streamId, 0], [streamId, Infinity]).toArray();
        const state = fold(events, options.projection);
        if (!state || !isSettled(state)) {
          report.streamsSkipped += 1;
          continue;
        }
        const removed = removableEvents(events, options.projection);
        if (removed.length === 0) continue;
        report.streamsCompacted += 1;
        report.eventsRemoved += removed.length;
        for (const event of removed) report.removedByType[event.type] = (report.removedByType[event.type] ?? 0) + 1;
        if (options.dryRun) continue;
        const last = events[events.length - 1] as StoredEvent;
        const snapshot: SnapshotRow = {
          snapshotId: `${streamId}@${COMPACTION_STATE_VERSION}`,
          streamId,
          version: last.version,
          stateVersion: COMPACTION_STATE_VERSION,
          state,
          createdAt: options.now,
        };
        await db.snapshots.put(snapshot);
        report.snapshotsWritten += 1;
        await db.events.bulkDelete(removed.map((event) => event.position));
      }
    }));
    options.onProgress?.(Math.min(total, from + batch.length), total);
  }
  if (!options.dryRun) await db.snapshots.put({ snapshotId: CURSOR_ID, streamId: CURSOR_ID, version: limit, stateVersion: 0, state: report, createdAt: options.now });
  return report;
}

export const DAY_MS = 86_400_000;

/** The retention policy's automatic run (the worker calls it on start): nothing when `retentionDays` is 0. */
export async function compactOldDownloads(
  db: SemantestDb,
  retentionDays: number,
  now: number,
  projection: InlineProjection<DownloadState>,
  exclusive?: CompactionOptions['exclusive'],
): Promise<CompactionReport | null> {
  if (!(retentionDays > 0)) return null;
  return compactSettledStreams(db, { now, olderThanMs: retentionDays * DAY_MS, incremental: true, projection, ...(exclusive ? { exclusive } : {}) });
}

/** The snapshots row that remembers up to which `lastUpdated` the last run looked (never a stream's id). */
const CURSOR_ID = '\u0000compaction';
