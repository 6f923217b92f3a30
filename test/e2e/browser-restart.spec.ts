/**
 * Chromium closed in the middle of a download and opened again on the same profile (issue #16, "Durability"):
 * the transfer's document and its Blob are gone with the browser, Chrome reports what it was saving as
 * interrupted. On the next start the download ends exactly once — one file with the original's bytes, one
 * GoogleImageDownloadCompleted — and the browser closing is never recorded as the user's cancel.
 */
import { test as base, expect, type BrowserContext } from '@playwright/test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchWithExtension, routeGooglePages } from '../../scripts/chromium.mjs';
import { sha256, startImageHost, type ImageHost } from '../../scripts/image-host.mjs';
import type { StoredEvent } from '../../src/domain/events.ts';
import { DIST, swapOriginal } from './fixtures.ts';

const test = base.extend<{ world: { root: string; images: ImageHost } }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies by destructuring
  world: async ({}, use) => {
    const root = mkdtempSync(join(tmpdir(), 'semantest-restart-'));
    const images = await startImageHost();
    await use({ root, images });
    await images.close();
    rmSync(root, { recursive: true, force: true });
  },
});

const control = '[data-testid="semantest-download"]';

/** One browser on the test's profile (the same user-data-dir each time) and download folder. */
async function open(root: string, images: ImageHost): Promise<{ context: BrowserContext; extensionId: string; popupPath: string }> {
  const launched = await launchWithExtension({ distDir: DIST, userDataDir: join(root, 'profile'), downloadDir: join(root, 'downloads'), headless: true, localHosts: true });
  const html = readFileSync('test/fixtures/google/udm2.html', 'utf8');
  await routeGooglePages(launched.context, () => swapOriginal('cat.jpg', '/fault/slow/cat.jpg')(html).replaceAll('{{IMG}}', images.origin));
  return { context: launched.context, extensionId: launched.extensionId, popupPath: launched.manifest.action.default_popup };
}

async function events(context: BrowserContext, extensionId: string, popupPath: string): Promise<StoredEvent[]> {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/${popupPath}`);
  const rows = await page.evaluate(
    () =>
      new Promise<unknown[]>((done, fail) => {
        const request = indexedDB.open('semantest');
        request.onerror = () => fail(request.error);
        request.onsuccess = () => {
          const read = request.result.transaction('events').objectStore('events').getAll();
          read.onsuccess = () => {
            request.result.close();
            done(read.result as unknown[]);
          };
          read.onerror = () => fail(read.error);
        };
      }),
  );
  await page.close();
  return rows as StoredEvent[];
}

function files(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`])).sort();
}

test('Chromium closed while the body streams, opened again on the same profile: a new attempt saves one file, once', async ({ world }) => {
  test.setTimeout(120_000);
  const { root, images } = world;
  // About 20 s of body in the first browser: it is closed long before the end.
  Object.assign(images.slow, { bytes: 2 * 1_048_576, chunks: 80, intervalMs: 250 });
  const first = await open(root, images);
  const page = await first.context.newPage();
  await page.goto('https://www.google.com/search?q=animals&udm=2');
  await page.locator(control).nth(1).click();
  await expect.poll(async () => (await events(first.context, first.extensionId, first.popupPath)).some((event) => event.type === 'ImageSourceValidated'), { timeout: 20_000 }).toBe(true);
  expect(images.hits('/fault/slow/cat.jpg')).toBe(1);
  await first.context.close();

  // The second browser: the host is quick now; nothing is clicked, the worker's start-up finishes the download.
  Object.assign(images.slow, { chunks: 4, intervalMs: 50 });
  const second = await open(root, images);
  try {
    await expect
      .poll(async () => (await events(second.context, second.extensionId, second.popupPath)).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 60_000 })
      .toBe(1);
    await second.context.newPage().then((p) => p.waitForTimeout(1500)); // anything doubled would show up now
    const log = await events(second.context, second.extensionId, second.popupPath);
    expect(log.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
    const failures = log.filter((event) => event.type === 'GoogleImageDownloadFailed').map((event) => event.data as { code: string; retryable: boolean; error: string });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'download_interrupted', retryable: true, error: expect.stringContaining('browser closed') });
    expect(failures.some((failure) => failure.code === 'user_canceled')).toBe(false);
    // One file, no partial one, the original's bytes (padded by the slow host); one request per attempt.
    expect(files(join(root, 'downloads'))).toEqual(['Semantest/cat.jpg']);
    const original = images.images.get('cat.jpg')?.original ?? Buffer.alloc(0);
    expect(sha256(readFileSync(join(root, 'downloads', 'Semantest/cat.jpg')))).toBe(sha256(Buffer.concat([original, Buffer.alloc(2 * 1_048_576 - original.length)])));
    expect(images.hits('/fault/slow/cat.jpg')).toBe(2);
  } finally {
    await second.context.close();
  }
});

test('Chromium closed after Chrome wrote the file but before the saga recorded it: adopted on the next start, recorded once, no second copy', async ({ world }) => {
  test.setTimeout(120_000);
  const { root, images } = world;
  Object.assign(images.slow, { bytes: 256 * 1024, chunks: 2, intervalMs: 50 });
  const first = await open(root, images);
  const worker = first.context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${first.extensionId}/`));
  if (!worker) throw new Error('no worker');
  // Test hook: the saga holds when Chrome has taken the save; nothing after DownloadInitiated is recorded.
  await worker.evaluate(() => {
    (globalThis as unknown as Record<string, unknown>).__semantestSagaHooks = {
      hold: (at: string) => (at === 'trigger:save-started' ? new Promise<void>(() => undefined) : undefined),
    };
  });
  const page = await first.context.newPage();
  await page.goto('https://www.google.com/search?q=animals&udm=2');
  await page.locator(control).nth(1).click();
  const downloads = join(root, 'downloads');
  await expect.poll(() => files(downloads).includes('Semantest/cat.jpg') && statSync(join(downloads, 'Semantest/cat.jpg')).size > 0, { timeout: 20_000 }).toBe(true);
  const before = await events(first.context, first.extensionId, first.popupPath);
  expect(before.map((event) => event.type).at(-1)).toBe('DownloadInitiated');
  await first.context.close();

  const second = await open(root, images);
  try {
    await expect
      .poll(async () => (await events(second.context, second.extensionId, second.popupPath)).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 60_000 })
      .toBe(1);
    const log = await events(second.context, second.extensionId, second.popupPath);
    expect(log.filter((event) => event.type === 'DownloadStarted')).toHaveLength(1);
    expect(log.filter((event) => event.type === 'GoogleImageDownloadFailed')).toHaveLength(0);
    expect(files(downloads)).toEqual(['Semantest/cat.jpg']);
    expect(images.hits('/fault/slow/cat.jpg')).toBe(1);
  } finally {
    await second.context.close();
  }
});
