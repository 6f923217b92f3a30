/**
 * The thumbnail/original pairs in Google's inline scripts, 2020 onwards:
 * `[0,"TBNID",["THUMB",h,w],["ORIGINAL",h,w],...]` in `AF_initDataCallback({key:'ds:1',...})` (2020-23) and
 * `["THUMB",h,w],["ORIGINAL",h,w]` in result order (2024+; each pair appears twice). The data "looks like JSON but
 * is not JSON" in places, so the pairs are read with one linear regex over each script's text, not a parser.
 */
import { decodeJsString, thumbnailKey, toPixels } from './url.ts';

export interface InlineImage {
  /** Position among the page's distinct pairs, in the order they first appear. */
  index: number;
  /** The item's TBNID (`data-id`/`data-tbnid` of its result) when the data names it. */
  id: string | undefined;
  thumbnailUrl: string;
  thumbnailWidth: number | undefined;
  thumbnailHeight: number | undefined;
  /** Decoded but not yet checked: it may be anything the page says. */
  originalUrl: string;
  width: number | undefined;
  height: number | undefined;
}

export interface InlineImages {
  ordered: InlineImage[];
  byId: Map<string, InlineImage>;
  byThumbnail: Map<string, InlineImage>;
  byOriginal: Map<string, InlineImage>;
}

const STRING = String.raw`"((?:[^"\\]|\\[\s\S])*)"`;
const NUMBER = String.raw`\s*,\s*(\d{1,7})`;
/** Optional `[0,"TBNID",` then `["http...",h,w],["...",h,w]`; the first address (the thumbnail) must be http(s). */
const PAIR = new RegExp(
  String.raw`(?:\[\s*0\s*,\s*"((?:[^"\\]|\\[\s\S]){1,200})"\s*,\s*)?` +
    String.raw`\[\s*"(https?:(?:[^"\\]|\\[\s\S])*)"${NUMBER}${NUMBER}\s*\]\s*,\s*` +
    String.raw`\[\s*${STRING}${NUMBER}${NUMBER}\s*\]`,
  'g',
);

type RawImage = Omit<InlineImage, 'index'>;

/** Parsed pairs per script element: an inline script's text does not change after it is inserted. */
const cache = new WeakMap<Element, { text: string; images: RawImage[] }>();

function parseScript(text: string): RawImage[] {
  const images: RawImage[] = [];
  for (const match of text.matchAll(PAIR)) {
    const [, id, thumbnail, thumbnailHeight, thumbnailWidth, original, height, width] = match;
    if (thumbnail === undefined || original === undefined) continue;
    images.push({
      id: id === undefined ? undefined : decodeJsString(id),
      thumbnailUrl: decodeJsString(thumbnail),
      thumbnailWidth: toPixels(thumbnailWidth),
      thumbnailHeight: toPixels(thumbnailHeight),
      originalUrl: decodeJsString(original),
      width: toPixels(width),
      height: toPixels(height),
    });
  }
  return images;
}

function scriptImages(script: Element, text: string): RawImage[] {
  const cached = cache.get(script);
  if (cached && cached.text === text) return cached.images;
  let images: RawImage[];
  try {
    images = parseScript(text);
  } catch {
    images = [];
  }
  cache.set(script, { text, images });
  return images;
}

/** Every distinct pair in the document's inline scripts, in page order. */
export function readInlineImages(doc: Document): InlineImages {
  const result: InlineImages = { ordered: [], byId: new Map(), byThumbnail: new Map(), byOriginal: new Map() };
  const byKey = new Map<string, InlineImage>();
  for (const script of doc.querySelectorAll('script:not([src])')) {
    const text = script.textContent ?? '';
    // Cheap test before the regex: every pair starts with an http(s) address in a string.
    if (!text.includes('"http')) continue;
    for (const raw of scriptImages(script, text)) {
      const thumbKey = thumbnailKey(raw.thumbnailUrl);
      const key = `${thumbKey}\n${raw.originalUrl}`;
      let image = byKey.get(key);
      if (!image) {
        image = { ...raw, index: result.ordered.length };
        byKey.set(key, image);
        result.ordered.push(image);
        if (!result.byThumbnail.has(thumbKey)) result.byThumbnail.set(thumbKey, image);
        if (!result.byOriginal.has(raw.originalUrl)) result.byOriginal.set(raw.originalUrl, image);
      }
      if (raw.id !== undefined && !result.byId.has(raw.id)) result.byId.set(raw.id, image);
    }
  }
  return result;
}
