/**
 * The download saga v2 as the worker assembles it (test/unit/saga-harness.ts): the in-memory store with its read
 * model, the transfer side's fake (one request per transfer, facts pushed), an honest chrome.downloads fake and a
 * fake clock. What the user sees, what is recorded, what the host was asked, what lands on "disk".
 */
import { describe, expect, it } from 'vitest';
import { pngBytes, sha256 } from '../fakes/transfer.ts';
import { image, sagaHarness, type Harness } from './saga-harness.ts';

const types = async (t: Harness, streamId: string): Promise<string[]> => t.streamEvents(streamId);

describe('DownloadSaga', () => {
  it('given a click, when the image is valid, then it is fetched once, saved once from the checked bytes, with one correlation and a causation chain', async () => {
    const t = await sagaHarness();
    const command = crypto.randomUUID();
    const { streamId } = await t.saga.request(image(), command, 7);
    const row = await t.settled(streamId);
    expect(row.phase).toBe('completed');
    const events = await t.events();
    expect(events.map((e) => e.type)).toEqual([
      'GoogleImageDownloadRequested',
      'ImageSourceValidated',
      'ImageFetched',
      'DownloadInitiated',
      'DownloadStarted',
      'ImageScanned',
      'GoogleImageDownloadCompleted',
    ]);
    expect(new Set(events.map((e) => e.correlationId)).size).toBe(1);
    expect(events[0]?.causationId).toBe(command);
    events.slice(1).forEach((event, i) => expect(event.causationId).toBe(events[i]?.eventId));
    // One request to the host; Chrome saved the transfer's Blob, not the address.
    expect(t.transfers.requests.map((r) => r.url)).toEqual(['https://images.example/cat.jpg']);
    expect(t.downloads.calls).toHaveLength(1);
    expect(t.downloads.calls[0]).toMatchObject({ filename: 'Semantest/cat.png', conflictAction: 'uniquify' });
    expect(t.downloads.calls[0]?.url).toMatch(/^blob:chrome-extension:\/\//);
    const file = t.downloads.files.get('/downloads/Semantest/cat.png');
    expect(file?.bytes && sha256(file.bytes)).toBe(sha256(pngBytes('https://images.example/cat.jpg')));
    expect(row.contentHash).toBe(sha256(pngBytes('https://images.example/cat.jpg')));
    expect(t.sent.at(-1)?.message).toMatchObject({ type: 'control.update', update: { state: 'completed', message: 'cat.png' } });
    // The Blob is let go once Chrome has the file.
    expect(await t.transfers.status()).toEqual([]);
  });

  it('given a download running, when the same image is clicked again, then the click joins it', async () => {
    const t = await sagaHarness({ settings: { concurrency: 1 } });
    t.transfers.answer = () => ({ kind: 'hang' });
    const first = await t.request('a.jpg', null);
    const again = await t.request('a.jpg', null);
    expect(again).toEqual({ streamId: first.streamId, joined: true });
    expect((await t.events()).filter((e) => e.type === 'GoogleImageDownloadRequested')).toHaveLength(1);
  });

  it('given many clicks at once, then they are looked up together, and two clicks at once on one image start one download', async () => {
    const t = await sagaHarness();
    const clicks = Array.from({ length: 20 }, (_, i) => t.request(`many-${i}.jpg`, null));
    const again = t.request('many-0.jpg', null);
    const results = await Promise.all(clicks);
    expect(await again).toEqual({ streamId: results[0]?.streamId, joined: true });
    expect(new Set(results.map((result) => result.streamId)).size).toBe(20);
    expect(results.every((result) => !result.joined)).toBe(true);
    // One read for the first click, one for those that came while it ran, one for the second click on many-0.
    expect(t.reads.byImageUrl + t.reads.byImageUrls).toBeLessThanOrEqual(4);
    for (const result of results) expect((await t.settled(result.streamId)).phase).toBe('completed');
    expect(t.transfers.requests).toHaveLength(20);
    // Each address got its own rows: a click on a saved image is told so, not joined to another.
    const later = await t.request('many-7.jpg', null);
    expect(later).toEqual({ streamId: results[7]?.streamId, joined: true, alreadySaved: true });
  });

  it('runs at most `concurrency` transfers at once, in the order they were asked for; a slot frees when the body is whole (saving is local)', async () => {
    const t = await sagaHarness({ settings: { concurrency: 2 } });
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const ids: string[] = [];
    for (const name of ['1.jpg', '2.jpg', '3.jpg', '4.jpg']) ids.push((await t.request(name, null)).streamId);
    await t.settle();
    expect(t.transfers.requests.map((r) => r.url)).toEqual(['1.jpg', '2.jpg'].map((name) => `https://images.example/${name}`));
    // The first body is whole: its slot goes to the third while the first is saved.
    t.downloads.behaviour = () => ({ end: 'manual' });
    t.transfers.finish(`${ids[0]}:v1`);
    await t.settle();
    expect(t.transfers.requests.map((r) => r.url)).toEqual(['1.jpg', '2.jpg', '3.jpg'].map((name) => `https://images.example/${name}`));
    expect(await t.phase(ids[0] as string)).toBe('downloading');
    // The log never shows more than 2 transfers between their first bytes and their whole body.
    let open = 0;
    for (const event of await t.events()) {
      if (event.type === 'ImageSourceValidated') open += 1;
      if (event.type === 'ImageFetched') open -= 1;
      expect(open).toBeLessThanOrEqual(2);
    }
  });

  it('grants as many transfers ahead as run: they wait in the transfer side\'s lanes (as many as `concurrency`), in order', async () => {
    const t = await sagaHarness({ settings: { concurrency: 2 } });
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const ids: string[] = [];
    for (const name of ['1.jpg', '2.jpg', '3.jpg', '4.jpg', '5.jpg', '6.jpg']) ids.push((await t.request(name, null)).streamId);
    await t.settle();
    const url = (name: string): string => `https://images.example/${name}`;
    // Two ask the host, two more wait in line there (nothing asked of the host for them), the last two in the worker.
    expect(t.transfers.started.map((r) => r.url)).toEqual(['1.jpg', '2.jpg', '3.jpg', '4.jpg'].map(url));
    expect(t.transfers.started.every((r) => r.lanes === 2)).toBe(true);
    expect(t.transfers.requests.map((r) => r.url)).toEqual(['1.jpg', '2.jpg'].map(url));
    expect(await t.phase(ids[2] as string)).toBe('queued');
    // A body ends: the next in line asks its host, and the worker grants the next one ahead.
    t.transfers.finish(`${ids[0]}:v1`);
    await t.settle();
    expect(t.transfers.requests.map((r) => r.url)).toEqual(['1.jpg', '2.jpg', '3.jpg'].map(url));
    expect(t.transfers.started.map((r) => r.url)).toEqual(['1.jpg', '2.jpg', '3.jpg', '4.jpg', '5.jpg'].map(url));
  });

  it('a save uses the URL that came with the `fetched` fact: the transfer side is not asked for it', async () => {
    const t = await sagaHarness();
    const { streamId } = await t.request('cat.jpg', null);
    await t.settled(streamId);
    expect(await t.phase(streamId)).toBe('completed');
    expect(t.transfers.saveUrlCalls).toBe(0);
    expect(t.downloads.calls).toHaveLength(1);
  });

  it('under a host pace nothing is granted ahead (a grant is when the pace counts a start)', async () => {
    const t = await sagaHarness({ settings: { concurrency: 2, hostRequestsPerSecond: 10 } });
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    for (const name of ['1.jpg', '2.jpg', '3.jpg', '4.jpg']) await t.request(name, null);
    await t.settle();
    expect(t.transfers.started).toHaveLength(2);
    expect(t.transfers.requests).toHaveLength(2);
  });

  it('a slot is handed on the moment the whole body arrives, before anything of it is stored (no IndexedDB transaction on a slot\'s cycle)', async () => {
    const t = await sagaHarness({ settings: { concurrency: 1 } });
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const a = await t.request('a.jpg', null);
    await t.request('b.jpg', null);
    await t.settle();
    // Every append of a's waits from now on.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const append = t.store.appendToStream.bind(t.store);
    t.store.appendToStream = async (streamId, events, options) => {
      if (streamId === a.streamId) await gate;
      return append(streamId, events, options);
    };
    t.transfers.finish(`${a.streamId}:v1`);
    await t.settle();
    expect(await t.streamEvents(a.streamId)).not.toContain('ImageFetched');
    expect(t.transfers.requests.map((r) => r.url)).toEqual(['https://images.example/a.jpg', 'https://images.example/b.jpg']);
    release();
    expect((await t.settled(a.streamId)).phase).toBe('completed');
  });

  it('a pause keeps the slot and the bytes; resume goes on: paused and resumed are recorded, one request for the body', async () => {
    const t = await sagaHarness({ settings: { concurrency: 1 } });
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const a = await t.request('a.jpg', null);
    const b = await t.request('b.jpg', null);
    expect(await t.phase(a.streamId)).toBe('fetching');
    expect(await t.saga.pause(a.streamId)).toBe(true);
    expect(await t.phase(a.streamId)).toBe('paused');
    expect(t.transfers.requests).toHaveLength(1);
    expect(await t.saga.pause(a.streamId)).toBe(false);
    expect(await t.saga.resume(a.streamId)).toBe(true);
    expect(await t.phase(a.streamId)).toBe('fetching');
    t.transfers.finish(`${a.streamId}:v1`);
    expect((await t.settled(a.streamId)).phase).toBe('completed');
    expect(await types(t, a.streamId)).toEqual([
      'GoogleImageDownloadRequested', 'ImageSourceValidated', 'DownloadPaused', 'DownloadResumed', 'ImageFetched', 'DownloadInitiated', 'DownloadStarted', 'ImageScanned', 'GoogleImageDownloadCompleted',
    ]);
    await t.settle();
    expect(t.transfers.requests.map((r) => r.url)).toEqual(['https://images.example/a.jpg', 'https://images.example/b.jpg']);
    t.transfers.finish(`${b.streamId}:v1`);
    expect((await t.settled(b.streamId)).phase).toBe('completed');
  });

  it('tells the tab of each change its control shows, once: steps that change nothing shown send nothing', async () => {
    const t = await sagaHarness();
    const { streamId } = await t.request('cat.jpg', 7);
    await t.settled(streamId);
    // Requested → queued; first bytes: downloading; fetched, intent, started: still downloading; completed.
    expect(t.tabStates()).toEqual(['queued', 'downloading', 'completed']);
    // A second click on it is answered even though nothing changed.
    await t.request('cat.jpg', 7);
    expect(t.sent).toHaveLength(4);
  });

  it('given a click from a Google page, whose control shows `queued` by itself, then only the later states are sent to it', async () => {
    const t = await sagaHarness();
    const { streamId } = await t.request('cat.jpg', 7, { senderShowsQueued: true });
    await t.settled(streamId);
    expect(t.tabStates()).toEqual(['downloading', 'completed']);
    await t.request('cat.jpg', 7, { senderShowsQueued: true });
    expect(t.sent).toHaveLength(3);
  });

  it('given downloads that end, then every step finds its download in memory: no row is read, no Chrome item searched for', async () => {
    const t = await sagaHarness({ settings: { concurrency: 2 } });
    const search = t.downloads.search.bind(t.downloads);
    let searches = 0;
    t.downloads.search = (query) => ((searches += 1), search(query));
    const ids: string[] = [];
    for (const name of ['g1.jpg', 'g2.jpg', 'g3.jpg', 'g4.jpg', 'g5.jpg']) ids.push((await t.request(name, null)).streamId);
    for (const id of ids) expect((await t.settled(id)).phase).toBe('completed');
    expect(t.reads.get).toBe(0);
    expect(searches).toBe(0);
    expect(t.downloads.calls).toHaveLength(5);
  });

  it('given a small Blob Chrome saves before download() resolves, then started, scanned and completed are one append', async () => {
    const t = await sagaHarness();
    const appends: string[][] = [];
    const append = t.store.appendToStream.bind(t.store);
    t.store.appendToStream = (streamId, events, options) => (appends.push(events.map((event) => event.type)), append(streamId, events, options));
    const download = t.downloads.download.bind(t.downloads);
    t.downloads.download = async (options) => {
      const id = await download(options);
      await Promise.resolve(); // Chrome's onChanged(complete) comes before the id
      await Promise.resolve();
      return id;
    };
    const { streamId } = await t.request('cat.jpg', null);
    await t.settled(streamId);
    expect(appends).toContainEqual(['DownloadStarted', 'ImageScanned', 'GoogleImageDownloadCompleted']);
  });

  it('given a 404, then it fails at once, not retryable, with the reason in words, nothing saved', async () => {
    const t = await sagaHarness();
    t.transfers.answer = () => ({ kind: 'fail', failure: { code: 'http_client_error', retryable: false, message: 'The original image is no longer on its server (HTTP 404).' } });
    const { streamId } = await t.request('cat.jpg', null);
    expect((await t.settled(streamId)).phase).toBe('failed');
    expect(t.transfers.requests).toHaveLength(1);
    expect((await t.events()).at(-1)).toMatchObject({ type: 'GoogleImageDownloadFailed', data: { retryable: false, deadLettered: false, error: 'The original image is no longer on its server (HTTP 404).' } });
    expect(t.downloads.calls).toEqual([]);
  });

  it('given a server that keeps failing, then it retries 3 times with growing delays (persisted, timers on the clock) and dead-letters; a user retry continues the stream', async () => {
    const t = await sagaHarness();
    t.transfers.answer = () => ({ kind: 'fail', failure: { code: 'http_server_error', retryable: true, message: 'HTTP 500' } });
    const { streamId } = await t.request('cat.jpg', null);
    expect((await t.settled(streamId)).phase).toBe('dead-lettered');
    expect(t.transfers.requests).toHaveLength(4);
    // One transfer per attempt, each its own.
    expect(new Set(t.transfers.requests.map((r) => r.transferId)).size).toBe(4);
    const failed = (await t.events()).filter((e) => e.type === 'GoogleImageDownloadFailed');
    expect(failed.map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2, 3, 4]);
    expect(failed.slice(0, 3).map((e) => (e.data as { nextAttemptAt: number }).nextAttemptAt - e.createdAt)).toEqual([100, 200, 400]);
    expect(failed.at(-1)?.data).toMatchObject({ retryable: true, deadLettered: true, nextAttemptAt: null });
    const before = t.transfers.requests.length;
    expect(await t.saga.retry(streamId, crypto.randomUUID())).toBe(true);
    expect((await t.settled(streamId)).phase).toBe('dead-lettered');
    expect(t.transfers.requests.length).toBe(before + 4);
    const events = await t.events();
    const retry = events.find((e) => e.type === 'GoogleImageDownloadRetryRequested');
    expect(retry?.correlationId).not.toBe(events[0]?.correlationId);
    expect(events.at(-1)?.correlationId).toBe(retry?.correlationId);
  });

  it('given Chrome interrupts the save, then its partial file goes and a new attempt saves once', async () => {
    const t = await sagaHarness();
    let n = 0;
    const normal = t.downloads.behaviour;
    t.downloads.behaviour = (url) => (++n === 1 ? { end: 'interrupt', reason: 'FILE_TRANSIENT_ERROR' } : normal(url));
    const { streamId } = await t.request('cat.jpg', null);
    expect((await t.settled(streamId)).phase).toBe('completed');
    expect(t.downloads.calls).toHaveLength(2);
    expect(t.downloads.cancelled).toContain(1);
    expect(t.transfers.requests).toHaveLength(2);
    expect((await t.events()).filter((e) => e.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  });

  it('given a saved file of another size than the checked bytes, then it is removed and the download tried again', async () => {
    const t = await sagaHarness();
    let n = 0;
    const normal = t.downloads.behaviour;
    t.downloads.behaviour = (url) => (++n === 1 ? { end: 'complete', mime: 'image/png', size: 3 } : normal(url));
    const { streamId } = await t.request('cat.jpg', null);
    expect((await t.settled(streamId)).phase).toBe('completed');
    expect(t.downloads.removed).toEqual([1]);
    expect([...t.downloads.files.keys()]).toEqual(['/downloads/Semantest/cat (1).png']);
    expect((await t.events()).find((e) => e.type === 'GoogleImageDownloadFailed')?.data).toMatchObject({ code: 'file_error', retryable: true });
  });

  it('while the body streams, the open pages get its bytes, size and speed, and the control its share', async () => {
    const t = await sagaHarness();
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url, 2000), hold: true });
    const { streamId } = await t.request('cat.jpg', 7);
    await t.settle();
    t.transfers.progress(`${streamId}:v1`, 500);
    await t.clock.advance(1000);
    t.transfers.progress(`${streamId}:v1`, 1500);
    await t.settle();
    expect(t.broadcasts).toEqual([
      { type: 'progress', items: [{ streamId, bytesReceived: 500, totalBytes: 2000, bytesPerSecond: 0 }] },
      { type: 'progress', items: [{ streamId, bytesReceived: 1500, totalBytes: 2000, bytesPerSecond: 1000 }] },
    ]);
    expect(t.sent.at(-1)?.message).toMatchObject({ update: { state: 'downloading', progress: 0.75 } });
    t.transfers.finish(`${streamId}:v1`);
    expect((await t.settled(streamId)).phase).toBe('completed');
  });

  it('names the file after the settings’ pattern', async () => {
    const t = await sagaHarness({ settings: { fileNamePattern: '{site}-{name}', folder: 'Pictures/Cats' } });
    const { streamId } = await t.request('cat.jpg', null);
    await t.settled(streamId);
    expect(t.downloads.calls[0]?.filename).toBe('Pictures/Cats/example.org-cat.png');
  });

  it('given an image saved before and still on disk, a new click saves nothing new unless forced; deleted, it is saved again', async () => {
    const t = await sagaHarness();
    const first = await t.request('same.jpg', 1);
    await t.settled(first.streamId);
    const again = await t.request('same.jpg', 2);
    expect(again).toEqual({ streamId: first.streamId, joined: true, alreadySaved: true });
    expect(t.downloads.calls).toHaveLength(1);
    expect(t.sent.at(-1)).toMatchObject({ tabId: 2, message: { type: 'control.update', update: { state: 'completed' } } });
    const forced = await t.request('same.jpg', 2, { force: true });
    expect(forced.joined).toBe(false);
    await t.settled(forced.streamId);
    expect([...t.downloads.files.keys()]).toEqual(['/downloads/Semantest/same.png', '/downloads/Semantest/same (1).png']);
    t.downloads.items.forEach((item) => (item.exists = false));
    const afterDelete = await t.request('same.jpg', 2);
    expect(afterDelete.joined).toBe(false);
  });

  it('cancel during the transfer: recorded as the user’s own, final; the transfer dropped, nothing saved, the slot handed on', async () => {
    const t = await sagaHarness({ settings: { concurrency: 1 } });
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const a = await t.request('a.jpg', 7);
    const b = await t.request('b.jpg', 7);
    await t.settle();
    expect(await t.saga.cancel(a.streamId)).toBe(true);
    const row = await t.settled(a.streamId);
    expect(row).toMatchObject({ phase: 'failed', errorCode: 'user_canceled', error: 'The download was cancelled.' });
    expect(t.transfers.holds(`${a.streamId}:v1`)).toBe(false);
    expect(t.downloads.calls).toEqual([]);
    await t.settle();
    expect(t.transfers.requests.map((r) => r.url)).toEqual(['https://images.example/a.jpg', 'https://images.example/b.jpg']);
    expect(await t.saga.cancel(a.streamId)).toBe(false);
    t.transfers.finish(`${b.streamId}:v1`);
    expect((await t.settled(b.streamId)).phase).toBe('completed');
  });
});

describe('DownloadSaga: duplicates by content (the streamed hash, every size)', () => {
  /** cat.jpg and twin.jpg (and twin2.jpg) serve the same bytes; the others their own. */
  const sameBytes = (t: Harness): void => {
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(/twin|cat/.test(request.url) ? 'cat' : request.url) });
  };

  it('given an image saved before, when another address serves the same bytes, then nothing new is saved and it completes as a duplicate of the first', async () => {
    const t = await sagaHarness();
    sameBytes(t);
    const first = await t.request('cat.jpg', 1);
    await t.settled(first.streamId);
    const twin = await t.request('twin.jpg', 2);
    expect(twin.joined).toBe(false);
    await t.settled(twin.streamId);
    expect(t.downloads.calls).toHaveLength(1);
    expect([...t.downloads.files.keys()]).toEqual(['/downloads/Semantest/cat.png']);
    const events = (await t.events()).filter((e) => e.streamId === twin.streamId);
    expect(events.map((e) => e.type)).toEqual(['GoogleImageDownloadRequested', 'ImageSourceValidated', 'ImageFetched', 'GoogleImageDownloadCompleted']);
    expect(events[3]?.data).toMatchObject({ duplicateOf: first.streamId, filePath: '/downloads/Semantest/cat.png', imageUrl: 'https://images.example/twin.jpg' });
    expect(t.sent.at(-1)?.message).toMatchObject({ type: 'control.update', update: { streamId: twin.streamId, state: 'completed', message: 'cat.png' } });
    expect(await t.transfers.status()).toEqual([]);
    const other = await t.request('dog.jpg', 2);
    await t.settled(other.streamId);
    expect(t.downloads.calls).toHaveLength(2);
  });

  /** cat.jpg saved, then the same bytes under twin.jpg saved again because the user forced it: two files. */
  const savedTwice = async () => {
    const t = await sagaHarness();
    sameBytes(t);
    const first = await t.request('cat.jpg', 1);
    await t.settled(first.streamId);
    const forced = await t.request('twin.jpg', 1, { force: true });
    await t.settled(forced.streamId);
    expect(t.downloads.calls).toHaveLength(2);
    return { t, first };
  };

  it('given the same bytes saved before, when the user forces it, or the first file was deleted, then it is saved again', async () => {
    const { t } = await savedTwice();
    t.downloads.items.forEach((item) => (item.exists = false));
    const afterDelete = await t.request('twin2.jpg', 1);
    await t.settled(afterDelete.streamId);
    expect(t.downloads.calls).toHaveLength(3);
  });

  it('given two saved copies of the same bytes, when the newer file was deleted, then the older one still counts', async () => {
    const { t, first } = await savedTwice();
    const newer = [...t.downloads.items.values()].sort((a, b) => b.id - a.id)[0];
    if (newer) newer.exists = false;
    const again = await t.request('twin2.jpg', 1);
    await t.settled(again.streamId);
    expect(t.downloads.calls).toHaveLength(2);
    const done = (await t.events()).find((e) => e.streamId === again.streamId && e.type === 'GoogleImageDownloadCompleted');
    expect(done?.data).toMatchObject({ duplicateOf: first.streamId });
  });

  it('given transfers that end together, when their bytes are looked up, then one read serves them all, and a duplicate among them is still found', async () => {
    const t = await sagaHarness({ settings: { concurrency: 3 } });
    sameBytes(t);
    const first = await t.request('cat.jpg', 1);
    await t.settled(first.streamId);
    const before = t.reads.byContentHash + t.reads.byContentHashes;
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(/twin/.test(request.url) ? 'cat' : request.url), hold: true });
    const ids: string[] = [];
    for (const name of ['dog.jpg', 'twin.jpg', 'bird.jpg']) ids.push((await t.request(name, 1)).streamId);
    await t.settle();
    for (const id of ids) t.transfers.finish(`${id}:v1`);
    for (const id of ids) expect((await t.settled(id)).phase).toBe('completed');
    expect(t.reads.byContentHash + t.reads.byContentHashes - before).toBeLessThanOrEqual(2);
    const twin = (await t.events()).find((e) => e.streamId === ids[1] && e.type === 'GoogleImageDownloadCompleted');
    expect(twin?.data).toMatchObject({ duplicateOf: first.streamId });
    expect(t.downloads.calls).toHaveLength(3);
  });

  it('after a worker restart, the content of downloads saved before is still known', async () => {
    const t = await sagaHarness();
    sameBytes(t);
    const first = await t.request('cat.jpg', 1);
    await t.settled(first.streamId);
    await t.restart();
    const twin = await t.request('twin.jpg', 1);
    await t.settled(twin.streamId);
    expect(t.downloads.calls).toHaveLength(1);
  });

  it('imported history never counts as a copy on disk', async () => {
    const t = await sagaHarness();
    sameBytes(t);
    // A file of ours on disk, and an imported log (history from elsewhere) that claims it holds cat's bytes.
    const chromeId = await t.downloads.download({ url: 'https://elsewhere.example/x.png', filename: 'Semantest/x.png', conflictAction: 'uniquify' });
    await t.settle();
    const meta = { correlationId: 'imported', causationId: 'imported', imported: { at: 1 } };
    const url = 'https://images.example/old.jpg';
    await t.store.appendToStream('imported-1', [
      { type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline' }, metadata: meta },
      { type: 'ImageFetched', data: { attempt: 1, transferId: 'imported-1:v1', size: 1234, contentHash: sha256(pngBytes('cat')), mimeType: 'image/png' }, metadata: meta },
      { type: 'DownloadStarted', data: { attempt: 1, chromeDownloadId: chromeId }, metadata: meta },
      { type: 'GoogleImageDownloadCompleted', data: { imageUrl: url, filePath: '/downloads/Semantest/x.png', fileSize: 1234, downloadTime: 1, mimeType: 'image/png' }, metadata: meta },
    ], { expectedVersion: 'no-stream' });
    const twin = await t.request('twin.jpg', 1);
    expect((await t.settled(twin.streamId)).duplicateOf ?? null).toBeNull();
    expect(t.downloads.calls).toHaveLength(2);
    // Nor is an imported stream joined by a click on its address.
    const old = await t.request('old.jpg', 1);
    expect(old.joined).toBe(false);
  });

});
