/**
 * "Is this the same picture?" for the source-page finder: a candidate from a source page is kept only when it is
 * the picture of Google's thumbnail, larger. Checked on pixels, not names: both images are decoded, squashed to
 * FINGERPRINT_SIZE² (the decoder's high-quality downscale), and compared by their shape, their mean brightness, a
 * difference hash (dHash: whether each cell is brighter than its right neighbour, and than the one below: 2 × 64
 * bits on 9 × 8 grids of box averages) and, last, the small picture itself (a 16 × 16 grid of mean colours).
 * The dHash alone took different bottles on white backgrounds for one picture (452 of 22,578 pairs of real
 * thumbnails); the colour grid tells them apart. Thresholds measured on 213 real thumbnails with the worker's own
 * decoder (scripts/measure/perceptual-hash.mjs; docs/decisions/0031-source-page-originals.md). Pure.
 */

/** The side of the square the decoder scales each image to before fingerprinting. */
export const FINGERPRINT_SIZE = 64;
/** At most this many of the 128 dHash bits may differ (measured: the same picture at most 16). */
export const MAX_HASH_DISTANCE = 20;
/**
 * The colour grids may differ by at most this much on average (0–255 a channel). Measured: the same picture p99
 * 2.3, max 4.9 (a thumbnail shrunk to 60 % at JPEG 0.5 against itself enlarged 4×); different pictures min 2.5
 * (two copies of one photo), p50 83.
 */
export const MAX_COLOUR_DISTANCE = 4;
/** Mean brightness (0–255) may differ by at most this much (JPEG and scaling move it by a few units). */
export const MAX_MEAN_DIFFERENCE = 24;
/** Width/height ratios may differ by at most this factor (Google's thumbnails keep the image's shape). */
export const MAX_SHAPE_RATIO = 1.12;
/** A picture whose cells differ from each other by less than this on average has too little to compare. */
const MIN_CONTRAST = 2;

export interface Fingerprint {
  /** 128 bits: 64 of horizontal differences, then 64 of vertical ones. */
  bits: Uint8Array;
  /** Mean brightness, 0–255. */
  mean: number;
  /** Mean absolute difference between neighbouring cells: how much there is to compare. */
  contrast: number;
  /** The decoded image's size (before squashing). */
  width: number;
  height: number;
  /** The picture itself, small: GRID × GRID cells of mean R, G, B (transparent counts as white). */
  grid: Uint8Array;
}

/** The side of the colour grid compared cell by cell. */
export const GRID = 16;

/** Brightness of each of the `cols × rows` cells of a `size × size` RGBA image (box averages, Rec. 601 luma). */
function cells(rgba: ArrayLike<number>, size: number, cols: number, rows: number): Float64Array {
  const out = new Float64Array(cols * rows);
  for (let row = 0; row < rows; row += 1) {
    const y0 = Math.floor((row * size) / rows);
    const y1 = Math.max(y0 + 1, Math.floor(((row + 1) * size) / rows));
    for (let col = 0; col < cols; col += 1) {
      const x0 = Math.floor((col * size) / cols);
      const x1 = Math.max(x0 + 1, Math.floor(((col + 1) * size) / cols));
      let sum = 0;
      for (let y = y0; y < y1; y += 1) {
        for (let x = x0; x < x1; x += 1) {
          const i = (y * size + x) * 4;
          // Transparent pixels count as white (how a browser shows a transparent image on a page).
          const alpha = (rgba[i + 3] ?? 255) / 255;
          const luma = 0.299 * (rgba[i] ?? 0) + 0.587 * (rgba[i + 1] ?? 0) + 0.114 * (rgba[i + 2] ?? 0);
          sum += luma * alpha + 255 * (1 - alpha);
        }
      }
      out[row * cols + col] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/**
 * The fingerprint of an image given as `size × size` RGBA pixels (the decoded image squashed to that square),
 * with the decoded image's own `width` and `height`.
 */
export function fingerprint(rgba: ArrayLike<number>, size: number, width: number, height: number): Fingerprint {
  if (rgba.length < size * size * 4) throw new RangeError(`fingerprint: ${rgba.length} values for a ${size}x${size} image`);
  const bits = new Uint8Array(16);
  let bit = 0;
  let contrast = 0;
  const set = (on: boolean): void => {
    if (on) bits[bit >> 3] = (bits[bit >> 3] as number) | (1 << (bit & 7));
    bit += 1;
  };
  const wide = cells(rgba, size, 9, 8);
  for (let row = 0; row < 8; row += 1) {
    for (let col = 0; col < 8; col += 1) {
      const left = wide[row * 9 + col] as number;
      const right = wide[row * 9 + col + 1] as number;
      set(left > right);
      contrast += Math.abs(left - right);
    }
  }
  const tall = cells(rgba, size, 8, 9);
  for (let row = 0; row < 8; row += 1) {
    for (let col = 0; col < 8; col += 1) {
      const top = tall[row * 8 + col] as number;
      const below = tall[(row + 1) * 8 + col] as number;
      set(top > below);
      contrast += Math.abs(top - below);
    }
  }
  let mean = 0;
  for (const value of wide) mean += value;
  return { bits, mean: mean / wide.length, contrast: contrast / 128, width, height, grid: colourGrid(rgba, size) };
}

/** Mean R, G, B of each of the GRID × GRID cells of a `size × size` RGBA image. */
function colourGrid(rgba: ArrayLike<number>, size: number): Uint8Array {
  const out = new Uint8Array(GRID * GRID * 3);
  const step = size / GRID;
  for (let row = 0; row < GRID; row += 1) {
    for (let col = 0; col < GRID; col += 1) {
      const sums = [0, 0, 0];
      let count = 0;
      for (let y = Math.floor(row * step); y < Math.floor((row + 1) * step); y += 1) {
        for (let x = Math.floor(col * step); x < Math.floor((col + 1) * step); x += 1) {
          const i = (y * size + x) * 4;
          const alpha = (rgba[i + 3] ?? 255) / 255;
          for (let k = 0; k < 3; k += 1) sums[k] = (sums[k] as number) + (rgba[i + k] ?? 0) * alpha + 255 * (1 - alpha);
          count += 1;
        }
      }
      for (let k = 0; k < 3; k += 1) out[(row * GRID + col) * 3 + k] = Math.round((sums[k] as number) / Math.max(1, count));
    }
  }
  return out;
}

/** Mean absolute difference of the two colour grids, 0–255 (0: the same small picture). */
export function colourDistance(a: Fingerprint, b: Fingerprint): number {
  let sum = 0;
  for (let i = 0; i < a.grid.length; i += 1) sum += Math.abs((a.grid[i] ?? 0) - (b.grid[i] ?? 0));
  return sum / a.grid.length;
}

/** How many bits of two fingerprints differ (0–128). */
export function hashDistance(a: Fingerprint, b: Fingerprint): number {
  let distance = 0;
  for (let i = 0; i < 16; i += 1) {
    let x = ((a.bits[i] ?? 0) ^ (b.bits[i] ?? 0)) & 0xff;
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance;
}

export type Comparison = { same: true; distance: number } | { same: false; distance: number; why: 'flat' | 'shape' | 'brightness' | 'hash' | 'colour' };

/** Whether `candidate` is the picture of `thumbnail` (its size is not looked at here: see `isLarger`). */
export function comparePictures(thumbnail: Fingerprint, candidate: Fingerprint): Comparison {
  const distance = hashDistance(thumbnail, candidate);
  if (thumbnail.contrast < MIN_CONTRAST || candidate.contrast < MIN_CONTRAST) return { same: false, distance, why: 'flat' };
  const shape = thumbnail.width / thumbnail.height / (candidate.width / candidate.height);
  if (shape > MAX_SHAPE_RATIO || shape < 1 / MAX_SHAPE_RATIO) return { same: false, distance, why: 'shape' };
  if (Math.abs(thumbnail.mean - candidate.mean) > MAX_MEAN_DIFFERENCE) return { same: false, distance, why: 'brightness' };
  if (distance > MAX_HASH_DISTANCE) return { same: false, distance, why: 'hash' };
  return colourDistance(thumbnail, candidate) <= MAX_COLOUR_DISTANCE ? { same: true, distance } : { same: false, distance, why: 'colour' };
}

/** Larger than the thumbnail: more pixels, and not narrower or shorter. */
export function isLarger(thumbnail: Pick<Fingerprint, 'width' | 'height'>, candidate: Pick<Fingerprint, 'width' | 'height'>): boolean {
  return candidate.width * candidate.height > thumbnail.width * thumbnail.height && candidate.width >= thumbnail.width && candidate.height >= thumbnail.height;
}
