/**
 * 2024+ (`udm=2`): results are `div[jsname="dTDiAc"][data-docid][data-lpage]`; an inline script holds
 * `[0,"DOCID",["THUMB",h,w],["ORIGINAL",h,w],…]` for about the first 100 results, in result order (the real 2024
 * page: test/fixtures/google-real/udm2-2024-08-cat.html). A result is matched by its `data-docid` exactly; one
 * without (or not in the data) whose thumbnail is an http(s) address is matched by that address exactly. The first ~20 show `data:` thumbnails
 * and can only be matched by their place among the results. Such a match is taken only when the nearest exact
 * matches before and after the result agree on how places line up with the data (a result removed or added
 * between them shows up as a disagreement), when Google's own index of the result (`data-ri`, which does not shift
 * when other results go) points at the same entry — without it, the list's start must agree too — and when the
 * thumbnail's shape agrees with the pair's. A wrong original is worse than none.
 */
import type { InlineImage, InlineImages } from './inline-data.ts';
import { hasAddressableThumbnail, inlineOutcome } from './inline-match.ts';
import type { Outcome, ResultBase } from './outcome.ts';
import type { ResultEntry } from './result-elements.ts';
import { thumbnailKey, toPixels } from './url.ts';
import { t } from '../../platform/content-i18n.ts';

/** An exact match: a key (a place, or a `data-ri`) whose entry in the page data is known, as entry - key. */
interface Anchor {
  key: number;
  offset: number;
}

/** How the page's udm2 results line up with the inline pairs. */
export interface Udm2Alignment {
  /** The page-data entry of each udm2 result that is matched by place: a number, or null when it cannot be trusted. */
  entryOf: Map<Element, number | null>;
}

/** Google's result index, when the element carries a plain one. */
function resultIndex(element: Element): number | null {
  const value = element.getAttribute('data-ri');
  return value !== null && /^\d{1,6}$/.test(value) ? Number(value) : null;
}

/**
 * The offset the nearest anchors below and above `key` agree on (every anchor at each of the two keys; anchors at
 * `key` itself left out): when both sides have one they must agree, one side alone pins it, none means 0.
 * Null when they disagree.
 */
export function pinnedOffset(anchors: readonly Anchor[], key: number): number | null {
  let below: number | null | undefined;
  let belowKey = -Infinity;
  let above: number | null | undefined;
  let aboveKey = Infinity;
  for (const anchor of anchors) {
    if (anchor.key < key) {
      if (anchor.key > belowKey) [belowKey, below] = [anchor.key, anchor.offset];
      else if (anchor.key === belowKey && anchor.offset !== below) below = null;
    } else if (anchor.key > key) {
      if (anchor.key < aboveKey) [aboveKey, above] = [anchor.key, anchor.offset];
      else if (anchor.key === aboveKey && anchor.offset !== above) above = null;
    }
  }
  if (below === undefined) return above ?? (above === null ? null : 0);
  if (above === undefined) return below;
  return below !== null && below === above ? below : null;
}

/** The pair named by the result's own id (Google's `data-docid`), if the page data has it. */
function byDocid(result: ResultBase, data: InlineImages): InlineImage | undefined {
  const id = result.element.getAttribute('data-docid');
  return id ? data.byId.get(id) : undefined;
}

/** `entries`: every result of the document, in page order. */
export function alignUdm2(entries: readonly ResultEntry[], data: InlineImages): Udm2Alignment {
  const results = entries.filter((entry) => entry.layout === 'udm2');
  const byPlace: Anchor[] = [];
  const byIndex: Anchor[] = [];
  results.forEach((entry, place) => {
    const image = byDocid(entry, data) ?? (hasAddressableThumbnail(entry) ? data.byThumbnail.get(thumbnailKey(entry.thumbnailUrl)) : undefined);
    if (!image) return;
    byPlace.push({ key: place, offset: image.index - place });
    const index = resultIndex(entry.element);
    if (index !== null) byIndex.push({ key: index, offset: image.index - index });
  });
  // The list's end pins the last results when the page data has exactly one entry per result.
  if (data.ordered.length === results.length) byPlace.push({ key: results.length, offset: 0 });
  // Without Google's index to confirm it, a place is also pinned by the list's start (place -1 is entry -1).
  const byPlaceFromStart = [{ key: -1, offset: 0 }, ...byPlace];
  const entryOf = new Map<Element, number | null>();
  results.forEach((entry, place) => {
    if (hasAddressableThumbnail(entry) || byDocid(entry, data)) return;
    const index = resultIndex(entry.element);
    const offset = pinnedOffset(index === null ? byPlaceFromStart : byPlace, place);
    let entryIndex = offset === null ? null : place + offset;
    if (entryIndex !== null && index !== null) {
      // Google's own index must point at the same entry: it does not shift when other results are removed or added.
      const indexOffset = pinnedOffset(byIndex, index);
      if (indexOffset === null || index + indexOffset !== entryIndex) entryIndex = null;
    }
    entryOf.set(entry.element, entryIndex);
  });
  return { entryOf };
}

/** Same shape (aspect ratio within 20%) as the thumbnail the grid declares, when both sizes are known. */
function sameShape(result: ResultBase, image: InlineImage): boolean {
  const width = toPixels(result.thumbnail.getAttribute('width'));
  const height = toPixels(result.thumbnail.getAttribute('height'));
  if (!width || !height || !image.thumbnailWidth || !image.thumbnailHeight) return true;
  const ratio = width / height / (image.thumbnailWidth / image.thumbnailHeight);
  return ratio < 1.2 && ratio > 1 / 1.2;
}

export function fromUdm2Inline(result: ResultEntry, images: () => InlineImages, alignment: () => Udm2Alignment): Outcome | null {
  if (result.layout === 'af_init_data' || result.layout === 'rg_meta') return null;
  const data = images();
  const named = byDocid(result, data);
  if (named) return inlineOutcome(result, named, 'udm2_inline');
  if (hasAddressableThumbnail(result)) {
    const image = data.byThumbnail.get(thumbnailKey(result.thumbnailUrl));
    if (image) return inlineOutcome(result, image, 'udm2_inline');
    if (result.layout !== 'udm2') return null;
    return { problem: t('cUdmScroll') };
  }
  if (result.layout !== 'udm2') return null;
  if (data.ordered.length === 0) return { problem: t('cUdmNoData') };
  const entry = alignment().entryOf.get(result.element);
  if (entry === null) return { problem: t('cUdmAlign') };
  const image = entry === undefined ? undefined : data.ordered[entry];
  if (!image) return { problem: t('cUdmNoItem') };
  if (!sameShape(result, image)) return { problem: t('cUdmShape') };
  return inlineOutcome(result, image, 'udm2_inline');
}
