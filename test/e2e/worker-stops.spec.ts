/**
 * Chrome stops the service worker whenever it likes. A download in flight, or waiting for a retry, when that
 * happens must still end exactly once: one file, one GoogleImageDownloadCompleted, nothing stuck.
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

test('the worker stopped while the bytes flow: the download finishes once after it restarts', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/slow/cat.jpg'));
  ext.images.slow.chunks = 16;
  ext.images.slow.intervalMs = 250;
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'downloading');
  await expect.poll(async () => (await ext.events()).some((event) => event.type === 'DownloadStarted')).toBe(true);
  await ext.stopWorker();
  const path = await ext.waitForFile('Semantest/cat.jpg', 20_000);
  // The file is the original, padded by the slow host to its full size.
  expect(sha256(readFileSync(path).subarray(0, ext.images.images.get('cat.jpg')?.original.length))).toBe(sha256(ext.images.images.get('cat.jpg')?.original ?? Buffer.alloc(0)));
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 20_000 }).toBe(1);
  await expectEndedOnce(ext, page);
});

test('the worker stopped during a retry backoff: the retry still happens, once', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/switch/cat.jpg'));
  ext.images.failing.add('cat.jpg');
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect.poll(async () => (await ext.events()).some((event) => event.type === 'GoogleImageDownloadFailed')).toBe(true);
  await ext.stopWorker();
  ext.images.failing.delete('cat.jpg');
  await ext.waitForFile('Semantest/cat.jpg', 60_000);
  await expect.poll(async () => (await ext.events()).at(-1)?.type, { timeout: 20_000 }).toBe('GoogleImageDownloadCompleted');
  const events = await ext.events();
  expect(events.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
});

test('the worker stopped before the download starts (while the source is checked): the alarm wakes it and it finishes once', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/late/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect.poll(() => ext.images.hits('/fault/late/cat.jpg')).toBe(1);
  await page.waitForTimeout(200);
  await ext.stopWorker();
  // Nothing but the standing alarm (≤ 30 s) can wake the worker now.
  await ext.waitForFile('Semantest/cat.jpg', 60_000);
  await expect.poll(async () => (await ext.events()).at(-1)?.type, { timeout: 20_000 }).toBe('GoogleImageDownloadCompleted');
  const events = await ext.events();
  expect(events.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  expect(events.filter((event) => event.type === 'DownloadStarted')).toHaveLength(1);
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
});

test('the worker stopped while the download is paused: resumed from the popup, it finishes once', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/slow/cat.jpg'));
  // 10 s of body: the pause must reach Chrome before the file is complete, and opening the popup alone took 3-5 s
  // on a loaded machine.
  ext.images.slow.chunks = 40;
  ext.images.slow.intervalMs = 250;
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect.poll(async () => (await ext.events()).some((event) => event.type === 'DownloadStarted')).toBe(true);
  const streamId = (await ext.events())[0]?.streamId as string;
  const popup = await ext.openPopup();
  await expect.poll(() => popup.evaluate((id) => chrome.runtime.sendMessage({ type: 'download.pause', streamId: id }), streamId)).toMatchObject({ ok: true });
  await expect.poll(async () => (await ext.events()).at(-1)?.type).toBe('DownloadPaused');
  await ext.stopWorker();
  await page.waitForTimeout(500);
  expect(await popup.evaluate((id) => chrome.runtime.sendMessage({ type: 'download.resume', streamId: id }), streamId)).toMatchObject({ ok: true });
  await ext.waitForFile('Semantest/cat.jpg', 30_000);
  await expect.poll(async () => (await ext.events()).at(-1)?.type, { timeout: 20_000 }).toBe('GoogleImageDownloadCompleted');
  const types = (await ext.events()).map((event) => event.type);
  expect(types.filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  expect(types).toContain('DownloadResumed');
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
});

test('the worker stopped after Chrome finished the file but before the completion was recorded: recorded once after the restart', async ({ ext }) => {
  const page = await ext.openGoogle();
  // Arm the worker's test hook: the step that would record the completion waits for ever (and says so).
  const worker = await ext.worker();
  await worker.evaluate(() => {
    const scope = globalThis as unknown as Record<string, unknown>;
    scope.__semantestSagaHooks = {
      beforeCompletionRecorded: (streamId: string) => {
        scope.__semantestHeld = streamId;
        return new Promise<void>(() => undefined);
      },
    };
  });
  await page.locator(control).nth(1).click();
  await expect.poll(() => worker.evaluate(() => (globalThis as unknown as Record<string, unknown>).__semantestHeld ?? null), { timeout: 15_000 }).not.toBeNull();
  await ext.waitForFile('Semantest/cat.jpg');
  const before = await ext.events();
  expect(before.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(0);
  await ext.stopWorker();
  await page.waitForTimeout(300);
  // Any event starts the worker again (here a message from the popup); its start-up reconciles the download.
  const popup = await ext.openPopup();
  await popup.evaluate(() => chrome.runtime.sendMessage({ type: 'semantest.unknown' }).catch(() => undefined));
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 40_000 }).toBe(1);
  await expectEndedOnce(ext, page);
});
