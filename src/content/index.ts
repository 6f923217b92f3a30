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
 * so a 1,000-result page with infinite scroll gets no long task from us. Placing a control is one write and one
 * note (which button is whose); a result's original is looked for only when its control can be seen, i.e. when
 * the pointer or the keyboard focus reaches the result (or at a click: an assistive tool may click without
 * either), in a task of our own: a page costs what the results the user points at cost.
 */
import { isGoogleImagesUrl } from '../shared/google-domains.ts';
import { findResultsWith, isOldLayout, pageData, PREVIEW_IMAGE_SELECTOR, PREVIEW_PANEL_SELECTOR, RESULT_SELECTOR, resultElements, type FoundResult, type LayoutStrategy, type PageData } from './strategies/find.ts';
import { CONTROL_CLASS, DownloadControl, newButton, RESULT_LABEL, shieldControls } from './control.ts';
import { CONTROL_CSS, HOOKED } from './styles.ts';
import { onWorkerMessage, sendToWorker } from '../platform/messaging.ts';
import { t } from '../platform/content-i18n.ts';
import { importExtensionModule } from '../platform/extension-module.ts';
import type { Click, ClickHost } from './click.ts';
import CLICK from './click.ts?script&module';
import OLD_LAYOUTS from './strategies/old-layouts.ts?script&module';
import PREVIEW from './strategies/preview.ts?script&module';

/** What a result or the preview without one of the style sheet's hooks (see HOOKED) gets with its control. */
const RESULT_CLASS = 'semantest-result';
/** These on a result show its control: its original is looked for then (and the click path fetched). */
const WARM = ['pointerover', 'focusin'] as const;
const PREVIEW_SELECTOR = `${PREVIEW_IMAGE_SELECTOR}, ${PREVIEW_PANEL_SELECTOR}`;
const NOT_FOUND = t('cNotFound');
/** How many of a page's first results its markup health is told by (Google's data covers about the first 100). */
const HEALTH_RESULTS = 100;

/** Time spent per task on placing controls. */
const SLICE_MS = 8;
const RESULT_OPTIONS = { preview: false, label: RESULT_LABEL };

/**
 * One control and what it stands for (made when the control is first needed): `found` is null until the
 * strategies have run on the result, and is replaced when a click finds more than the first look did.
 */
interface Entry {
  control: DownloadControl;
  element: HTMLElement;
  found: FoundResult | null;
  preview: boolean;
}

/** Everything is a local function so that the minifier can shorten its names (the bundle-size budget). */
function startOnGoogleImages(): void {
  /** Each result's control (a bare button until it is needed), and each needed one's entry. */
  const controlOf = new WeakMap<Element, HTMLButtonElement>();
  const entries = new WeakMap<Element, Entry>();
  const byImageUrl = new Map<string, Set<DownloadControl>>();
  let previewEntry: Entry | null = null;
  let previewFinder: ((doc: Document) => FoundResult | null) | null = null;
  let previewLoading: Promise<typeof import('./strategies/preview.ts')> | undefined;
  let lastUrl = location.href;
  let observer: MutationObserver | null = null;
  /** The page's data, read once until the page changes (see pageData). */
  let page: PageData | null = null;
  /** Originals looked for since the worker was last asked for their downloads' states. */
  let asking: string[] = [];
  let onImages = isGoogleImagesUrl(location.href);
  /** Whether the page has had a preview (image or panel): until then only `src` attribute changes are watched. */
  let previewSeen = false;
  /** Subtrees the page added that may hold results, and results found there that still need a control. */
  const roots = new Set<ParentNode>();
  /** Whether an element has a result around it (see resultElements), until the page changes under us. */
  let inside = new WeakMap<Element, boolean>();
  const toPlace: HTMLElement[] = [];
  let placing = false;
  let previewSoon = false;
  /** The 2018 and 2020-23 layouts' strategies, loaded once a result of theirs is seen (null until then). */
  let old: readonly LayoutStrategy[] | null = null;
  let oldLoading: Promise<void> | undefined;
  /** The click path (click.ts), loaded when first needed. */
  let clicking: Promise<Click<Entry>> | undefined;
  /** Whether this page's markup health is still to be told (once per search), and whether Google's page changed. */
  let healthDue = true;
  let pageChanged = false;
  const style = document.createElement('style');

  function start(): void {
    style.textContent = CONTROL_CSS;
    (document.head ?? document.documentElement).append(style);
    shieldControls(window, (button, event) => {
      // Looked at now, while the result is surely in the page (Google may re-render it right after the click).
      const entry = entryOf(button);
      if (entry && !ready(entry)) lookNow(entry);
      click().then((it) => it.click(button, event), report);
    });
    // When the pointer or the keyboard focus reaches a result, its control shows: its original is looked for now
    // (in a task of our own), and the click path is fetched before it is needed, not with the page. A result is
    // what has a control (it need not have a class).
    const warm = (event: Event): void =>
      guard(() => {
        const result = event.target instanceof Element && event.target.closest(`:has(>.${CONTROL_CLASS})`);
        const entry = result && entryOf(result.querySelector(`:scope>.${CONTROL_CLASS}`));
        if (!entry) return;
        void click().catch(report);
        if (!entry.found) later(() => void look(entry).catch(report));
      });
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
    healthDue = true;
    if (!previewSeen && document.querySelector(PREVIEW_SELECTOR)) sawPreview();
    roots.add(document);
    schedulePlace();
    scanPreview();
  }

  /** Places controls in tasks of our own, each at most `SLICE_MS` long (never in the task that added the results). */
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
    while (roots.size > 0 && performance.now() - start < SLICE_MS) {
      const some = [...roots].slice(0, 100);
      for (const root of some) roots.delete(root);
      toPlace.push(...resultElements(some, inside));
    }
    const fresh: HTMLElement[] = [];
    let next = 0;
    // The clock is read once per 25 controls (reading it costs more than a control).
    while (next < toPlace.length && (fresh.length % 25 !== 0 || performance.now() - start < SLICE_MS)) {
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
  function flush(): void {
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
          else addUndecorated(target, roots);
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
    if (result && !controlOf.has(result) && !resultAround(result)) roots.add(result);
  }

  /** Controls are only added to outermost results; a change in a nested match belongs to its decorated ancestor. */
  function resultAround(element: Element): boolean {
    const outer = element.parentElement?.closest(RESULT_SELECTOR);
    return outer ? controlOf.has(outer) : false;
  }

  /** Google re-rendered a result's children and took our control with them: put it back. */
  function reattach(button: HTMLButtonElement, from: Node): void {
    if (controlOf.get(from as Element) === button && from.isConnected) (from as Element).append(button);
  }

  /** Places the controls in one pass of writes; their originals are looked for when needed (`look`). */
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

  /** A control's entry (made now if it had none); undefined for anything else (a button of the bulk bar). */
  function entryOf(button: Element | null): Entry | undefined {
    if (button && previewEntry?.control.element === button) return previewEntry;
    const element = button?.parentElement;
    if (!element || controlOf.get(element) !== button) return undefined;
    let entry = entries.get(element);
    if (!entry) entries.set(element, (entry = { control: new DownloadControl(button as HTMLButtonElement, RESULT_OPTIONS), element, found: null, preview: false }));
    return entry;
  }

  /** What must load before the result can be looked at (an old layout's strategies), if anything. */
  function ready(entry: Entry): Promise<void> | undefined {
    return !old && !entry.preview && isOldLayout(entry.element) ? loadOld() : undefined;
  }

  /** The strategies' answer for the result, or for the open preview, now. */
  function find(entry: Entry): FoundResult | null | undefined {
    if (entry.preview) return previewFinder?.(document);
    // The page may have changed in this very task (its data is read again then).
    flush();
    return findResultsWith(old, document, entry.element, (page ??= pageData(document)))?.find((result) => result.element === entry.element);
  }

  /** Looks for a result's original (its control is about to be seen), unless that was done already. */
  async function look(entry: Entry): Promise<void> {
    await ready(entry);
    lookNow(entry);
  }

  function lookNow(entry: Entry): void {
    if (!entry.found) ask(resolved(entry, find(entry) ?? notFound(entry)));
  }

  /** A result's original is known (or known to be missing): the control says so. */
  function resolved(entry: Entry, found: FoundResult): FoundResult {
    entry.found = found;
    if (found.candidate) remember(entry.control, found.candidate.imageUrl);
    // The click path (prefetched when the control can first be seen) shows the original's size from Google's data,
    // or says why there is no original and what a click does (the preview's large image shows its size itself).
    if (!entry.preview || !found.candidate) click().then((it) => it.shown(entry), report);
    return found;
  }

  /**
   * Asks the worker for the state of the download of a result's original, if it has one (saved on an earlier
   * visit, or from another result of the same image), with the others looked for meanwhile: one message.
   */
  function ask(found: FoundResult): void {
    if (found.candidate && asking.push(found.candidate.imageUrl) === 1)
      setTimeout(() => {
        void restoreStates(asking);
        asking = [];
      }, 100);
  }

  /**
   * The page's markup health (domain/page-health.ts): its first results and how many of them have an original,
   * told to the worker (the popup and the monitoring page show it). A page that should hold originals and holds
   * none has changed: the controls say so (see `offer`) instead of failing one by one.
   */
  function checkHealth(): void {
    flush();
    page ??= pageData(document);
    // Results named by their docid in Google's data have their original (the 2024 page: all 100): only the others
    // are run through the strategies.
    const data = page.images();
    const results = resultElements(document).slice(0, HEALTH_RESULTS);
    const rest = results.filter((result) => !data.byId.has(result.getAttribute('data-docid') ?? ''));
    const found = rest.length > 0 ? findResultsWith(old, document, rest, page) : [];
    if (!found) {
      void loadOld().then(() => later(() => guard(checkHealth)), report);
      return;
    }
    const counts = { results: results.length, originals: results.length - rest.length + found.filter((result) => result.candidate).length, basic: found.filter((result) => result.basic).length };
    // domain/page-health.ts's `page_changed` (not imported: its module would be a chunk of its own on every page).
    pageChanged = counts.results > counts.basic && counts.originals === 0;
    sendToWorker({ type: 'page.health', ...counts }).catch(() => undefined);
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
    const label = t('cPreview');
    const button = newButton();
    button.classList.add('semantest-preview');
    const control = new DownloadControl(button, { preview: true, label });
    control.name(label);
    control.say(label);
    previewEntry = { control, element: preview.element, found: null, preview: true };
    ask(resolved(previewEntry, preview));
    preview.element.classList.add(RESULT_CLASS);
    preview.element.append(button);
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
      if (response.ok && response.updates?.length) (await click()).apply(response.updates, true);
    } catch {
      // The controls stay idle; a click will say what is wrong.
    }
  }

  function click(): Promise<Click<Entry>> {
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
    entry: entryOf,
    ready,
    find,
    resolved,
    pageChanged: () => pageChanged,
    remember,
    controls: (imageUrl) => byImageUrl.get(imageUrl),
    live: () => [...document.querySelectorAll(`.${CONTROL_CLASS}`)].flatMap((button) => {
      const entry = entryOf(button);
      return entry && !entry.preview ? [entry] : [];
    }),
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
