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
