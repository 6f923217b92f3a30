/** "Save as type" in a real Chromium: the worker converts with OffscreenCanvas; what it writes must decode. */
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures.ts';

const control = '[data-testid="semantest-download"]';

/** Width and height from a JPEG's start-of-frame marker (SOF0–SOF15 but DHT/JPG/DAC). */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1] as number;
    const length = bytes.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + length;
  }
  return null;
}

test('PNG in, JPEG out: chosen on the options page, converted in the worker, recorded, decodable at the same size', async ({ ext }) => {
  const options = await ext.openOptions();
  await options.getByLabel('Save as type').selectOption('jpeg');
  await options.getByLabel('JPEG and WebP quality (%)').fill('80');
  await options.getByTestId('save-settings').click();
  await expect(options.getByTestId('settings-status')).toHaveText('Saved. Applies to the next download.');
  expect(await options.evaluate(() => chrome.storage.local.get('settings'))).toMatchObject({ settings: { settings: { saveAs: 'jpeg', convertQuality: 0.8 } } });

  const page = await ext.openGoogle();
  await page.locator(control).first().click(); // dog.png, a 160×120 PNG
  const path = await ext.waitForFile('Semantest/dog.jpg', 20_000);
  await expect(page.locator(control).first()).toHaveAttribute('data-state', 'completed');
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  expect(jpegSize(bytes)).toEqual({ width: 160, height: 120 });
  // And a browser decodes it to the same size.
  const decoded = await options.evaluate(async (base64) => {
    const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([raw], { type: 'image/jpeg' }));
    return { width: bitmap.width, height: bitmap.height };
  }, bytes.toString('base64'));
  expect(decoded).toEqual({ width: 160, height: 120 });
  expect(ext.files()).toEqual(['Semantest/dog.jpg']);

  const events = await ext.events();
  const converted = events.find((event) => event.type === 'ImageConverted');
  expect(converted?.data).toMatchObject({ from: 'image/png', to: 'image/jpeg', width: 160, height: 120, toSize: bytes.length, filename: 'Semantest/dog.jpg', originalKept: false });
  expect(events.find((event) => event.type === 'GoogleImageDownloadCompleted')?.data).toMatchObject({ mimeType: 'image/jpeg' });
});

test('with "keep the original", the PNG is saved next to the WebP it was converted to', async ({ ext }) => {
  await ext.setSettings({ saveAs: 'webp', keepOriginal: true });
  const page = await ext.openGoogle();
  await page.locator(control).first().click();
  const path = await ext.waitForFile('Semantest/dog.webp', 20_000);
  await ext.waitForFile('Semantest/dog.png', 20_000);
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
  expect(readFileSync(await ext.waitForFile('Semantest/dog.png'))).toEqual(ext.images.images.get('dog.png')?.original);
});
