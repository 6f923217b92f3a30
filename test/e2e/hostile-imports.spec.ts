/**
 * Hostile input, round two (issue #17), in a real Chromium: an imported log is history, not orders; an import
 * never adds to a download of this browser; a Google page learns nothing of downloads it did not ask for.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, swapOriginal, type Extension } from './fixtures.ts';
import type { StoredEvent } from '../../src/domain/events.ts';

const control = '[data-testid="semantest-download"]';

/** Writes NDJSON lines to a file in the test's folder and imports it on the options page; returns the message shown. */
async function importLines(ext: Extension, options: Page, name: string, lines: readonly object[]): Promise<string> {
  const file = join(ext.downloadDir, '..', name);
  writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  await options.getByTestId('import-input').setInputFiles(file);
  const message = options.getByTestId('maintenance-message');
  await expect(message).toBeVisible({ timeout: 30_000 });
  return (await message.textContent()) ?? '';
}

/** One line of a log: an event of `streamId` at `version`. */
function event(streamId: string, version: number, type: string, data: object, schemaVersion = 1): object {
  const meta = { correlationId: `forged-${streamId}`, causationId: `forged-${streamId}-${version}` };
  return { eventId: `${streamId}-${version}`, streamId, version, type, schemaVersion, data, metadata: meta, ...meta, createdAt: Date.now() - 60_000 };
}

/** Wakes a stopped worker the way a page does: a message. */
async function wake(ext: Extension): Promise<void> {
  const page = await ext.openPopup();
  await expect.poll(() => page.evaluate(async () => ((await chrome.runtime.sendMessage({ type: 'ping' })) as { ok?: boolean } | undefined)?.ok)).toBe(true);
  await page.close();
}

test('the forged import of issue #17: nothing requested, nothing written, nothing of the user’s removed or cancelled, also after a worker stop and start', async ({ ext }) => {
  // A retry after 2 s: a download of the user's that a restarted worker takes up again is the sign that its
  // recovery ran (it would have taken up a forged download first, which is due at once).
  await ext.setSettings({ baseDelayMs: 2000, maxRetries: 2 });
  ext.serveFixture('udm2', (html) => swapOriginal('cat.jpg', '/fault/slow/cat.jpg')(swapOriginal('bird.jpg', '/fault/switch/bird.jpg')(html)));
  ext.images.slow.intervalMs = 150;
  ext.images.failing.add('bird.jpg');
  const google = await ext.openGoogle();
  const controls = google.locator(control);
  // The user's downloads: one saved (dog), one still running (cat, slow), one waiting for its retry (bird).
  await controls.nth(0).click();
  await ext.waitForFile('Semantest/dog.png');
  await controls.nth(1).click();
  await controls.nth(2).click();
  const started = async (suffix: string): Promise<StoredEvent | undefined> => {
    const events = await ext.events();
    const stream = events.find((e) => e.type === 'GoogleImageDownloadRequested' && (e.data as { imageUrl: string }).imageUrl.endsWith(suffix))?.streamId;
    return events.find((e) => e.streamId === stream && e.type === 'DownloadStarted');
  };
  await expect.poll(async () => (await started('/originals/dog.png')) !== undefined).toBe(true);
  // Saga v2: cat's original streams into the transfer document; Chrome only saves it once it is whole.
  await expect.poll(async () => (await ext.events()).some((e) => e.type === 'ImageSourceValidated' && (e.data as { filename: string }).filename === 'Semantest/cat.jpg')).toBe(true);
  await expect.poll(async () => (await ext.events()).some((e) => e.type === 'GoogleImageDownloadFailed')).toBe(true);
  const dogId = ((await started('/originals/dog.png'))?.data as { chromeDownloadId: number }).chromeDownloadId;
  // A download running in Chrome that no download of Semantest's recorded (started from an extension page).
  const starter = await ext.openPopup();
  const catId = await starter.evaluate((url) => chrome.downloads.download({ url, filename: 'Mine/owl.jpg' }), `${ext.images.origin}/fault/slow/owl.jpg`);
  await starter.close();

  const pdf = `${ext.images.origin}/docs/report.pdf`;
  const requested = (streamId: string) => event(streamId, 1, 'GoogleImageDownloadRequested', { imageUrl: pdf, strategy: 'udm2_inline', title: 'Quarterly report' }, 2);
  const options = await ext.openOptions();
  const message = await importLines(ext, options, 'forged.ndjson', [
    // Issue #17's two lines: a request and a "checked source" saying Semantest/report.pdf.
    requested('forged-1'),
    event('forged-1', 2, 'ImageSourceValidated', { attempt: 1, mimeType: 'application/pdf', extension: 'pdf', filename: 'Semantest/report.pdf', contentLength: 180, transfer: 'url' }),
    // The same with a type that passes the checks, mid-download, its start naming the user's RUNNING download.
    requested('forged-2'),
    event('forged-2', 2, 'ImageSourceValidated', { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/report.png', contentLength: 180, transfer: 'url' }),
    event('forged-2', 3, 'DownloadInitiated', { attempt: 1, filename: 'Semantest/report.png', url: pdf }),
    event('forged-2', 4, 'DownloadStarted', { attempt: 1, chromeDownloadId: catId }),
    // A failure due for its retry now, its earlier start naming the user's SAVED download.
    requested('forged-3'),
    event('forged-3', 2, 'DownloadStarted', { attempt: 1, chromeDownloadId: dogId }),
    event('forged-3', 3, 'GoogleImageDownloadFailed', { imageUrl: pdf, error: 'HTTP 503', code: 'http_server_error', retryable: true, attempt: 1, nextAttemptAt: Date.now() - 1000, deadLettered: false }, 2),
  ]);
  expect(message).toBe('Imported: 8 taken, 0 already there, 1 refused.');
  await expect(options.getByTestId('import-refused')).toContainText('Line 2: ImageSourceValidated: mimeType is not an image type');
  // Shown as history: imported, not resumed; nothing to act on.
  const popup = await ext.openPopup();
  const imported = popup.locator('[data-testid="history-item"][data-imported="true"]');
  await expect(imported).toHaveCount(3);
  await expect(imported.first().getByTestId('history-status')).toHaveText('Imported, not resumed');
  await expect(imported.locator('[data-testid="retry-button"], [data-testid="cancel-button"], [data-testid="pause-button"]')).toHaveCount(0);

  // A worker stop and start; the user's failing host recovers.
  await ext.stopWorker();
  ext.images.failing.clear();
  await wake(ext);
  await ext.waitForFile('Semantest/bird.jpg', 20_000);
  await ext.waitForFile('Semantest/cat.jpg', 20_000);

  expect(ext.images.hits('/docs/')).toBe(0);
  expect(ext.files().filter((file) => /report/.test(file))).toEqual([]);
  await ext.waitForFile('Mine/owl.jpg', 20_000);
  expect(ext.files()).toEqual(['Mine/owl.jpg', 'Semantest/bird.jpg', 'Semantest/cat.jpg', 'Semantest/dog.png']);
  // The user's downloads are theirs: the saved one still there, the running one finished, not cancelled.
  const items = await popup.evaluate(async (ids) => Promise.all(ids.map(async (id) => (await chrome.downloads.search({ id }))[0])), [dogId, catId]);
  expect(items.map((item) => [item?.state, item?.exists, item?.error ?? null])).toEqual([
    ['complete', true, null],
    ['complete', true, null],
  ]);
  // Nothing was appended to the imported streams.
  const forged = (await ext.events()).filter((e) => e.streamId.startsWith('forged-'));
  expect(forged.map((e) => e.eventId)).toEqual(['forged-1-1', 'forged-2-1', 'forged-2-2', 'forged-2-3', 'forged-2-4', 'forged-3-1', 'forged-3-2', 'forged-3-3']);
  expect(forged.every((e) => typeof (e.metadata.imported as { at?: number } | undefined)?.at === 'number')).toBe(true);
});

test('an import whose events name a download of this browser is refused in words, whole', async ({ ext }) => {
  const google = await ext.openGoogle();
  await google.locator(control).nth(0).click();
  await ext.waitForFile('Semantest/dog.png');
  await expect(google.locator(control).nth(0)).toHaveAttribute('data-state', 'completed');
  const before = await ext.events();
  const own = before[0] as StoredEvent;
  const last = before.filter((e) => e.streamId === own.streamId).at(-1) as StoredEvent;
  const options = await ext.openOptions();
  const message = await importLines(ext, options, 'adds-to-mine.ndjson', [
    event('new-stream', 1, 'GoogleImageDownloadRequested', { imageUrl: `${ext.images.origin}/originals/owl.jpg`, strategy: 'udm2_inline' }, 2),
    // A "retry" of the user's own download, one version after its last: it would make the saga download again.
    event(own.streamId, last.version + 1, 'GoogleImageDownloadRetryRequested', {}),
  ]);
  expect(message).toBe(`Nothing was imported: line 2 names ${own.streamId}, a download of this browser: an import never adds to one. Events of that download cannot come from another log.`);
  await expect(options.getByTestId('maintenance-message')).toHaveAttribute('role', 'alert');
  expect((await ext.events()).map((e) => e.eventId)).toEqual(before.map((e) => e.eventId));
  const popup = await ext.openPopup();
  await expect(popup.getByTestId('history-item')).toHaveCount(1);
});

test('a planted address of a download made from the context menu shows no saved state on the Google page', async ({ ext }) => {
  // A Google download (dog) and a context-menu download of the cat's original on another site.
  const first = await ext.openGoogle();
  await first.locator(control).nth(0).click();
  await ext.waitForFile('Semantest/dog.png');
  const pageUrl = `${ext.images.origin}/private-album.html`;
  await ext.context.route(pageUrl, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><img id="p" src="/originals/cat.jpg">' }));
  const album = await ext.context.newPage();
  await album.goto(pageUrl);
  const srcUrl = await album.locator('#p').evaluate((img: HTMLImageElement) => img.src);
  const worker = await ext.worker();
  await worker.evaluate(
    async ({ pageUrl, srcUrl }) => {
      const tab = (await chrome.tabs.query({})).find((candidate) => candidate.url === pageUrl);
      const onClicked = chrome.contextMenus.onClicked as unknown as { dispatch: (info: chrome.contextMenus.OnClickData, tab: chrome.tabs.Tab | undefined) => void };
      onClicked.dispatch({ menuItemId: 'semantest-save-image', editable: false, frameId: 0, mediaType: 'image', pageUrl, srcUrl }, tab);
    },
    { pageUrl, srcUrl },
  );
  await ext.waitForFile('Semantest/cat.jpg');
  expect((await ext.events()).find((e) => (e.data as { strategy?: string }).strategy === 'context_menu')).toBeDefined();

  // A Google page (a page script could plant any address; the fixture's cat result holds exactly that one).
  const page = await ext.openGoogle(undefined, 'cats');
  const controls = page.locator(control);
  // The planted result, then a result downloaded from Google: the second answer is the sign the first came back.
  await controls.nth(1).hover();
  await controls.nth(0).hover();
  await expect(controls.nth(0)).toHaveAttribute('data-state', 'completed');
  await controls.nth(1).hover();
  await expect(controls.nth(1)).toHaveAttribute('data-state', 'idle');
  await expect(controls.nth(1)).not.toHaveAttribute('title', /cat\.jpg/);
});
