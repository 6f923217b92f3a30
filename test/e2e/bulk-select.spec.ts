/**
 * Bulk select on Google Images (issue 7), in a real Chromium: Shift+click selects results, "Download N selected"
 * saves them all as one user action (one correlation id), the saga's concurrency limit holds, and the popup shows
 * the batch's progress and its summary.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { makeJpeg, sha256 } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]:not(.semantest-preview)';
const COUNT = 10;

/** Ten more udm2-style results whose `/imgres` links name ten distinct originals on the local image host. */
async function appendBulkResults(page: Page, origin: string): Promise<void> {
  await page.evaluate(
    ({ origin, count }) => {
      const grid = document.querySelector('[jsname="dTDiAc"]')?.parentElement;
      if (!grid) throw new Error('no grid');
      for (let i = 0; i < count; i++) {
        const result = document.createElement('div');
        result.setAttribute('jsname', 'dTDiAc');
        result.setAttribute('data-lpage', `https://example.org/bulk-${i}.html`);
        const href = `/imgres?imgurl=${encodeURIComponent(`${origin}/originals/bulk-${i}.jpg`)}&imgrefurl=${encodeURIComponent(`https://example.org/bulk-${i}.html`)}&w=800&h=600`;
        result.innerHTML = `<div jsname="qQjpJ"><h3><a jsname="sTFXNd" tabindex="0" href="${href}"><div class="H8Rx8c"><g-img><img class="YQ4gaf" width="300" height="200" alt="Bulk ${i}" src="${origin}/thumbs/bulk-${i}.jpg"></g-img></div></a></h3></div>`;
        grid.append(result);
      }
    },
    { origin, count: COUNT },
  );
}

test('Shift+click selects 10 results; "Download 10 selected" saves 10 files as one batch, within the concurrency limit', async ({ ext }) => {
  for (let i = 0; i < COUNT; i++) {
    ext.images.images.set(`bulk-${i}.jpg`, { original: makeJpeg(`original bulk ${i}`, 4000), thumb: makeJpeg(`thumb bulk ${i}`), contentType: 'image/jpeg' });
  }
  await ext.setSettings({ concurrency: 2 });
  const errors: Error[] = [];
  const page = await ext.context.newPage();
  page.on('pageerror', (error) => errors.push(error));
  await ext.openGoogle(page);
  await expect(page.locator(control)).toHaveCount(7);
  // No bar before anything is selected (it is made on the first selection).
  await expect(page.locator('[data-testid="semantest-bulk-bar"]')).toHaveCount(0);
  await appendBulkResults(page, ext.images.origin);
  await expect(page.locator(control)).toHaveCount(7 + COUNT);

  for (let i = 0; i < COUNT; i++) await page.locator(control).nth(7 + i).click({ modifiers: [i % 2 ? 'Shift' : 'Control'] });
  const bar = page.locator('[data-testid="semantest-bulk-bar"]');
  await expect(bar).toBeVisible();
  await expect(bar.locator('[data-testid="semantest-bulk-count"]')).toHaveText(`${COUNT} selected`);
  await expect(page.locator(`${control}[data-selected]`)).toHaveCount(COUNT);
  // Selecting starts nothing, and Google never saw the modified clicks.
  await page.waitForTimeout(300);
  expect(ext.files()).toEqual([]);
  await expect(page.locator('html')).not.toHaveAttribute('data-google-mousedowns', /.*/);
  await expect(page.locator('html')).not.toHaveAttribute('data-google-opened', /.*/);

  // A second Shift+click deselects; a third selects again.
  await page.locator(control).nth(7).click({ modifiers: ['Shift'] });
  await expect(bar.locator('[data-testid="semantest-bulk-count"]')).toHaveText(`${COUNT - 1} selected`);
  await page.locator(control).nth(7).click({ modifiers: ['Shift'] });

  // Each answer waits before its first byte, so the transfers overlap and the limit is put to the test.
  ext.images.realistic = { firstByteMs: 150, bytesPerSecond: 50_000_000 };
  await bar.locator('[data-testid="semantest-bulk-download"]').click();
  await expect(bar).toBeHidden();
  for (let i = 0; i < COUNT; i++) {
    const path = await ext.waitForFile(`Semantest/bulk-${i}.jpg`);
    expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get(`bulk-${i}.jpg`)?.original ?? Buffer.alloc(0)));
  }
  await expect(page.locator(`${control}[data-state="completed"]`)).toHaveCount(COUNT);
  expect(ext.files()).toHaveLength(COUNT);

  // The batch's summary notification (one, recorded as NotificationSent in the `notifications` stream) comes once
  // every download of the batch has settled; the batch's own record (one DownloadBatchRequested in its own stream,
  // for the batch report) names the ten; the rest of the log is the ten downloads.
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'NotificationSent').length).toBe(1);
  const log = await ext.events();
  const summary = log.find((event) => event.type === 'NotificationSent');
  expect(summary?.data).toMatchObject({ kind: 'bulk-finished', title: `Semantest: ${COUNT} images saved`, message: 'All saved.' });
  const records = log.filter((event) => event.type === 'DownloadBatchRequested');
  expect(records).toHaveLength(1);
  expect(records[0]?.data).toMatchObject({ size: COUNT, streamIds: expect.any(Array), alreadySaved: [] });
  const events = log.filter((event) => event.type !== 'NotificationSent' && event.type !== 'DownloadBatchRequested');
  expect(new Set((records[0]?.data as { streamIds: string[] }).streamIds)).toEqual(new Set(events.map((event) => event.streamId)));
  expect(records[0]?.correlationId).toBe(events[0]?.correlationId);
  const requested = events.filter((event) => event.type === 'GoogleImageDownloadRequested');
  expect(requested).toHaveLength(COUNT);
  expect(new Set(events.map((event) => event.streamId)).size).toBe(COUNT);
  // One user action: every event of every download carries the one correlation id; the batch's size is recorded.
  expect(new Set(events.map((event) => event.correlationId)).size).toBe(1);
  expect(new Set(requested.map((event) => event.causationId)).size).toBe(1);
  for (const event of requested) expect(event.metadata).toMatchObject({ batchSize: COUNT });
  expect(events.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(COUNT);

  // The concurrency limit (2) held where it matters, at the image host: a slot covers a transfer from its request
  // to its whole body (saving the Blob is local), so never more than 2 originals were being sent at once.
  expect(ext.images.peakInFlight('/originals/bulk-')).toBeGreaterThan(0);
  expect(ext.images.peakInFlight('/originals/bulk-')).toBeLessThanOrEqual(2);
  // One request per original: the bytes checked are the bytes saved.
  for (let i = 0; i < COUNT; i++) expect(ext.images.hits(`/originals/bulk-${i}.jpg`)).toBe(1);

  const popup = await ext.openPopup();
  await expect(popup.locator('[data-testid="batch-progress"]')).toHaveAttribute('data-done', 'true');
  await expect(popup.locator('[data-testid="batch-summary"]')).toHaveText(`${COUNT} of ${COUNT} saved`);
  expect(errors).toEqual([]);
});

test('"Select all loaded" selects every result on the page, and Clear empties the selection', async ({ ext }) => {
  const page = await ext.openGoogle();
  await expect(page.locator(control)).toHaveCount(7);
  await page.locator(control).first().click({ modifiers: ['Shift'] });
  const bar = page.locator('[data-testid="semantest-bulk-bar"]');
  await bar.locator('[data-testid="semantest-select-all"]').click();
  await expect(bar.locator('[data-testid="semantest-bulk-count"]')).toHaveText('7 selected');
  await expect(bar.locator('[data-testid="semantest-bulk-download"]')).toHaveText('Download 7 selected');
  await bar.locator('[data-testid="semantest-bulk-clear"]').click();
  await expect(bar).toBeHidden();
  await expect(page.locator(`${control}[data-selected]`)).toHaveCount(0);
  expect(ext.files()).toEqual([]);
});
