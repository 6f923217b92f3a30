/**
 * Which elements are image results. No layout is available (the tests run without one and Google's grid may
 * not be laid out yet), so a result is told by its attributes: a known container hook and a real thumbnail.
 */
import { isGoogleHost, isGoogleThumbnail, toHttpUrl, toPixels, toThumbnailUrl, toTitle } from './url.ts';
import type { ResultBase } from './outcome.ts';

/** The `/imgres?imgurl=...` links Google sets on hover (and the 2016 scroll-loaded `rg_di` results carry). */
export const IMGRES_LINK_SELECTOR = 'a[href*="/imgres?"]';
/**
 * Basic HTML pages (real ones from 2016, 2022 and 2026): a Google thumbnail in a link to Google's redirect to the
 * image's page, `/url?q=<page>` (2026: `/url?…&url=<page>`). The original is not in the page.
 */
const BASIC_LINK_SELECTOR = 'a[href*="/url?"]';
const LINK_SELECTOR = `${IMGRES_LINK_SELECTOR}, ${BASIC_LINK_SELECTOR}`;

/**
 * Result containers, stable hooks only: 2024+ (`jsname="dTDiAc"`, `data-lpage`), 2018-2023 (`data-ri`,
 * `data-tbnid`), basic HTML (`/url?` and `/imgres` links).
 */
export const RESULT_SELECTOR = ['[jsname="dTDiAc"]', '[data-lpage]', '[data-ri]', '[data-tbnid]', LINK_SELECTOR].join(', ');

/**
 * The open preview's large image (preview-panel.ts), and the panel around it: the stable hook first, then older
 * layouts' class names. Here, not in preview-panel.ts, so that the content script can watch for a preview
 * without loading the preview's strategy.
 */
export const PREVIEW_IMAGE_SELECTOR = 'img[jsname="kn3ccd"], img.sFlh5c, img.n3VNCb, img.r48jcc, img.irc_mi';
export const PANEL_SELECTORS = ['[jsname="figiqf"]', '.irc_c', '.tvh9oe'];
export const PREVIEW_PANEL_SELECTOR = PANEL_SELECTORS.join(', ');

/** Site icons and other decorations are narrower than this (declared width); result thumbnails are wider. */
export const MIN_THUMBNAIL_WIDTH = 100;

export type Layout = 'rg_meta' | 'af_init_data' | 'udm2' | 'basic' | 'other';

export interface ResultEntry extends ResultBase {
  layout: Layout;
}

function isElement(node: ParentNode): node is Element {
  return typeof (node as Partial<Element>).matches === 'function';
}

/**
 * The result's thumbnail: a non-empty alt (site icons have `alt=""`) and no declared width under the minimum. In a
 * basic page's link (`basic`) the alt may be missing, or empty on one of Google's own thumbnails (as in 2022-26).
 */
export function findThumbnail(container: Element, basic: boolean): HTMLImageElement | null {
  const isThumbnail = (image: HTMLImageElement): boolean => {
    const alt = image.getAttribute('alt');
    const width = toPixels(image.getAttribute('width'));
    return (alt === null ? basic : alt.trim() !== '' || (basic && isGoogleThumbnail(image.getAttribute('src') ?? ''))) && !(width !== undefined && width < MIN_THUMBNAIL_WIDTH);
  };
  // The first image first: it is the thumbnail in every layout, and one querySelector costs the content script
  // (an isolated world: every node it touches needs a wrapper of its own) a third of a querySelectorAll walk.
  // querySelectorAll, not getElementsByTagName: the latter was faster in Chromium but twice as slow in happy-dom,
  // where the 10,000-result unit test already runs close to its time limit on a loaded machine.
  const first = container.querySelector('img');
  if (!first || isThumbnail(first)) return first;
  for (const image of container.querySelectorAll('img')) if (isThumbnail(image)) return image;
  return null;
}

/** The address the thumbnail shows (or will show, for a lazily loaded one). */
export function thumbnailSource(image: HTMLImageElement): string | undefined {
  for (const name of ['src', 'data-src', 'data-iurl']) {
    const url = toThumbnailUrl(image.getAttribute(name));
    if (url) return url;
  }
  return undefined;
}

/** Where a link leads: its address, or the page behind Google's redirect `/url?q=<page>` (or `url=<page>`). */
function linkTarget(href: string | null): string | null {
  if (href && /^(?:https?:\/\/[^/?#]*\.google\.[a-z.]+)?\/url\?/i.test(href)) {
    const params = new URL(href, 'https://www.google.com').searchParams;
    return toHttpUrl(params.get('url') || params.get('q'));
  }
  return toHttpUrl(href);
}

/** The first link in the result that leads off Google: the page the image is on. */
export function outboundLink(container: Element): string | undefined {
  const links = container.matches('a[href]') ? [container] : container.querySelectorAll('a[href]');
  for (const link of links) {
    const url = linkTarget(link.getAttribute('href'));
    if (url && !isGoogleHost(url)) return url;
  }
  return undefined;
}

/** A result of the layouts whose strategies the content script loads on demand (strategies/old-layouts.ts). */
export function isOldLayout(container: Element): boolean {
  const layout = layoutOf(container);
  return layout === 'rg_meta' || layout === 'af_init_data';
}

function layoutOf(container: Element): Layout {
  if (container.querySelector('.rg_meta')) return 'rg_meta';
  if (container.hasAttribute('data-tbnid') || container.hasAttribute('data-id')) return 'af_init_data';
  if (container.hasAttribute('data-lpage') || container.getAttribute('jsname') === 'dTDiAc') return 'udm2';
  if (container.matches(LINK_SELECTOR)) return 'basic';
  return 'other';
}

/**
 * The preview panel's slides (2024+: the open result and its two neighbours, each `[data-tbnid]`) are not
 * results: the panel has its own control.
 */
function isPanelSlide(container: Element): boolean {
  return container.hasAttribute('data-tbnid') && container.querySelector(PREVIEW_PANEL_SELECTOR) !== null;
}

/**
 * The element a basic-layout link's control goes into: its parent cell when that holds only this result, so the
 * control is not inside the `<a>` (a click there would follow the link).
 */
function basicResultElement(link: HTMLElement): HTMLElement {
  const parent = link.parentElement;
  if (!parent || parent.matches('body, html') || parent.querySelectorAll('a[href*="/imgres?"] img, a[href*="/url?"] img').length !== 1) return link;
  return parent;
}

/** The result a matched container stands for, or null when it is not one (nested in another, no thumbnail). */
function toEntry(container: HTMLElement): ResultEntry | null {
  if (container.parentElement?.closest(RESULT_SELECTOR) || isPanelSlide(container)) return null;
  const layout = layoutOf(container);
  const thumbnail = findThumbnail(container, layout === 'basic');
  if (!thumbnail) return null;
  const element = layout === 'basic' ? basicResultElement(container) : container;
  return {
    element,
    layout,
    thumbnail,
    thumbnailUrl: thumbnailSource(thumbnail),
    title: toTitle(thumbnail.getAttribute('alt')) ?? toTitle(container.getAttribute('title')),
    sourcePageUrl: toHttpUrl(container.getAttribute('data-lpage')) ?? outboundLink(container),
  };
}

/**
 * Where the controls go: the result elements at or under the roots, in page order, told by the same rules as
 * `collectResults` but without reading anything else (cheap enough to run on every batch of added nodes: a root
 * that is itself a result is not searched, as anything under it is nested; the check for a result around a
 * container is made once per parent; `inside` keeps those answers for the caller's next call while the page does
 * not change).
 */
export function resultElements(roots: ParentNode | readonly ParentNode[], inside: WeakMap<Element, boolean> = new WeakMap()): HTMLElement[] {
  const elements: HTMLElement[] = [];
  const consider = (container: HTMLElement): void => {
    const parent = container.parentElement;
    if (parent) {
      let nested = inside.get(parent);
      if (nested === undefined) inside.set(parent, (nested = parent.closest(RESULT_SELECTOR) !== null));
      if (nested) return;
    }
    // Only a link can be of the basic layout: the layout's other tests are not needed for the rest.
    const basic = container.localName === 'a' && layoutOf(container) === 'basic';
    if (findThumbnail(container, basic) && !isPanelSlide(container)) elements.push(basic ? basicResultElement(container) : container);
  };
  const list: readonly ParentNode[] = Array.isArray(roots) ? roots : [roots as ParentNode];
  for (const root of list) {
    if (isElement(root) && root.matches(RESULT_SELECTOR)) consider(root as HTMLElement);
    else for (const element of root.querySelectorAll<HTMLElement>(RESULT_SELECTOR)) consider(element);
  }
  return elements;
}

/** The results at or under `root`, in page order (the first `limit` of them); a result around `root` is not included. */
export function collectResults(root: ParentNode, limit = Infinity): ResultEntry[] {
  const containers: HTMLElement[] = [];
  if (isElement(root) && root.matches(RESULT_SELECTOR)) containers.push(root as HTMLElement);
  for (const element of root.querySelectorAll<HTMLElement>(RESULT_SELECTOR)) containers.push(element);
  const entries: ResultEntry[] = [];
  for (const container of containers) {
    if (entries.length >= limit) break;
    const entry = toEntry(container);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Hidden by markup (`hidden`, `aria-hidden`, inline `display:none`/`visibility:hidden`) at or above `element`. */
export function isHiddenByMarkup(element: Element): boolean {
  for (let node: Element | null = element; node; node = node.parentElement) {
    if (node.hasAttribute('hidden') || node.getAttribute('aria-hidden') === 'true') return true;
    const style = node.getAttribute('style');
    if (style && /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b/i.test(style)) return true;
  }
  return false;
}
