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
