/**
 * 2020 – 2023: results are `div[data-id][data-tbnid]` (TBNID); originals are only in the inline
 * `AF_initDataCallback({key: 'ds:1', ...})` data as `[0,"TBNID",[THUMB,h,w],[ORIGINAL,h,w],...]`.
 * Matched by TBNID, else by thumbnail address.
 */
import type { InlineImages } from './inline-data.ts';
import { hasAddressableThumbnail, inlineOutcome } from './inline-match.ts';
import type { Outcome } from './outcome.ts';
import type { ResultEntry } from './result-elements.ts';
import { thumbnailKey } from './url.ts';
import { t } from '../../platform/content-i18n.ts';

export function fromAfInitData(result: ResultEntry, images: () => InlineImages): Outcome | null {
  if (result.layout !== 'af_init_data') return null;
  const data = images();
  const id = result.element.getAttribute('data-tbnid') || result.element.getAttribute('data-id');
  const image =
    (id ? data.byId.get(id) : undefined) ??
    (hasAddressableThumbnail(result) ? data.byThumbnail.get(thumbnailKey(result.thumbnailUrl)) : undefined);
  if (image) return inlineOutcome(result, image, 'af_init_data');
  if (data.ordered.length === 0) return { problem: t('cAfNoData') };
  return { problem: t('cAfNoItem') };
}
