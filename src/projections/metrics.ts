/**
 * Monitoring counters per minute: events appended (by type) from the log, and the bus's own work (handled,
 * retried, dead-lettered, handler latency). Idempotent: a watermark, written in the same transaction as the
 * counters, makes a redelivered event a no-op.
 *
 * From the log it also keeps, per minute, the downloads completed and failed for good, the bytes saved, and the
 * dead-letter queue's depth at the end of the minute (a gauge: the downloads waiting in it, kept in the watermark
 * row so a replay rebuilds it too). These fields are optional on the row: minutes counted before they existed
 * simply lack them.
 */
import type { Subscriber } from '../bus/subscriptions.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import { isFinalFailure } from '../domain/failure.ts';
import type { MetricsRow, SemantestDb } from '../store/database.ts';

/** What the metrics projection adds to a minute's row (all optional: older rows lack them). */
export interface DownloadMetrics {
  /** `GoogleImageDownloadCompleted` events of the minute. */
  completed?: number;
  /** Final `GoogleImageDownloadFailed` events (no next attempt) of the minute. */
  failed?: number;
  /** Bytes of the files completed in the minute. */
  bytes?: number;
  /** Downloads in the dead-letter queue after the minute's last event. */
  deadLetterDepth?: number;
  /** Watermark row only: the streams waiting in the dead-letter queue. */
  waiting?: string[];
}
export type MetricsRowV2 = MetricsRow & DownloadMetrics;

/** Folds one event into its minute's row and into the dead-letter set (the watermark's `waiting`). */
export function countEvent(row: MetricsRowV2, waiting: Set<string>, event: StoredEvent): void {
  row.appended += 1;
  row.byType[event.type] = (row.byType[event.type] ?? 0) + 1;
  switch (event.type) {
    case 'GoogleImageDownloadCompleted': {
      const data = event.data as EventData<'GoogleImageDownloadCompleted'>;
      row.completed = (row.completed ?? 0) + 1;
      row.bytes = (row.bytes ?? 0) + (typeof data.fileSize === 'number' ? data.fileSize : 0);
      waiting.delete(event.streamId);
      break;
    }
    case 'GoogleImageDownloadFailed': {
      const data = event.data as Partial<EventData<'GoogleImageDownloadFailed'>>;
      if (isFinalFailure(data)) row.failed = (row.failed ?? 0) + 1;
      if (data.deadLettered === true) waiting.add(event.streamId);
      break;
    }
    case 'GoogleImageDownloadRetryRequested':
      waiting.delete(event.streamId);
      break;
    case 'DeadLetterDiscarded':
      waiting.delete((event.data as EventData<'DeadLetterDiscarded'>).downloadId);
      break;
    default:
      break;
  }
  row.deadLetterDepth = waiting.size;
}

const WATERMARK = -1;
const MAX_LATENCIES = 200;

/** The start of the minute `ms` falls in (the key of its metrics row). */
const minuteOf = (ms: number): number => Math.floor(ms / 60_000) * 60_000;
const emptyRow = (minute: number): MetricsRow => ({ minute, appended: 0, handled: 0, retried: 0, deadLettered: 0, byType: {}, latencies: [] });

export function metricsSubscriber(db: SemantestDb): Subscriber {
  /** Folds the events the watermark has not counted yet, in one transaction (a batch of the bus, or one event). */
  const count = async (events: readonly StoredEvent[]): Promise<void> => {
    await db.transaction('rw', db.metrics, async () => {
      const mark: MetricsRowV2 | undefined = await db.metrics.get(WATERMARK);
      const unseen = events.filter((event) => !mark || mark.appended < event.position);
      if (unseen.length === 0) return;
      // Imported history is not this browser's work: passed over (the watermark still moves past it).
      const fresh = unseen.filter((event) => !event.metadata.imported);
      const minutes = [...new Set(fresh.map((event) => minuteOf(event.createdAt)))];
      const stored = await db.metrics.bulkGet(minutes);
      const rows = new Map<number, MetricsRowV2>(minutes.map((minute, i) => [minute, stored[i] ?? emptyRow(minute)]));
      const waiting = new Set(mark?.waiting ?? []);
      let last = mark?.appended ?? 0;
      for (const event of fresh) countEvent(rows.get(minuteOf(event.createdAt)) as MetricsRowV2, waiting, event);
      for (const event of unseen) last = Math.max(last, event.position);
      const watermark: MetricsRowV2 = { ...emptyRow(WATERMARK), appended: last, waiting: [...waiting] };
      await db.metrics.bulkPut([...rows.values(), watermark]);
    });
  };
  return {
    id: 'metrics',
    handle: (event) => count([event]),
    handleBatch: (events) => count(events),
    async reset() {
      await db.metrics.where('minute').aboveOrEqual(WATERMARK).modify((row: MetricsRowV2) => {
        row.appended = 0;
        row.byType = {};
        delete row.completed;
        delete row.failed;
        delete row.bytes;
        delete row.deadLetterDepth;
      });
      await db.metrics.delete(WATERMARK);
    },
  };
}

/** How long the bus's own counts are gathered in memory before they are written (one transaction). */
export const OBSERVE_FLUSH_MS = 1000;

/**
 * Records the bus's own work in the current minute (best effort: monitoring, not facts). Counts are gathered in
 * memory and written together every OBSERVE_FLUSH_MS, not one transaction per handled event; a worker stopped
 * in between loses at most those counts.
 */
export function observeBus(db: SemantestDb, now: () => number, setTimer: (fn: () => void, ms: number) => unknown) {
  const pending = new Map<number, { handled: number; retried: number; deadLettered: number; latencies: number[] }>();
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const batch = [...pending.entries()];
    pending.clear();
    void db
      .transaction('rw', db.metrics, async () => {
        const rows = await db.metrics.bulkGet(batch.map(([minute]) => minute));
        await db.metrics.bulkPut(
          batch.map(([minute, counts], i) => {
            const row = rows[i] ?? emptyRow(minute);
            row.handled += counts.handled;
            row.retried += counts.retried;
            row.deadLettered += counts.deadLettered;
            row.latencies = [...row.latencies, ...counts.latencies].slice(-MAX_LATENCIES);
            return row;
          }),
        );
      })
      .catch(() => undefined);
  };
  return (what: 'handled' | 'retried' | 'dead-lettered', latencyMs: number): void => {
    const minute = minuteOf(now());
    let counts = pending.get(minute);
    if (!counts) {
      counts = { handled: 0, retried: 0, deadLettered: 0, latencies: [] };
      pending.set(minute, counts);
    }
    if (what === 'handled') {
      counts.handled += 1;
      counts.latencies.push(latencyMs);
      if (counts.latencies.length > MAX_LATENCIES) counts.latencies.shift();
    } else if (what === 'retried') counts.retried += 1;
    else counts.deadLettered += 1;
    if (!scheduled) {
      scheduled = true;
      setTimer(flush, OBSERVE_FLUSH_MS);
    }
  };
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}
