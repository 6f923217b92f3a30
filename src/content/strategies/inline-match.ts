/** Turning a matched inline-data pair into an outcome, shared by the 2020-23 and 2024+ strategies. */
import type { Strategy } from '../../domain/events.ts';
import type { InlineImage } from './inline-data.ts';
import { makeCandidate, withBase, type Outcome, type ResultBase } from './outcome.ts';
import { describeBadUrl, toHttpUrl, toOriginalUrl } from './url.ts';
import { t } from '../../platform/content-i18n.ts';

export function inlineOutcome(result: ResultBase, image: InlineImage, strategy: Strategy): Outcome {
  const imageUrl = toOriginalUrl(image.originalUrl);
  if (!imageUrl) return { problem: t('cDataBad', describeBadUrl(image.originalUrl)) };
  // An addressable thumbnail is more useful to the UI than the inline `data:` copy the grid shows.
  const dataThumbnail = result.thumbnailUrl === undefined || result.thumbnailUrl.startsWith('data:');
  return {
    found: makeCandidate(strategy, withBase(result, {
      imageUrl,
      thumbnailUrl: dataThumbnail ? (toHttpUrl(image.thumbnailUrl) ?? result.thumbnailUrl) : result.thumbnailUrl,
      width: image.width,
      height: image.height,
    })),
  };
}

/** True when the result's thumbnail is an http(s) address, so it can be matched exactly. */
export function hasAddressableThumbnail(result: ResultBase): result is ResultBase & { thumbnailUrl: string } {
  return result.thumbnailUrl !== undefined && /^https?:/i.test(result.thumbnailUrl);
}
