/**
 * Load: many downloads asked for at once (LOAD_COUNT, default below) from a local image host that counts what is
 * in flight. Checks: every download completes, the concurrency setting holds at the host, no event is lost or
 * doubled, every file is on disk with the right bytes, the popup renders and searches while the load runs, and
 * the worker's JS heap stays bounded (its peak is sampled over CDP and printed for the README).
 *
 * `npm test` runs it with 1,000 (about a minute here); `LOAD_COUNT` changes that, `npm run load` runs it alone.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CDPSession } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { makeJpeg, sha256 } from '../../scripts/image-host.mjs';

const COUNT = Number(process.env.LOAD_COUNT ?? 1000);
const CONCURRENCY = 3;
/** Each original is held this long before its bytes are sent, so requests overlap and the limit is tested. */
const HOLD_MS = 20;

interface LoadHost {
  origin: string;
  bytes: Map<string, Buffer>;
  /** Peak number of original requests in flight at once, per kind of requester. */
  peak: { transfer: number; download: number; total: number };
  /** Requests per path, of any kind. */
  served: Map<string, number>;
  close(): Promise<void>;
}

/** The transfer document's fetches send `Sec-Fetch-Mode: cors`/`no-cors`; chrome.downloads' own requests do not. */
function kindOf(req: IncomingMessage): 'transfer' | 'download' {
  const mode = String(req.headers['sec-fetch-mode'] ?? '');
  return mode === 'cors' || mode === 'no-cors' || mode === 'same-origin' ? 'transfer' : 'download';
}

async function startLoadHost(count: number): Promise<LoadHost> {
  const bytes = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) bytes.set(`/load/img-${String(i).padStart(4, '0')}.jpg`, makeJpeg(`load image ${i}`, 2000));
  const inFlight = { transfer: 0, download: 0, total: 0 };
  const peak = { transfer: 0, download: 0, total: 0 };
  const served = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const body = bytes.get(path);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const kind = kindOf(req);
    inFlight[kind] += 1;
    inFlight.total += 1;
    peak[kind] = Math.max(peak[kind], inFlight[kind]);
    peak.total = Math.max(peak.total, inFlight.total);
    served.set(path, (served.get(path) ?? 0) + 1);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      inFlight[kind] -= 1;
      inFlight.total -= 1;
    };
    res.on('close', finish);
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length, 'cache-control': 'no-store' });
      res.end(body);
    }, HOLD_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    bytes,
    peak,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The service worker's used JS heap, read over CDP (Runtime.getHeapUsage on the worker's own target). */
async function workerHeapReader(cdp: CDPSession, extensionId: string): Promise<() => Promise<number | null>> {
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find((info) => info.type === 'service_worker' && info.url.startsWith(`chrome-extension://${extensionId}/`));
  if (!target) return async () => null;
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let nextId = 1;
  const pending = new Map<number, (value: number | null) => void>();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as { id?: number; result?: { usedSize?: number } };
    const resolve = message.id === undefined ? undefined : pending.get(message.id);
    if (!resolve || message.id === undefined) return;
    pending.delete(message.id);
    resolve(message.result?.usedSize ?? null);
  });
  return async () => {
    const id = nextId++;
    const answer = new Promise<number | null>((resolve) => {
      pending.set(id, resolve);
      setTimeout(() => resolve(null), 5000);
    });
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => undefined);
    return answer;
  };
}

test.setTimeout(Math.max(180_000, COUNT * 1500));

test(`${COUNT} downloads asked for at once: all complete, the limit holds, nothing lost or doubled, the popup stays usable`, async ({ ext }) => {
  const host = await startLoadHost(COUNT);
  try {
    await ext.setSettings({ concurrency: CONCURRENCY, notifications: 'none' });
    const browser = ext.context.browser();
    if (!browser) throw new Error('no browser');
    const cdp = await browser.newBrowserCDPSession();
    const readHeap = await workerHeapReader(cdp, ext.extensionId);
    const heapBefore = await readHeap();
    const heap: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const used = await readHeap();
        if (used !== null) heap.push(used);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();

    const sender = await ext.openPopup();
    const started = Date.now();
    const paths = [...host.bytes.keys()];
    const answers = await sender.evaluate(
      async ({ origin, paths }) =>
        Promise.all(
          paths.map((path, index) =>
            chrome.runtime.sendMessage({
              type: 'download.request',
              commandId: crypto.randomUUID(),
              image: { imageUrl: `${origin}${path}`, title: `Load image ${index}`, sourcePageUrl: `https://example.org/load/${index}.html`, strategy: 'udm2_inline' },
            }),
          ),
        ),
      { origin: host.origin, paths },
    );
    const queuedMs = Date.now() - started;
    expect(answers.filter((answer: { ok?: boolean }) => answer?.ok === true)).toHaveLength(COUNT);

    // The popup while the load runs: the first rows render and the search answers.
    const popup = await ext.openPopup();
    const popupOpened = Date.now();
    await popup.locator('[data-testid="history-item"]').first().waitFor({ timeout: 10_000 });
    const firstRowsMs = Date.now() - popupOpened;
    const searchStarted = Date.now();
    await popup.getByTestId('history-search').fill('img-0007');
    await expect(popup.locator('[data-testid="history-item"]')).toHaveCount(1, { timeout: 10_000 });
    const searchMs = Date.now() - searchStarted;
    const completedDuringLoad = ext.files().length < COUNT;

    // Progress every 30 s (a run that times out still tells how far it got, how fast, and the heap so far).
    let lastLog = Date.now();
    await expect
      .poll(
        () => {
          const done = ext.files().filter((file) => !file.endsWith('.crdownload')).length;
          if (Date.now() - lastLog > 30_000) {
            lastLog = Date.now();
            const peakSoFar = heap.length > 0 ? (Math.max(...heap) / 1048576).toFixed(1) : '?';
            console.log(`LOAD progress ${Math.round((Date.now() - started) / 1000)} s: ${done}/${COUNT} files, peak in flight ${JSON.stringify(host.peak)}, worker heap peak ${peakSoFar} MB`);
          }
          return done;
        },
        { timeout: COUNT * 1200, intervals: [1000] },
      )
      .toBe(COUNT);
    await expect
      .poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 60_000, intervals: [1000] })
      .toBe(COUNT);
    const totalMs = Date.now() - started;
    await popup.waitForTimeout(1500); // anything doubled late would show up now
    sampling = false;
    await sampler;

    // Events: per stream 1..n without gaps, exactly one terminal event, and it is a completion.
    const events = await ext.events();
    const ids = new Set(events.map((event) => event.eventId));
    expect(ids.size).toBe(events.length);
    const streams = new Map<string, typeof events>();
    for (const event of events) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
    const downloads = [...streams.values()].filter((stream) => stream[0]?.type === 'GoogleImageDownloadRequested');
    expect(downloads).toHaveLength(COUNT);
    for (const stream of downloads) {
      expect(stream.map((event) => event.version)).toEqual(stream.map((_event, index) => index + 1));
      const terminal = stream.filter((event) => event.type === 'GoogleImageDownloadCompleted' || (event.type === 'GoogleImageDownloadFailed' && !(event.data as { retryable?: boolean }).retryable));
      expect(terminal.map((event) => event.type)).toEqual(['GoogleImageDownloadCompleted']);
    }

    // Files: COUNT of them, each byte-identical to one original, every original once.
    const files = ext.files().filter((file) => file.startsWith('Semantest/'));
    expect(files).toHaveLength(COUNT);
    const expected = new Set([...host.bytes.values()].map(sha256));
    const onDisk = new Set(files.map((file) => sha256(readFileSync(join(ext.downloadDir, file)))));
    expect(onDisk).toEqual(expected);

    // The limit, as the host saw it: at most CONCURRENCY transfers at once, and nothing asked twice (Chrome saves
    // the transfer's Blob: its own request never reaches the host).
    expect(host.peak.transfer).toBeLessThanOrEqual(CONCURRENCY);
    expect(host.peak.transfer).toBeGreaterThan(0);
    expect(host.peak.download).toBe(0);
    expect(host.served.size).toBe(COUNT);
    expect([...host.served.values()].every((n) => n === 1)).toBe(true);

    const peakHeap = heap.length > 0 ? Math.max(...heap) : null;
    const figures = {
      count: COUNT,
      concurrency: CONCURRENCY,
      queuedMs,
      totalMs,
      popupFirstRowsMs: firstRowsMs,
      popupSearchMs: searchMs,
      popupOpenedWhileLoading: completedDuringLoad,
      peakInFlight: host.peak,
      events: events.length,
      workerHeapBeforeMB: heapBefore === null ? null : +(heapBefore / 1048576).toFixed(1),
      workerHeapPeakMB: peakHeap === null ? null : +(peakHeap / 1048576).toFixed(1),
      heapSamples: heap.length,
      runId: randomUUID().slice(0, 8),
    };
    console.log(`LOAD ${JSON.stringify(figures)}`);
    test.info().annotations.push({ type: 'load', description: JSON.stringify(figures) });
    expect(peakHeap, 'the worker heap was sampled').not.toBeNull();
    // Bounded: the worker keeps no per-download garbage around (a generous ceiling, the figure is reported above).
    expect(peakHeap ?? 0).toBeLessThan(64 * 1048576);
    await cdp.detach().catch(() => undefined);
  } finally {
    await host.close();
  }
});
