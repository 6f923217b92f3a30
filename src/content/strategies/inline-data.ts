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

/**
 * Parsed pairs per script element, with a cheap fingerprint of the text they were parsed from (its length and its
 * ends: an inline script's text practically never changes after it is inserted, and copying it to compare — the
 * 2024 page holds 1.5 MB of inline script — cost every look at a result several ms).
 */
const cache = new WeakMap<Element, { key: string; images: RawImage[] }>();

/** The script's text length and ends, read without copying the whole text (one text node: the usual case). */
function textKey(script: Element): string | null {
  const node = script.firstChild;
  if (!node || node !== script.lastChild || node.nodeType !== 3) return null;
  const text = node as Text;
  const { length } = text;
  return `${length}:${text.substringData(0, 64)}:${text.substringData(Math.max(0, length - 64), 64)}`;
}

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

function scriptImages(script: Element): RawImage[] {
  const cached = cache.get(script);
  const key = textKey(script);
  if (cached && key !== null && cached.key === key) return cached.images;
  const text = script.textContent ?? '';
  if (cached && key === null && cached.key === text) return cached.images;
  let images: RawImage[];
  try {
    // Cheap test before the regex: every pair starts with an http(s) address in a string.
    images = text.includes('"http') ? parseScript(text) : [];
  } catch {
    images = [];
  }
  cache.set(script, { key: key ?? text, images });
  return images;
}

/** Every distinct pair in the document's inline scripts, in page order. */
export function readInlineImages(doc: Document): InlineImages {
  const result: InlineImages = { ordered: [], byId: new Map(), byThumbnail: new Map(), byOriginal: new Map() };
  const byKey = new Map<string, InlineImage>();
  for (const script of doc.querySelectorAll('script:not([src])')) {
    for (const raw of scriptImages(script)) {
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
