/**
 * Issue #21's must-shows in Debian's Firefox ESR, with the extension built from the same source (dist-firefox/):
 * a click saves the original with the right bytes and the popup lists it; a 500-then-OK host is retried to success;
 * a dead letter is retried from the options page. One Firefox for all (see harness.ts); each test its own image.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'puppeteer-core';
import { sha256 } from '../../scripts/image-host.mjs';
import type { StoredEvent } from '../../src/domain/events.ts';
import { swapOriginal } from '../e2e/fixtures.ts';
import { controlOf, expect, test, type FirefoxExtension } from './harness.ts';

test.describe.configure({ mode: 'serial' });

const stateOf = (page: Page, selector: string): Promise<string | null> => page.$eval(selector, (element) => element.getAttribute('data-state'));

/** The events of the download of the original whose address ends with `path`, by position. */
async function streamOf(fx: FirefoxExtension, path: string): Promise<StoredEvent[]> {
  const events = await fx.events();
  const request = events.find((event) => event.type === 'GoogleImageDownloadRequested' && String((event.data as { imageUrl?: string }).imageUrl).endsWith(path));
  return events.filter((event) => event.streamId === request?.streamId);
}

const sameBytes = (path: string, fx: FirefoxExtension, name: string): void =>
  expect(sha256(readFileSync(path))).toBe(sha256(fx.images.images.get(name)?.original ?? Buffer.alloc(0)));

test('a click on a result saves the original into Semantest/ with the right bytes, once; the popup lists it', async ({ fx }) => {
  const page = await fx.openGoogle();
  await page.hover(controlOf('dOcCat02'));
  await page.click(controlOf('dOcCat02'));
  sameBytes(await fx.waitForFile('Semantest/cat.jpg'), fx, 'cat.jpg');
  // Requested once (the page itself never loads the cat's original), and the control says it is on disk.
  expect(fx.images.hits('/originals/cat.jpg')).toBe(1);
  await expect.poll(() => stateOf(page, controlOf('dOcCat02'))).toBe('completed');
  await page.close();

  const popup = await fx.openPopup();
  await popup.waitForSelector('[data-testid="history-item"][data-status="completed"]');
  const rows = await popup.$$eval('[data-testid="history-item"]', (items) => items.map((item) => `${item.getAttribute('data-status')} ${item.textContent ?? ''}`));
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatch(/^completed .*cat\.jpg/);
  await popup.close();

  // The saga's steps, as in Chrome, all under the click's one correlation id.
  const stream = await streamOf(fx, '/originals/cat.jpg');
  expect(stream.map((event) => event.type)).toEqual([
    'GoogleImageDownloadRequested', 'ImageSourceValidated', 'ImageFetched', 'DownloadInitiated', 'DownloadStarted', 'ImageScanned', 'GoogleImageDownloadCompleted',
  ]);
  expect(new Set(stream.map((event) => event.correlationId)).size).toBe(1);
});

test('a host that answers 500, then the image, is retried to success', async ({ fx }) => {
  await fx.setSettings({ baseDelayMs: 200 });
  const page = await fx.openGoogle(swapOriginal('fox.jpg', '/fault/flaky/fox.jpg'));
  await page.hover(controlOf('dOcFox05'));
  await page.click(controlOf('dOcFox05'));
  sameBytes(await fx.waitForFile('Semantest/fox.jpg'), fx, 'fox.jpg');
  expect(fx.images.hits('/fault/flaky/fox.jpg')).toBe(2);
  await expect.poll(() => stateOf(page, controlOf('dOcFox05'))).toBe('completed');
  await page.close();
  const stream = await streamOf(fx, '/fault/flaky/fox.jpg');
  const failed = stream.filter((event) => event.type === 'GoogleImageDownloadFailed');
  expect(failed).toHaveLength(1);
  expect(failed[0]?.data).toMatchObject({ retryable: true });
  expect(stream.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
});

test('a download that keeps failing is dead-lettered, listed on the options page, and retried from there to success', async ({ fx }) => {
  await fx.setSettings({ baseDelayMs: 200 });
  fx.images.failing.add('bird.jpg');
  const page = await fx.openGoogle(swapOriginal('bird.jpg', '/fault/switch/bird.jpg'));
  await page.hover(controlOf('dOcBird03'));
  await page.click(controlOf('dOcBird03'));
  await expect.poll(() => stateOf(page, controlOf('dOcBird03'))).toBe('failed');
  // The first attempt and its 3 retries.
  expect(fx.images.hits('/fault/switch/bird.jpg')).toBe(4);
  expect(fx.files()).not.toContain('Semantest/bird.jpg');

  const options = await fx.openOptions();
  await options.waitForSelector('[data-testid="dead-letter-item"]');
  expect(await options.$$eval('[data-testid="dead-letter-item"]', (items) => items.map((item) => item.textContent ?? ''))).toEqual([expect.stringMatching(/bird/)]);
  fx.images.failing.delete('bird.jpg');
  await options.click('[data-testid="dead-letter-item"] [data-testid="retry-button"]');
  sameBytes(await fx.waitForFile('Semantest/bird.jpg'), fx, 'bird.jpg');
  await options.waitForFunction(() => document.querySelectorAll('[data-testid="dead-letter-item"]').length === 0);
  await options.close();
  await page.close();

  // The retry is a new user action on the same stream: its own correlation id, one completion.
  const stream = await streamOf(fx, '/fault/switch/bird.jpg');
  const retried = stream.findIndex((event) => event.type === 'GoogleImageDownloadRetryRequested');
  expect(retried).toBeGreaterThan(0);
  expect(stream[retried]?.correlationId).not.toBe(stream[0]?.correlationId);
  expect(stream.at(-1)).toMatchObject({ type: 'GoogleImageDownloadCompleted', correlationId: stream[retried]?.correlationId });
});

test('hotlink protection: a host that answers 403 unless the Referer is its page is asked again with it, then saved', async ({ fx }) => {
  const page = await fx.openGoogle(swapOriginal('owl.jpg', '/fault/referer/owl.jpg'));
  await page.hover(controlOf('dOcOwl06'));
  await page.click(controlOf('dOcOwl06'));
  sameBytes(await fx.waitForFile('Semantest/owl.jpg'), fx, 'owl.jpg');
  expect(fx.images.hits('/fault/referer/owl.jpg')).toBe(2);
  await page.close();
  const stream = await streamOf(fx, '/fault/referer/owl.jpg');
  expect(stream.find((event) => event.type === 'ImageSourceValidated')?.data).toMatchObject({ referer: 'https://example.org/owl-page.html' });
});

test('host access withdrawn (Firefox lets the user): the options page says so and offers to ask again', async ({ fx }) => {
  const options = await fx.openOptions();
  expect(await options.$('[data-testid="host-access"]')).toBeNull();
  // What about:addons' "Permissions" switch does. Last in this file: the browser keeps it withdrawn.
  const removed = await options.evaluate(() => (globalThis as unknown as { browser: { permissions: { remove(p: { origins: string[] }): Promise<boolean> } } }).browser.permissions.remove({ origins: ['http://*/*', 'https://*/*'] }));
  expect(removed).toBe(true);
  await options.close();
  const again = await fx.openOptions();
  await again.waitForSelector('[data-testid="host-access"] button');
  expect(await again.$eval('[data-testid="host-access"]', (element) => element.textContent ?? '')).toMatch(/may not reach websites/);
  await again.close();
});
