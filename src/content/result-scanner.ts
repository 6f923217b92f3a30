/**
 * Finds the page's results as Google adds them (at load, by infinite scroll, after a new search without a page
 * load) and places a bare control on each; notes when the preview may have changed.
 *
 * Cost: the page is scanned once; after that each batch of DOM changes looks only at the subtrees it added
 * (and at the preview only when the preview changed). Nothing is done inside Google's own task: the mutation
 * callback only notes the added subtrees; the controls are placed in tasks of our own, at most 8 ms each,
 * so a 1,000-result page with infinite scroll gets no long task from us. Placing a control is one write and one
 * note (which button is whose); its original is looked for later (originals.ts).
 */
import { isGoogleImagesUrl } from '../shared/google-domains.ts';
import { isOldLayout, pageData, PREVIEW_IMAGE_SELECTOR, PREVIEW_PANEL_SELECTOR, RESULT_SELECTOR, resultElements, type PageData } from './strategies/find.ts';
import { CONTROL_CLASS, newButton } from './control.ts';
import { CONTROL_CSS, HOOKED } from './styles.ts';
import { loadOld, old } from './originals.ts';
import { previewEntry, scanPreview } from './preview-control.ts';
import { checkHealth } from './markup-health.ts';
import { guard, later, report } from './page-tasks.ts';

/** What a result or the preview without one of the style sheet's hooks (see HOOKED) gets with its control. */
export const RESULT_CLASS = 'semantest-result';
const PREVIEW_SELECTOR = `${PREVIEW_IMAGE_SELECTOR}, ${PREVIEW_PANEL_SELECTOR}`;

/** Each result's control (a bare button until it is needed: originals.ts makes its entry). */
export const controlOf = new WeakMap<Element, HTMLButtonElement>();
/** Whether the page has had a preview (image or panel): until then only `src` attribute changes are watched. */
export let previewSeen = false;
let lastUrl = location.href;
let onImages = isGoogleImagesUrl(lastUrl);
let observer: MutationObserver | null = null;
/** The page's data, read once until the page changes (see pageData). */
let page: PageData | null = null;
/** Subtrees the page added that may hold results, and results found there that still need a control. */
const roots = new Set<ParentNode>();
/** Whether an element has a result around it (see resultElements), until the page changes under us. */
let inside = new WeakMap<Element, boolean>();
const toPlace: HTMLElement[] = [];
let placing = false;
let previewSoon = false;
/** Whether this page's markup health is still to be told (once per search). */
let healthDue = true;
const style = document.createElement('style');

/** Adds the controls' style sheet, then watches the page and scans it once. */
export function startScanning(): void {
  style.textContent = CONTROL_CSS;
  (document.head ?? document.documentElement).append(style);
  observer = new MutationObserver((records) => guard(() => onMutations(records)));
  listen();
  scanAll();
}

/** The page's data as it is now (read again after the page changed). */
export function pageNow(): PageData {
  return (page ??= pageData(document));
}

function listen(): void {
  // A page lays out its results by writing their styles (thousands of records): style and visibility changes
  // only matter once there is a preview they could show or hide.
  observer?.observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: previewSeen ? ['src', 'style', 'hidden', 'aria-hidden'] : ['src'],
  });
}

/** The whole page: at start and after a navigation without a page load. */
function scanAll(): void {
  if (!onImages) return;
  healthDue = true;
  if (!previewSeen && document.querySelector(PREVIEW_SELECTOR)) sawPreview();
  roots.add(document);
  schedulePlace();
  scanPreview();
}

/** Places controls in tasks of our own, each at most 8 ms long (never in the task that added the results). */
function schedulePlace(): void {
  if (roots.size === 0 && toPlace.length === 0 && healthDue && onImages) {
    // The page's results are placed: its health is told once the page is idle (nothing of it is urgent).
    healthDue = false;
    requestIdleCallback(() => guard(checkHealth), { timeout: 3000 });
  }
  if (placing || (roots.size === 0 && toPlace.length === 0)) return;
  placing = true;
  later(() => {
    placing = false;
    guard(placeSome);
    schedulePlace();
  });
}

function placeSome(): void {
  const start = performance.now();
  // What the page changed since the last look must be seen before we stop listening to our own writes.
  flush();
  // Up to 100 roots per call: one call tells once per parent whether a result is around it (Google's grid
  // is the parent of hundreds of results).
  while (roots.size > 0 && performance.now() - start < 8) {
    const some = [...roots].slice(0, 100);
    for (const root of some) roots.delete(root);
    toPlace.push(...resultElements(some, inside));
  }
  const fresh: HTMLElement[] = [];
  let next = 0;
  // The clock is read once per 25 controls (reading it costs more than a control).
  while (next < toPlace.length && (fresh.length % 25 !== 0 || performance.now() - start < 8)) {
    const element = toPlace[next++] as HTMLElement;
    if (!controlOf.has(element) && element.isConnected) {
      controlOf.set(element, newButton());
      fresh.push(element);
    }
  }
  toPlace.splice(0, next);
  decorate(fresh);
}

/** Handles the page's changes not yet reported to us (made in the task we run in, or before it). */
export function flush(): void {
  const queued = observer?.takeRecords() ?? [];
  if (queued.length > 0) onMutations(queued);
}

function onMutations(records: MutationRecord[]): void {
  if (location.href !== lastUrl) {
    // A new search made without a page load: look at everything once.
    lastUrl = location.href;
    onImages = isGoogleImagesUrl(lastUrl);
    scanAll();
    return;
  }
  if (!onImages) return;
  // What we read of the page may have changed.
  page = null;
  let previewChanged = false;
  let previewMaybe = false;
  for (const record of records) {
    if (record.type === 'attributes') {
      const target = record.target as Element;
      if (record.attributeName === 'src') {
        if (target.localName !== 'img' || isOurs(target)) continue;
        if (target.matches(PREVIEW_SELECTOR)) previewChanged = true;
        else addUndecorated(target);
      } else if (!controlOf.has(target)) {
        // A style/hidden change: thousands of them when the page lays out its results (a result itself is never
        // the preview). Not matched one by one: the preview is looked at once, a little later.
        previewMaybe = true;
      }
      continue;
    }
    // A page change may move elements in or out of results: what we knew about their parents is stale.
    if (record.addedNodes.length > 0) inside = new WeakMap();
    for (const node of record.addedNodes) {
      if (!(node instanceof Element)) continue;
      // Most added nodes are results (checked first: our own nodes never are).
      if (node.matches(RESULT_SELECTOR)) {
        roots.add(node);
        continue;
      }
      if (isOurs(node)) continue;
      if (node.querySelector(RESULT_SELECTOR)) roots.add(node);
      else addUndecorated(node);
      if (!previewChanged && (node.matches(PREVIEW_SELECTOR) || node.querySelector(PREVIEW_SELECTOR) || node.closest(PREVIEW_SELECTOR))) previewChanged = true;
    }
    for (const node of record.removedNodes) {
      if (node instanceof HTMLButtonElement && node.classList.contains(CONTROL_CLASS)) reattach(node, record.target);
      else if (!previewChanged && node instanceof Element && (node.matches(PREVIEW_SELECTOR) || node.querySelector(PREVIEW_SELECTOR))) previewChanged = true;
    }
  }
  if (previewChanged && !previewSeen) sawPreview();
  schedulePlace();
  if (previewChanged || (previewEntry && !previewEntry.control.element.isConnected)) scanPreview();
  else if (previewMaybe && !previewSoon) {
    previewSoon = true;
    later(() => {
      previewSoon = false;
      guard(scanPreview);
    });
  }
}

/** The page has a preview: from now on style and visibility changes are seen too (observing again replaces the options). */
export function sawPreview(): void {
  previewSeen = true;
  listen();
}

function isOurs(element: Element): boolean {
  return element === style || element.classList.contains(CONTROL_CLASS) || element.parentElement?.classList.contains(CONTROL_CLASS) === true;
}

/** A change inside a result that has no control yet (its thumbnail arrived late, say): look at that result. */
function addUndecorated(node: Element): void {
  const result = node.parentElement?.closest(RESULT_SELECTOR);
  if (!result || controlOf.has(result)) return;
  // Controls are only added to outermost results; a change in a nested match belongs to its decorated ancestor.
  const outer = result.parentElement?.closest(RESULT_SELECTOR);
  if (!outer || !controlOf.has(outer)) roots.add(result);
}

/** Google re-rendered a result's children and took our control with them: put it back. */
function reattach(button: HTMLButtonElement, from: Node): void {
  if (controlOf.get(from as Element) === button && from.isConnected) (from as Element).append(button);
}

/** Places the controls in one pass of writes; their originals are looked for when needed (originals.ts). */
function decorate(fresh: HTMLElement[]): void {
  if (fresh.length === 0) return;
  // The old layouts' strategies are fetched once such a result is seen (a page has one layout: the first will do).
  if (!old && isOldLayout(fresh[0] as HTMLElement)) void loadOld().catch(report);
  // Our own writes need no mutation records of ours (one per control): stop listening while they are made.
  // Nothing else can change the page meanwhile, and what was queued before was taken (see placeSome).
  observer?.disconnect();
  for (const element of fresh) {
    if (!element.matches(HOOKED)) element.classList.add(RESULT_CLASS);
    element.append(controlOf.get(element) as HTMLButtonElement);
  }
  listen();
}
