/**
 * The open preview: its original comes from the page's data for the result it shows, never from what its large
 * image shows at the moment. Google first shows a placeholder there (the grid thumbnail, a `data:` image, a
 * gstatic address) and swaps in the original once that has loaded; a click in between must not save the
 * placeholder (issue 18). So, in order:
 * 1. the result the panel is for: its slide's `data-tbnid` (2024+: `div[jsname=CGzTgf][data-tbnid]` around
 *    `div[jsname=figiqf]`, see test/fixtures/google-real/udm2-2024-08-cat.html), looked up in the page data by id,
 *    or the grid result with that `data-docid` and its `/imgres` link;
 * 2. the panel's own thumbnail (`img[jsname=JuXqh]`, hidden), looked up in the page data by address;
 * 3. only then the large image (`img[jsname=kn3ccd]`, older layouts' `img.n3VNCb` …), and only once it has loaded
 *    and is larger than the thumbnail: an address that is not Google's, not `data:`, not a thumbnail's.
 * Otherwise no original: the source page (the link around the image) is where one may be found.
 */
import type { InlineImage, InlineImages } from './inline-data.ts';
import { inlineOutcome } from './inline-match.ts';
import { fromImgresLink } from './imgres-link.ts';
import { makeCandidate, withBase, type Outcome, type ResultBase } from './outcome.ts';
import { isHiddenByMarkup, outboundLink, PANEL_SELECTORS, PREVIEW_IMAGE_SELECTOR, thumbnailSource } from './result-elements.ts';
import { isGoogleThumbnail, thumbnailKey, toHttpUrl, toOriginalUrl, toThumbnailUrl, toTitle } from './url.ts';
import { t } from '../../platform/content-i18n.ts';

export { PREVIEW_IMAGE_SELECTOR, PREVIEW_PANEL_SELECTOR } from './result-elements.ts';

export interface PreviewOutcome {
  element: HTMLElement;
  base: ResultBase;
  outcome: Outcome;
  /** The large image is still loading an address that may be the original: look again once it has loaded. */
  loading?: HTMLImageElement;
}

/** Where the id of the result a panel shows is written (2024+ slide, 2020-23 item, the dialog). */
const ID_ATTRIBUTES = ['data-tbnid', 'data-id', 'data-docid', 'data-sid'];

function panelOf(image: HTMLImageElement): HTMLElement {
  for (const selector of PANEL_SELECTORS) {
    const panel = image.closest<HTMLElement>(selector);
    if (panel) return panel;
  }
  return image.parentElement ?? image;
}

/** The preview's source page: the link around the image, else the panel's first link off Google. */
function sourcePage(image: HTMLImageElement, panel: HTMLElement): string | undefined {
  const link = image.closest('a[href]');
  return (link && outboundLink(link)) ?? outboundLink(panel);
}

/** The id of the result the panel shows, from the nearest element that names one. */
function resultId(panel: HTMLElement): string | null {
  const named = panel.closest(ID_ATTRIBUTES.map((name) => `[${name}]`).join(','));
  if (!named) return null;
  for (const name of ID_ATTRIBUTES) {
    const id = named.getAttribute(name);
    if (id) return id;
  }
  return null;
}

/** The results with this `data-docid` (compared as text: an id is page data, not a selector). */
function gridResults(doc: Document, id: string): HTMLElement[] {
  return [...doc.querySelectorAll<HTMLElement>('[data-docid]')].filter((element) => element.getAttribute('data-docid') === id);
}

/** Google's thumbnails in the panel (the hidden `img[jsname=JuXqh]` in 2024+), by address. */
function panelThumbnails(panel: HTMLElement, large: HTMLImageElement): HTMLImageElement[] {
  return [...panel.querySelectorAll('img')].filter((image) => image !== large && isGoogleThumbnail(image.getAttribute('src') ?? ''));
}

function loaded(image: HTMLImageElement): boolean {
  return image.complete && image.naturalWidth > 0;
}

export function fromPreviewPanel(doc: Document, images: () => InlineImages): PreviewOutcome | null {
  const visible = [...doc.querySelectorAll<HTMLImageElement>(PREVIEW_IMAGE_SELECTOR)].filter(
    (image) => !isHiddenByMarkup(image) && thumbnailSource(image) !== undefined,
  );
  const image = visible[0];
  if (!image) return null;
  const element = panelOf(image);
  const thumbnails = panelThumbnails(element, image);
  const base: ResultBase = {
    element,
    thumbnail: image,
    thumbnailUrl: thumbnails[0]?.getAttribute('src') ?? undefined,
    title: toTitle(image.getAttribute('alt')),
    sourcePageUrl: sourcePage(image, element),
  };
  const found = (pair: InlineImage): PreviewOutcome | null => {
    const outcome = inlineOutcome(base, pair, 'preview_panel');
    return 'found' in outcome ? { element, base, outcome } : null;
  };
  // 1. The result the panel is for.
  const id = resultId(element);
  const byId = id ? images().byId.get(id) : undefined;
  const fromData = byId && found(byId);
  if (fromData) return fromData;
  const results = id ? gridResults(doc, id) : [];
  for (const result of results) {
    const link = fromImgresLink({ ...base, element: result }, doc.baseURI);
    if (link && 'found' in link) return { element, base, outcome: { found: { ...link.found, strategy: 'preview_panel' } } };
  }
  // 2. The panel's thumbnail (or the placeholder the large image shows).
  const src = image.getAttribute('src');
  for (const thumbnail of isGoogleThumbnail(src ?? '') ? [...thumbnails, image] : thumbnails) {
    const pair = images().byThumbnail.get(thumbnailKey(thumbnail.getAttribute('src') ?? ''));
    const fromThumbnail = pair && found(pair);
    if (fromThumbnail) return fromThumbnail;
  }
  // 3. The large image, once it is surely not a placeholder.
  const imageUrl = toOriginalUrl(src);
  const thumbnailUrls = new Set([...thumbnails, ...results.map((result) => result.querySelector('img'))].map((thumbnail) => thumbnail && toHttpUrl(thumbnail.getAttribute('src'))));
  if (imageUrl && !thumbnailUrls.has(imageUrl)) {
    if (!loaded(image)) return { element, base, outcome: { problem: t('cPreviewThumb') }, loading: image };
    const larger = thumbnails.every((thumbnail) => !loaded(thumbnail) || image.naturalWidth * image.naturalHeight > thumbnail.naturalWidth * thumbnail.naturalHeight);
    if (larger) {
      const known = images().byOriginal.get(imageUrl);
      return {
        element,
        base,
        outcome: {
          found: makeCandidate('preview_panel', withBase(base, {
            imageUrl,
            thumbnailUrl: known?.thumbnailUrl,
            width: known?.width ?? image.naturalWidth,
            height: known?.height ?? image.naturalHeight,
          })),
        },
      };
    }
  }
  // What the large image shows is offered as the thumbnail only when it surely is one.
  const placeholder = src && (/^data:image\//i.test(src) || isGoogleThumbnail(src)) ? toThumbnailUrl(src) : null;
  return { element, base: { ...base, thumbnailUrl: base.thumbnailUrl ?? placeholder ?? undefined }, outcome: { problem: t('cPreviewNone') } };
}
