/**
 * Finds the image results on a Google Images page and, for each, the ORIGINAL image's address (never Google's
 * thumbnail). Pure: reads the DOM, changes nothing, never throws. Strategies are tried per result from the most
 * to the least reliable: per-result data (`rg_meta`), TBNID-keyed page data (`af_init_data`), the `/imgres` link
 * (`imgres_link`), then page data matched by thumbnail or position (`udm2_inline`).
 */
import { fromImgresLink } from './imgres-link.ts';
import { readInlineImages, type InlineImages } from './inline-data.ts';
import type { FoundCandidate, Outcome } from './outcome.ts';
import { collectResults, RESULT_SELECTOR as SELECTOR, type ResultEntry } from './result-elements.ts';
import { alignUdm2, fromUdm2Inline, type Udm2Alignment } from './udm2-inline.ts';
import { t } from '../../platform/content-i18n.ts';

/** `Omit<ImageCandidate, 'query' | 'pageUrl'>`: the content script adds those two. */
export type { FoundCandidate };
export interface FoundResult {
  /** The result's element (the control is placed inside it; it gets position:relative from our CSS). */
  element: HTMLElement;
  /** The original image, or null when it cannot be found (then `problem` says why, in plain English,
   *  and `thumbnailUrl` holds Google's thumbnail if there is one, so the UI can OFFER it explicitly). */
  candidate: FoundCandidate | null;
  thumbnailUrl?: string;
  /** With a null candidate: what the page says about the result, for a thumbnail the user chooses instead. */
  title?: string;
  sourcePageUrl?: string;
  problem?: string;
  /** The preview's large image is still loading an address that may be the original: look again once it loaded. */
  loading?: HTMLImageElement;
  /** A basic-HTML result (its page never holds the original). */
  basic?: true;
  /** Its source page was searched and held no larger copy (`problem` says so): the thumbnail is what is left. */
  searched?: true;
}

/** CSS selector matching any result container of any known layout (used by a MutationObserver to find new ones). */
export const RESULT_SELECTOR: string = SELECTOR;
/** The preview's large image and the panels around it: a change there means the preview control must be checked. */
export { PREVIEW_IMAGE_SELECTOR, PREVIEW_PANEL_SELECTOR } from './result-elements.ts';
/** The result elements under a root, cheaply (no strategy runs): where the controls go. */
export { isOldLayout, resultElements } from './result-elements.ts';

const NOT_FOUND = t('cNoStrategy');

/** Computes a value on first use, once. */
export function lazy<T>(compute: () => T): () => T {
  let done = false;
  let value: T | undefined;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value as T;
  };
}

function baseUrlOf(doc: Document): string {
  try {
    return doc.baseURI || doc.URL || 'https://www.google.com/';
  } catch {
    return 'https://www.google.com/';
  }
}

export function toFoundResult(entry: Pick<ResultEntry, 'element' | 'thumbnailUrl' | 'title' | 'sourcePageUrl'> & { layout?: ResultEntry['layout'] }, outcome: Outcome | null): FoundResult {
  if (outcome && 'found' in outcome) return { element: entry.element, candidate: outcome.found };
  const result: FoundResult = { element: entry.element, candidate: null, problem: outcome?.problem ?? NOT_FOUND };
  if (entry.layout === 'basic') result.basic = true;
  if (entry.thumbnailUrl) result.thumbnailUrl = entry.thumbnailUrl;
  if (entry.title) result.title = entry.title;
  if (entry.sourcePageUrl) result.sourcePageUrl = entry.sourcePageUrl;
  return result;
}

/** The results at or under each root, each once, in the order found (the first `limit` of them). */
function collectFrom(roots: readonly ParentNode[], limit: number): ResultEntry[] {
  if (roots.length === 1 && roots[0]) return collectResults(roots[0], limit);
  const seen = new Set<Element>();
  const entries: ResultEntry[] = [];
  for (const root of roots) {
    for (const entry of collectResults(root, limit - entries.length)) {
      if (seen.has(entry.element)) continue;
      seen.add(entry.element);
      entries.push(entry);
    }
  }
  return entries;
}

/** A strategy for one layout: a result and the page's inline data (read on first use) to an outcome. */
export type LayoutStrategy = (entry: ResultEntry, images: () => InlineImages) => Outcome | null;

/** What a page says about all its results (its inline data, the position alignment), each read on first use. */
export interface PageData {
  images: () => InlineImages;
  alignment: () => Udm2Alignment;
}

/**
 * The page's data, to share between calls made while the page cannot change (one task): each call would read it
 * again. `entries`: the whole document's results, when the caller has them.
 */
export function pageData(doc: Document, entries?: readonly ResultEntry[]): PageData {
  const images = lazy(() => readInlineImages(doc));
  // Matching by position needs the results the page data can cover, not the thousands after them.
  const allEntries = entries ? () => entries : lazy(() => collectResults(doc, images().ordered.length + 100));
  return { images, alignment: lazy((): Udm2Alignment => alignUdm2(allEntries(), images())) };
}

/**
 * Every image result under `root` (default: the whole document; several roots: the subtrees a batch of DOM
 * changes added), in page order, with the old layouts' strategies (2018 `rg_meta`, 2020-23 `af_init_data`) given
 * by the caller: the content script loads them only on pages that have such results. With `old` null, null when
 * a result needs them (load them and ask again). `page`: the page's data, shared with other calls in this task.
 * `limit`: only the first so many results.
 */
export function findResultsWith(old: readonly LayoutStrategy[] | null, doc: Document, root: ParentNode | readonly ParentNode[] = doc, page?: PageData, limit = Infinity): FoundResult[] | null {
  try {
    const roots: readonly ParentNode[] = Array.isArray(root) ? root : [root as ParentNode];
    const entries = collectFrom(roots, limit);
    if (!old && entries.some((entry) => entry.layout === 'rg_meta' || entry.layout === 'af_init_data')) return null;
    if (entries.length === 0) return [];
    const { images, alignment } = page ?? pageData(doc, roots.length === 1 && roots[0] === doc ? entries : undefined);
    const baseUrl = baseUrlOf(doc);
    const strategies: Array<(entry: ResultEntry) => Outcome | null> = [
      ...(old ?? []).map((strategy) => (entry: ResultEntry) => strategy(entry, images)),
      (entry) => fromImgresLink(entry, baseUrl),
      (entry) => fromUdm2Inline(entry, images, alignment),
    ];
    return entries.map((entry) => {
      let problem: Outcome | null = null;
      for (const strategy of strategies) {
        let outcome: Outcome | null;
        try {
          outcome = strategy(entry);
        } catch {
          outcome = { problem: NOT_FOUND };
        }
        if (outcome && 'found' in outcome) return toFoundResult(entry, outcome);
        problem ??= outcome;
      }
      // A basic page never holds the original: its source page may (the click path asks the worker to look).
      return toFoundResult(entry, problem ?? (entry.layout === 'basic' ? { problem: t('cBasic') } : null));
    });
  } catch {
    return [];
  }
}
