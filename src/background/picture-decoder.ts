/**
 * Decodes an image in the worker (`createImageBitmap`, `OffscreenCanvas`: both exist in an MV3 service worker,
 * see shared/notes/browser-testing.md) and fingerprints it for the source-page finder. The browser's own
 * high-quality downscale squashes the picture to FINGERPRINT_SIZE² before its pixels are read.
 */
import { fingerprint, FINGERPRINT_SIZE, type Fingerprint } from '../domain/perceptual-hash.ts';

export async function fingerprintImage(blob: Blob): Promise<Fingerprint> {
  const bitmap = await createImageBitmap(blob);
  try {
    const { width, height } = bitmap;
    const small = await createImageBitmap(bitmap, { resizeWidth: FINGERPRINT_SIZE, resizeHeight: FINGERPRINT_SIZE, resizeQuality: 'high' });
    try {
      const canvas = new OffscreenCanvas(FINGERPRINT_SIZE, FINGERPRINT_SIZE);
      const context = canvas.getContext('2d');
      if (!context) throw new Error('No 2D canvas in this worker.');
      context.drawImage(small, 0, 0);
      return fingerprint(context.getImageData(0, 0, FINGERPRINT_SIZE, FINGERPRINT_SIZE).data, FINGERPRINT_SIZE, width, height);
    } finally {
      small.close();
    }
  } finally {
    bitmap.close();
  }
}
