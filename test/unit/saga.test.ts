/** The download saga against the real store (fake-indexeddb) and an honest chrome.downloads fake. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { downloadQueries } from '../../src/store/download-queries.ts';
import { DownloadSaga } from '../../src/background/download-saga.ts';
import { publicStatus } from '../../src/domain/download.ts';
import { Settings } from '../../src/background/settings.ts';
import type { BodyResult, ProbeResult } from '../../src/background/probe.ts';
import type { ImageCandidate, StoredEvent } from '../../src/domain/events.ts';
import { FakeDownloads } from '../fakes/downloads.ts';

let dbCount = 0;

function setup(options: { probe?: (url: string) => ProbeResult; settings?: Partial<Settings> } = {}) {
  const db = openDatabase(`saga-test-${++dbCount}`);
  const store = new DexieEventStore(db);
  // As the worker has them (src/background/index.ts): with the lookup of many addresses in one read, counted.
  const reads = { byImageUrl: 0, byImageUrls: 0, get: 0, byContentHash: 0, byContentHashes: 0 };
  const plain = downloadQueries(db);
  const queries = {
    ...plain,
    get: (streamId: string) => (reads.get++, plain.get(streamId)),
    byImageUrl: (url: string) => (reads.byImageUrl++, plain.byImageUrl(url)),
    byImageUrls: (urls: readonly string[]) => (reads.byImageUrls++, db.downloads.where('request.imageUrl').anyOf([...urls]).toArray()),
    byContentHash: (hash: string) => (reads.byContentHash++, plain.byContentHash(hash)),
    byContentHashes: (hashes: readonly string[]) => (reads.byContentHashes++, db.downloads.where('contentHash').anyOf([...hashes]).toArray()),
  };
  const downloads = new FakeDownloads();
  const probes: string[] = [];
  const sent: unknown[] = [];
  const broadcasts: unknown[] = [];
  const settings = Settings.parse({ baseDelayMs: 100, ...options.settings });
  const deps = {
    store,
    queries,
    downloads,
    alarms: { wakeAt: async () => undefined, clear: async () => undefined },
    tabs: { send: (_tab: number, message: unknown) => void sent.push(message) },
    referer: { hold: async () => undefined, release: async () => undefined },
    pages: { broadcast: (message: unknown) => void broadcasts.push(message) },
    probe: async (url: string): Promise<ProbeResult> => {
      probes.push(url);
      return options.probe?.(url) ?? { ok: true, type: { mimeType: 'image/png', extension: 'png' }, contentLength: 1234, declaredMime: 'image/png' };
    },
    fetchBody: async (): Promise<BodyResult> => ({ ok: true, bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), type: { mimeType: 'image/png', extension: 'png' } }),
    settings: () => settings,
    now: () => Date.now(),
    random: () => 0.5,
    newId: () => crypto.randomUUID(),
  };
  const saga = new DownloadSaga(deps);
  downloads.onChanged((delta) => void saga.onDownloadChanged(delta));
  downloads.onCreated((item) => saga.onDownloadCreated(item));
  const events = (): Promise<StoredEvent[]> => db.events.orderBy('position').toArray();
  const settled = async (streamId: string, timeout = 5000): Promise<string> => {
    const start = Date.now();
    for (;;) {
      const row = await plain.get(streamId);
      if (row && ['completed', 'failed', 'dead-lettered'].includes(row.phase)) return row.phase;
      if (Date.now() - start > timeout) throw new Error(`still ${row?.phase}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const phase = async (streamId: string, wanted: string, timeout = 5000): Promise<void> => {
    const start = Date.now();
    while ((await plain.get(streamId))?.phase !== wanted) {
      if (Date.now() - start > timeout) throw new Error(`never reached ${wanted}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  /** A saga in a "new worker" over the same database: what a restart sees. */
  const restart = () => {
    const next = new DownloadSaga(deps);
    downloads.onChanged((delta) => void next.onDownloadChanged(delta));
    downloads.onCreated((item) => next.onDownloadCreated(item));
    return next;
  };
  return { db, store, queries, reads, deps, downloads, saga, probes, sent, broadcasts, events, settled, phase, restart };
}

/** Each download Chrome starts ends `ms` after download() resolved, as a 10-byte file of type `mime`. */
function endsAfter(t: ReturnType<typeof setup>, ms: number, mime: string): void {
  t.downloads.behaviour = () => {
    const id = t.downloads.calls.length;
    setTimeout(() => t.downloads.complete(id, mime, 10), ms);
    return { end: 'manual' };
  };
}

const image = (name = 'cat.jpg'): ImageCandidate => ({
  imageUrl: `https://images.example/${name}`,
  thumbnailUrl: 'https://encrypted-tbn0.gstatic.com/images?q=tbn:x',
  sourcePageUrl: 'https://www.example.org/page',
  title: 'A cat',
  strategy: 'udm2_inline',
});

describe('DownloadSaga', () => {
  it('given a click, when the image is valid, then it is saved once with one correlation and a causation chain', async () => {
    const t = setup();
    const command = crypto.randomUUID();
    const { streamId } = await t.saga.request(image(), command, 7);
    expect(await t.settled(streamId)).toBe('completed');
    const events = await t.events();
    expect(events.map((e) => e.type)).toEqual([
      'GoogleImageDownloadRequested',
      'ImageSourceValidated',
      'DownloadInitiated',
      'DownloadStarted',
      'GoogleImageDownloadCompleted',
    ]);
    expect(new Set(events.map((e) => e.correlationId)).size).toBe(1);
    expect(events[0]?.causationId).toBe(command);
    events.slice(1).forEach((event, i) => expect(event.causationId).toBe(events[i]?.eventId));
    expect(t.downloads.calls).toEqual([{ url: 'https://images.example/cat.jpg', filename: 'Semantest/cat.png', conflictAction: 'uniquify' }]);
    expect([...t.downloads.files.keys()]).toEqual(['/downloads/Semantest/cat.png']);
    expect(t.sent.at(-1)).toMatchObject({ type: 'control.update', update: { state: 'completed', message: 'cat.png' } });
  });

  it('given a queued download, when the same image is clicked again, then the click joins it', async () => {
    const t = setup({ settings: { concurrency: 1 } });
    t.downloads.behaviour = () => ({ end: 'manual' });
    const first = await t.saga.request(image('a.jpg'), crypto.randomUUID(), null);
    const again = await t.saga.request(image('a.jpg'), crypto.randomUUID(), null);
    expect(again).toEqual({ streamId: first.streamId, joined: true });
    expect((await t.events()).filter((e) => e.type === 'GoogleImageDownloadRequested')).toHaveLength(1);
  });

  it('given many clicks at once, then they are looked up together, and two clicks at once on one image start one download', async () => {
    const t = setup();
    const clicks = Array.from({ length: 20 }, (_, i) => t.saga.request(image(`many-${i}.jpg`), crypto.randomUUID(), null));
    const again = t.saga.request(image('many-0.jpg'), crypto.randomUUID(), null);
    const results = await Promise.all(clicks);
    expect(await again).toEqual({ streamId: results[0]?.streamId, joined: true });
    expect(new Set(results.map((result) => result.streamId)).size).toBe(20);
    expect(results.every((result) => !result.joined)).toBe(true);
    // One read for the first click, one for those that came while it ran, one for the second click on many-0.
    expect(t.reads.byImageUrl + t.reads.byImageUrls).toBeLessThanOrEqual(4);
    expect((await t.events()).filter((e) => e.type === 'GoogleImageDownloadRequested')).toHaveLength(20);
    for (const result of results) expect(await t.settled(result.streamId)).toBe('completed');
    // Each address got its own rows: a click on a saved image is told so, not joined to another.
    const later = await t.saga.request(image('many-7.jpg'), crypto.randomUUID(), null);
    expect(later).toEqual({ streamId: results[7]?.streamId, joined: true, alreadySaved: true });
  });

  it('given a full slot, when Chrome reports the download complete, then the next starts while the completion is being recorded (not on a progress delta)', async () => {
    const t = setup({ settings: { concurrency: 1 } });
    t.downloads.behaviour = () => ({ end: 'manual' });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    (globalThis as Record<string, unknown>).__semantestSagaHooks = { beforeCompletionRecorded: () => held };
    try {
      const a = await t.saga.request(image('a.jpg'), crypto.randomUUID(), null);
      const b = await t.saga.request(image('b.jpg'), crypto.randomUUID(), null);
      await t.phase(a.streamId, 'downloading');
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A progress delta is no end: the slot stays taken.
      await t.downloads.pause(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(t.downloads.calls.map((c) => c.url)).toEqual(['https://images.example/a.jpg']);
      await t.downloads.resume(1);
      await t.phase(a.streamId, 'downloading');
      t.downloads.complete(1, 'image/jpeg', 10);
      const start = Date.now();
      while (t.downloads.calls.length < 2 && Date.now() - start < 3000) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(t.downloads.calls.map((c) => c.url)).toEqual(['https://images.example/a.jpg', 'https://images.example/b.jpg']);
      expect((await t.queries.get(a.streamId))?.phase).not.toBe('completed');
      release();
      expect(await t.settled(a.streamId)).toBe('completed');
      t.downloads.complete(2, 'image/jpeg', 10);
      expect(await t.settled(b.streamId)).toBe('completed');
      expect((await t.events()).filter((e) => e.type === 'GoogleImageDownloadCompleted')).toHaveLength(2);
    } finally {
      release();
      delete (globalThis as Record<string, unknown>).__semantestSagaHooks;
    }
  });

  it('given a full slot, when a download completes, then the next one starts at once: its check is stored ahead, its intent with its start, after the completion', async () => {
    const t = setup({ settings: { concurrency: 1 } });
    const transactionOf = new Map<string, object>();
    t.db.events.hook('creating', (_key, event, transaction) => void transactionOf.set(`${event.streamId} ${event.type}`, transaction));
    t.downloads.behaviour = () => ({ end: 'manual' });
    // When each download() was called and each event committed, in one order.
    const timeline: string[] = [];
    const download = t.downloads.download.bind(t.downloads);
    t.downloads.download = (options) => (timeline.push(`call ${t.downloads.calls.length + 1}`), download(options));
    t.store.onAppended((events) => events.forEach((event) => timeline.push(`commit ${event.streamId} ${event.type}`)));
    const ids: string[] = [];
    for (const name of ['h1.jpg', 'h2.jpg', 'h3.jpg', 'h4.jpg']) ids.push((await t.saga.request(image(name), crypto.randomUUID(), null)).streamId);
    // The sources are checked ahead of the slot, a bounded number (2 per slot): two wait checked while the
    // first downloads (their check is stored with their intent), the fourth is not checked yet.
    await t.phase(ids[0] as string, 'downloading');
    for (let i = 0; i < 100 && t.probes.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.saga.idle();
    expect(t.probes).toHaveLength(3);
    for (const id of ids.slice(1)) expect((await t.queries.get(id))?.phase).toBe('queued');
    for (let k = 0; k < ids.length; k++) {
      await t.phase(ids[k] as string, 'downloading');
      t.downloads.complete(k + 1, 'image/jpeg', 10);
    }
    for (const id of ids) expect(await t.settled(id)).toBe('completed');
    const events = await t.events();
    // The log never shows two downloads open at once (between DownloadInitiated and their outcome).
    let open = 0;
    for (const event of events) {
      if (event.type === 'DownloadInitiated') open += 1;
      if (event.type === 'GoogleImageDownloadCompleted' || event.type === 'GoogleImageDownloadFailed') open -= 1;
      expect(open).toBeLessThanOrEqual(1);
    }
    // h2's check was only in memory when h1 ended: it is stored with its intent in h1's completion's transaction,
    // and so are the checks still waiting (h3, h4: stored ahead).
    const firstCompletion = transactionOf.get(`${ids[0]} GoogleImageDownloadCompleted`);
    expect(firstCompletion).toBeDefined();
    expect(transactionOf.get(`${ids[1]} ImageSourceValidated`)).toBe(firstCompletion);
    expect(transactionOf.get(`${ids[1]} DownloadInitiated`)).toBe(firstCompletion);
    expect(transactionOf.get(`${ids[2]} ImageSourceValidated`)).toBe(firstCompletion);
    // Stored ahead, h3 and h4 start as soon as the slot frees: download() is called before the previous one's
    // completion is committed, and their DownloadInitiated is stored with their DownloadStarted, after it.
    for (let k = 2; k < ids.length; k++) {
      const completedBefore = transactionOf.get(`${ids[k - 1]} GoogleImageDownloadCompleted`);
      expect(completedBefore).toBeDefined();
      expect(transactionOf.get(`${ids[k]} DownloadInitiated`)).not.toBe(completedBefore);
      expect(transactionOf.get(`${ids[k]} DownloadInitiated`)).toBe(transactionOf.get(`${ids[k]} DownloadStarted`));
      expect(timeline.indexOf(`call ${k + 1}`)).toBeGreaterThanOrEqual(0);
      expect(timeline.indexOf(`call ${k + 1}`)).toBeLessThan(timeline.indexOf(`commit ${ids[k - 1]} GoogleImageDownloadCompleted`));
    }
    expect(t.downloads.calls.map((c) => c.url)).toEqual(['h1.jpg', 'h2.jpg', 'h3.jpg', 'h4.jpg'].map((name) => `https://images.example/${name}`));
  });

  it('given small downloads, then each one\'s start and end are one transaction with its own or the previous one\'s intent, and no download is searched for', async () => {
    const t = setup({ settings: { concurrency: 1 } });
    const transactionOf = new Map<string, object>();
    t.db.events.hook('creating', (_key, event, transaction) => void transactionOf.set(`${event.streamId} ${event.type}`, transaction));
    // Each download ends 30 ms after it started, after download() resolved.
    endsAfter(t, 30, 'image/jpeg');
    const search = t.downloads.search.bind(t.downloads);
    let searches = 0;
    t.downloads.search = (query) => {
      searches += 1;
      return search(query);
    };
    const ids: string[] = [];
    for (const name of ['s1.jpg', 's2.jpg', 's3.jpg', 's4.jpg']) ids.push((await t.saga.request(image(name), crypto.randomUUID(), null)).streamId);
    for (const id of ids) expect(await t.settled(id)).toBe('completed');
    // Chrome's items come from onCreated and onChanged: no round trip per download.
    expect(searches).toBe(0);
    for (let k = 0; k < ids.length; k++) {
      const completed = transactionOf.get(`${ids[k]} GoogleImageDownloadCompleted`);
      expect(completed).toBeDefined();
      expect(transactionOf.get(`${ids[k]} DownloadStarted`)).toBe(completed);
      // The next one's intent: with this completion (its check was only in memory), or with its own start (its
      // check was stored ahead, and it started as soon as this one ended).
      if (k + 1 < ids.length) expect([completed, transactionOf.get(`${ids[k + 1]} DownloadStarted`)]).toContain(transactionOf.get(`${ids[k + 1]} DownloadInitiated`));
    }
    const row = await t.queries.get(ids[0] as string);
    expect(row).toMatchObject({ phase: 'completed', fileSize: 10, chromeDownloadId: 1 });
    expect(row?.filePath).toMatch(/s1\.png$/);
  });

  it('tells the tab of each change its control shows, once: steps that change nothing shown send nothing', async () => {
    const t = setup();
    endsAfter(t, 250, 'image/png');
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), 7);
    expect(await t.settled(streamId)).toBe('completed');
    const states = t.sent.map((message) => (message as { update: { state: string } }).update.state);
    // Requested → queued; checked + intent: still queued (nothing sent); started: downloading; completed.
    expect(states).toEqual(['queued', 'downloading', 'completed']);
    // A second click on it is answered even though nothing changed.
    await t.saga.request(image(), crypto.randomUUID(), 7);
    expect(t.sent).toHaveLength(4);
  });

  it('given a click from a Google page, whose control shows `queued` by itself, then only the later states are sent to it', async () => {
    const t = setup();
    endsAfter(t, 250, 'image/png');
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), 7, { senderShowsQueued: true });
    expect(await t.settled(streamId)).toBe('completed');
    const states = t.sent.map((message) => (message as { update: { state: string } }).update.state);
    expect(states).toEqual(['downloading', 'completed']);
    // A second click (a join) is still answered.
    await t.saga.request(image(), crypto.randomUUID(), 7, { senderShowsQueued: true });
    expect(t.sent).toHaveLength(3);
  });

  it('given downloads that end, when the step that Chrome\'s end queued runs after the completion was stored, then it reads no row', async () => {
    const t = setup({ settings: { concurrency: 2 } });
    const ids: string[] = [];
    for (const name of ['g1.jpg', 'g2.jpg', 'g3.jpg', 'g4.jpg', 'g5.jpg']) ids.push((await t.saga.request(image(name), crypto.randomUUID(), null)).streamId);
    for (const id of ids) expect(await t.settled(id)).toBe('completed');
    await t.saga.idle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.saga.idle();
    // Every step found its download in memory: settled ones too (the end's onChanged step comes after the record).
    expect(t.reads.get).toBe(0);
    expect(t.downloads.calls).toHaveLength(5);
  });

  it('given sources checked while every slot was busy, when the worker stops, then they are checked again and each is downloaded once', async () => {
    const t = setup({ settings: { concurrency: 1 } });
    t.downloads.behaviour = () => ({ end: 'manual' });
    const ids: string[] = [];
    for (const name of ['r1.jpg', 'r2.jpg', 'r3.jpg']) ids.push((await t.saga.request(image(name), crypto.randomUUID(), null)).streamId);
    await t.phase(ids[0] as string, 'downloading');
    for (let i = 0; i < 100 && t.probes.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(t.probes).toHaveLength(3);
    // The checks of r2 and r3 live only in the stopped worker's memory: the store has them queued.
    expect((await t.queries.get(ids[1] as string))?.phase).toBe('queued');
    const next = t.restart();
    await next.recover();
    t.downloads.complete(1, 'image/png', 5);
    await t.phase(ids[1] as string, 'downloading');
    t.downloads.complete(2, 'image/png', 5);
    await t.phase(ids[2] as string, 'downloading');
    t.downloads.complete(3, 'image/png', 5);
    for (const id of ids) expect(await t.settled(id)).toBe('completed');
    // r2 and r3 were checked again (5 GETs), and each downloaded once.
    expect(t.probes).toHaveLength(5);
    expect(t.downloads.calls.map((call) => call.url)).toEqual(['r1.jpg', 'r2.jpg', 'r3.jpg'].map((name) => `https://images.example/${name}`));
    const events = await t.events();
    for (const id of ids) {
      const mine = events.filter((event) => event.streamId === id).map((event) => event.type);
      expect(mine.filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
      expect(mine.filter((type) => type === 'ImageSourceValidated')).toHaveLength(1);
    }
  });

  it('given checks stored ahead, when the worker stops right after download() of one, before its start is stored, then a restart adopts Chrome\'s download: each image once, never more than N at once', async () => {
    const t = setup({ settings: { concurrency: 2 } });
    t.downloads.behaviour = () => ({ end: 'manual' });
    const download = t.downloads.download.bind(t.downloads);
    let most = 0;
    let dies = false;
    t.downloads.download = async (options) => {
      const id = await download(options);
      most = Math.max(most, [...t.downloads.items.values()].filter((item) => item.state === 'in_progress').length);
      // The worker stops here: Chrome has the download, the stopped worker never learns its id.
      if (dies) return new Promise<number>(() => undefined);
      return id;
    };
    const ids: string[] = [];
    for (const name of ['a1.jpg', 'a2.jpg', 'a3.jpg', 'a4.jpg', 'a5.jpg']) ids.push((await t.saga.request(image(name), crypto.randomUUID(), null)).streamId);
    await t.phase(ids[0] as string, 'downloading');
    await t.phase(ids[1] as string, 'downloading');
    for (let i = 0; i < 100 && t.probes.length < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    // a1 ends: a3 gets its slot; the checks of a4 and a5 are stored ahead.
    t.downloads.complete(1, 'image/png', 5);
    await t.phase(ids[2] as string, 'downloading');
    await t.phase(ids[3] as string, 'validating');
    await t.phase(ids[4] as string, 'validating');
    // a2 ends: a4 starts at once, and the worker stops before anything more of a4 is stored.
    dies = true;
    t.downloads.complete(2, 'image/png', 5);
    await t.settled(ids[1] as string);
    for (let i = 0; i < 100 && t.downloads.calls.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(t.downloads.calls).toHaveLength(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedUnrecorded = await t.queries.get(ids[3] as string);
    expect(startedUnrecorded?.phase).toBe('validating');
    // The popup shows it as queued (not downloading) until its start is stored.
    expect(publicStatus(startedUnrecorded?.phase ?? 'failed')).toBe('queued');
    dies = false;
    const next = t.restart();
    await next.recover();
    await next.idle();
    // a4's download is Chrome's item 4, adopted; a3 and a4 hold the two slots, a5 waits.
    expect(await t.queries.get(ids[3] as string)).toMatchObject({ phase: 'downloading', chromeDownloadId: 4 });
    expect(t.downloads.calls).toHaveLength(4);
    expect((await t.queries.get(ids[4] as string))?.phase).toBe('validating');
    t.downloads.complete(3, 'image/png', 5);
    await t.phase(ids[4] as string, 'downloading');
    t.downloads.complete(4, 'image/png', 5);
    t.downloads.complete(5, 'image/png', 5);
    for (const id of ids) expect(await t.settled(id)).toBe('completed');
    expect(t.downloads.calls.map((call) => call.url)).toEqual(['a1.jpg', 'a2.jpg', 'a3.jpg', 'a4.jpg', 'a5.jpg'].map((name) => `https://images.example/${name}`));
    expect(most).toBeLessThanOrEqual(2);
    const events = await t.events();
    for (const id of ids) {
      const mine = events.filter((event) => event.streamId === id).map((event) => event.type);
      for (const type of ['DownloadInitiated', 'DownloadStarted', 'GoogleImageDownloadCompleted']) expect(mine.filter((one) => one === type)).toHaveLength(1);
    }
    // The log never shows more than 2 downloads open (between DownloadInitiated and their outcome).
    let open = 0;
    for (const event of events) {
      if (event.type === 'DownloadInitiated') open += 1;
      if (event.type === 'GoogleImageDownloadCompleted' || event.type === 'GoogleImageDownloadFailed') open -= 1;
      expect(open).toBeLessThanOrEqual(2);
    }
  });

  it('runs at most `concurrency` downloads at once; the rest wait in order', async () => {
    const t = setup({ settings: { concurrency: 2 } });
    t.downloads.behaviour = () => ({ end: 'manual' });
    const ids = [];
    for (const name of ['1.jpg', '2.jpg', '3.jpg', '4.jpg']) ids.push((await t.saga.request(image(name), crypto.randomUUID(), null)).streamId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.saga.idle();
    expect(t.downloads.calls.map((c) => c.url)).toEqual(['https://images.example/1.jpg', 'https://images.example/2.jpg']);
    t.downloads.complete(1, 'image/jpeg', 10);
    await t.settled(ids[0] as string);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.downloads.calls.map((c) => c.url)).toEqual(['https://images.example/1.jpg', 'https://images.example/2.jpg', 'https://images.example/3.jpg']);
  });

  it('given a 404, then it fails at once, not retryable, with the reason in words', async () => {
    const t = setup({ probe: () => ({ ok: false, failure: { code: 'http_client_error', retryable: false, message: 'gone (HTTP 404)' } }) });
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), null);
    expect(await t.settled(streamId)).toBe('failed');
    expect(t.probes).toHaveLength(1);
    const last = (await t.events()).at(-1);
    expect(last).toMatchObject({ type: 'GoogleImageDownloadFailed', data: { retryable: false, deadLettered: false, error: 'gone (HTTP 404)' } });
    expect(t.downloads.calls).toEqual([]);
  });

  it('given a server that keeps failing, then it retries 3 times with growing delays and dead-letters', async () => {
    const t = setup({ probe: () => ({ ok: false, failure: { code: 'http_server_error', retryable: true, message: 'HTTP 500' } }) });
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), null);
    expect(await t.settled(streamId)).toBe('dead-lettered');
    expect(t.probes).toHaveLength(4);
    const failed = (await t.events()).filter((e) => e.type === 'GoogleImageDownloadFailed');
    expect(failed.map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2, 3, 4]);
    const delays = failed.slice(0, 3).map((e) => (e.data as { nextAttemptAt: number }).nextAttemptAt - e.createdAt);
    // nextAttemptAt = (time of the failure) + delay; the event is stored a little later, never earlier.
    delays.forEach((delay, i) => {
      expect(delay).toBeLessThanOrEqual([100, 200, 400][i] as number);
      expect(delay).toBeGreaterThan(([100, 200, 400][i] as number) - 50);
    });
    expect(failed.at(-1)?.data).toMatchObject({ retryable: true, deadLettered: true, nextAttemptAt: null });
    // A user's retry continues the same stream under a new correlation id.
    const probeOk = t.probes.length;
    await t.saga.retry(streamId, crypto.randomUUID());
    expect(await t.settled(streamId)).toBe('dead-lettered');
    expect(t.probes.length).toBe(probeOk + 4);
    const events = await t.events();
    const retry = events.find((e) => e.type === 'GoogleImageDownloadRetryRequested');
    expect(retry?.correlationId).not.toBe(events[0]?.correlationId);
    expect(events.at(-1)?.correlationId).toBe(retry?.correlationId);
  });

  it('given an interrupted download (SERVER_FAILED), then it retries and completes once', async () => {
    const t = setup();
    let n = 0;
    t.downloads.behaviour = () => (++n === 1 ? { end: 'interrupt', reason: 'SERVER_FAILED' } : { end: 'complete', mime: 'image/png', size: 5 });
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), null);
    expect(await t.settled(streamId)).toBe('completed');
    expect(t.downloads.calls).toHaveLength(2);
    expect((await t.events()).filter((e) => e.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  });

  it('given a finished download whose server sent HTML, then the file is removed and the failure is final', async () => {
    const t = setup();
    t.downloads.behaviour = () => ({ end: 'complete', mime: 'text/html', size: 300 });
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), null);
    expect(await t.settled(streamId)).toBe('failed');
    expect(t.downloads.files.size).toBe(0);
  });

  it('when the worker stopped after the intent but before DownloadStarted, a restart adopts Chrome’s download', async () => {
    const t = setup();
    t.downloads.behaviour = () => ({ end: 'manual' });
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), null);
    await t.phase(streamId, 'downloading');
    // Simulate the stop: remove DownloadStarted as if it was never written, by rebuilding a fresh store up to the intent.
    const events = await t.events();
    const started = events.find((e) => e.type === 'DownloadStarted');
    expect(started).toBeDefined();
    await t.db.events.delete(started?.position as number);
    await t.db.streams.update(streamId, { currentVersion: (started?.version as number) - 1 });
    const { rebuildDownloads } = await import('../../src/projections/downloads.ts');
    await rebuildDownloads(t.db);
    expect((await t.queries.get(streamId))?.phase).toBe('initiating');

    const next = t.restart();
    await next.recover();
    expect(t.downloads.calls).toHaveLength(1); // adopted, not started twice
    t.downloads.complete(1, 'image/png', 9);
    expect(await t.settled(streamId)).toBe('completed');
    expect((await t.events()).filter((e) => e.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  });

  it('when the download finished while the worker was stopped, a restart records it exactly once', async () => {
    const t = setup();
    t.downloads.behaviour = () => ({ end: 'manual' });
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), null);
    await t.phase(streamId, 'downloading');
    t.downloads.onChanged(() => undefined); // the worker is gone: nobody hears onChanged
    t.downloads.complete(1, 'image/png', 9);
    expect((await t.queries.get(streamId))?.phase).toBe('downloading');
    const a = t.restart();
    const b = t.restart();
    await Promise.all([a.recover(), b.recover()]);
    expect(await t.settled(streamId)).toBe('completed');
    expect((await t.events()).filter((e) => e.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
    expect(t.downloads.calls).toHaveLength(1);
  });
  it('while a download runs, then the open pages get its bytes, size and speed', async () => {
    const t = setup();
    t.downloads.behaviour = () => ({ end: 'manual' });
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), null);
    await t.phase(streamId, 'downloading');
    const item = t.downloads.items.get(1);
    expect(item).toBeDefined();
    Object.assign(item as object, { bytesReceived: 500, totalBytes: 2000 });
    await expect.poll(() => t.broadcasts.length, { timeout: 3000 }).toBeGreaterThan(0);
    expect(t.broadcasts[0]).toEqual({ type: 'progress', items: [{ streamId, bytesReceived: 500, totalBytes: 2000, bytesPerSecond: 0 }] });
    t.downloads.complete(1, 'image/png', 2000);
    expect(await t.settled(streamId)).toBe('completed');
  });

  it('names the file after the settings’ pattern', async () => {
    const t = setup({ settings: { fileNamePattern: '{site}-{name}', folder: 'Pictures/Cats' } });
    const { streamId } = await t.saga.request(image(), crypto.randomUUID(), null);
    expect(await t.settled(streamId)).toBe('completed');
    expect(t.downloads.calls[0]?.filename).toBe('Pictures/Cats/example.org-cat.png');
  });

  it('given an image saved before and still on disk, a new click saves nothing new unless forced', async () => {
    const t = setup();
    const first = await t.saga.request(image('same.jpg'), crypto.randomUUID(), 1);
    expect(await t.settled(first.streamId)).toBe('completed');
    const again = await t.saga.request(image('same.jpg'), crypto.randomUUID(), 2);
    expect(again).toEqual({ streamId: first.streamId, joined: true, alreadySaved: true });
    expect(t.downloads.calls).toHaveLength(1);
    expect(t.sent.at(-1)).toMatchObject({ type: 'control.update', update: { state: 'completed' } });
    const forced = await t.saga.request(image('same.jpg'), crypto.randomUUID(), 2, { force: true });
    expect(forced.joined).toBe(false);
    expect(await t.settled(forced.streamId)).toBe('completed');
    expect([...t.downloads.files.keys()]).toEqual(['/downloads/Semantest/same.png', '/downloads/Semantest/same (1).png']);
    // Deleted from disk: saved again without asking.
    t.downloads.items.forEach((item) => (item.exists = false));
    const afterDelete = await t.saga.request(image('same.jpg'), crypto.randomUUID(), 2);
    expect(afterDelete.joined).toBe(false);
  });
});

describe('DownloadSaga: duplicates by content', () => {
  const hashOf = (url: string): string => (url.includes('twin') || url.includes('cat') ? 'a'.repeat(64) : 'b'.repeat(64));
  const probe = (url: string): ProbeResult => ({ ok: true, type: { mimeType: 'image/png', extension: 'png' }, contentLength: 10, declaredMime: 'image/png', contentHash: hashOf(url) });

  it('given an image saved before, when another address serves the same bytes, then nothing new is saved and it completes as a duplicate of the first', async () => {
    const t = setup({ probe });
    const first = await t.saga.request(image('cat.jpg'), crypto.randomUUID(), 1);
    expect(await t.settled(first.streamId)).toBe('completed');
    const twin = await t.saga.request(image('twin.jpg'), crypto.randomUUID(), 2);
    expect(twin.joined).toBe(false);
    expect(await t.settled(twin.streamId)).toBe('completed');
    expect(t.downloads.calls).toHaveLength(1);
    expect([...t.downloads.files.keys()]).toEqual(['/downloads/Semantest/cat.png']);
    const events = (await t.events()).filter((e) => e.streamId === twin.streamId);
    expect(events.map((e) => e.type)).toEqual(['GoogleImageDownloadRequested', 'ImageSourceValidated', 'GoogleImageDownloadCompleted']);
    expect(events[2]?.data).toMatchObject({ duplicateOf: first.streamId, filePath: '/downloads/Semantest/cat.png', imageUrl: 'https://images.example/twin.jpg' });
    // Shown like a click on an image saved before: completed, with the earlier file's name.
    expect(t.sent.at(-1)).toMatchObject({ type: 'control.update', update: { streamId: twin.streamId, state: 'completed', message: 'cat.png' } });
    // Different bytes are saved as usual.
    const other = await t.saga.request(image('dog.jpg'), crypto.randomUUID(), 2);
    expect(await t.settled(other.streamId)).toBe('completed');
    expect(t.downloads.calls).toHaveLength(2);
  });

  /** cat.jpg saved, then the same bytes under twin.jpg saved again because the user forced it: two files. */
  const savedTwice = async () => {
    const t = setup({ probe });
    const first = await t.saga.request(image('cat.jpg'), crypto.randomUUID(), 1);
    expect(await t.settled(first.streamId)).toBe('completed');
    const forced = await t.saga.request(image('twin.jpg'), crypto.randomUUID(), 1, { force: true });
    expect(await t.settled(forced.streamId)).toBe('completed');
    expect(t.downloads.calls).toHaveLength(2);
    return { t, first };
  };

  it('given the same bytes saved before, when the user forces it, or the first file was deleted, then it is saved again', async () => {
    const { t } = await savedTwice();
    t.downloads.items.forEach((item) => (item.exists = false));
    const afterDelete = await t.saga.request(image('twin2.jpg'), crypto.randomUUID(), 1);
    expect(await t.settled(afterDelete.streamId)).toBe('completed');
    expect(t.downloads.calls).toHaveLength(3);
  });

  it('given two saved copies of the same bytes, when the newer file was deleted, then the older one still counts', async () => {
    const { t, first } = await savedTwice();
    // Only the newer file (the forced copy) is deleted from disk.
    const newer = [...t.downloads.items.values()].sort((a, b) => b.id - a.id)[0];
    expect(newer).toBeDefined();
    if (newer) newer.exists = false;
    const again = await t.saga.request(image('twin2.jpg'), crypto.randomUUID(), 1);
    expect(await t.settled(again.streamId)).toBe('completed');
    expect(t.downloads.calls).toHaveLength(2);
    const done = (await t.events()).find((e) => e.streamId === again.streamId && e.type === 'GoogleImageDownloadCompleted');
    expect(done?.data).toMatchObject({ duplicateOf: first.streamId });
  });

  it('given checks that end together, when their bytes are looked up, then one read serves them all, and a duplicate among them is still found', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const t = setup({ probe, settings: { concurrency: 3 } });
    const first = await t.saga.request(image('cat.jpg'), crypto.randomUUID(), 1);
    expect(await t.settled(first.streamId)).toBe('completed');
    const before = { ...t.reads };
    // Three checks held until all three have their bytes: their lookups come together.
    t.deps.probe = async (url: string) => {
      await gate;
      const result = probe(url);
      return url.includes('bird') && result.ok ? { ...result, contentHash: 'c'.repeat(64) } : result;
    };
    const ids: string[] = [];
    for (const name of ['dog.jpg', 'twin.jpg', 'bird.jpg']) ids.push((await t.saga.request(image(name), crypto.randomUUID(), 1)).streamId);
    await new Promise((resolve) => setTimeout(resolve, 30));
    open();
    for (const id of ids) expect(await t.settled(id)).toBe('completed');
    // The first alone, the two that came while it ran together: 2 reads for 3 checks.
    expect(t.reads.byContentHash + t.reads.byContentHashes - before.byContentHash - before.byContentHashes).toBeLessThanOrEqual(2);
    // twin.jpg has cat.jpg's bytes: a duplicate, nothing saved; dog and bird are saved.
    const twin = (await t.events()).find((e) => e.streamId === ids[1] && e.type === 'GoogleImageDownloadCompleted');
    expect(twin?.data).toMatchObject({ duplicateOf: first.streamId });
    expect(t.downloads.calls.map((call) => call.url)).toEqual(['cat.jpg', 'dog.jpg', 'bird.jpg'].map((name) => `https://images.example/${name}`));
  });

  it('after a worker restart, the content of downloads saved before is still known', async () => {
    const t = setup({ probe });
    const first = await t.saga.request(image('cat.jpg'), crypto.randomUUID(), 1);
    expect(await t.settled(first.streamId)).toBe('completed');
    const next = t.restart();
    const twin = await next.request(image('twin.jpg'), crypto.randomUUID(), 1);
    expect(await t.settled(twin.streamId)).toBe('completed');
    expect(t.downloads.calls).toHaveLength(1);
  });
});
