/**
 * Chrome stops the service worker whenever it likes. The worker stopped in each state of the transfer (the host
 * asked, the body streaming, paused, the whole body fetched, Chrome saving it, a retry's backoff): the download
 * still ends exactly once — one file with the original's bytes, one GoogleImageDownloadCompleted, one request
 * to the host per attempt.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, swapOriginal, type Extension } from './fixtures.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]';

/** cat.jpg's download ended exactly once: one start, one completion (the last event), one file, the control done. */
async function expectEndedOnce(ext: Extension, page: Page): Promise<void> {
  await page.waitForTimeout(1500); // anything doubled would show up now
  const events = await ext.events();
  expect(events.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  expect(events.filter((event) => event.type === 'DownloadStarted')).toHaveLength(1);
  expect(events.at(-1)?.type).toBe('GoogleImageDownloadCompleted');
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'completed');
}

/** The saved file starts with the original's bytes (the slow host pads it to its size). */
function expectOriginal(ext: Extension, path: string): void {
  const original = ext.images.images.get('cat.jpg')?.original ?? Buffer.alloc(0);
  expect(sha256(readFileSync(path).subarray(0, original.length))).toBe(sha256(original));
}

/** Holds the worker's saga for ever at `point` (test hook): a stop then hits exactly that moment. */
async function holdAt(ext: Extension, point: string): Promise<void> {
  const worker = await ext.worker();
  await worker.evaluate((point) => {
    const scope = globalThis as unknown as Record<string, unknown>;
    scope.__semantestSagaHooks = {
      hold: (at: string, streamId: string) => {
        if (at !== point) return undefined;
        scope.__semantestHeld = streamId;
        return new Promise<void>(() => undefined);
      },
    };
  }, point);
}

async function held(ext: Extension): Promise<void> {
  const worker = await ext.worker();
  await expect.poll(() => worker.evaluate(() => (globalThis as unknown as Record<string, unknown>).__semantestHeld ?? null), { timeout: 15_000 }).not.toBeNull();
}

/** Any event starts a stopped worker again (here a message from the popup); its start-up recovers. */
async function wake(ext: Extension): Promise<void> {
  const popup = await ext.openPopup();
  await popup.evaluate(() => chrome.runtime.sendMessage({ type: 'semantest.unknown' }).catch(() => undefined));
}

const hasEvent = async (ext: Extension, type: string): Promise<boolean> => (await ext.events()).some((event) => event.type === type);

test('the worker stopped while the host is asked (no first byte yet): the transfer goes on, its facts wake the worker, saved once', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/late/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect.poll(() => ext.images.hits('/fault/late/cat.jpg')).toBe(1);
  await ext.stopWorker();
  const path = await ext.waitForFile('Semantest/cat.jpg', 30_000);
  expectOriginal(ext, path);
  await expect.poll(async () => (await ext.events()).at(-1)?.type, { timeout: 20_000 }).toBe('GoogleImageDownloadCompleted');
  await expectEndedOnce(ext, page);
  expect(ext.images.hits('/fault/late/cat.jpg')).toBe(1);
});

test('the worker stopped while the bytes flow: the transfer keeps going in its document, the download finishes once', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/slow/cat.jpg'));
  ext.images.slow.chunks = 16;
  ext.images.slow.intervalMs = 250;
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'downloading');
  await expect.poll(() => hasEvent(ext, 'ImageSourceValidated')).toBe(true);
  expect(await hasEvent(ext, 'ImageFetched')).toBe(false);
  await ext.stopWorker();
  const path = await ext.waitForFile('Semantest/cat.jpg', 20_000);
  expectOriginal(ext, path);
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 20_000 }).toBe(1);
  await expectEndedOnce(ext, page);
  expect(ext.images.hits('/fault/slow/cat.jpg')).toBe(1);
});

test('the worker stopped during a retry backoff: the retry still happens, once', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/switch/cat.jpg'));
  ext.images.failing.add('cat.jpg');
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect.poll(() => hasEvent(ext, 'GoogleImageDownloadFailed')).toBe(true);
  await ext.stopWorker();
  ext.images.failing.delete('cat.jpg');
  await ext.waitForFile('Semantest/cat.jpg', 60_000);
  await expect.poll(async () => (await ext.events()).at(-1)?.type, { timeout: 20_000 }).toBe('GoogleImageDownloadCompleted');
  const events = await ext.events();
  expect(events.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
  // One request per attempt: the failed one and the retry.
  expect(ext.images.hits('/fault/switch/cat.jpg')).toBe(2);
});

test('the worker stopped while the transfer is paused: resumed from the popup (a Range request from where it stopped), it finishes once', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/slow/cat.jpg'));
  // 10 s of body: the pause must come before the body ends, and opening the popup alone took 3-5 s loaded.
  ext.images.slow.chunks = 40;
  ext.images.slow.intervalMs = 250;
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect.poll(() => hasEvent(ext, 'ImageSourceValidated')).toBe(true);
  const streamId = (await ext.events())[0]?.streamId as string;
  const popup = await ext.openPopup();
  await expect.poll(() => popup.evaluate((id) => chrome.runtime.sendMessage({ type: 'download.pause', streamId: id }), streamId)).toMatchObject({ ok: true });
  await expect.poll(async () => (await ext.events()).at(-1)?.type).toBe('DownloadPaused');
  await ext.stopWorker();
  await page.waitForTimeout(500);
  expect(await popup.evaluate((id) => chrome.runtime.sendMessage({ type: 'download.resume', streamId: id }), streamId)).toMatchObject({ ok: true });
  const path = await ext.waitForFile('Semantest/cat.jpg', 30_000);
  expectOriginal(ext, path);
  await expect.poll(async () => (await ext.events()).at(-1)?.type, { timeout: 20_000 }).toBe('GoogleImageDownloadCompleted');
  const types = (await ext.events()).map((event) => event.type);
  expect(types.filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  expect(types).toContain('DownloadResumed');
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
  // The rest was asked for from where the pause left it, with the validator of the first answer.
  expect(ext.images.rangeRequests).toHaveLength(1);
  expect(ext.images.rangeRequests[0]).toMatchObject({ path: '/fault/slow/cat.jpg', range: expect.stringMatching(/^bytes=[1-9]\d*-$/), ifRange: expect.stringMatching(/^"slow-/) });
  // No byte twice (but a piece that was on its way when the connection was dropped).
  expect(ext.images.bytesSent('/fault/slow/cat.jpg')).toBeLessThanOrEqual(ext.images.slow.bytes + Math.ceil(ext.images.slow.bytes / ext.images.slow.chunks));
});

test('the worker stopped with the whole body fetched, before it was saved: saved once after the restart, from the same request', async ({ ext }) => {
  const page = await ext.openGoogle();
  await holdAt(ext, 'effect:save');
  await page.locator(control).nth(1).click();
  await held(ext);
  expect(await hasEvent(ext, 'ImageFetched')).toBe(true);
  expect(ext.files()).toEqual([]);
  await ext.stopWorker();
  await page.waitForTimeout(300);
  await wake(ext);
  const path = await ext.waitForFile('Semantest/cat.jpg', 40_000);
  expectOriginal(ext, path);
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 40_000 }).toBe(1);
  await expectEndedOnce(ext, page);
  expect(ext.images.hits('/originals/cat.jpg')).toBe(1);
});

test('the worker stopped after Chrome took the file but before its start and completion were recorded: adopted, recorded once', async ({ ext }) => {
  const page = await ext.openGoogle();
  await holdAt(ext, 'trigger:save-started');
  await page.locator(control).nth(1).click();
  await held(ext);
  await ext.waitForFile('Semantest/cat.jpg');
  const before = await ext.events();
  expect(before.filter((event) => event.type === 'DownloadStarted' || event.type === 'GoogleImageDownloadCompleted')).toHaveLength(0);
  await ext.stopWorker();
  await page.waitForTimeout(300);
  await wake(ext);
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 40_000 }).toBe(1);
  await expectEndedOnce(ext, page);
  expect(ext.images.hits('/originals/cat.jpg')).toBe(1);
});
