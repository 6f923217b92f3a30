/** Monitoring series from the metrics rows, the metrics projection's new per-minute fields, and the popup's merge. */
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.ts';
import type { DownloadState } from '../../src/domain/download.ts';
import { countEvent, type MetricsRowV2 } from '../../src/projections/metrics.ts';
import { buildSeries, depthBefore, rangeStart } from '../../src/monitor/series.ts';
import { mergeRows } from '../../src/ui/downloads-reader.ts';

const MIN = 60_000;
const NOW = 1_750_000_000_000 - (1_750_000_000_000 % MIN) + 30_000;
const row = (minute: number, extra: Partial<MetricsRowV2> = {}): MetricsRowV2 => ({ minute, appended: 0, handled: 0, retried: 0, deadLettered: 0, byType: {}, latencies: [], ...extra });
let position = 0;
const event = (type: StoredEvent['type'], data: unknown, streamId = 's1'): StoredEvent =>
  ({ position: ++position, eventId: `e${position}`, streamId, version: position, type, schemaVersion: 2, data, metadata: { correlationId: 'c', causationId: 'x' }, correlationId: 'c', causationId: 'x', createdAt: NOW }) as StoredEvent;

describe('metrics projection: downloads per minute and the dead-letter depth', () => {
  it('counts completions with their bytes, final failures only, and follows the queue', () => {
    const minute = row(0);
    const waiting = new Set<string>();
    countEvent(minute, waiting, event('GoogleImageDownloadCompleted', { imageUrl: 'u', filePath: 'p', fileSize: 1000, downloadTime: 5, mimeType: 'image/png' }));
    countEvent(minute, waiting, event('GoogleImageDownloadFailed', { imageUrl: 'u', error: 'e', code: 'network', retryable: true, attempt: 1, nextAttemptAt: 5, deadLettered: false }, 's2'));
    countEvent(minute, waiting, event('GoogleImageDownloadFailed', { imageUrl: 'u', error: 'e', code: 'network', retryable: true, attempt: 4, nextAttemptAt: null, deadLettered: true }, 's2'));
    countEvent(minute, waiting, event('GoogleImageDownloadFailed', { imageUrl: 'u', error: 'e', code: 'network', retryable: true, attempt: 4, nextAttemptAt: null, deadLettered: true }, 's3'));
    expect(minute).toMatchObject({ appended: 4, completed: 1, bytes: 1000, failed: 2, deadLetterDepth: 2 });
    countEvent(minute, waiting, event('GoogleImageDownloadRetryRequested', {}, 's2'));
    countEvent(minute, waiting, event('DeadLetterDiscarded', { downloadId: 's3' }, 'dlq'));
    expect(minute.deadLetterDepth).toBe(0);
    expect(minute.byType).toMatchObject({ GoogleImageDownloadFailed: 3, DeadLetterDiscarded: 1 });
  });
});

describe('monitoring series', () => {
  it('buckets an hour by minute, fills empty minutes, carries the depth forward, and totals the range', () => {
    const start = rangeStart('hour', NOW);
    const rows = [
      row(-1, { appended: 999 }), // the watermark row
      row(start - 10 * MIN, { appended: 50, deadLetterDepth: 3 }), // before the range: only its depth counts
      row(start + 2 * MIN, { appended: 6, completed: 2, bytes: 2048, handled: 6, latencies: [10, 20, 30, 40] }),
      row(start + 5 * MIN, { appended: 3, failed: 1, deadLetterDepth: 4, latencies: [100] }),
    ];
    const { series, totals } = buildSeries(rows, 'hour', NOW, depthBefore(rows, start));
    expect(series.time).toHaveLength(60);
    expect(series.time[0]).toBe(start / 1000);
    expect(series.eventsPerMinute.slice(0, 7)).toEqual([0, 0, 6, 0, 0, 3, 0]);
    expect(series.completed[2]).toBe(2);
    expect(series.failed[5]).toBe(1);
    expect(series.bytes[2]).toBe(2048);
    expect(series.latencyP50[2]).toBe(30);
    expect(series.latencyP95[5]).toBe(100);
    expect(series.latencyP50[3]).toBeNull();
    expect(series.deadLetterDepth.slice(0, 7)).toEqual([3, 3, 3, 3, 3, 4, 4]);
    expect(series.deadLetterDepth[59]).toBe(4);
    expect(totals).toMatchObject({ events: 9, completed: 2, failed: 1, bytes: 2048, handled: 6, deadLetterDepth: 4, latencyP95: 100 });
  });

  it('averages events per minute over wider buckets', () => {
    const start = rangeStart('day', NOW);
    const { series } = buildSeries([row(start, { appended: 30 }), row(start + MIN, { appended: 15 })], 'day', NOW);
    expect(series.eventsPerMinute[0]).toBe(3); // 45 events in a 15-minute bucket
    expect(series.time).toHaveLength(96);
  });
});

describe('popup merge of changed rows', () => {
  const base = (id: string, requestedAt: number, phase: DownloadState['phase'] = 'completed') => ({ streamId: id, requestedAt, phase }) as DownloadState;
  it('replaces rows in place, adds new ones in requestedAt order, and drops rows that are gone', () => {
    const current = [base('c', 3), base('b', 2, 'downloading'), base('a', 1)];
    const merged = mergeRows(current, [base('b', 2, 'completed'), base('d', 4, 'queued')], ['a']);
    expect(merged.map((r) => `${r.streamId}:${r.phase}`)).toEqual(['d:queued', 'c:completed', 'b:completed']);
    expect(mergeRows(current, [])).toBe(current);
  });
});
