/**
 * Issue 19 item 2: "Download all" on a page whose results arrive by scrolling (test/e2e/scrolling-page.ts: the real
 * 2024 page's 100 results and 100 more in its markup and data shape, some too small, some duplicates, some failing).
 * The bar scrolls Google's results until 200, leaves out what the "skip smaller than" setting says is too small,
 * and saves the rest as one batch: what is on disk and in the log is exactly what the page held — nothing lost,
 * nothing doubled — and the bar's counts and the batch report's (wip/power-worker's, in the popup) agree with both.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures.ts';
import { serveScrolling, type ScrollResult } from './scrolling-page.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const CONTROL = '[data-testid="semantest-download"]';
const MIN_SIDE = 400;

test('download all: 200 results by scrolling, the too small skipped, duplicates and failures counted, one batch', async ({ ext }) => {
  test.setTimeout(240_000);
  const results = await serveScrolling(ext);
  expect(results).toHaveLength(200);
  await ext.setSettings({ skipSmallerThanPx: MIN_SIDE, maxRetries: 0 });
  const page = await ext.context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => message.text().startsWith('Semantest') && errors.push(message.text()));
  await page.goto('https://www.google.com/search?q=cat&udm=2');
  const grid = page.locator('[jsname="dTDiAc"]');
  await expect(grid).toHaveCount(100);
  await expect(page.locator(`[jsname="dTDiAc"] > ${CONTROL}`)).toHaveCount(100);

  // The bar opens with a first selection; "Download all" replaces it with the run.
  await grid.nth(0).locator(`:scope > ${CONTROL}`).click({ modifiers: ['Shift'] });
  const bar = page.locator('[data-testid="semantest-bulk-bar"]');
  await expect(bar.locator('[data-testid="semantest-all-limit"]')).toHaveValue('200');
  // What the page itself loaded (the open preview shows result 9's original) is not the extension's.
  const before = new Map(results.map((result) => [result.local, ext.images.hits(result.local)]));
  await bar.locator('[data-testid="semantest-download-all"]').click();
  const status = bar.locator('[data-testid="semantest-bulk-status"]');
  // Progress: the loading of Google's results, then the saving.
  await expect(status).toContainText('Loading Google’s results');
  await expect(status).toBeVisible();
  await expect(status).toContainText('Saving: ', { timeout: 60_000 });
  await expect(bar.locator('[data-testid="semantest-download-all-cancel"]')).toBeVisible();
  await expect(status).toHaveText(/^Done: /, { timeout: 180_000 });
  await expect(bar.locator('[data-testid="semantest-download-all-cancel"]')).toBeHidden();
  // Google's own scroll brought the 100 more.
  await expect(grid).toHaveCount(200);

  const isSmall = (result: ScrollResult): boolean => Math.min(result.width, result.height) < MIN_SIDE;
  const sent = results.filter((result) => !isSmall(result));
  const smaller = results.length - sent.length;
  expect(smaller).toBeGreaterThan(0);
  const urls = [...new Set(sent.map((result) => `${ext.images.origin}${result.local}`))];
  const failing = sent.filter((result) => result.kind === '404' || result.kind === 'html');
  const good = [...new Map(sent.filter((result) => result.bytes).map((result) => [result.local, result])).values()];
  const distinctBytes = new Set(good.map((result) => sha256(result.bytes as Buffer)));
  // The fixture holds what it says: duplicates of both kinds and failures among what is sent.
  expect(sent.some((result) => result.kind === 'page-duplicate')).toBe(true);
  expect(good.length).toBeGreaterThan(distinctBytes.size);
  expect(failing.length).toBeGreaterThan(0);

  await expect(status).toHaveText(`Done: ${good.length} saved, ${failing.length} failed, ${smaller} skipped as too small, 0 without an original (of 200 results).`);

  // On disk: each distinct picture once, byte for byte.
  const files = ext.files();
  expect(files.every((file) => file.startsWith('Semantest/'))).toBe(true);
  const onDisk = files.map((file) => sha256(readFileSync(`${ext.downloadDir}/${file}`)));
  expect(onDisk).toHaveLength(distinctBytes.size);
  expect(new Set(onDisk)).toEqual(distinctBytes);

  // In the log: one download per distinct address sent (a duplicate address joined the first), all one batch,
  // each settled once: completed (a duplicate by content says of which) or failed for good with a reason.
  const log = (await ext.events()).filter((event) => event.type !== 'NotificationSent');
  const requested = log.filter((event) => event.type === 'GoogleImageDownloadRequested');
  expect(requested.map((event) => (event.data as { imageUrl: string }).imageUrl).sort()).toEqual(urls.sort());
  expect(new Set(log.map((event) => event.correlationId)).size).toBe(1);
  const completed = log.filter((event) => event.type === 'GoogleImageDownloadCompleted');
  expect(completed).toHaveLength(good.length);
  expect(completed.filter((event) => (event.data as { duplicateOf?: string }).duplicateOf)).toHaveLength(good.length - distinctBytes.size);
  const failed = log.filter((event) => event.type === 'GoogleImageDownloadFailed');
  expect(failed).toHaveLength(failing.length);
  for (const event of failed) {
    expect(event.data).toMatchObject({ retryable: false });
    expect(String((event.data as { error?: string }).error ?? '').length).toBeGreaterThan(5);
  }
  const settledStreams = [...completed, ...failed].map((event) => event.streamId);
  expect(new Set(settledStreams).size).toBe(settledStreams.length);
  expect(new Set(settledStreams)).toEqual(new Set(requested.map((event) => event.streamId)));
  // Sent while Google's results still loaded: more than one message, ONE batch whose last record holds every
  // download and every result skipped as too small (docs/decisions/0065-download-all-pipelined.md).
  const records = (await ext.events()).filter((event) => event.type === 'DownloadBatchRequested');
  expect(records.length).toBeGreaterThan(1);
  expect(new Set(records.map((event) => event.streamId)).size).toBe(1);
  // The first lot went once 6 were chosen, while the rest of the first page's results were still looked up.
  expect((records[0]?.data as { size: number }).size).toBe(6);
  const record = (records.at(-1) as (typeof records)[number]).data as { size: number; streamIds: string[]; skippedSmaller: number };
  expect(record.size).toBe(sent.length);
  expect(record.skippedSmaller).toBe(smaller);
  expect(new Set(record.streamIds)).toEqual(new Set(requested.map((event) => event.streamId)));
  // One request per original sent (the duplicate address is not fetched twice).
  for (const result of good) expect(ext.images.hits(result.local) - (before.get(result.local) ?? 0), result.local).toBe(1);
  // The batch report (a read model: its full counts on the options page, a line in the popup) counts what is on
  // disk and in the log.
  const options = await ext.openOptions();
  const report = options.locator('#batch-report [data-testid="batch-report"]');
  await expect(report).toHaveAttribute('data-running', '0', { timeout: 30_000 });
  const counted = async (name: string): Promise<number> => Number(await report.getAttribute(`data-${name}`));
  const reportSaved = await counted('saved');
  const reportDuplicates = await counted('duplicates');
  // Each distinct address sent that completed is either saved (a file of its own) or a duplicate (no file): the
  // report's lines are the batch's downloads, so an address sent twice is one line.
  expect(reportSaved + reportDuplicates).toBe(completed.length);
  // At least the duplicates by content; an address sent twice whose first download had completed before the second
  // joined it counts as "already saved" in the report (wip/power-worker's batch-report.ts), so not an equality here.
  expect(reportDuplicates).toBeGreaterThanOrEqual(completed.filter((event) => (event.data as { duplicateOf?: string }).duplicateOf).length);
  expect(await counted('skipped')).toBe(smaller);
  expect(await counted('failed')).toBe(failed.length);
  const popup = await ext.openPopup();
  await expect(popup.getByTestId('batch-report')).toContainText(`Last batch: ${reportSaved} saved, ${reportDuplicates} already saved, ${smaller} skipped as too small, ${failing.length} failed.`);
  // A too-small result was never asked for.
  const small = results.find((result) => isSmall(result) && result.kind === 'new') as ScrollResult;
  expect(ext.images.hits(small.local)).toBe(0);
  expect(errors).toEqual([]);
});

test('download all: Cancel while Google’s results load stops the scrolling and the batch; what was saved is what is on disk', async ({ ext }) => {
  await serveScrolling(ext);
  const page = await ext.context.newPage();
  await page.goto('https://www.google.com/search?q=cat&udm=2');
  const grid = page.locator('[jsname="dTDiAc"]');
  await expect(page.locator(`[jsname="dTDiAc"] > ${CONTROL}`)).toHaveCount(100);
  // Google's next results are held (the page's 300 ms load timer, scripts/scrolling-page.mjs) until the test lets
  // them land: the cancel surely comes while the results load and the first ones are already being saved.
  await page.evaluate(() => {
    const held: Array<() => void> = [];
    const real = window.setTimeout.bind(window);
    Object.assign(window, { __held: held });
    window.setTimeout = ((work: () => void, ms?: number) => (ms === 300 ? held.push(work) : real(work, ms))) as typeof window.setTimeout;
  });
  await grid.nth(0).locator(`:scope > ${CONTROL}`).click({ modifiers: ['Shift'] });
  const bar = page.locator('[data-testid="semantest-bulk-bar"]');
  await bar.locator('[data-testid="semantest-download-all"]').click();
  const status = bar.locator('[data-testid="semantest-bulk-status"]');
  await expect(status).toContainText('Loading Google’s results');
  // The first results were sent while the page loads more.
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested').length).toBeGreaterThan(0);
  await expect.poll(() => page.evaluate(() => (window as unknown as { __held: unknown[] }).__held.length)).toBe(1);
  await bar.locator('[data-testid="semantest-download-all-cancel"]').click();
  await expect(status).toHaveText(/^Cancelled: \d+ saved, \d+ failed/);
  await expect(bar.locator('[data-testid="semantest-download-all-cancel"]')).toBeHidden();
  // The page's load under way lands, then no more are asked for (the page is not scrolled again), and nothing more
  // is sent: the results held back and loaded after the cancel never are.
  const requestedAtCancel = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested').length;
  await page.evaluate(() => (window as unknown as { __held: Array<() => void> }).__held.splice(0).forEach((work) => work()));
  await expect(grid).toHaveCount(125);
  await page.waitForTimeout(1500);
  await expect(grid).toHaveCount(125);
  expect(await page.evaluate(() => (window as unknown as { __held: unknown[] }).__held.length)).toBe(0);
  // Every download of the batch settles (the ones still running were cancelled), one batch, none after the cancel.
  const settled = async (): Promise<boolean> => {
    const log = await ext.events();
    const ids = new Set(log.filter((event) => event.type === 'GoogleImageDownloadRequested').map((event) => event.streamId));
    const done = new Set(log.filter((event) => event.type === 'GoogleImageDownloadCompleted' || (event.type === 'GoogleImageDownloadFailed' && (event.data as { retryable: boolean }).retryable === false) || (event.data as { deadLettered?: boolean }).deadLettered).map((event) => event.streamId));
    return ids.size > 0 && [...ids].every((id) => done.has(id));
  };
  await expect.poll(settled, { timeout: 60_000 }).toBe(true);
  const log = (await ext.events()).filter((event) => event.type !== 'NotificationSent');
  const requested = log.filter((event) => event.type === 'GoogleImageDownloadRequested');
  expect(requested).toHaveLength(requestedAtCancel);
  expect(requested.length).toBeLessThan(100);
  expect(new Set(log.map((event) => event.correlationId)).size).toBe(1);
  // What is on disk is what the log says was saved: nothing lost, nothing doubled (a download cancelled while Chrome
  // saved it has its file removed after its cancel is recorded: waited for).
  const saved = log.filter((event) => event.type === 'GoogleImageDownloadCompleted' && !(event.data as { duplicateOf?: string }).duplicateOf);
  const names = saved.map((event) => String((event.data as { filePath: string }).filePath).split(/[\\/]/).pop()).sort();
  await expect.poll(() => ext.files().map((file) => file.split('/').pop()).sort()).toEqual(names);
});
