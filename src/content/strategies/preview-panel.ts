/**
 * The open preview's large image: `img[jsname="kn3ccd"]` (2024+), `img.sFlh5c` / `img.n3VNCb` / `img.r48jcc`
 * (2020-23), `img.irc_mi` (2018). Google first shows the thumbnail there, then swaps in the original: only an
 * http(s) address that is not Google's thumbnail counts as the original.
 */
import type { InlineImages } from './inline-data.ts';
import { inlineOutcome } from './inline-match.ts';
import { makeCandidate, withBase, type Outcome, type ResultBase } from './outcome.ts';
import { isHiddenByMarkup, outboundLink, PANEL_SELECTORS, PREVIEW_IMAGE_SELECTOR, thumbnailSource } from './result-elements.ts';
import { isGoogleThumbnail, thumbnailKey, toHttpUrl, toOriginalUrl, toThumbnailUrl, toTitle } from './url.ts';
import { t } from '../../platform/i18n.ts';

export { PREVIEW_IMAGE_SELECTOR, PREVIEW_PANEL_SELECTOR } from './result-elements.ts';

export interface PreviewOutcome {
  element: HTMLElement;
  base: ResultBase;
  outcome: Outcome;
}

function panelOf(image: HTMLImageElement): HTMLElement {
  for (const selector of PANEL_SELECTORS) {
    const panel = image.closest<HTMLElement>(selector);
    if (panel) return panel;
  }
  return image.parentElement ?? image;
}

/** The preview's source page: the link around the image, else the panel's first link off Google. */
function sourcePage(image: HTMLImageElement, panel: HTMLElement): string | undefined {
  return toHttpUrl(image.closest('a[href]')?.getAttribute('href')) ?? outboundLink(panel);
}

export function fromPreviewPanel(doc: Document, images: () => InlineImages): PreviewOutcome | null {
  const visible = [...doc.querySelectorAll<HTMLImageElement>(PREVIEW_IMAGE_SELECTOR)].filter(
    (image) => !isHiddenByMarkup(image) && thumbnailSource(image) !== undefined,
  );
  const original = visible.find((image) => {
    const url = toHttpUrl(image.getAttribute('src'));
    return url !== null && !isGoogleThumbnail(url);
  });
  const image = original ?? visible[0];
  if (!image) return null;
  const element = panelOf(image);
  const src = image.getAttribute('src');
  const base: ResultBase = {
    element,
    thumbnail: image,
    thumbnailUrl: undefined,
    title: toTitle(image.getAttribute('alt')),
    sourcePageUrl: sourcePage(image, element),
  };
  if (original) {
    const imageUrl = toOriginalUrl(src);
    if (imageUrl) {
      const known = images().byOriginal.get(imageUrl) ?? images().byOriginal.get(src ?? '');
      return {
        element,
        base,
        outcome: {
          found: makeCandidate('preview_panel', withBase(base, {
            imageUrl,
            thumbnailUrl: known?.thumbnailUrl,
            width: known?.width,
            height: known?.height,
          })),
        },
      };
    }
  }
  // Still the thumbnail: the page data may know its original already.
  const thumbnailUrl = toThumbnailUrl(src) ?? thumbnailSource(image);
  const withThumbnail: ResultBase = { ...base, thumbnailUrl };
  const known = thumbnailUrl && /^https?:/i.test(thumbnailUrl) ? images().byThumbnail.get(thumbnailKey(thumbnailUrl)) : undefined;
  if (known) {
    const outcome = inlineOutcome(withThumbnail, known, 'preview_panel');
    if ('found' in outcome) return { element, base: withThumbnail, outcome };
  }
  return { element, base: withThumbnail, outcome: { problem: t('cPreviewThumb') } };
}
