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
