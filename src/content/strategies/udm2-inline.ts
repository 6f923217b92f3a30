/**
 * 2024+ (`udm=2`): results are `div[jsname="dTDiAc"][data-lpage][data-ri]`; an inline script holds
 * `["THUMB",h,w],["ORIGINAL",h,w]` for about the first 100 results, in result order.
 * A result whose thumbnail is an http(s) address is matched by it exactly. The first ~20 show `data:` thumbnails
 * and are matched by position among the results, but only when every exact match agrees on how positions line
 * up with the data, and the thumbnail's shape agrees with the pair's: a wrong original is worse than none.
 */
import type { InlineImage, InlineImages } from './inline-data.ts';
import { hasAddressableThumbnail, inlineOutcome } from './inline-match.ts';
import type { Outcome, ResultBase } from './outcome.ts';
import type { ResultEntry } from './result-elements.ts';
import { thumbnailKey, toPixels } from './url.ts';
import { t } from '../../platform/i18n.ts';

/** How the page's udm2 results line up with the inline pairs. */
export interface Udm2Alignment {
  /** Position of each udm2 result among all of the document's udm2 results. */
  positions: Map<Element, number>;
  /** pair index = position + offset; null when exact matches disagree (order cannot be trusted). */
  offset: number | null;
}

/** `entries`: every result of the document, in page order. */
export function alignUdm2(entries: readonly ResultEntry[], data: InlineImages): Udm2Alignment {
  const positions = new Map<Element, number>();
  const offsets = new Set<number>();
  for (const entry of entries) {
    if (entry.layout !== 'udm2') continue;
    const position = positions.size;
    positions.set(entry.element, position);
    if (!hasAddressableThumbnail(entry)) continue;
    const image = data.byThumbnail.get(thumbnailKey(entry.thumbnailUrl));
    if (image) offsets.add(image.index - position);
  }
  const [only] = offsets;
  return { positions, offset: offsets.size === 0 ? 0 : offsets.size === 1 && only !== undefined ? only : null };
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
  if (hasAddressableThumbnail(result)) {
    const image = data.byThumbnail.get(thumbnailKey(result.thumbnailUrl));
    if (image) return inlineOutcome(result, image, 'udm2_inline');
    if (result.layout !== 'udm2') return null;
    return { problem: t('cUdmScroll') };
  }
  if (result.layout !== 'udm2') return null;
  if (data.ordered.length === 0) return { problem: t('cUdmNoData') };
  const { positions, offset } = alignment();
  if (offset === null) return { problem: t('cUdmAlign') };
  const position = positions.get(result.element);
  const image = position === undefined ? undefined : data.ordered[position + offset];
  if (!image) return { problem: t('cUdmNoItem') };
  if (!sameShape(result, image)) return { problem: t('cUdmShape') };
  return inlineOutcome(result, image, 'udm2_inline');
}
