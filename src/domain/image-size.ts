/**
 * An image result's size as Google's own data gives it (width × height of the original, issue 19), and the size
 * filter of the selection bar and of the "skip smaller than" setting. Pure: no DOM, no chrome.
 */

/** What a result knows of its original: its address and, when Google's data says, its size. */
export interface SizedImage {
  imageUrl: string;
  width?: number | undefined;
  height?: number | undefined;
}

/** "≥ N px": both sides at least N (an N × N box fits in it); "≥ N MP": at least N million pixels. */
export interface SizeFilter {
  value: number;
  unit: 'px' | 'MP';
}

const TYPES: Readonly<Record<string, string>> = { jpg: 'JPG', jpeg: 'JPG', png: 'PNG', gif: 'GIF', webp: 'WebP', avif: 'AVIF', bmp: 'BMP', svg: 'SVG' };

/**
 * The type the address names (its path's extension), when it is an image type; null otherwise. Only a hint: the
 * saga sniffs the real type from the bytes and names the file after it.
 */
export function typeFromAddress(imageUrl: string): string | null {
  let path: string;
  try {
    path = new URL(imageUrl).pathname;
  } catch {
    return null;
  }
  const extension = /\.([a-z0-9]{2,4})$/i.exec(path)?.[1]?.toLowerCase();
  return (extension && TYPES[extension]) ?? null;
}

/** "1600 × 1200 · JPG", "1600 × 1200", or null when Google's data gives no size. */
export function sizeLabel(image: SizedImage): string | null {
  if (!image.width || !image.height) return null;
  const type = typeFromAddress(image.imageUrl);
  return `${image.width} × ${image.height}${type ? ` · ${type}` : ''}`;
}

/** True when the image is at least the filter's size; null when its size is not known (the filter cannot tell). */
export function meetsSize(image: SizedImage, filter: SizeFilter): boolean | null {
  if (!image.width || !image.height) return null;
  if (filter.unit === 'MP') return image.width * image.height >= filter.value * 1_000_000;
  return Math.min(image.width, image.height) >= filter.value;
}

/**
 * A bulk action's images split by the "skip smaller than" setting (`minSide` px, 0: off): an image whose known
 * size is under it is skipped; an image of unknown size is kept (nothing says it is small).
 */
export function skipSmaller<T extends SizedImage>(images: readonly T[], minSide: number): { kept: T[]; smaller: T[] } {
  if (minSide <= 0) return { kept: [...images], smaller: [] };
  const kept: T[] = [];
  const smaller: T[] = [];
  for (const image of images) (meetsSize(image, { value: minSide, unit: 'px' }) === false ? smaller : kept).push(image);
  return { kept, smaller };
}

/** A filter typed in the bar: a positive number (px whole, MP with decimals), else null (said in words by the caller). */
export function parseSizeFilter(value: string, unit: string): SizeFilter | null {
  const number = Number(value.trim().replace(',', '.'));
  if (!value.trim() || !Number.isFinite(number) || number <= 0 || number > 1_000_000) return null;
  if (unit === 'MP') return { value: number, unit: 'MP' };
  return unit === 'px' && Number.isInteger(number) ? { value: number, unit: 'px' } : null;
}
