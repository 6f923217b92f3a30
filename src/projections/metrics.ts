/**
 * Monitoring counters per minute: events appended (by type) from the log, and the bus's own work (handled,
 * retried, dead-lettered, handler latency). Idempotent: a watermark, written in the same transaction as the
 * counters, makes a redelivered event a no-op.
 */
import type { Subscriber } from '../bus/subscriptions.ts';
import type { MetricsRow, SemantestDb } from '../store/database.ts';

const WATERMARK = -1;
const MAX_LATENCIES = 200;

const emptyRow = (minute: number): MetricsRow => ({ minute, appended: 0, handled: 0, retried: 0, deadLettered: 0, byType: {}, latencies: [] });

export function metricsSubscriber(db: SemantestDb): Subscriber {
  return {
    id: 'metrics',
    async handle(event) {
      await db.transaction('rw', db.metrics, async () => {
        const mark = await db.metrics.get(WATERMARK);
        if (mark && mark.appended >= event.position) return;
        const minute = Math.floor(event.createdAt / 60_000) * 60_000;
        const row = (await db.metrics.get(minute)) ?? emptyRow(minute);
        row.appended += 1;
        row.byType[event.type] = (row.byType[event.type] ?? 0) + 1;
        await db.metrics.bulkPut([row, { ...emptyRow(WATERMARK), appended: event.position }]);
      });
    },
    async reset() {
      await db.metrics.where('minute').aboveOrEqual(WATERMARK).modify((row) => {
        row.appended = 0;
        row.byType = {};
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
