/** The saga against a host that misbehaves: hotlink protection. */
import { readFileSync } from 'node:fs';
import { test, expect, swapOriginal } from './fixtures.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]';

test('a host that answers 403 unless the Referer is its own page: retried once with the page as Referer, then saved; the rule is removed', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/referer/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  const path = await ext.waitForFile('Semantest/cat.jpg');
  expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get('cat.jpg')?.original ?? Buffer.alloc(0)));
  const events = await ext.events();
  expect(events.find((event) => event.type === 'ImageSourceValidated')?.data).toMatchObject({ referer: 'https://example.org/cat-page.html' });
  expect(events.filter((event) => event.type === 'GoogleImageDownloadFailed')).toHaveLength(0);
  const popup = await ext.openPopup();
  await expect.poll(() => popup.evaluate(() => chrome.declarativeNetRequest.getSessionRules())).toEqual([]);
});

test('a host that refuses even with the Referer: one retry with it, then a final failure in words', async ({ ext }) => {
  ext.serveFixture('udm2', (html) => swapOriginal('cat.jpg', '/fault/referer/cat.jpg')(html).replaceAll('https://example.org/cat-page.html', 'https://elsewhere.example/cat-page.html'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'failed');
  await expect(page.locator(control).nth(1)).toHaveAttribute('title', /refused to give the original \(HTTP 403\)/);
  expect(ext.images.hits('/fault/referer/cat.jpg')).toBeGreaterThanOrEqual(2);
  expect(ext.files()).toEqual([]);
});

test('a redirect is followed to the original', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/redirect/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  const path = await ext.waitForFile('Semantest/cat.jpg');
  expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get('cat.jpg')?.original ?? Buffer.alloc(0)));
});

test('an empty body fails at once in words, nothing on disk', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/empty/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'failed');
  await expect(page.locator(control).nth(1)).toHaveAttribute('title', /empty file/);
  expect(ext.files()).toEqual([]);
});

test('an image over the size limit in the settings fails in words, nothing on disk', async ({ ext }) => {
  await ext.setSettings({ maxBytes: 1_048_576 });
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/big/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'failed');
  await expect(page.locator(control).nth(1)).toHaveAttribute('title', /3\.0 MB, over the 1\.0 MB limit/);
  expect(ext.files()).toEqual([]);
});

test('a body dropped mid-way is retried, then dead-lettered, and no partial file is left', async ({ ext }) => {
  await ext.setSettings({ baseDelayMs: 200 });
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/drop/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  const popup = await ext.openPopup();
  await expect(popup.locator('[data-testid="history-item"]')).toHaveAttribute('data-status', 'dead-lettered', { timeout: 60_000 });
  const failed = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadFailed');
  expect(failed).toHaveLength(4);
  expect(failed.every((event) => (event.data as { retryable: boolean }).retryable)).toBe(true);
  await expect.poll(() => ext.files(), { timeout: 15_000 }).toEqual([]);
});

test('a host that never sends headers times out, is retried, and is dead-lettered within the contract’s 2 minutes', async ({ ext }) => {
  await ext.setSettings({ requestTimeoutMs: 1000, baseDelayMs: 200 });
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/hang/cat.jpg'));
  const page = await ext.openGoogle();
  const clicked = Date.now();
  await page.locator(control).nth(1).click();
  const popup = await ext.openPopup();
  await expect(popup.locator('[data-testid="history-item"]')).toHaveAttribute('data-status', 'dead-lettered', { timeout: 60_000 });
  expect(Date.now() - clicked).toBeLessThan(120_000);
  await expect(popup.locator('[data-testid="history-item"]')).toContainText('did not answer in time');
  expect(ext.images.hits('/fault/hang/cat.jpg')).toBe(4);
  expect(ext.files()).toEqual([]);
});

test('two addresses serving the same bytes: the second click saves nothing new and shows the first file', async ({ ext }) => {
  const cat = ext.images.images.get('cat.jpg');
  if (!cat) throw new Error('no cat fixture');
  ext.images.images.set('bird.jpg', cat);
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await ext.waitForFile('Semantest/cat.jpg');
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'completed');
  await page.locator(control).nth(2).hover();
  await page.locator(control).nth(2).click();
  await expect(page.locator(control).nth(2)).toHaveAttribute('data-state', 'completed');
  expect(ext.images.hits('/originals/bird.jpg')).toBeGreaterThanOrEqual(1);
  await page.waitForTimeout(1000); // a second file would show up now
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
  const events = await ext.events();
  const completed = events.filter((event) => event.type === 'GoogleImageDownloadCompleted');
  expect(completed).toHaveLength(2);
  expect(completed[1]?.data).toMatchObject({ duplicateOf: completed[0]?.streamId, imageUrl: expect.stringContaining('/originals/bird.jpg') });
  expect(events.filter((event) => event.type === 'DownloadStarted')).toHaveLength(1);
});
