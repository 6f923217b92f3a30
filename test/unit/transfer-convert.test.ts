/**
 * Save-as-type in the transfer document: the header is read first and an image over maxPixels is never decoded;
 * vector and animated images are kept; the converted Blob is what saveUrl gives, the original stays reachable.
 */
import { describe, expect, it, vi } from 'vitest';
import { makePng } from '../../scripts/image-host.mjs';
import { convertFetched, type ImageConverter } from '../../src/transfer/convert.ts';
import { TransferService } from '../../src/transfer/service.ts';
import type { TransferFact } from '../../src/platform/transfer-port.ts';
import { fakeHost } from '../fakes/http-host.ts';
import { stoppedTimers } from '../fakes/clock.ts';
import { pngHeader } from './image-bytes.ts';

const blob = (bytes: Uint8Array, type: string): Blob => new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
const fakeConverter = (type?: string): ImageConverter & ReturnType<typeof vi.fn> =>
  vi.fn(async (_original: Blob, toMime: string) => ({ blob: new Blob([new Uint8Array([1, 2, 3])], { type: type ?? toMime }), width: 160, height: 120 }));

describe('convertFetched', () => {
  it('a small PNG declaring 30,000 × 30,000 pixels is never decoded', async () => {
    const converter = fakeConverter();
    const bomb = blob(new Uint8Array([...pngHeader(30_000, 30_000), ...new Uint8Array(200)]), 'image/png');
    const outcome = await convertFetched(bomb, 'image/jpeg', 0.9, 100_000_000, converter);
    expect(outcome).toEqual({
      ok: false,
      reason: 'The image declares 30000 × 30000 pixels (900 megapixels), over the 100 megapixels limit for conversion: it is kept as it is, not decoded.',
    });
    expect(converter).not.toHaveBeenCalled();
  });

  it('within the limit: decoded and encoded as asked', async () => {
    const converter = fakeConverter();
    const png = blob(new Uint8Array(makePng(160, 120, 3)), 'image/png');
    const outcome = await convertFetched(png, 'image/webp', 0.8, 160 * 120, converter);
    expect(outcome).toMatchObject({ ok: true, width: 160, height: 120 });
    expect(converter).toHaveBeenCalledWith(png, 'image/webp', 0.8);
  });

  it('refused without decoding: an unknown target, an animated GIF, an SVG, a header that gives no size', async () => {
    const converter = fakeConverter();
    const png = blob(new Uint8Array(makePng(4, 4, 1)), 'image/png');
    expect(await convertFetched(png, 'image/tiff', 0.9, 1e8, converter)).toEqual({ ok: false, reason: 'Images cannot be converted to image/tiff.' });
    const frame = [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 1, 0, 0];
    const gif = new Uint8Array([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([1, 0, 1, 0, 0, 0, 0, ...frame, ...frame, 0x3b]));
    expect(await convertFetched(blob(gif, 'image/gif'), 'image/png', 0.9, 1e8, converter)).toMatchObject({ ok: false, reason: expect.stringContaining('animated') });
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    expect(await convertFetched(blob(svg, 'image/svg+xml'), 'image/png', 0.9, 1e8, converter)).toMatchObject({ ok: false, reason: expect.stringContaining('vector') });
    const headless = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, 1, 2, 3]);
    expect(await convertFetched(blob(headless, 'image/jpeg'), 'image/png', 0.9, 1e8, converter)).toMatchObject({ ok: false, reason: expect.stringContaining('not decoded') });
    expect(converter).not.toHaveBeenCalled();
  });

  it('a browser that writes another type than asked, or cannot decode: refused in words', async () => {
    const png = blob(new Uint8Array(makePng(4, 4, 1)), 'image/png');
    expect(await convertFetched(png, 'image/webp', 0.9, 1e8, fakeConverter('image/png'))).toEqual({ ok: false, reason: 'This browser cannot write image/webp.' });
    const broken: ImageConverter = () => Promise.reject(new Error('decode failed'));
    expect(await convertFetched(png, 'image/jpeg', 0.9, 1e8, broken)).toEqual({ ok: false, reason: 'The image could not be decoded (decode failed).' });
  });
});

describe('TransferService.convert', () => {
  it('the converted Blob is what saveUrl gives; the original stays reachable', async () => {
    const png = new Uint8Array(makePng(160, 120, 5));
    const host = fakeHost(() => ({ body: png }));
    let fetched!: () => void;
    const done = new Promise<void>((resolve) => (fetched = resolve));
    const service = new TransferService({
      ...stoppedTimers(),
      fetch: host.fetch,
      emit: (fact: TransferFact) => fact.type === 'fetched' && fetched(),
      now: () => 0,
      partBytes: 1 << 20,
      progressIntervalMs: 250,
      createObjectURL: (b) => URL.createObjectURL(b),
      revokeObjectURL: (url) => URL.revokeObjectURL(url),
      converter: fakeConverter(),
    });
    service.start({ transferId: 'c1', url: 'https://images.example/a.png', maxBytes: 1e7, headersTimeoutMs: 1000, stallTimeoutMs: 1000, allowDataImage: false });
    await done;
    const before = service.saveUrl('c1');
    expect(await service.convert('c1', 'image/jpeg', 0.9, 1e8)).toEqual({ ok: true, mimeType: 'image/jpeg', size: 3, width: 160, height: 120 });
    const result = service.saveUrl('c1');
    expect(result).not.toBe(before);
    expect((await (await fetch(result ?? '')).blob()).type).toBe('image/jpeg');
    expect(service.saveUrl('c1', 'original')).toBe(before);
    expect(service.status()[0]?.saveUrl).toBe(before);
  });
});
