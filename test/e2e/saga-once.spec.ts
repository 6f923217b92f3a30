/**
 * Saga v2 end to end (issue #16): a click on Google Images, the original fetched once by the transfer document,
 * and exactly those bytes saved. Each test asserts the file on disk by sha-256 and what the image host was asked
 * (requests, bytes sent, Range headers).
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { largeSha256, sha256 } from '../../scripts/image-host.mjs';
import { test, expect, swapOriginal, type Extension } from './fixtures.ts';

const control = '[data-testid="semantest-download"]';
const MB = 1_048_576;

/** Serves the cat result's original from `path`, opens the page and clicks its control. */
async function clickCatFrom(ext: Extension, path: string): Promise<Page> {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', path));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  return page;
}

const hashOf = (path: string): string => sha256(readFileSync(path));

async function completedOnce(ext: Extension): Promise<void> {
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 60_000 }).toBe(1);
}

/** Width and height from a JPEG's start-of-frame marker. */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1] as number;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return null;
}

test('a host whose second answer differs: the image checked is the file saved, one request', async ({ ext }) => {
  const page = await clickCatFrom(ext, '/fault/changes/cat.jpg');
  const path = await ext.waitForFile('Semantest/cat.jpg');
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'completed');
  expect(hashOf(path)).toBe(sha256(ext.images.images.get('cat.jpg')?.original ?? Buffer.alloc(0)));
  expect(ext.images.hits('/fault/changes/cat.jpg')).toBe(1);
  await completedOnce(ext);
});

for (const [kind, declared] of [['lying', 'image/jpeg'], ['octet', 'application/octet-stream']] as const) {
  test(`a 6 MB original behind ${declared}: saved as .png from the one request, byte for byte`, async ({ ext }) => {
    const source = `/large/${kind}/6/photo.jpg`;
    await clickCatFrom(ext, source);
    const path = await ext.waitForFile('Semantest/photo.png', 30_000);
    expect(hashOf(path)).toBe(largeSha256(6));
    expect(ext.images.hits(source)).toBe(1);
    expect(ext.images.bytesSent(source)).toBe(6 * MB);
    await completedOnce(ext);
    const events = await ext.events();
    expect(events.find((event) => event.type === 'ImageFetched')?.data).toMatchObject({ size: 6 * MB, contentHash: largeSha256(6), mimeType: 'image/png' });
    expect(ext.files()).toEqual(['Semantest/photo.png']);
  });
}

test('a 6 MB original behind a Referer check: refused, asked once more with the page as Referer, the image sent once, the rule removed', async ({ ext }) => {
  const source = '/large/referer/6/photo.jpg';
  await clickCatFrom(ext, source);
  const path = await ext.waitForFile('Semantest/photo.png', 30_000);
  expect(hashOf(path)).toBe(largeSha256(6));
  await completedOnce(ext);
  // The refusal (a few bytes of "hotlinking not allowed"), then the image: its bytes once.
  expect(ext.images.hits(source)).toBe(2);
  expect(ext.images.bytesSent(source)).toBeLessThan(6 * MB + 100);
  const events = await ext.events();
  expect(events.find((event) => event.type === 'ImageSourceValidated')?.data).toMatchObject({ referer: 'https://example.org/cat-page.html' });
  expect(events.filter((event) => event.type === 'GoogleImageDownloadFailed')).toHaveLength(0);
  const popup = await ext.openPopup();
  await expect.poll(() => popup.evaluate(() => chrome.declarativeNetRequest.getSessionRules())).toEqual([]);
});

test('a 6 MB original with save-as-type (JPEG, keeping the original): converted from the fetched bytes, both files right, one request', async ({ ext }) => {
  await ext.setSettings({ saveAs: 'jpeg', keepOriginal: true });
  const source = '/large/png/6/photo.jpg';
  await clickCatFrom(ext, source);
  const jpeg = await ext.waitForFile('Semantest/photo.jpg', 30_000);
  const original = await ext.waitForFile('Semantest/photo.png', 30_000);
  await completedOnce(ext);
  expect(hashOf(original)).toBe(largeSha256(6));
  const bytes = readFileSync(jpeg);
  expect(jpegSize(bytes)).toEqual({ width: 64, height: 48 });
  const converted = (await ext.events()).find((event) => event.type === 'ImageConverted');
  expect(converted?.data).toMatchObject({ from: 'image/png', to: 'image/jpeg', fromSize: 6 * MB, toSize: bytes.length, width: 64, height: 48, originalKept: true });
  expect(ext.images.hits(source)).toBe(1);
  expect(ext.images.bytesSent(source)).toBe(6 * MB);
});

test('a 30 MB original: fetched once, hashed whole as it streamed, saved byte for byte', async ({ ext }) => {
  const source = '/large/png/30/big.jpg';
  await clickCatFrom(ext, source);
  const path = await ext.waitForFile('Semantest/big.png', 90_000);
  expect(hashOf(path)).toBe(largeSha256(30));
  await completedOnce(ext);
  expect(ext.images.hits(source)).toBe(1);
  expect(ext.images.bytesSent(source)).toBe(30 * MB);
  expect((await ext.events()).find((event) => event.type === 'ImageFetched')?.data).toMatchObject({ size: 30 * MB, contentHash: largeSha256(30) });
});

for (const ranged of [true, false]) {
  test(`pause and resume ${ranged ? 'with a host that honours Range: the rest is asked from where it stopped' : 'with a host that ignores Range: a clean restart'}, the right bytes saved`, async ({ ext }) => {
    ext.images.ignoreRange = !ranged;
    Object.assign(ext.images.slow, { bytes: 2 * MB, chunks: 40, intervalMs: 250 });
    const source = '/fault/slow/cat.jpg';
    const page = await clickCatFrom(ext, source);
    await expect.poll(async () => (await ext.events()).some((event) => event.type === 'ImageSourceValidated')).toBe(true);
    const streamId = (await ext.events())[0]?.streamId as string;
    const popup = await ext.openPopup();
    await expect.poll(() => popup.evaluate((id) => chrome.runtime.sendMessage({ type: 'download.pause', streamId: id }), streamId)).toMatchObject({ ok: true });
    await expect.poll(async () => (await ext.events()).at(-1)?.type).toBe('DownloadPaused');
    const sentWhilePaused = ext.images.bytesSent(source);
    await page.waitForTimeout(700);
    expect(ext.images.bytesSent(source)).toBe(sentWhilePaused);
    expect(await popup.evaluate((id) => chrome.runtime.sendMessage({ type: 'download.resume', streamId: id }), streamId)).toMatchObject({ ok: true });
    const path = await ext.waitForFile('Semantest/cat.jpg', 40_000);
    await completedOnce(ext);
    const original = ext.images.images.get('cat.jpg')?.original ?? Buffer.alloc(0);
    expect(hashOf(path)).toBe(sha256(Buffer.concat([original, Buffer.alloc(2 * MB - original.length)])));
    expect(ext.images.hits(source)).toBe(2);
    expect(ext.images.rangeRequests).toEqual([{ path: source, range: expect.stringMatching(/^bytes=[1-9]\d*-$/), ifRange: expect.stringMatching(/^"slow-/) }]);
    const piece = Math.ceil((2 * MB) / 40);
    if (ranged) {
      // No byte twice (but a piece in flight when the connection was dropped).
      expect(ext.images.bytesSent(source)).toBeLessThanOrEqual(2 * MB + piece);
    } else {
      // The host sent the whole body again.
      expect(ext.images.bytesSent(source)).toBeGreaterThanOrEqual(2 * MB + sentWhilePaused - piece);
    }
    const types = (await ext.events()).map((event) => event.type);
    expect(types.filter((type) => type === 'DownloadPaused')).toHaveLength(1);
    expect(types.filter((type) => type === 'DownloadResumed')).toHaveLength(1);
  });
}
