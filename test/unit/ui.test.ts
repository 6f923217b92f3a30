/** Pure logic of the popup and options page: filters, summary, windowing, formatting, timeline, NDJSON, settings. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { DownloadPhase, DownloadState } from '../../src/domain/download.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import { adviceFor, filterHistory, formatSpeed, searchableText, startOfDay, summarize, visibleRange, NO_FILTER } from '../../src/ui/history-filter.ts';
import { buildTimeline } from '../../src/ui/event-timeline.ts';
import { isProgressMessage } from '../../src/ui/progress.ts';
import { parseNdjson, toNdjsonLine, exportNdjson } from '../../src/store/event-log-io.ts';
import { importNdjson } from '../../src/store/import-log.ts';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { rebuildDownloads, downloadsProjection } from '../../src/projections/downloads.ts';
import { DEFAULT_SETTINGS, migrateSettings } from '../../src/shared/settings.ts';
import { applyFileNamePattern, buildDownloadPath } from '../../src/domain/filename.ts';
import { t } from '../../src/platform/i18n.ts';

const NOW = new Date(2025, 5, 15, 12, 0, 0).getTime();

function row(i: number, phase: DownloadPhase, extra: Partial<DownloadState> = {}): DownloadState {
  return {
    streamId: `s${i}`, version: 1, phase,
    request: { imageUrl: `https://img.example/photo-${i}.jpg`, strategy: 'udm2_inline', title: `Title ${i}`, query: i % 2 ? 'cats' : 'dogs' },
    sourceHost: i % 2 ? 'cats.example' : 'dogs.example', requestedAt: NOW - i * 3_600_000, updatedAt: NOW, correlationId: 'c', lastEventId: 'e',
    tabId: null, attempt: 1, mimeType: null, referer: null, filename: null, filePath: phase === 'completed' ? `/d/Semantest/photo-${i}.jpg` : null,
    fileSize: phase === 'completed' ? 1000 : null, chromeDownloadId: null, initiatedAt: null, startedAt: null, completedAt: null, durationMs: null,
    error: null, errorCode: null, retryable: null, nextAttemptAt: null, failures: 0, discarded: false, ...extra,
  };
}

describe('history filters', () => {
  const rows = [row(0, 'completed'), row(1, 'failed', { errorCode: 'http_client_error' }), row(2, 'downloading'), row(30, 'dead-lettered'), row(31, 'completed')];

  it('matches every word in name, site, query or title', () => {
    expect(filterHistory(rows, { ...NO_FILTER, text: 'photo-1' }, NOW).map((r) => r.streamId)).toEqual(['s1']);
    expect(filterHistory(rows, { ...NO_FILTER, text: 'CATS title' }, NOW).map((r) => r.streamId)).toEqual(['s1', 's31']);
    expect(filterHistory(rows, { ...NO_FILTER, text: 'dogs.example photo-30' }, NOW).map((r) => r.streamId)).toEqual(['s30']);
    expect(filterHistory(rows, { ...NO_FILTER, text: 'nothing' }, NOW)).toEqual([]);
    expect(searchableText(rows[0] as DownloadState)).toContain('photo-0.jpg');
  });

  it('filters by status groups and by date', () => {
    expect(filterHistory(rows, { ...NO_FILTER, status: 'failures' }, NOW).map((r) => r.streamId)).toEqual(['s1', 's30']);
    expect(filterHistory(rows, { ...NO_FILTER, status: 'active' }, NOW).map((r) => r.streamId)).toEqual(['s2']);
    expect(filterHistory(rows, { ...NO_FILTER, status: 'completed' }, NOW).map((r) => r.streamId)).toEqual(['s0', 's31']);
    // Today (since local midnight, 12 h before NOW): rows 0, 1, 2.
    expect(filterHistory(rows, { ...NO_FILTER, date: 'today' }, NOW).map((r) => r.streamId)).toEqual(['s0', 's1', 's2']);
    expect(filterHistory(rows, { ...NO_FILTER, date: 'week' }, NOW)).toHaveLength(5);
    expect(startOfDay(NOW)).toBe(new Date(2025, 5, 15).getTime());
  });

  it('summarises today, success rate, bytes saved and waiting dead letters', () => {
    expect(summarize(rows, NOW)).toEqual({ today: 3, successRate: 0.5, bytesSaved: 2000, deadLetters: 1, running: 1 });
    expect(summarize([], NOW).successRate).toBeNull();
    expect(summarize([row(3, 'dead-lettered', { discarded: true })], NOW).deadLetters).toBe(0);
  });

  it('gives advice by failure code', () => {
    expect(adviceFor(row(1, 'failed', { errorCode: 'http_server_error' }))).toBe('retry-later');
    expect(adviceFor(row(1, 'failed', { errorCode: 'not_an_image' }))).toBe('source-page');
    expect(adviceFor(row(1, 'failed', { errorCode: 'too_large' }))).toBe('thumbnail');
  });

  it('windows the rows in view', () => {
    expect(visibleRange(0, 380, 64, 10_000)).toEqual({ start: 0, end: 11 });
    expect(visibleRange(64 * 5000, 380, 64, 10_000)).toEqual({ start: 4996, end: 5011 });
    expect(visibleRange(64 * 9999, 380, 64, 10_000)).toEqual({ start: 9995, end: 10_000 });
    expect(visibleRange(0, 380, 64, 3)).toEqual({ start: 0, end: 3 });
  });

  it('formats speeds', () => {
    expect(formatSpeed(0)).toBe('');
    expect(formatSpeed(512)).toBe('512 B/s');
    expect(formatSpeed(2048)).toBe('2.0 KB/s');
    expect(formatSpeed(3 * 1_048_576)).toBe('3.0 MB/s');
  });

  it('accepts only well-formed progress messages', () => {
    expect(isProgressMessage({ type: 'progress', items: [{ streamId: 'a', bytesReceived: 1, totalBytes: 2, bytesPerSecond: 3 }] })).toBe(true);
    expect(isProgressMessage({ type: 'progress', items: [{ streamId: 'a', bytesReceived: '1', totalBytes: 2, bytesPerSecond: 3 }] })).toBe(false);
    expect(isProgressMessage({ type: 'control.update' })).toBe(false);
  });

  it('t() falls back to the key without chrome.i18n', () => {
    expect(t('retryAll')).toBe('retryAll');
  });
});

function stored(position: number, type: StoredEvent['type'], eventId: string, causationId: string, correlationId: string): StoredEvent {
  return { position, eventId, streamId: 's', version: position, type, schemaVersion: 1, data: {} as StoredEvent['data'], metadata: { correlationId, causationId }, correlationId, causationId, createdAt: 1000 + position * 10 };
}

describe('timeline', () => {
  it('groups by correlation in order, links causation within the timeline', () => {
    const events = [
      stored(3, 'DownloadStarted', 'e3', 'e2', 'c1'),
      stored(1, 'GoogleImageDownloadRequested', 'e1', 'cmd1', 'c1'),
      stored(2, 'DownloadInitiated', 'e2', 'e1', 'c1'),
      stored(4, 'GoogleImageDownloadRetryRequested', 'e4', 'cmd2', 'c2'),
    ];
    const groups = buildTimeline(events);
    expect(groups.map((group) => group.correlationId)).toEqual(['c1', 'c2']);
    expect(groups[0]?.entries.map((entry) => entry.event.eventId)).toEqual(['e1', 'e2', 'e3']);
    expect(groups[0]?.entries.map((entry) => entry.causedBy?.eventId ?? null)).toEqual([null, 'e1', 'e2']);
    expect(groups[0]?.entries.map((entry) => entry.sinceStart)).toEqual([0, 10, 20]);
    expect(groups[1]?.entries[0]?.causedBy).toBeNull();
  });
});

describe('NDJSON export and import', () => {
  let n = 0;
  async function seeded() {
    const db = openDatabase(`ndjson-${++n}`);
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    const meta = { correlationId: crypto.randomUUID(), causationId: crypto.randomUUID() };
    await store.appendToStream('d1', [{ type: 'GoogleImageDownloadRequested', data: { imageUrl: 'https://x.example/a.jpg', strategy: 'udm2_inline' }, metadata: meta }], { expectedVersion: 'no-stream' });
    await store.appendToStream('d1', [{ type: 'DownloadPaused', data: {}, metadata: meta }], { expectedVersion: 1 });
    await store.appendToStream('d2', [{ type: 'GoogleImageDownloadRequested', data: { imageUrl: 'https://x.example/b.jpg', strategy: 'udm2_inline' }, metadata: meta }], { expectedVersion: 'no-stream' });
    return db;
  }

  it('exports one event per line, in position order, schema versions kept', async () => {
    const db = await seeded();
    const text = (await exportNdjson(db)).join('');
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as StoredEvent);
    expect(lines.map((event) => [event.streamId, event.version, event.type])).toEqual([
      ['d1', 1, 'GoogleImageDownloadRequested'],
      ['d1', 2, 'DownloadPaused'],
      ['d2', 1, 'GoogleImageDownloadRequested'],
    ]);
    expect(lines.every((event) => Number.isInteger(event.schemaVersion))).toBe(true);
  });

  it('refuses lines that are not JSON, not events, of unknown types or versions, or whose data breaks the schema', () => {
    const good = { eventId: 'a', streamId: 's', version: 1, type: 'DownloadPaused', schemaVersion: 1, data: {}, metadata: { correlationId: 'c', causationId: 'x' }, correlationId: 'c', causationId: 'x', createdAt: 1 };
    const text = [
      JSON.stringify(good),
      '{oops',
      JSON.stringify({ ...good, type: 'Nope' }),
      JSON.stringify({ ...good, schemaVersion: 99 }),
      JSON.stringify({ ...good, type: 'DownloadStarted', data: { attempt: 0, chromeDownloadId: 1 } }),
      JSON.stringify({ ...good, correlationId: 'other' }),
      JSON.stringify({ ...good, version: 0 }),
      '',
    ].join('\n');
    const parsed = parseNdjson(text);
    expect(parsed.events.map((event) => event.line)).toEqual([1]);
    expect(parsed.refused.map((refusal) => refusal.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(parsed.refused[0]?.reason).toBe('not valid JSON');
    expect(parsed.refused[1]?.reason).toBe('unknown event type Nope');
    expect(parsed.refused[2]?.reason).toContain('no schema version 99');
    expect(parsed.refused[3]?.reason).toContain('DownloadStarted v1: attempt');
  });

  it('imports into an empty log, then a second import of the same file takes nothing; replay gives the same rows', async () => {
    const source = await seeded();
    const text = (await exportNdjson(source)).join('');
    const target = openDatabase(`ndjson-${++n}`);
    expect(await importNdjson(target, text, { projection: downloadsProjection, now: Date.now() })).toEqual({ taken: 3, alreadyThere: 0, refused: [] });
    expect(await importNdjson(target, text, { projection: downloadsProjection, now: Date.now() })).toEqual({ taken: 0, alreadyThere: 3, refused: [] });
    const events = await target.events.orderBy('position').toArray();
    expect(events.map(toNdjsonLine).map((line) => JSON.parse(line).eventId)).toEqual((await source.events.orderBy('position').toArray()).map((event) => event.eventId));
    expect((await target.streams.get('d1'))?.currentVersion).toBe(2);
    expect(await rebuildDownloads(target)).toBe(3);
    expect((await target.downloads.get('d1'))?.phase).toBe('paused');
  });

  it('refuses an event whose version is taken by another event, or that would leave a gap', async () => {
    // Imported history may be continued by a later import (this browser's own downloads never: a test of its own).
    const db = openDatabase(`ndjson-${++n}`);
    await importNdjson(db, (await exportNdjson(await seeded())).join(''), { projection: downloadsProjection, now: Date.now() });
    const base = { streamId: 'd1', type: 'DownloadResumed', schemaVersion: 1, data: {}, metadata: { correlationId: 'c', causationId: 'x' }, correlationId: 'c', causationId: 'x', createdAt: 1 };
    const text = [JSON.stringify({ ...base, eventId: 'n1', version: 2 }), JSON.stringify({ ...base, eventId: 'n2', version: 5 }), JSON.stringify({ ...base, eventId: 'n3', version: 3 })].join('\n');
    const report = await importNdjson(db, text, { projection: downloadsProjection, now: Date.now() });
    expect(report.taken).toBe(1);
    expect(report.refused).toEqual([
      { line: 1, reason: 'version 2 of stream d1 holds another event' },
      { line: 2, reason: 'stream d1 would have a gap before version 5' },
    ]);
    expect((await db.streams.get('d1'))?.currentVersion).toBe(3);
  });
});

describe('settings and file name patterns', () => {
  it('keeps valid stored fields and replaces invalid ones by their defaults', () => {
    expect(migrateSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(migrateSettings({ version: 1, settings: { folder: 'Pics', concurrency: 99, fileNamePattern: '{date}-{name}' } })).toEqual({
      ...DEFAULT_SETTINGS,
      folder: 'Pics',
      fileNamePattern: '{date}-{name}',
    });
  });

  it('fills the pattern and keeps the result safe', () => {
    const input = { imageUrl: 'https://a.example/x/Golden%20Dog.jpg', title: 'A title', site: 'a.example', date: '2025-06-15', query: 'dogs' };
    expect(applyFileNamePattern('{site}-{name}', input)).toBe('a.example-Golden Dog');
    expect(buildDownloadPath({ ...input, folder: 'Semantest', extension: 'jpg', pattern: '{date} {title} <{query}>' })).toBe('Semantest/2025-06-15 A title dogs.jpg');
    expect(buildDownloadPath({ ...input, folder: 'S', extension: 'png', pattern: '../{query}/CON' })).toBe('S/dogs CON.png');
    // Nothing but empty tokens: the image's own name.
    expect(buildDownloadPath({ imageUrl: 'https://a.example/cat.jpg', folder: '', extension: 'jpg', pattern: '{query}-{site}' })).toBe('cat.jpg');
    expect(buildDownloadPath({ imageUrl: 'https://a.example/con.jpg', folder: '', extension: 'jpg', pattern: '{name}' })).toBe('_con.jpg');
  });
});
