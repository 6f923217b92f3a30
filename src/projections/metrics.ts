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
      // Schema v1 had no nextAttemptAt: a v1 failure that is not retryable is final.
      const final = data.deadLettered === true || data.nextAttemptAt === null || (data.nextAttemptAt === undefined && data.retryable === false);
      if (final) row.failed = (row.failed ?? 0) + 1;
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

const emptyRow = (minute: number): MetricsRow => ({ minute, appended: 0, handled: 0, retried: 0, deadLettered: 0, byType: {}, latencies: [] });

export function metricsSubscriber(db: SemantestDb): Subscriber {
  return {
    id: 'metrics',
    async handle(event) {
      await db.transaction('rw', db.metrics, async () => {
        const mark: MetricsRowV2 | undefined = await db.metrics.get(WATERMARK);
        if (mark && mark.appended >= event.position) return;
        const minute = Math.floor(event.createdAt / 60_000) * 60_000;
        const row: MetricsRowV2 = (await db.metrics.get(minute)) ?? emptyRow(minute);
        const waiting = new Set(mark?.waiting ?? []);
        countEvent(row, waiting, event);
        const watermark: MetricsRowV2 = { ...emptyRow(WATERMARK), appended: event.position, waiting: [...waiting] };
        await db.metrics.bulkPut([row, watermark]);
      });
    },
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

/** Records the bus's own work in the current minute (best effort: monitoring, not facts). */
export function observeBus(db: SemantestDb, now: () => number) {
  return (what: 'handled' | 'retried' | 'dead-lettered', latencyMs: number): void => {
    const minute = Math.floor(now() / 60_000) * 60_000;
    void db
      .transaction('rw', db.metrics, async () => {
        const row = (await db.metrics.get(minute)) ?? emptyRow(minute);
        if (what === 'handled') {
          row.handled += 1;
          row.latencies = [...row.latencies, latencyMs].slice(-MAX_LATENCIES);
        } else if (what === 'retried') row.retried += 1;
        else row.deadLettered += 1;
        await db.metrics.put(row);
      })
      .catch(() => undefined);
  };
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}
