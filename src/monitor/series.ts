/**
 * The monitoring charts' data, from the metrics projection's per-minute rows (src/projections/metrics.ts):
 * buckets over a time range (empty buckets are zeros, the dead-letter depth carries forward), and the range's
 * totals. Pure: time is passed in.
 */
import { percentile, type MetricsRowV2 } from '../projections/metrics.ts';

export type RangeName = 'hour' | 'day' | 'week';

/** Each range: its length and the bucket it is drawn in (a point per bucket). */
export const RANGES: Record<RangeName, { spanMs: number; bucketMs: number }> = {
  hour: { spanMs: 3_600_000, bucketMs: 60_000 },
  day: { spanMs: 86_400_000, bucketMs: 15 * 60_000 },
  week: { spanMs: 7 * 86_400_000, bucketMs: 2 * 3_600_000 },
};

export interface MonitorSeries {
  /** Bucket starts, epoch SECONDS (what uPlot draws on a time axis). */
  time: number[];
  /** Events appended per minute (averaged over the bucket). */
  eventsPerMinute: number[];
  completed: number[];
  failed: number[];
  bytes: number[];
  /** Handler latency of the bucket, ms; null where nothing was handled. */
  latencyP50: (number | null)[];
  latencyP95: (number | null)[];
  /** Downloads waiting in the dead-letter queue at the bucket's end. */
  deadLetterDepth: number[];
}

export interface MonitorTotals {
  events: number;
  completed: number;
  failed: number;
  bytes: number;
  handled: number;
  retried: number;
  /** Events the bus's subscribers could not handle (their own dead letters). */
  busDeadLettered: number;
  latencyP50: number | null;
  latencyP95: number | null;
  deadLetterDepth: number;
}

/** First bucket start of the range ending at `now`. */
export function rangeStart(range: RangeName, now: number): number {
  const { spanMs, bucketMs } = RANGES[range];
  return Math.floor((now - spanMs) / bucketMs) * bucketMs + bucketMs;
}

/**
 * Buckets the rows (any order; the watermark row, minute < 0, is ignored) over the range ending at `now`.
 * `depthBefore` is the dead-letter depth when the range starts (the last known value before it).
 */
export function buildSeries(rows: readonly MetricsRowV2[], range: RangeName, now: number, depthBefore = 0): { series: MonitorSeries; totals: MonitorTotals } {
  const { bucketMs } = RANGES[range];
  const start = rangeStart(range, now);
  const count = Math.max(1, Math.floor((now - start) / bucketMs) + 1);
  const zeros = () => new Array<number>(count).fill(0);
  const series: MonitorSeries = {
    time: Array.from({ length: count }, (_, i) => (start + i * bucketMs) / 1000),
    eventsPerMinute: zeros(),
    completed: zeros(),
    failed: zeros(),
    bytes: zeros(),
    latencyP50: new Array<number | null>(count).fill(null),
    latencyP95: new Array<number | null>(count).fill(null),
    deadLetterDepth: zeros(),
  };
  const latencies: number[][] = Array.from({ length: count }, () => []);
  const depthAt = new Array<number | undefined>(count).fill(undefined);
  const depthMinute = new Array<number>(count).fill(-1);
  const totals: MonitorTotals = { events: 0, completed: 0, failed: 0, bytes: 0, handled: 0, retried: 0, busDeadLettered: 0, latencyP50: null, latencyP95: null, deadLetterDepth: depthBefore };
  const all: number[] = [];
  for (const row of rows) {
    if (row.minute < 0 || row.minute < start || row.minute > now) continue;
    const i = Math.floor((row.minute - start) / bucketMs);
    if (i < 0 || i >= count) continue;
    series.eventsPerMinute[i] = (series.eventsPerMinute[i] ?? 0) + row.appended;
    series.completed[i] = (series.completed[i] ?? 0) + (row.completed ?? 0);
    series.failed[i] = (series.failed[i] ?? 0) + (row.failed ?? 0);
    series.bytes[i] = (series.bytes[i] ?? 0) + (row.bytes ?? 0);
    latencies[i]?.push(...row.latencies);
    all.push(...row.latencies);
    if (row.deadLetterDepth !== undefined && row.minute > (depthMinute[i] ?? -1)) {
      depthAt[i] = row.deadLetterDepth;
      depthMinute[i] = row.minute;
    }
    totals.events += row.appended;
    totals.completed += row.completed ?? 0;
    totals.failed += row.failed ?? 0;
    totals.bytes += row.bytes ?? 0;
    totals.handled += row.handled;
    totals.retried += row.retried;
    totals.busDeadLettered += row.deadLettered;
  }
  const minutesPerBucket = bucketMs / 60_000;
  let depth = depthBefore;
  for (let i = 0; i < count; i++) {
    series.eventsPerMinute[i] = (series.eventsPerMinute[i] ?? 0) / minutesPerBucket;
    const bucket = latencies[i] ?? [];
    series.latencyP50[i] = percentile(bucket, 50);
    series.latencyP95[i] = percentile(bucket, 95);
    depth = depthAt[i] ?? depth;
    series.deadLetterDepth[i] = depth;
  }
  totals.latencyP50 = percentile(all, 50);
  totals.latencyP95 = percentile(all, 95);
  totals.deadLetterDepth = depth;
  return { series, totals };
}

/** The dead-letter depth known just before `start`: from the newest row before it that has one. */
export function depthBefore(rows: readonly MetricsRowV2[], start: number): number {
  let best = -1;
  let depth = 0;
  for (const row of rows) {
    if (row.minute >= 0 && row.minute < start && row.deadLetterDepth !== undefined && row.minute > best) {
      best = row.minute;
      depth = row.deadLetterDepth;
    }
  }
  return depth;
}
