/**
 * The real type of an image from its first bytes (magic numbers), never from its URL or Content-Type:
 * servers put PNG and WebP behind `.jpg` and answer errors with HTML and status 200.
 */
export interface ImageType {
  mimeType: string;
  extension: string;
}

/** How many leading bytes `sniffImageType` needs to decide. */
export const SNIFF_BYTES = 512;

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));

export function sniffImageType(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mimeType: 'image/jpeg', extension: 'jpg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mimeType: 'image/png', extension: 'png' };
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return { mimeType: 'image/gif', extension: 'gif' };
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return { mimeType: 'image/webp', extension: 'webp' };
  if (startsWith(bytes, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (brand === 'avif' || brand === 'avis') return { mimeType: 'image/avif', extension: 'avif' };
    if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1'].includes(brand)) return { mimeType: 'image/heic', extension: 'heic' };
    return null;
  }
  if (startsWith(bytes, ascii('BM')) && bytes.length >= 26) return { mimeType: 'image/bmp', extension: 'bmp' };
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return { mimeType: 'image/x-icon', extension: 'ico' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { mimeType: 'image/tiff', extension: 'tiff' };
  }
  if (looksLikeSvg(bytes)) return { mimeType: 'image/svg+xml', extension: 'svg' };
  return null;
}

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, SNIFF_BYTES)).replace(/^\uFEFF/, '').trimStart();
  if (!head.startsWith('<')) return false;
  const lower = head.toLowerCase();
  if (lower.startsWith('<svg')) return true;
  // An XML prolog, comments or a doctype may come first; an HTML page never has an <svg root before <html.
  return (lower.startsWith('<?xml') || lower.startsWith('<!--') || lower.startsWith('<!doctype svg')) && /<svg[\s>]/.test(lower) && !lower.includes('<html');
}

/** True for a MIME type Chrome reports for an image file (used to double-check a finished download). */
export function isImageMime(mime: string | undefined): boolean {
  return typeof mime === 'string' && /^image\//i.test(mime.trim());
}

/**
 * Why an image must not be converted to a raster format, or null: a vector image, or one with more than one
 * frame (animated GIF, APNG, animated WebP), would silently lose its nature on a canvas.
 */
export function conversionBlocker(bytes: Uint8Array, mimeType: string): string | null {
  if (mimeType === 'image/svg+xml') return 'SVG is a vector image: it is kept as it is, not flattened.';
  if (mimeType === 'image/gif' && gifFrames(bytes) > 1) return 'The GIF is animated: it is kept as it is, not flattened to one frame.';
  if (mimeType === 'image/png' && isApng(bytes)) return 'The PNG is animated (APNG): it is kept as it is, not flattened to one frame.';
  if (mimeType === 'image/webp' && isAnimatedWebp(bytes)) return 'The WebP is animated: it is kept as it is, not flattened to one frame.';
  return null;
}

/** Frames of a GIF, by walking its blocks (stops counting at 2; a truncated file counts what it has). */
export function gifFrames(bytes: Uint8Array): number {
  if (bytes.length < 13) return 0;
  let at = 13;
  const flags = bytes[10] ?? 0;
  if (flags & 0x80) at += 3 * (1 << ((flags & 0x07) + 1));
  const skipSubBlocks = (): void => {
    while (at < bytes.length) {
      const size = bytes[at] ?? 0;
      at += 1;
      if (size === 0) return;
      at += size;
    }
  };
  let frames = 0;
  while (at < bytes.length && frames < 2) {
    const block = bytes[at];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      at += 2; // extension introducer + label
      skipSubBlocks();
    } else if (block === 0x2c) {
      frames += 1;
      const local = bytes[at + 9] ?? 0;
      at += 10;
      if (local & 0x80) at += 3 * (1 << ((local & 0x07) + 1));
      at += 1; // LZW minimum code size
      skipSubBlocks();
    } else {
      break; // not a GIF block: stop rather than guess
    }
  }
  return frames;
}

/** An animated PNG has an `acTL` chunk before its first `IDAT`. */
export function isApng(bytes: Uint8Array): boolean {
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'acTL') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
    at += 12 + length;
  }
  return false;
}

/** An animated WebP is an extended (`VP8X`) file with the animation flag set. */
export function isAnimatedWebp(bytes: Uint8Array): boolean {
  return startsWith(bytes, ascii('VP8X'), 12) && ((bytes[20] ?? 0) & 0x02) !== 0;
}

/** The formats "Save as type" can write, with their extensions. */
export const CONVERTIBLE_TARGETS = { png: { mimeType: 'image/png', extension: 'png' }, jpeg: { mimeType: 'image/jpeg', extension: 'jpg' }, webp: { mimeType: 'image/webp', extension: 'webp' } } as const;
export type ConvertTarget = keyof typeof CONVERTIBLE_TARGETS;

export interface Dimensions {
  width: number;
  height: number;
}

/**
 * The pixel size an image declares in its header, read without decoding (a small file may declare 30,000 ×
 * 30,000 pixels: the decision to decode is made on this). `'more'`: the answer lies past the bytes given (a JPEG's
 * frame header follows its EXIF and colour profile); null: not found or not a format read here.
 */
export function declaredDimensions(bytes: Uint8Array, mimeType: string): Dimensions | 'more' | null {
  switch (mimeType) {
    case 'image/png':
      return bytes.length < 24 ? 'more' : sized(u32be(bytes, 16), u32be(bytes, 20));
    case 'image/gif':
      return bytes.length < 10 ? 'more' : sized(u16le(bytes, 6), u16le(bytes, 8));
    case 'image/bmp':
      return bmpDimensions(bytes);
    case 'image/webp':
      return webpDimensions(bytes);
    case 'image/jpeg':
      return jpegDimensions(bytes);
    case 'image/avif':
    case 'image/heic':
      return largestIspe(bytes);
    case 'image/x-icon':
      return icoDimensions(bytes);
    default:
      return null;
  }
}

const u16be = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number): number => u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number): number => ((u16be(b, at) << 16) | u16be(b, at + 2)) >>> 0;
const i32le = (b: Uint8Array, at: number): number => (u16le(b, at) | (u16le(b, at + 2) << 16)) | 0;
const sized = (width: number, height: number): Dimensions | null => (width > 0 && height > 0 ? { width, height } : null);

function bmpDimensions(b: Uint8Array): Dimensions | 'more' | null {
  if (b.length < 26) return 'more';
  const headerSize = u16le(b, 14);
  // OS/2 BITMAPCOREHEADER: 16-bit sizes; every later header: signed 32-bit, a negative height is top-down.
  if (headerSize === 12) return sized(u16le(b, 18), u16le(b, 20));
  return sized(Math.abs(i32le(b, 18)), Math.abs(i32le(b, 22)));
}

function webpDimensions(b: Uint8Array): Dimensions | 'more' | null {
  if (b.length < 30) return 'more';
  const chunk = String.fromCharCode(...b.subarray(12, 16));
  if (chunk === 'VP8X') return sized(u24le(b, 24) + 1, u24le(b, 27) + 1);
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = (u16le(b, 21) | (u16le(b, 23) << 16)) >>> 0;
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) return sized(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  return null;
}

/** Walks the JPEG's segments to the first frame header (SOF0-15 but DHT, JPG and DAC). */
function jpegDimensions(b: Uint8Array): Dimensions | 'more' | null {
  let at = 2;
  for (;;) {
    while (b[at] === 0xff && b[at + 1] === 0xff) at += 1; // fill bytes
    if (at + 4 > b.length) return 'more';
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1] ?? 0;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end, or scan data before any frame header
    const length = u16be(b, at + 2);
    if (length < 2) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > b.length) return 'more';
      return sized(u16be(b, at + 7), u16be(b, at + 5));
    }
    at += 2 + length;
  }
}

/**
 * AVIF/HEIC (ISO-BMFF): the largest `ispe` (image spatial extents) under meta/iprp/ipco. The primary item may be a
 * grid of tiles, each with its own; the largest is the one a decoder would allocate.
 */
function largestIspe(b: Uint8Array): Dimensions | 'more' | null {
  let best: Dimensions | null = null;
  let truncated = false;
  const walk = (start: number, end: number, depth: number): void => {
    let at = start;
    while (at + 8 <= end) {
      let size = u32be(b, at);
      const type = String.fromCharCode(...b.subarray(at + 4, at + 8));
      let header = 8;
      if (size === 1) {
        if (at + 16 > end) return void (truncated = true);
        size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
        header = 16;
      } else if (size === 0) {
        size = end - at;
      }
      if (size < header) return;
      const boxEnd = at + size;
      const inside = Math.min(boxEnd, b.length);
      if (type === 'ispe') {
        if (at + header + 12 > b.length) return void (truncated = true);
        const found = sized(u32be(b, at + header + 4), u32be(b, at + header + 8));
        if (found && (!best || found.width * found.height > best.width * best.height)) best = found;
      } else if (depth < 4 && (type === 'meta' || type === 'iprp' || type === 'ipco')) {
        walk(at + header + (type === 'meta' ? 4 : 0), inside, depth + 1);
        if (boxEnd > b.length) truncated = true;
        if (type === 'meta') return; // one meta box: what it holds is all there is
      }
      if (boxEnd > b.length) return void (truncated = true);
      at = boxEnd;
    }
    if (at < end && end >= b.length) truncated = true;
  };
  walk(0, b.length, 0);
  return best ?? (truncated ? 'more' : null);
}

/** An icon file: the largest of its images (a width or height byte of 0 means 256). */
function icoDimensions(b: Uint8Array): Dimensions | 'more' | null {
  if (b.length < 6) return 'more';
  const count = u16le(b, 4);
  if (b.length < 6 + 16 * count) return 'more';
  let best: Dimensions | null = null;
  for (let i = 0; i < count; i++) {
    const width = b[6 + 16 * i] || 256;
    const height = b[7 + 16 * i] || 256;
    if (!best || width * height > best.width * best.height) best = { width, height };
  }
  return best;
}
