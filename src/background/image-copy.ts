/**
 * "Copy image" from a result's menu on a Google page (issue 19 item 6). A page cannot read another site's image
 * (CORS; a canvas it drew would be tainted), so the worker fetches the original — without credentials, at most
 * MAX_BYTES, refused unless its first bytes are an image — and re-encodes it as PNG, the one image type the clipboard
 * takes, answered as a `data:` URL the content script turns back into a Blob.
 */
import { declaredDimensions, sniffImageType } from '../domain/image-type.ts';
import { validateSourceUrl } from '../domain/urls.ts';

const MAX_BYTES = 25 * 1_048_576;
/** Decoded only up to this many pixels (its PNG would be sent whole as a data: URL): 40 MP, a large photo. */
const MAX_PIXELS = 40_000_000;

export interface ImageCopyDeps {
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** The decoded picture as PNG (createImageBitmap + OffscreenCanvas in the worker). */
  toPng: (blob: Blob) => Promise<Blob>;
}

export type ImageCopyAnswer = { ok: true; dataUrl: string } | { ok: false; error: string };

export async function imageForClipboard(imageUrl: string, deps: ImageCopyDeps): Promise<ImageCopyAnswer> {
  const problem = validateSourceUrl(imageUrl);
  if (problem) return { ok: false, error: problem };
  let bytes: Uint8Array;
  try {
    const response = await deps.fetch(imageUrl, { credentials: 'omit', signal: AbortSignal.timeout(20_000) });
    if (!response.ok) return { ok: false, error: `The image’s host answered ${response.status}: nothing was copied.` };
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_BYTES) return { ok: false, error: 'The image is too large to copy (over 25 MB).' };
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch {
    return { ok: false, error: 'The image could not be fetched: nothing was copied.' };
  }
  if (bytes.length > MAX_BYTES) return { ok: false, error: 'The image is too large to copy (over 25 MB).' };
  const type = sniffImageType(bytes);
  if (!type) return { ok: false, error: 'That address does not give an image: nothing was copied.' };
  // Decided on the header, before anything is decoded: a small file may declare 30,000 × 30,000 pixels.
  const size = declaredDimensions(bytes, type.mimeType);
  if (size === null || size === 'more' || size.width * size.height > MAX_PIXELS) {
    return { ok: false, error: size === null || size === 'more' ? 'The image does not say its size: nothing was copied.' : 'The image is too large to copy (over 40 megapixels).' };
  }
  try {
    const png = await deps.toPng(new Blob([bytes as BlobPart], { type: type.mimeType }));
    return { ok: true, dataUrl: `data:image/png;base64,${toBase64(new Uint8Array(await png.arrayBuffer()))}` };
  } catch {
    return { ok: false, error: 'The image could not be read as a picture: nothing was copied.' };
  }
}

/** Base64 in pieces (btoa of one huge string would need it whole as a binary string). */
function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += btoa(String.fromCharCode(...bytes.subarray(i, i + 0x8000)));
  return out;
}

/** createImageBitmap + OffscreenCanvas: both exist in an MV3 service worker and a Firefox event page. */
export async function toPng(blob: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(blob);
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('No 2D canvas here.');
    context.drawImage(bitmap, 0, 0);
    return await canvas.convertToBlob({ type: 'image/png' });
  } finally {
    bitmap.close();
  }
}
