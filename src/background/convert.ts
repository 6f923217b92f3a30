/**
 * "Save as type", the saga's optimising step: the original's bytes decoded and encoded again as PNG, JPEG or
 * WebP in the worker (createImageBitmap + OffscreenCanvas.convertToBlob; no DOM, no page).
 */
export interface Converted {
  bytes: Uint8Array;
  mimeType: string;
  width: number;
  height: number;
}

export type ConvertImage = (bytes: Uint8Array, fromMime: string, toMime: string, quality: number) => Promise<Converted>;

export const convertImage: ConvertImage = async (bytes, fromMime, toMime, quality) => {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: fromMime }));
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas in this worker');
    // JPEG has no transparency: transparent pixels become white, as image editors do, not black.
    if (toMime === 'image/jpeg') {
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, width, height);
    }
    context.drawImage(bitmap, 0, 0);
    const blob = await canvas.convertToBlob({ type: toMime, quality });
    // convertToBlob falls back to PNG for a type it cannot write: that is not what the user asked for.
    if (blob.type !== toMime) throw new Error(`this browser cannot write ${toMime}`);
    return { bytes: new Uint8Array(await blob.arrayBuffer()), mimeType: toMime, width, height };
  } finally {
    bitmap.close();
  }
};
