/** "Save as type": the saga's optimising step on the transfer side's Blob (a fake converter there). */
import { describe, expect, it } from 'vitest';
import { migrateSettings } from '../../src/shared/settings.ts';
import { conversionBlocker, gifFrames, isAnimatedWebp, isApng } from '../../src/domain/image-type.ts';
import { sha256 } from '../fakes/transfer.ts';
import { sagaHarness } from './saga-harness.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 4, 0, 0, 0, 3, 8, 6, 0, 0, 0, 0, 0, 0, 0]);
/** A GIF with `frames` 1×1 frames (no colour tables). */
function gif(frames: number): Uint8Array {
  const out = [...'GIF89a'].map((c) => c.charCodeAt(0));
  out.push(1, 0, 1, 0, 0x00, 0, 0);
  for (let i = 0; i < frames; i++) {
    out.push(0x21, 0xf9, 4, 0, 10, 0, 0, 0); // graphic control extension
    out.push(0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, 2, 2, 0x4c, 0x01, 0);
  }
  out.push(0x3b);
  return new Uint8Array(out);
}

async function setup(bytes: Uint8Array, settings: Parameters<typeof sagaHarness>[0] extends infer O ? (O extends { settings?: infer S } ? S : never) : never, dimensions?: { width: number; height: number }) {
  const t = await sagaHarness({ settings });
  t.transfers.answer = () => ({ kind: 'image', bytes, ...dimensions });
  return t;
}

const photo = { imageUrl: 'https://images.example/photo.png', title: 'A photo', strategy: 'udm2_inline' as const };

describe('Save as type', () => {
  it('given JPEG as the default, when a PNG is saved, then the fetched Blob is converted, recorded, and saved as .jpg', async () => {
    const t = await setup(PNG, { saveAs: 'jpeg', convertQuality: 0.8 });
    const { streamId } = await t.saga.request(photo, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect(t.transfers.conversions).toEqual(['image/png->image/jpeg']);
    const events = await t.events();
    expect(events.map((e) => e.type)).toEqual([
      'GoogleImageDownloadRequested', 'ImageSourceValidated', 'ImageFetched', 'ImageConverted', 'DownloadInitiated', 'DownloadStarted', 'ImageScanned', 'GoogleImageDownloadCompleted',
    ]);
    expect(events[1]?.data).toMatchObject({ convertTo: 'image/jpeg' });
    expect(events[3]?.data).toMatchObject({ from: 'image/png', to: 'image/jpeg', fromSize: PNG.length, toSize: 5, width: 4, height: 3, filename: 'Semantest/photo.jpg', originalKept: false });
    expect(t.downloads.calls).toHaveLength(1);
    expect(t.downloads.calls[0]).toMatchObject({ filename: 'Semantest/photo.jpg' });
    expect(t.downloads.files.get('/downloads/Semantest/photo.jpg')?.bytes).toEqual(new Uint8Array([0xff, 0xd8, 0xff, 1, 2]));
    expect(events.at(-1)?.data).toMatchObject({ mimeType: 'image/jpeg', fileSize: 5 });
    // One request: the conversion worked on the fetched bytes.
    expect(t.transfers.requests).toHaveLength(1);
  });

  it('with "keep the original", both files are saved (the original first); per download, the request can ask for another type', async () => {
    const t = await setup(PNG, { saveAs: 'original', keepOriginal: true });
    const { streamId } = await t.saga.request(photo, crypto.randomUUID(), null, { saveAs: 'webp' });
    await t.settled(streamId);
    expect(t.transfers.conversions).toEqual(['image/png->image/webp']);
    expect(t.downloads.calls.map((c) => c.filename)).toEqual(['Semantest/photo.png', 'Semantest/photo.webp']);
    expect(sha256(t.downloads.files.get('/downloads/Semantest/photo.png')?.bytes ?? new Uint8Array())).toBe(sha256(PNG));
    expect((await t.events()).find((e) => e.type === 'ImageConverted')?.data).toMatchObject({ originalKept: true });
  });

  it('an image already of the asked type is not converted', async () => {
    const t = await setup(PNG, { saveAs: 'png' });
    const { streamId } = await t.saga.request(photo, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect(t.transfers.conversions).toEqual([]);
    expect(t.downloads.calls[0]?.filename).toBe('Semantest/photo.png');
  });

  it('an animated GIF is never flattened: skipped with the reason, saved as the original .gif', async () => {
    const t = await setup(gif(2), { saveAs: 'png' });
    const { streamId } = await t.saga.request({ ...photo, imageUrl: 'https://images.example/anim.gif' }, crypto.randomUUID(), null);
    await t.settled(streamId);
    const skipped = (await t.events()).find((e) => e.type === 'ImageConversionSkipped');
    expect(skipped?.data).toMatchObject({ from: 'image/gif', to: 'image/png', reason: expect.stringContaining('animated') });
    expect(t.downloads.calls[0]).toMatchObject({ filename: 'Semantest/anim.gif' });
    expect((await t.row(streamId))?.phase).toBe('completed');
  });

  it('a conversion that fails on the transfer side keeps the original, with the reason recorded', async () => {
    const t = await setup(PNG, { saveAs: 'jpeg' });
    t.transfers.converter = () => {
      throw new Error('cannot decode');
    };
    const { streamId } = await t.saga.request(photo, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect((await t.events()).find((e) => e.type === 'ImageConversionSkipped')?.data).toMatchObject({ reason: expect.stringContaining('cannot decode') });
    expect(t.downloads.calls[0]).toMatchObject({ filename: 'Semantest/photo.png' });
  });

  it('an image declaring more pixels than the budget is not decoded: skipped with the reason, the original kept', async () => {
    const t = await setup(PNG, { saveAs: 'jpeg' }, { width: 30_000, height: 30_000 });
    const { streamId } = await t.saga.request(photo, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect(t.transfers.conversions).toEqual([]);
    expect((await t.events()).find((e) => e.type === 'ImageConversionSkipped')?.data).toMatchObject({ reason: expect.stringMatching(/900 megapixels, over the 100 megapixels/) });
    expect(t.downloads.calls[0]).toMatchObject({ filename: 'Semantest/photo.png' });
  });

  it('the pixel budget reaches the transfer side with the conversion', async () => {
    const t = await setup(PNG, { saveAs: 'jpeg', convertMaxPixels: 2_000_000 });
    const budgets: number[] = [];
    const convert = t.transfers.converter;
    t.transfers.converter = (input, to, maxPixels) => (budgets.push(maxPixels), convert(input, to, maxPixels));
    const { streamId } = await t.saga.request(photo, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect(budgets).toEqual([2_000_000]);
  });

  it('knows what must not be flattened', () => {
    expect(gifFrames(gif(1))).toBe(1);
    expect(gifFrames(gif(3))).toBe(2); // counting stops at 2
    expect(conversionBlocker(gif(1), 'image/gif')).toBeNull();
    expect(conversionBlocker(gif(2), 'image/gif')).toMatch(/animated/);
    expect(conversionBlocker(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml')).toMatch(/vector/);
    const chunk = (type: string, length = 0): number[] => [0, 0, 0, length, ...[...type].map((c) => c.charCodeAt(0)), ...new Array<number>(length + 4).fill(0)];
    const png = (...chunks: number[][]): Uint8Array => new Uint8Array([...PNG.subarray(0, 8), ...chunks.flat()]);
    expect(isApng(png(chunk('IHDR', 13), chunk('acTL', 8), chunk('IDAT', 2)))).toBe(true);
    expect(isApng(png(chunk('IHDR', 13), chunk('IDAT', 2), chunk('acTL', 8)))).toBe(false);
    const webp = (flags: number): Uint8Array => new Uint8Array([...'RIFF'].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 0], [...'WEBPVP8X'].map((c) => c.charCodeAt(0)), [10, 0, 0, 0, flags, 0, 0, 0]));
    expect(isAnimatedWebp(webp(0x02))).toBe(true);
    expect(isAnimatedWebp(webp(0x10))).toBe(false);
  });

  it('settings stored before "Save as type" existed still parse, with the new fields at their defaults', () => {
    const old = migrateSettings({ version: 1, settings: { folder: 'Pics', concurrency: 2 } });
    expect(old).toMatchObject({ folder: 'Pics', concurrency: 2, saveAs: 'original', convertQuality: 0.9, keepOriginal: false, convertMaxPixels: 100_000_000 });
    expect(migrateSettings({ version: 1, settings: { folder: 'Pics', saveAs: 'bmp' } })).toMatchObject({ folder: 'Pics', saveAs: 'original' });
  });
});
