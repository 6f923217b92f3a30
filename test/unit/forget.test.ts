/**
 * Forget and clear (issue #17 item 5), run by the worker's maintenance (issue #20 "one writer"): a forgotten
 * download leaves the log, the read models and the counters; the outbox never sends it later; a rebuild never
 * brings it back; files stay unless asked, and only our own are deleted.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { dexieBusStorage } from '../../src/bus/dexie-bus-storage.ts';
import { EventBus } from '../../src/bus/subscriptions.ts';
import { metricsSubscriber, type MetricsRowV2 } from '../../src/projections/metrics.ts';
import { Outbox } from '../../src/outbox/outbox.ts';
import { dexieOutboxCheckpoints } from '../../src/outbox/protocol.ts';
import { Maintenance, FORGOTTEN_STREAM } from '../../src/background/maintenance.ts';
import { importNdjson } from '../../src/store/import-log.ts';
import { exportNdjson } from '../../src/store/event-log-io.ts';
import { rebuildDownloads, downloadsProjection } from '../../src/projections/downloads.ts';
import type { NewEvent } from '../../src/store/event-store.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import { FakeDownloads } from '../fakes/downloads.ts';

let n = 0;
const meta = () => ({ correlationId: crypto.randomUUID(), causationId: crypto.randomUUID() });
const requested = (url: string): NewEvent => ({ type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline' }, metadata: meta() });
const completed = (url: string, filePath: string): NewEvent => ({
  type: 'GoogleImageDownloadCompleted',
  data: { imageUrl: url, filePath, fileSize: 10, downloadTime: 5, mimeType: 'image/png' },
  metadata: meta(),
});

function setup() {
  const db = openDatabase(`forget-${++n}`);
  const store = new DexieEventStore(db, { projection: downloadsProjection });
  const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, now: () => Date.now(), random: () => 0.5, wakeAt: async () => undefined, batchDelayMs: 1 });
  bus.subscribe(metricsSubscriber(db));
  const sent: string[] = [];
  const outboxConfig = { enabled: false, url: 'https://receiver.example/in', batchSize: 100, maxAttempts: 3 };
  const outbox = new Outbox({
    readAll: (after, limit) => store.readAll(after, limit),
    checkpoints: dexieOutboxCheckpoints(db),
    http: {
      post: async (_url, body) => {
        for (const event of JSON.parse(body) as { id: string }[]) sent.push(event.id);
        return { status: 200 };
      },
    },
    config: () => outboxConfig,
    source: 'chrome-extension://test/',
    mayReach: async () => true,
    now: () => Date.now(),
    random: () => 0.5,
    wakeAt: async () => undefined,
  });
  const downloads = new FakeDownloads('/downloads');
  const maintenance = new Maintenance({
    db,
    projection: downloadsProjection,
    store,
    bus,
    outbox,
    downloads,
    extensionId: downloads.extensionId,
    refreshBadge: async () => undefined,
    progress: () => undefined,
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
  });
  /** An own download saved to disk through the fake (so its Chrome item is ours, complete, with a file). */
  const saved = async (streamId: string, name: string): Promise<number> => {
    const url = `https://img.example/${name}`;
    const id = await downloads.download({ url, filename: `Semantest/${name}`, conflictAction: 'uniquify' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const path = (await downloads.search({ id }))[0]?.filename ?? '';
    await store.appendToStream(streamId, [requested(url), { type: 'DownloadStarted', data: { attempt: 1, chromeDownloadId: id }, metadata: meta() }, completed(url, path)], { expectedVersion: 'no-stream' });
    return id;
  };
  const metricsTotals = async (): Promise<Record<string, number>> => {
    const totals: Record<string, number> = {};
    for (const row of (await db.metrics.toArray()) as MetricsRowV2[]) {
      if (row.minute < 0) continue;
      for (const [type, count] of Object.entries(row.byType)) totals[type] = (totals[type] ?? 0) + count;
    }
    return totals;
  };
  return { db, store, bus, outbox, outboxConfig, sent, downloads, maintenance, saved, metricsTotals };
}

const countByType = (events: readonly StoredEvent[]): Record<string, number> => {
  const totals: Record<string, number> = {};
  for (const event of events) if (!event.metadata.imported) totals[event.type] = (totals[event.type] ?? 0) + 1;
  return totals;
};

describe('forget this download', () => {
  it('removes it from the log, the read model, the counters and everything naming it; the outbox never sends it; a rebuild never brings it back', async () => {
    const t = setup();
    await t.saved('keep', 'keep.png');
    const chromeId = await t.saved('gone', 'gone.png');
    // Things that name the forgotten download from other streams: a notification about it alone.
    await t.store.appendToStream('notifications', [{ type: 'NotificationSent', data: { recipient: 'local-user', channel: 'desktop', kind: 'download-saved', notificationId: 'n1', subject: 'gone', title: 'Semantest: image saved', message: 'gone.png', actions: [] }, metadata: meta() }], { expectedVersion: 'any' });
    await t.bus.idle();
    const goneEvents = (await t.db.events.toArray()).filter((event) => event.streamId === 'gone' || (event.data as { subject?: string }).subject === 'gone');
    expect(goneEvents).toHaveLength(4);

    const report = await t.maintenance.forget({ kind: 'downloads', streamIds: ['gone'] }, false, 'cmd-1');
    expect(report).toEqual({ downloads: 1, events: 4, running: 0, filesDeleted: 0 });
    const left = await t.db.events.toArray();
    expect(left.filter((event) => goneEvents.some((gone) => gone.eventId === event.eventId))).toEqual([]);
    expect(await t.db.downloads.get('gone')).toBeUndefined();
    expect(await t.db.streams.get('gone')).toBeUndefined();
    // The file stays (not asked), and the other download is untouched.
    expect(t.downloads.files.has('/downloads/Semantest/gone.png')).toBe(true);
    expect((await t.downloads.search({ id: chromeId }))[0]?.exists).toBe(true);
    expect(await t.db.downloads.get('keep')).toMatchObject({ phase: 'completed' });
    // The tombstone: ids and counts only.
    const tombstone = left.find((event) => event.streamId === FORGOTTEN_STREAM);
    expect(tombstone?.data).toEqual({ scope: 'downloads', streamIds: ['gone'], before: null, downloads: 1, events: 4, filesDeleted: 0 });
    // Counters: recounted from the log as it is now.
    await t.maintenance.recounted();
    await t.bus.idle();
    expect(await t.metricsTotals()).toEqual(countByType(await t.db.events.toArray()));
    // A rebuild has nothing to bring back.
    await rebuildDownloads(t.db);
    expect(await t.db.downloads.get('gone')).toBeUndefined();
    // The outbox, turned on later, sends everything but the forgotten (the tombstone included, for receivers).
    t.outboxConfig.enabled = true;
    t.outbox.poke();
    await t.outbox.idle();
    expect(t.sent).toHaveLength(left.length);
    expect(t.sent.some((id) => goneEvents.some((gone) => gone.eventId === id))).toBe(false);
    expect(t.sent).toContain(tombstone?.eventId);
  });

  it('deletes the file when asked, but only a Chrome download this extension started, complete, at the recorded path', async () => {
    const t = setup();
    await t.saved('ours', 'ours.png');
    // A download the user made, which a row claims (a forged or stale id): never removed.
    const foreign = t.downloads.foreign('https://elsewhere.example/report.pdf', 'report.pdf');
    await t.store.appendToStream('claims', [requested('https://img.example/x.png'), { type: 'DownloadStarted', data: { attempt: 1, chromeDownloadId: foreign.id }, metadata: meta() }, completed('https://img.example/x.png', foreign.filename)], { expectedVersion: 'no-stream' });
    const report = await t.maintenance.forget({ kind: 'downloads', streamIds: ['ours', 'claims'] }, true, 'cmd-2');
    expect(report.filesDeleted).toBe(1);
    expect(t.downloads.files.has('/downloads/Semantest/ours.png')).toBe(false);
    expect(t.downloads.files.has(foreign.filename)).toBe(true);
  });

  it('deletes the metadata file the extension saved beside a deleted image, and no one else\'s', async () => {
    const t = setup();
    await t.saved('ours', 'ours.png');
    await t.downloads.download({ url: 'https://img.example/ours.png.json', filename: 'Semantest/ours.png.json', conflictAction: 'uniquify' });
    await t.saved('kept', 'kept.png');
    // A .json beside the image that the user saved, not the extension: stays.
    const foreign = t.downloads.foreign('https://elsewhere.example/kept.png.json', 'Semantest/kept.png.json');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(t.downloads.files.has('/downloads/Semantest/ours.png.json')).toBe(true);
    await t.maintenance.forget({ kind: 'downloads', streamIds: ['ours', 'kept'] }, true, 'cmd-4');
    expect(t.downloads.files.has('/downloads/Semantest/ours.png.json')).toBe(false);
    expect(t.downloads.files.has(foreign.filename)).toBe(true);
  });

  it('leaves a download that is still running, and says so', async () => {
    const t = setup();
    await t.store.appendToStream('running', [requested('https://img.example/r.png')], { expectedVersion: 'no-stream' });
    const report = await t.maintenance.forget({ kind: 'downloads', streamIds: ['running'] }, false, 'cmd-3');
    expect(report).toEqual({ downloads: 0, events: 0, running: 1, filesDeleted: 0 });
    expect(await t.db.downloads.get('running')).toMatchObject({ phase: 'queued' });
  });
});

describe('clear history', () => {
  it('clears everything settled or imported (running downloads stay), or only what was asked for before a day', async () => {
    const t = setup();
    await t.saved('old', 'old.png');
    await t.saved('new', 'new.png');
    await t.store.appendToStream('running', [requested('https://img.example/r.png')], { expectedVersion: 'no-stream' });
    const other = setup();
    await other.saved('elsewhere', 'elsewhere.png');
    await importNdjson(t.db, (await exportNdjson(other.db)).join(''), { projection: downloadsProjection, now: Date.now() });
    expect(await t.db.downloads.get('elsewhere')).toMatchObject({ imported: true });
    // "old" was asked for before the cut-off.
    const cut = ((await t.db.downloads.get('new'))?.requestedAt ?? 0) - 0.5;
    await t.db.downloads.update('old', { requestedAt: cut - 86_400_000 });
    await t.db.downloads.update('elsewhere', { requestedAt: cut - 86_400_000 });

    const before = await t.maintenance.forget({ kind: 'before', before: cut }, false, 'cmd-4');
    expect(before.downloads).toBe(2);
    expect((await t.db.downloads.toCollection().primaryKeys()).sort()).toEqual(['new', 'running']);

    const all = await t.maintenance.forget({ kind: 'all' }, false, 'cmd-5');
    expect(all).toMatchObject({ downloads: 1, running: 1 });
    expect(await t.db.downloads.toCollection().primaryKeys()).toEqual(['running']);
    const types = new Set((await t.db.events.toArray()).map((event) => `${event.streamId}:${event.type}`));
    expect([...types].sort()).toEqual([`${FORGOTTEN_STREAM}:HistoryForgotten`, 'running:GoogleImageDownloadRequested']);
  });
});

describe('one writer: the store runs maintenance between its own group commits', () => {
  it('an append made while exclusive work runs is written after it, not during', async () => {
    const db = openDatabase(`forget-exclusive-${++n}`);
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    let release: () => void = () => undefined;
    const held = store.runExclusive(() => new Promise<void>((resolve) => (release = resolve)));
    const append = store.appendToStream('s', [requested('https://img.example/a.png')], { expectedVersion: 'no-stream' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await db.events.count()).toBe(0);
    release();
    await held;
    await append;
    expect(await db.events.count()).toBe(1);
  });

  it('the bus starts no pass while quiet, and catches up from the store after (nothing from memory)', async () => {
    const db = openDatabase(`forget-quiet-${++n}`);
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, now: () => Date.now(), random: () => 0.5, wakeAt: async () => undefined, batchDelayMs: 1 });
    const seen: string[] = [];
    bus.subscribe({ id: 'watch', handle: async (event) => void seen.push(event.streamId) });
    await bus.whileQuiet(async () => {
      await store.appendToStream('kept', [requested('https://img.example/k.png')], { expectedVersion: 'no-stream' });
      await store.appendToStream('deleted', [requested('https://img.example/d.png')], { expectedVersion: 'no-stream' });
      bus.poke();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(seen).toEqual([]);
      await db.events.where('streamId').equals('deleted').delete();
    });
    await bus.idle();
    expect(seen).toEqual(['kept']);
  });
});

