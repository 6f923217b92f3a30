/// <reference types="@crxjs/vite-plugin/client" />
/**
 * Content script for Google Images: a download control on every image result (also those added by infinite
 * scroll or a new search without a page load) and on the open preview panel. A click asks the worker for the
 * original; the worker pushes the download's state back. Nothing here may throw into the page.
 *
 * What runs only once the user acts (a click, the keyboard shortcut, a push from the worker: click.ts) is loaded
 * on demand, when the pointer or the keyboard focus first reaches a result, so that a click does not wait for it.
 *
 * Cost: the page is scanned once; after that each batch of DOM changes looks only at the subtrees it added
 * (and at the preview only when the preview changed). Nothing is done inside Google's own task: the mutation
 * callback only notes the added subtrees; the controls are placed in tasks of our own, at most `SLICE_MS` each,
 * and a result's original is found once it comes near the viewport, in idle time, a few milliseconds at a time
 * (or at once for a clicked control), so a 1,000-result page with infinite scroll gets no long task from us.
 */
import { isGoogleImagesUrl } from './google-domains.ts';
import { findResultsWith, isOldLayout, pageData, PREVIEW_IMAGE_SELECTOR, PREVIEW_PANEL_SELECTOR, RESULT_SELECTOR, resultElements, type FoundResult, type LayoutStrategy } from './strategies/find.ts';
import { MAX_URL_LENGTH } from './strategies/url.ts';
import { CONTROL_CLASS, DownloadControl, RESULT_LABEL, shieldControls } from './control.ts';
import { CONTROL_CSS, HOOKED } from './styles.ts';
import { onWorkerMessage, sendToWorker } from '../platform/messaging.ts';
import { t } from '../platform/i18n.ts';
import { importExtensionModule } from '../platform/extension-module.ts';
import type { Click, ClickHost } from './click.ts';
import CLICK from './click.ts?script&module';
import OLD_LAYOUTS from './strategies/old-layouts.ts?script&module';
import PREVIEW from './strategies/preview.ts?script&module';

/** What a result or the preview without one of the style sheet's hooks (see HOOKED) gets with its control. */
const RESULT_CLASS = 'semantest-result';
/** The first of these on a result fetches the click path. */
const WARM = ['pointerover', 'focusin'] as const;
const PREVIEW_SELECTOR = `${PREVIEW_IMAGE_SELECTOR}, ${PREVIEW_PANEL_SELECTOR}`;
const NOT_FOUND = t('cNotFound');

/** Idle time spent per slice on finding originals, and results per `findResults` call. */
const SLICE_MS = 8;
const CHUNK = 25;

/**
 * One control and what it stands for: `found` is null until the strategies have run on the result, and is
 * replaced when a click finds more than the first look did.
 */
interface Entry {
  control: DownloadControl;
  element: HTMLElement;
  found: FoundResult | null;
  preview: boolean;
}

/** Everything is a local function so that the minifier can shorten its names (the bundle-size budget). */
function startOnGoogleImages(): void {
  const results = new WeakMap<Element, Entry>();
  const byImageUrl = new Map<string, Set<DownloadControl>>();
  let previewEntry: Entry | null = null;
  let previewFinder: ((doc: Document) => FoundResult | null) | null = null;
  let previewLoading: Promise<typeof import('./strategies/preview.ts')> | undefined;
  let lastUrl = location.href;
  let observer: MutationObserver | null = null;
  const pending: Entry[] = [];
  /**
   * A result's original is looked for once the result comes near the viewport (a click, a selection or the
   * keyboard looks at once): a 1,000-result page costs what the screenful the user sees costs.
   */
  const near = new IntersectionObserver(
    (changes) =>
      guard(() => {
        for (const change of changes) {
          const group = change.isIntersecting && groups.get(change.target);
          if (!group) continue;
          for (const entry of [group[0], group.at(-1)]) if (entry) {
            near.unobserve(entry.element);
            groups.delete(entry.element);
          }
          for (const entry of group) if (!entry.found) pending.push(entry);
        }
        scheduleResolve();
      }),
    { rootMargin: '250px 0px' },
  );
  /**
   * Results are watched in groups of `CHUNK` placed together (neighbours on the page): only a group's first and
   * last result are observed (an observed element costs the page on every frame), and either one coming near the
   * viewport brings the whole group's originals.
   */
  const groups = new WeakMap<Element, Entry[]>();
  let onImages = isGoogleImagesUrl(location.href);
  /** Whether the page has had a preview (image or panel): until then only `src` attribute changes are watched. */
  let previewSeen = false;
  let resolving = false;
  /** Subtrees the page added that may hold results, and results found there that still need a control. */
  const roots = new Set<ParentNode>();
  /** Whether an element has a result around it (see resultElements), until the page changes under us. */
  let inside = new WeakMap<Element, boolean>();
  const toPlace: HTMLElement[] = [];
  let placing = false;
  let previewSoon = false;
  /** Every result's entry, in page order (for "Select all loaded"); removed results are dropped when it is read. */
  let placed: Entry[] = [];
  /** The 2018 and 2020-23 layouts' strategies, loaded once a result of theirs is seen (null until then). */
  let old: readonly LayoutStrategy[] | null = null;
  let oldLoading: Promise<void> | undefined;
  /** The click path (click.ts), loaded when first needed. */
  let clicking: Promise<Click> | undefined;
  const style = document.createElement('style');

  function start(): void {
    style.textContent = CONTROL_CSS;
    (document.head ?? document.documentElement).append(style);
    shieldControls(window, (button, event) => {
      click().then((it) => it.click(button, event), report);
    });
    // The click path is fetched before it is needed: when the pointer or the keyboard focus first reaches a result
    // (its control shows then), not with the page. A result is what has a control (it need not have a class).
    const warm = (event: Event): void => {
      if (!(event.target instanceof Element && event.target.closest(`:has(>.${CONTROL_CLASS})`))) return;
      void click().catch(report);
      for (const type of WARM) removeEventListener(type, warm, true);
    };
    for (const type of WARM) addEventListener(type, warm, true);
    // The worker's pushes (none come before a click, but for the keyboard shortcut) are handled in the order they came.
    onWorkerMessage((message) => {
      click().then((it) => it.push(message), report);
    });
    observer = new MutationObserver((records) => guard(() => onMutations(records)));
    listen();
    scanAll();
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
    if (!previewSeen && document.querySelector(PREVIEW_SELECTOR)) sawPreview();
    roots.add(document);
    schedulePlace();
    scanPreview();
  }

  /** Places controls in tasks of our own, each at most `SLICE_MS` long (never in the task that added the results). */
  function schedulePlace(): void {
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
    const queued = observer?.takeRecords() ?? [];
    if (queued.length > 0) onMutations(queued);
    // Up to 100 roots per call: one call tells once per parent whether a result is around it (Google's grid
    // is the parent of hundreds of results).
    while (roots.size > 0 && performance.now() - start < SLICE_MS) {
      const some = [...roots].slice(0, 100);
      for (const root of some) roots.delete(root);
      toPlace.push(...resultElements(some, inside));
    }
    const fresh: Entry[] = [];
    let next = 0;
    // The clock is read once per 25 controls (reading it costs more than a control).
    while (next < toPlace.length && (fresh.length % 25 !== 0 || performance.now() - start < SLICE_MS)) {
      const element = toPlace[next++] as HTMLElement;
      if (results.has(element) || !element.isConnected) continue;
      const entry = makeEntry(element, null, false);
      results.set(element, entry);
      fresh.push(entry);
    }
    toPlace.splice(0, next);
    decorate(fresh);
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
    let previewChanged = false;
    let previewMaybe = false;
    for (const record of records) {
      if (record.type === 'attributes') {
        const target = record.target as Element;
        if (record.attributeName === 'src') {
          if (target.localName !== 'img' || isOurs(target)) continue;
          if (target.matches(PREVIEW_SELECTOR)) previewChanged = true;
          else addUndecorated(target, roots);
        } else if (!results.has(target)) {
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
        else addUndecorated(node, roots);
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

  function sawPreview(): void {
    previewSeen = true;
    // Observing again replaces the options: from now on style and visibility changes are seen too.
    listen();
  }

  function isOurs(element: Element): boolean {
    return element === style || element.classList.contains(CONTROL_CLASS) || element.parentElement?.classList.contains(CONTROL_CLASS) === true;
  }

  /** A change inside a result that has no control yet (its thumbnail arrived late, say): look at that result. */
  function addUndecorated(node: Element, roots: Set<ParentNode>): void {
    const result = node.parentElement?.closest(RESULT_SELECTOR);
    if (result && !results.has(result) && !resultAround(result)) roots.add(result);
  }

  /** Controls are only added to outermost results; a change in a nested match belongs to its decorated ancestor. */
  function resultAround(element: Element): boolean {
    const outer = element.parentElement?.closest(RESULT_SELECTOR);
    return outer ? results.has(outer) : false;
  }

  /** Google re-rendered a result's children and took our control with them: put it back. */
  function reattach(button: HTMLButtonElement, from: Node): void {
    const entry = results.get(from as Element);
    if (entry?.control.element === button && entry.element.isConnected) entry.element.append(button);
  }

  /** Places the controls in one pass of writes; their originals are found later (`resolveSome`). */
  function decorate(fresh: Entry[]): void {
    if (fresh.length === 0) return;
    // Our own writes need no mutation records of ours (one per control): stop listening while they are made.
    // Nothing else can change the page meanwhile, and what was queued before was taken (see placeSome).
    observer?.disconnect();
    for (const { element, control } of fresh) {
      if (!element.matches(HOOKED)) element.classList.add(RESULT_CLASS);
      element.append(control.element);
    }
    listen();
    for (let at = 0; at < fresh.length; at += CHUNK) {
      const group = fresh.slice(at, at + CHUNK);
      for (const entry of [group[0], group.at(-1)]) if (entry) {
        groups.set(entry.element, group);
        near.observe(entry.element);
      }
    }
    placed.push(...fresh);
  }

  function scheduleResolve(): void {
    if (resolving || pending.length === 0) return;
    resolving = true;
    const run = (): void => {
      resolving = false;
      guard(resolveSome);
      scheduleResolve();
    };
    // Chrome has had requestIdleCallback since version 47 (the manifest asks for 120).
    requestIdleCallback(run, { timeout: 200 });
  }

  /** Runs the strategies on waiting results for a few milliseconds, then asks the worker for their states. */
  function resolveSome(): void {
    const start = performance.now();
    const urls: string[] = [];
    // The page's data is read once per slice (the page cannot change meanwhile).
    const page = pageData(document);
    while (pending.length > 0 && performance.now() - start < SLICE_MS) {
      const chunk = pending.splice(0, CHUNK).filter((entry) => !entry.found);
      const results = findResultsWith(old, document, chunk.map((entry) => entry.element), page);
      if (!results) {
        // Results of an old layout: their strategies first.
        pending.unshift(...chunk);
        void loadOld().then(scheduleResolve, report);
        break;
      }
      const found = new Map(results.map((result) => [result.element, result]));
      for (const entry of chunk) {
        const result = found.get(entry.element) ?? notFound(entry);
        resolved(entry, result);
        if (result.candidate) urls.push(result.candidate.imageUrl);
      }
    }
    if (urls.length > 0) void restoreStates(urls);
  }

  /** A result's original is known (or known to be missing): the control says so. */
  function resolved(entry: Entry, found: FoundResult): void {
    entry.found = found;
    if (found.candidate) remember(entry.control, found.candidate.imageUrl);
    else offer(entry, false);
  }

  function loadOld(): Promise<void> {
    return (oldLoading ??= importExtensionModule<typeof import('./strategies/old-layouts.ts')>(OLD_LAYOUTS).then((module) => {
      old = module.OLD_LAYOUT_STRATEGIES;
    }));
  }


  /** The preview's strategy, loaded once the page has a preview (image or panel). */
  function loadPreview(): Promise<typeof import('./strategies/preview.ts')> {
    return (previewLoading ??= importExtensionModule(PREVIEW));
  }

  function scanPreview(): void {
    if (!previewFinder) {
      if (previewSeen) loadPreview().then((module) => {
        previewFinder = module.findPreview;
        guard(scanPreview);
      }, report);
      return;
    }
    const preview = previewFinder(document);
    const current = previewEntry;
    if (current && preview && current.element === preview.element && current.control.element.isConnected) {
      if (current.control.imageUrl === (preview.candidate?.imageUrl ?? null) && current.found?.problem === preview.problem) return;
    }
    if (current) {
      current.control.element.remove();
      forget(current.control);
      previewEntry = null;
    }
    if (!preview) return;
    const entry = makeEntry(preview.element, preview, true);
    preview.element.classList.add(RESULT_CLASS);
    preview.element.append(entry.control.element);
    previewEntry = entry;
    if (preview.candidate) void restoreStates([preview.candidate.imageUrl]);
  }

  function makeEntry(element: HTMLElement, found: FoundResult | null, preview: boolean): Entry {
    const control = new DownloadControl(null, { preview, label: preview ? t('cPreview') : RESULT_LABEL });
    const entry: Entry = { control, element, found: null, preview };
    if (found) resolved(entry, found);
    return entry;
  }

  /** No original: say so, and offer the thumbnail when there is one that can be sent. */
  function offer(entry: Entry, armed: boolean): boolean {
    const problem = entry.found?.problem ?? NOT_FOUND;
    const thumbnail = entry.found?.thumbnailUrl;
    const sendable = !!thumbnail && thumbnail.length <= MAX_URL_LENGTH;
    if (sendable) entry.control.offerThumbnail(problem, armed);
    else entry.control.idle(thumbnail ? t('cThumbBig', problem) : problem);
    return sendable;
  }

  function remember(control: DownloadControl, imageUrl: string): void {
    control.imageUrl = imageUrl;
    const set = byImageUrl.get(imageUrl) ?? new Set<DownloadControl>();
    set.add(control);
    byImageUrl.set(imageUrl, set);
  }

  function forget(control: DownloadControl): void {
    if (control.imageUrl) byImageUrl.get(control.imageUrl)?.delete(control);
  }

  async function restoreStates(imageUrls: string[]): Promise<void> {
    try {
      const response = await sendToWorker({ type: 'download.states', imageUrls });
      // Most pages have none: the click path (which shows states) is only loaded for those that do.
      if (response.ok && response.updates?.length) (await click()).apply(response.updates);
    } catch {
      // The controls stay idle; a click will say what is wrong.
    }
  }

  function click(): Promise<Click> {
    return (clicking ??= importExtensionModule<typeof import('./click.ts')>(CLICK).then(
      ({ createClick }) => createClick(host),
      (error: unknown) => {
        // Fetched again next time (a click after a failed prefetch).
        clicking = undefined;
        throw error;
      },
    ));
  }

  const host: ClickHost<Entry> = {
    entry(button) {
      const entry = results.get(button.parentElement as Element) ?? previewEntry;
      return entry?.control.element === button ? entry : undefined;
    },
    ready: (entry) => (!old && !entry.preview && isOldLayout(entry.element) ? loadOld() : undefined),
    find: (entry) => (entry.preview ? previewFinder?.(document) : findResultsWith(old, document, entry.element)?.find((result) => result.element === entry.element)),
    resolved,
    offer,
    remember,
    controls: (imageUrl) => byImageUrl.get(imageUrl),
    live: () => (placed = placed.filter((entry) => entry.element.isConnected && results.get(entry.element) === entry)),
    async preview() {
      if (!previewSeen) sawPreview();
      previewFinder = (await loadPreview()).findPreview;
      scanPreview();
      return previewEntry;
    },
    load: importExtensionModule,
  };
  start();
}

function notFound(entry: Entry): FoundResult {
  return { element: entry.element, candidate: null, problem: NOT_FOUND };
}

let channel: MessageChannel | undefined;
const soon: Array<() => void> = [];

/** A task of our own soon (not a microtask: that would lengthen the page's task), in the order asked. */
function later(work: () => void): void {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => soon.shift()?.();
  }
  soon.push(work);
  channel.port2.postMessage(0);
}

function report(error: unknown): void {
  // Never break Google's page: report and carry on.
  console.warn('Semantest:', error);
}

function guard(work: () => void): void {
  try {
    work();
  } catch (error) {
    report(error);
  }
}

guard(startOnGoogleImages);
