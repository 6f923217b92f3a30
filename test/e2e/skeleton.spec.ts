/** The walking skeleton, end to end: a click on a Google Images fixture saves the original, as events, in the popup. */
import { readFileSync } from 'node:fs';
import { test, expect, swapOriginal } from './fixtures.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]';

test('a click on a udm=2 result saves the original (not the thumbnail) in Semantest/, as correlated events, shown in the popup', async ({ ext }) => {
  const page = await ext.openGoogle();
  const first = page.locator(control).first();
  await expect(first).toHaveAttribute('data-state', 'idle');
  await first.hover();
  await first.click();

  const path = await ext.waitForFile('Semantest/dog.png');
  const dog = ext.images.images.get('dog.png');
  expect(sha256(readFileSync(path))).toBe(sha256(dog?.original ?? Buffer.alloc(0)));
  expect(sha256(readFileSync(path))).not.toBe(sha256(dog?.thumb ?? Buffer.alloc(0)));
  await expect(first).toHaveAttribute('data-state', 'completed');
  // A click on a Google result must not have navigated away or opened Google's own handling.
  expect(new URL(page.url()).pathname).toBe('/search');

  const events = await ext.events();
  const types = events.map((event) => event.type);
  expect(types[0]).toBe('GoogleImageDownloadRequested');
  expect(types.at(-1)).toBe('GoogleImageDownloadCompleted');
  expect(types.filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  const requested = events[0];
  expect(requested?.data).toMatchObject({ imageUrl: `${ext.images.origin}/originals/dog.png` });
  // One user action, one correlation id; each event caused by the one before it.
  expect(new Set(events.map((event) => event.correlationId)).size).toBe(1);
  events.forEach((event, index) => {
    expect(event.version).toBe(index + 1);
    expect(event.metadata.correlationId).toBe(event.correlationId);
    expect(event.metadata.causationId).toBe(event.causationId);
    if (index > 0) expect(event.causationId).toBe(events[index - 1]?.eventId);
  });
  expect(requested?.causationId).not.toBe(requested?.eventId);
  const positions = events.map((event) => event.position);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);

  const popup = await ext.openPopup();
  const row = popup.locator('[data-testid="history-item"]');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'completed');
  await expect(row).toContainText('dog.png');
  await expect(row).toContainText('example.org');
  await expect(row).toContainText(/\d+(\.\d)? (B|KB)/);
});

test('a click starts the download even when the service worker had been stopped', async ({ ext }) => {
  const page = await ext.openGoogle();
  await ext.stopWorker();
  await page.locator(control).nth(1).click();
  await ext.waitForFile('Semantest/cat.jpg');
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'completed');
});

test('a PNG served as photo.jpg is saved as .png', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('dog.png', '/fault/png-as-jpg/photo.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).first().click();
  await ext.waitForFile('Semantest/photo.png');
  expect(ext.files()).toEqual(['Semantest/photo.png']);
});

test('an HTML page served with 200 fails in words and leaves nothing on disk', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('dog.png', '/fault/html/dog.jpg'));
  const page = await ext.openGoogle();
  const first = page.locator(control).first();
  await first.click();
  await expect(first).toHaveAttribute('data-state', 'failed');
  await expect(first).toHaveAttribute('title', /web page, not an image/);
  const popup = await ext.openPopup();
  await expect(popup.locator('[data-testid="history-item"]')).toHaveAttribute('data-status', 'failed');
  await expect(popup.locator('[data-testid="history-item"]')).toContainText('web page, not an image');
  expect(ext.files()).toEqual([]);
  const failed = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadFailed');
  expect(failed).toHaveLength(1);
  expect(failed[0]?.data).toMatchObject({ retryable: false });
});

test('a 404 fails at once, without a retry, and leaves nothing on disk', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/404/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'failed');
  await expect(page.locator(control).nth(1)).toHaveAttribute('title', /no longer on its server/);
  expect(ext.images.hits('/fault/404/')).toBe(1);
  expect(ext.files()).toEqual([]);
});

test('a host that keeps failing is retried 3 times, dead-lettered, and retried from the options page', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/switch/cat.jpg'));
  ext.images.failing.add('cat.jpg');
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  const popup = await ext.openPopup();
  const row = popup.locator('[data-testid="history-item"]');
  await expect(row).toHaveAttribute('data-status', 'dead-lettered', { timeout: 30_000 });
  await expect(row).toContainText('server had an error');
  expect(ext.images.hits('/fault/switch/cat.jpg')).toBe(4);
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'failed');

  const options = await ext.openOptions();
  const item = options.locator('[data-testid="dead-letter-item"]');
  await expect(item).toHaveCount(1);
  ext.images.failing.delete('cat.jpg');
  await item.locator('[data-testid="retry-button"]').click();
  await ext.waitForFile('Semantest/cat.jpg');
  await expect(item).toHaveCount(0);
  await expect(row).toHaveAttribute('data-status', 'completed');

  // The download's events (the log also records the notification told of the dead letter, in its own stream).
  const events = (await ext.events()).filter((event) => event.type !== 'NotificationSent');
  const failed = events.filter((event) => event.type === 'GoogleImageDownloadFailed');
  expect(failed).toHaveLength(4);
  expect(failed.at(-1)?.data).toMatchObject({ retryable: true, deadLettered: true, nextAttemptAt: null });
  const retry = events.findIndex((event) => event.type === 'GoogleImageDownloadRetryRequested');
  expect(retry).toBeGreaterThan(0);
  const before = events.slice(0, retry);
  const after = events.slice(retry);
  expect(new Set(before.map((event) => event.correlationId)).size).toBe(1);
  expect(new Set(after.map((event) => event.correlationId)).size).toBe(1);
  expect(after[0]?.correlationId).not.toBe(before[0]?.correlationId);
  expect(new Set(events.map((event) => event.streamId)).size).toBe(1);
  expect(events.at(-1)?.type).toBe('GoogleImageDownloadCompleted');
});
