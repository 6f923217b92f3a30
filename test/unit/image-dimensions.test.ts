/** The pixel size an image declares in its header, read without decoding (src/domain/image-type.ts). */
import { describe, expect, it } from 'vitest';
import { makeJpeg, makePng, TINY_WEBP } from '../../scripts/image-host.mjs';
import { declaredDimensions } from '../../src/domain/image-type.ts';
import { ascii, pngHeader, u32be } from './image-bytes.ts';

const u16le = (n: number): number[] => [n & 255, (n >>> 8) & 255];
const u24le = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
const i32le = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
const box = (type: string, body: number[]): number[] => [...u32be(8 + body.length), ...ascii(type), ...body];

describe('declaredDimensions', () => {
  it('PNG: IHDR', () => {
    expect(declaredDimensions(new Uint8Array(makePng(160, 120, 1)), 'image/png')).toEqual({ width: 160, height: 120 });
    expect(declaredDimensions(pngHeader(30_000, 30_000), 'image/png')).toEqual({ width: 30_000, height: 30_000 });
    expect(declaredDimensions(pngHeader(30_000, 30_000).subarray(0, 20), 'image/png')).toBe('more');
  });

  it('GIF: the logical screen', () => {
    expect(declaredDimensions(new Uint8Array([...ascii('GIF89a'), ...u16le(640), ...u16le(480), 0, 0, 0]), 'image/gif')).toEqual({ width: 640, height: 480 });
  });

  it('BMP: signed sizes (top-down is negative), and the old 12-byte header', () => {
    const bmp = (header: number[]): Uint8Array => new Uint8Array([...ascii('BM'), ...new Array(12).fill(0), ...header, ...new Array(20).fill(0)]);
    expect(declaredDimensions(bmp([...i32le(40), ...i32le(800), ...i32le(-600)]), 'image/bmp')).toEqual({ width: 800, height: 600 });
    expect(declaredDimensions(bmp([...i32le(12), ...u16le(64), ...u16le(32)]), 'image/bmp')).toEqual({ width: 64, height: 32 });
  });

  it('WebP: lossless (VP8L), extended (VP8X) and lossy (VP8)', () => {
    expect(declaredDimensions(new Uint8Array(TINY_WEBP), 'image/webp')).toEqual({ width: 1, height: 1 });
    const riff = (chunk: string, body: number[]): Uint8Array => new Uint8Array([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBP'), ...ascii(chunk), ...u32be(body.length).reverse(), ...body]);
    expect(declaredDimensions(riff('VP8X', [0x10, 0, 0, 0, ...u24le(29_999), ...u24le(19_999)]), 'image/webp')).toEqual({ width: 30_000, height: 20_000 });
    expect(declaredDimensions(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(1024), ...u16le(768)]), 'image/webp')).toEqual({ width: 1024, height: 768 });
  });

  it('JPEG: the frame header after any number of segments; "more" when it lies past the bytes given', () => {
    expect(declaredDimensions(new Uint8Array(makeJpeg('x', 100)), 'image/jpeg')).toEqual({ width: 1, height: 1 });
    const exif = [0xff, 0xe1, 0xff, 0xff, ...new Array(0xfffd).fill(0x41)];
    const sof = [0xff, 0xc2, 0, 17, 8, ...[30_000 >> 8, 30_000 & 255], ...[40_000 >> 8, 40_000 & 255], 3, ...new Array(9).fill(0)];
    const jpeg = new Uint8Array([0xff, 0xd8, ...exif, ...exif, ...sof, 0xff, 0xda]);
    expect(declaredDimensions(jpeg, 'image/jpeg')).toEqual({ width: 40_000, height: 30_000 });
    expect(declaredDimensions(jpeg.subarray(0, 512), 'image/jpeg')).toBe('more');
    expect(declaredDimensions(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2]), 'image/jpeg')).toBeNull();
  });

  it('AVIF/HEIC: the largest ispe under meta/iprp/ipco', () => {
    const ispe = (w: number, h: number): number[] => box('ispe', [0, 0, 0, 0, ...u32be(w), ...u32be(h)]);
    const file = new Uint8Array([
      ...box('ftyp', [...ascii('avif'), 0, 0, 0, 0, ...ascii('mif1')]),
      ...box('meta', [0, 0, 0, 0, ...box('hdlr', new Array(20).fill(0)), ...box('iprp', box('ipco', [...ispe(512, 512), ...ispe(8000, 6000), ...box('pixi', [0, 0, 0, 0, 1, 8])]))]),
      ...box('mdat', [1, 2, 3]),
    ]);
    expect(declaredDimensions(file, 'image/avif')).toEqual({ width: 8000, height: 6000 });
    expect(declaredDimensions(file.subarray(0, 60), 'image/heic')).toBe('more');
  });

  it('ICO: the largest entry (0 means 256)', () => {
    const ico = new Uint8Array([0, 0, 1, 0, 2, 0, 16, 16, ...new Array(14).fill(0), 0, 0, ...new Array(14).fill(0)]);
    expect(declaredDimensions(ico, 'image/x-icon')).toEqual({ width: 256, height: 256 });
  });

  it('formats without a reader here, and zero sizes, give null', () => {
    expect(declaredDimensions(new Uint8Array(100), 'image/tiff')).toBeNull();
    expect(declaredDimensions(pngHeader(0, 10), 'image/png')).toBeNull();
  });
});
