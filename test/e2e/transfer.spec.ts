/**
 * The transfer side in a real Chromium: the offscreen document fetches the original once, sniffs and hashes it,
 * and chrome.downloads in the worker saves the document's `blob:` URL — the bytes checked are the bytes on disk.
 * Driven from the worker through the ports on its global scope (`__semantestPorts`).
 */
import { readFileSync } from 'node:fs';
import type { Worker } from '@playwright/test';
import { largeSha256, sha256 } from '../../scripts/image-host.mjs';
import type { TransferFact, TransferRequest } from '../../src/platform/transfer-port.ts';
import { expect, test } from './fixtures.ts';

interface Saved {
  facts: TransferFact[];
  saveUrl: string | null;
  downloadId: number;
}

/**
 * Starts a transfer (with a Referer rule held for it when `referer` is given), waits for its end, and when it is
 * fetched saves its blob: URL as `filename`.
 */
function transferAndSave(worker: Worker, request: Partial<TransferRequest> & { transferId: string; url: string }, filename: string, referer?: string): Promise<Saved> {
  return worker.evaluate(
    async ({ request, filename, referer }) => {
      const { transfers, referer: rules } = (globalThis as unknown as { __semantestPorts: import('./transfer-hooks.ts').TestPorts }).__semantestPorts;
      const facts: TransferFact[] = [];
      const ended = new Promise<void>((resolve) =>
        transfers.onFact((fact) => {
          if (fact.transferId !== request.transferId) return;
          if (fact.type !== 'progress') facts.push(fact);
          if (fact.type === 'fetched' || fact.type === 'failed') resolve();
        }),
      );
      if (referer) await rules.hold(request.transferId, request.url, referer);
      await transfers.start({ maxBytes: 300 * 1_048_576, headersTimeoutMs: 10_000, stallTimeoutMs: 10_000, allowDataImage: false, ...request });
      await ended;
      if (referer) await rules.release(request.transferId);
      const saveUrl = await transfers.saveUrl(request.transferId);
      const downloadId = saveUrl ? await chrome.downloads.download({ url: saveUrl, filename, conflictAction: 'uniquify' }) : -1;
      return { facts, saveUrl, downloadId };
    },
    { request, filename, referer },
  );
}

async function waitComplete(worker: Worker, downloadId: number): Promise<void> {
  await expect
    .poll(() => worker.evaluate(async (id) => (await chrome.downloads.search({ id }))[0]?.state, downloadId), { timeout: 60_000 })
    .toBe('complete');
}

const hashFile = (path: string): string => sha256(readFileSync(path));

test('the offscreen document fetches the original once; chrome.downloads saves its blob: URL, byte for byte', async ({ ext }) => {
  const worker = await ext.worker();
  const original = ext.images.images.get('dog.png')?.original;
  if (!original) throw new Error('fixture missing');
  const saved = await transferAndSave(worker, { transferId: 'smoke:1', url: `${ext.images.origin}/originals/dog.png` }, 'Semantest/transfer-smoke.png');

  expect(saved.facts.map((fact) => fact.type)).toEqual(['sniffed', 'fetched']);
  expect(saved.facts[0]).toMatchObject({ type: 'sniffed', mimeType: 'image/png', extension: 'png', declaredMime: 'image/png', contentLength: original.length, width: 160, height: 120 });
  // The fact brings the URL that saves the Blob as it is: the one saveUrl() answers.
  expect(saved.facts[1]).toEqual({ type: 'fetched', transferId: 'smoke:1', size: original.length, contentHash: sha256(original), mimeType: 'image/png', saveUrl: saved.saveUrl });
  expect(saved.saveUrl).toMatch(/^blob:chrome-extension:\/\//);

  await waitComplete(worker, saved.downloadId);
  const file = await ext.waitForFile('Semantest/transfer-smoke.png');
  expect(hashFile(file)).toBe(sha256(original));
  expect(ext.images.hits('/originals/dog.png')).toBe(1);

  // status() answers what the side holds until release; then nothing is held and the URL is gone.
  const held = await worker.evaluate(async () => {
    const { transfers } = (globalThis as unknown as { __semantestPorts: import('./transfer-hooks.ts').TestPorts }).__semantestPorts;
    const before = await transfers.status();
    await transfers.release('smoke:1');
    return { before, after: await transfers.status(), url: await transfers.saveUrl('smoke:1') };
  });
  expect(held.before).toEqual([expect.objectContaining({ transferId: 'smoke:1', state: 'fetched', bytesReceived: original.length, saveUrl: saved.saveUrl })]);
  expect(held.after).toEqual([]);
  expect(held.url).toBeNull();
});

test('a host whose second answer is a web page: the one answer checked is the one saved', async ({ ext }) => {
  const worker = await ext.worker();
  const original = ext.images.images.get('cat.jpg')?.original as Buffer;
  const saved = await transferAndSave(worker, { transferId: 'changes:1', url: `${ext.images.origin}/fault/changes/cat.jpg` }, 'Semantest/changes.jpg');
  await waitComplete(worker, saved.downloadId);
  expect(hashFile(await ext.waitForFile('Semantest/changes.jpg'))).toBe(sha256(original));
  expect(ext.images.hits('/fault/changes/cat.jpg')).toBe(1);
});

for (const [kind, declared] of [['lying', 'image/jpeg'], ['octet', 'application/octet-stream']] as const) {
  test(`a 6 MB PNG behind ${declared}: sniffed as PNG, saved as .png byte for byte, one request`, async ({ ext }) => {
    const worker = await ext.worker();
    const path = `/large/${kind}/6/photo.jpg`;
    const saved = await transferAndSave(worker, { transferId: `${kind}:1`, url: `${ext.images.origin}${path}` }, `Semantest/${kind}.png`);
    expect(saved.facts[0]).toMatchObject({ type: 'sniffed', mimeType: 'image/png', declaredMime: declared, contentLength: 6 * 1_048_576 });
    expect(saved.facts.at(-1)).toMatchObject({ type: 'fetched', size: 6 * 1_048_576, contentHash: largeSha256(6), mimeType: 'image/png' });
    await waitComplete(worker, saved.downloadId);
    expect(hashFile(await ext.waitForFile(`Semantest/${kind}.png`))).toBe(largeSha256(6));
    expect(ext.images.hits(path)).toBe(1);
    expect(ext.images.bytesSent(path)).toBe(6 * 1_048_576);
  });
}

test('the Referer rule reaches the offscreen document\'s fetch: a Referer-checking host gives the 6 MB original', async ({ ext }) => {
  const worker = await ext.worker();
  const url = `${ext.images.origin}/large/referer/6/photo.png`;
  const refused = await transferAndSave(worker, { transferId: 'referer:1', url }, 'Semantest/refused.png');
  expect(refused.facts).toEqual([expect.objectContaining({ type: 'failed', failure: expect.objectContaining({ code: 'http_client_error', hotlinkSuspect: true }) })]);
  const saved = await transferAndSave(worker, { transferId: 'referer:2', url }, 'Semantest/referer.png', 'https://example.org/photo-page.html');
  expect(saved.facts.at(-1)).toMatchObject({ type: 'fetched', contentHash: largeSha256(6) });
  await waitComplete(worker, saved.downloadId);
  expect(hashFile(await ext.waitForFile('Semantest/referer.png'))).toBe(largeSha256(6));
  expect(ext.images.hits('/large/referer/')).toBe(2);
});

test('a 30 MB original: fetched once, hashed whole, saved byte for byte', async ({ ext }) => {
  const worker = await ext.worker();
  const path = '/large/png/30/big.png';
  const saved = await transferAndSave(worker, { transferId: 'big:1', url: `${ext.images.origin}${path}` }, 'Semantest/big.png');
  expect(saved.facts.at(-1)).toMatchObject({ type: 'fetched', size: 30 * 1_048_576, contentHash: largeSha256(30) });
  await waitComplete(worker, saved.downloadId);
  expect(hashFile(await ext.waitForFile('Semantest/big.png', 60_000))).toBe(largeSha256(30));
  expect(ext.images.hits(path)).toBe(1);
  expect(ext.images.bytesSent(path)).toBe(30 * 1_048_576);
});

/** Starts a transfer of a slow original, pauses it once some bytes arrived, resumes it, and saves it. */
function pauseResumeAndSave(worker: Worker, url: string, filename: string): Promise<Saved> {
  return worker.evaluate(
    async ({ url, filename }) => {
      const { transfers } = (globalThis as unknown as { __semantestPorts: import('./transfer-hooks.ts').TestPorts }).__semantestPorts;
      const facts: TransferFact[] = [];
      const waiters: Array<(fact: TransferFact) => void> = [];
      const when = (test: (fact: TransferFact) => boolean) => new Promise<void>((resolve) => waiters.push((fact) => test(fact) && resolve()));
      transfers.onFact((fact) => {
        if (fact.transferId !== 'slow:1') return;
        if (fact.type !== 'progress') facts.push(fact);
        for (const waiter of waiters) waiter(fact);
      });
      const someBytes = when((fact) => fact.type === 'progress' && fact.bytesReceived >= 64 * 1024);
      const paused = when((fact) => fact.type === 'paused');
      const ended = when((fact) => fact.type === 'fetched' || fact.type === 'failed');
      await transfers.start({ transferId: 'slow:1', url, maxBytes: 10 * 1_048_576, headersTimeoutMs: 10_000, stallTimeoutMs: 10_000, allowDataImage: false });
      await someBytes;
      await transfers.pause('slow:1');
      await paused;
      await transfers.resume('slow:1');
      await ended;
      const saveUrl = await transfers.saveUrl('slow:1');
      const downloadId = saveUrl ? await chrome.downloads.download({ url: saveUrl, filename }) : -1;
      return { facts, saveUrl, downloadId };
    },
    { url, filename },
  );
}

for (const ignoreRange of [false, true]) {
  test(`pause and resume with a host that ${ignoreRange ? 'ignores' : 'honours'} Range: the right bytes on disk`, async ({ ext }) => {
    ext.images.slow.intervalMs = 40;
    ext.images.ignoreRange = ignoreRange;
    const worker = await ext.worker();
    const cat = ext.images.images.get('cat.jpg')?.original as Buffer;
    const body = Buffer.concat([cat, Buffer.alloc(ext.images.slow.bytes - cat.length)]);
    const saved = await pauseResumeAndSave(worker, `${ext.images.origin}/fault/slow/cat.jpg`, `Semantest/slow-${ignoreRange}.jpg`);

    const paused = saved.facts.find((fact) => fact.type === 'paused');
    const resumed = saved.facts.find((fact) => fact.type === 'resumed');
    expect(paused?.type === 'paused' && paused.bytesReceived).toBeGreaterThan(0);
    expect(resumed).toMatchObject({ ranged: !ignoreRange, bytesReceived: ignoreRange ? 0 : paused?.type === 'paused' ? paused.bytesReceived : -1 });
    expect(saved.facts.at(-1)).toMatchObject({ type: 'fetched', size: body.length, contentHash: sha256(body) });
    await waitComplete(worker, saved.downloadId);
    expect(hashFile(await ext.waitForFile(`Semantest/slow-${ignoreRange}.jpg`))).toBe(sha256(body));
    expect(ext.images.hits('/fault/slow/cat.jpg')).toBe(2);
    expect(ext.images.rangeRequests).toEqual([
      { path: '/fault/slow/cat.jpg', range: `bytes=${paused?.type === 'paused' ? paused.bytesReceived : -1}-`, ifRange: expect.stringMatching(/^"slow-/) },
    ]);
    // Honoured: the host sent each byte once. Ignored: the part before the pause twice.
    const extra = ignoreRange && paused?.type === 'paused' ? paused.bytesReceived : 0;
    expect(ext.images.bytesSent('/fault/slow/cat.jpg')).toBeGreaterThanOrEqual(body.length + extra);
  });
}

test('conversion in the document: a PNG saved as JPEG from its converted Blob; a PNG declaring 30,000 × 30,000 pixels is refused undecoded', async ({ ext }) => {
  const worker = await ext.worker();
  await transferAndSave(worker, { transferId: 'convert:1', url: `${ext.images.origin}/originals/dog.png` }, 'Semantest/unconverted.png');
  await transferAndSave(worker, { transferId: 'bomb:1', url: `${ext.images.origin}/fault/bomb/huge.png` }, 'Semantest/bomb.png');
  const outcome = await worker.evaluate(async () => {
    const { transfers } = (globalThis as unknown as { __semantestPorts: import('./transfer-hooks.ts').TestPorts }).__semantestPorts;
    const converted = await transfers.convert('convert:1', 'image/jpeg', 0.9, 50_000_000);
    const url = await transfers.saveUrl('convert:1');
    const original = await transfers.saveUrl('convert:1', 'original');
    const id = url ? await chrome.downloads.download({ url, filename: 'Semantest/converted.jpg' }) : -1;
    const bomb = await transfers.convert('bomb:1', 'image/jpeg', 0.9, 50_000_000);
    return { converted, bomb, id, differs: url !== original };
  });
  expect(outcome.converted).toMatchObject({ ok: true, mimeType: 'image/jpeg', width: 160, height: 120 });
  expect(outcome.differs).toBe(true);
  await waitComplete(worker, outcome.id);
  const jpeg = readFileSync(await ext.waitForFile('Semantest/converted.jpg'));
  expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  expect(jpeg.length).toBe(outcome.converted.ok ? outcome.converted.size : -1);
  expect(outcome.bomb).toEqual({ ok: false, reason: expect.stringContaining('declares 30000 × 30000 pixels') });
});

test('the worker stopped mid-transfer: the document\'s next fact wakes it, and status() holds what it missed', async ({ ext }) => {
  ext.images.slow.intervalMs = 60;
  const worker = await ext.worker();
  const cat = ext.images.images.get('cat.jpg')?.original as Buffer;
  const body = Buffer.concat([cat, Buffer.alloc(ext.images.slow.bytes - cat.length)]);
  // The ServiceWorker domain tells a stop and a start apart (the target id stays the same across both).
  const watcher = await ext.context.newPage();
  const cdp = await ext.context.newCDPSession(watcher);
  const statuses: string[] = [];
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const version of versions) if (version.scriptURL.startsWith(`chrome-extension://${ext.extensionId}/`)) statuses.push(version.runningStatus);
  });
  await cdp.send('ServiceWorker.enable');

  await worker.evaluate(async (url) => {
    const { transfers } = (globalThis as unknown as { __semantestPorts: import('./transfer-hooks.ts').TestPorts }).__semantestPorts;
    await transfers.start({ transferId: 'stop:1', url, maxBytes: 10 * 1_048_576, headersTimeoutMs: 10_000, stallTimeoutMs: 10_000, allowDataImage: false });
  }, `${ext.images.origin}/fault/slow/cat.jpg`);
  const before = statuses.length;
  await ext.stopWorker();
  // Nothing of ours sends the worker a message now: only the document's facts can start it again.
  const afterStop = (): string => {
    const since = statuses.slice(before);
    const stopped = since.indexOf('stopped');
    return stopped < 0 ? 'not stopped' : since.slice(stopped + 1).includes('running') ? 'stopped, then running' : 'stopped';
  };
  await expect.poll(afterStop, { timeout: 10_000 }).toBe('stopped, then running');

  const held = await worker.evaluate(async () => {
    const { transfers } = (globalThis as unknown as { __semantestPorts: import('./transfer-hooks.ts').TestPorts }).__semantestPorts;
    const heard: string[] = [];
    transfers.onFact((fact) => heard.push(fact.type));
    for (;;) {
      const [status] = await transfers.status();
      if (status?.state === 'fetched' || status?.state === 'failed') return { status, heard, url: await transfers.saveUrl('stop:1') };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  expect(held.status.facts.map((fact) => fact.type)).toEqual(['sniffed', 'fetched']);
  expect(held.status.facts[1]).toMatchObject({ size: body.length, contentHash: sha256(body) });
  // The restarted worker heard facts before anyone listened; they waited for the first listener.
  expect(held.heard.length).toBeGreaterThan(0);
  const id = await worker.evaluate((url) => chrome.downloads.download({ url: url ?? '', filename: 'Semantest/after-stop.jpg' }), held.url);
  await waitComplete(worker, id);
  expect(hashFile(await ext.waitForFile('Semantest/after-stop.jpg'))).toBe(sha256(body));
  expect(ext.images.hits('/fault/slow/cat.jpg')).toBe(1);
});
