/**
 * "Save as type" on the fetched Blob, in the document: the declared pixel size is read from the image's header
 * first and an image over `maxPixels` is never decoded (a small PNG may declare 30,000 × 30,000 pixels); vector
 * and animated images are kept as they are (`conversionBlocker`).
 */
import { CONVERTIBLE_TARGETS, conversionBlocker, declaredDimensions, type Dimensions } from '../domain/image-type.ts';

export interface Converted {
  blob: Blob;
  width: number;
  height: number;
}

/** Decodes `original` and encodes it as `toMime` (the document's canvas; a fake in unit tests). */
export type ImageConverter = (original: Blob, toMime: string, quality: number) => Promise<Converted>;

export type ConvertOutcome = ({ ok: true } & Converted) | { ok: false; reason: string };

/** The header is read in growing prefixes up to this many bytes (a JPEG's EXIF and colour profile come first). */
const HEADER_LIMIT_BYTES = 4 * 1_048_576;
/** A GIF is read this far to tell one frame from many (its frames are walked, not decoded). */
const GIF_SCAN_LIMIT_BYTES = 16 * 1_048_576;

const prefix = async (blob: Blob, bytes: number): Promise<Uint8Array> => new Uint8Array(await blob.slice(0, bytes).arrayBuffer());

async function readDimensions(original: Blob): Promise<Dimensions | null> {
  for (let size = 64 * 1024; ; size *= 4) {
    const found = declaredDimensions(await prefix(original, size), original.type);
    if (found !== 'more') return found;
    if (size >= original.size || size >= HEADER_LIMIT_BYTES) return null;
  }
}

const megapixels = (n: number): string => `${Math.round(n / 1_000_000)} megapixels`;

export async function convertFetched(original: Blob, to: string, quality: number, maxPixels: number, converter: ImageConverter): Promise<ConvertOutcome> {
  const target = Object.values(CONVERTIBLE_TARGETS).find((known) => known.mimeType === to);
  if (!target) return { ok: false, reason: `Images cannot be converted to ${to}.` };
  const scanned = await prefix(original, original.type === 'image/gif' ? GIF_SCAN_LIMIT_BYTES : 1_048_576);
  const blocker = conversionBlocker(scanned, original.type);
  if (blocker) return { ok: false, reason: blocker };
  if (original.type === 'image/gif' && original.size > scanned.length) {
    return { ok: false, reason: 'The GIF is too large to tell whether it is animated: it is kept as it is.' };
  }
  const dimensions = await readDimensions(original);
  if (!dimensions) return { ok: false, reason: 'The image’s size could not be read from its header, so it is not decoded: it is kept as it is.' };
  const pixels = dimensions.width * dimensions.height;
  if (pixels > maxPixels) {
    return {
      ok: false,
      reason: `The image declares ${dimensions.width} × ${dimensions.height} pixels (${megapixels(pixels)}), over the ${megapixels(maxPixels)} limit for conversion: it is kept as it is, not decoded.`,
    };
  }
  try {
    const converted = await converter(original, target.mimeType, quality);
    // convertToBlob falls back to PNG for a type it cannot write: that is not what the user asked for.
    if (converted.blob.type !== target.mimeType) return { ok: false, reason: `This browser cannot write ${target.mimeType}.` };
    return { ok: true, ...converted };
  } catch (error) {
    return { ok: false, reason: `The image could not be decoded (${error instanceof Error ? error.message : String(error)}).` };
  }
}

/** The document's converter: createImageBitmap → OffscreenCanvas → convertToBlob. */
export const canvasConverter: ImageConverter = async (original, toMime, quality) => {
  const bitmap = await createImageBitmap(original);
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas here');
    // JPEG has no transparency: transparent pixels become white, as image editors do, not black.
    if (toMime === 'image/jpeg') {
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, width, height);
    }
    context.drawImage(bitmap, 0, 0);
    return { blob: await canvas.convertToBlob({ type: toMime, quality }), width, height };
  } finally {
    bitmap.close();
  }
};
