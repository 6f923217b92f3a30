/**
 * Each result's original: a control's entry is made when the control is first needed, and the result's original
 * is looked for only when its control can be seen, i.e. when the pointer or the keyboard focus reaches the result
 * (or at a click: an assistive tool may click without either), in a task of our own: a page costs what the results
 * the user points at cost. The worker is then asked what it knows of those originals' downloads.
 */
import { t } from '../platform/content-i18n.ts';
import { sendToWorker } from '../platform/messaging.ts';
import { importExtensionModule } from '../platform/extension-module.ts';
import { findResultsWith, isOldLayout, type FoundResult, type LayoutStrategy } from './strategies/find.ts';
import { DownloadControl, RESULT_LABEL } from './control.ts';
import type { ClickEntry } from './click-contract.ts';
import OLD_LAYOUTS from './strategies/old-layouts.ts?script&module';
import { controlOf, flush, pageNow } from './result-scanner.ts';
import { previewEntry, previewFinder } from './preview-control.ts';
import { click } from './click-path.ts';
import { report } from './page-tasks.ts';

/**
 * One control and what it stands for (made when the control is first needed): `found` is null until the
 * strategies have run on the result, and is replaced when a click finds more than the first look did.
 */
export type Entry = ClickEntry;

const RESULT_OPTIONS = { preview: false, label: RESULT_LABEL };

const entries = new WeakMap<Element, Entry>();
/** The controls of each original (the same image may be on the page twice): the worker's pushes reach them all. */
export const byImageUrl = new Map<string, Set<DownloadControl>>();
/** Originals looked for since the worker was last asked for their downloads' states. */
let asking: string[] = [];
/** The 2018 and 2020-23 layouts' strategies, loaded once a result of theirs is seen (null until then). */
export let old: readonly LayoutStrategy[] | null = null;
let oldLoading: Promise<void> | undefined;

/** A control's entry (made now if it had none); undefined for anything else (a button of the bulk bar). */
export function entryOf(button: Element | null): Entry | undefined {
  if (button && previewEntry?.control.element === button) return previewEntry;
  const element = button?.parentElement;
  if (!element || controlOf.get(element) !== button) return undefined;
  let entry = entries.get(element);
  if (!entry) entries.set(element, (entry = { control: new DownloadControl(button as HTMLButtonElement, RESULT_OPTIONS), element, found: null, preview: false }));
  return entry;
}

/** What must load before the result can be looked at (an old layout's strategies), if anything. */
export function ready(entry: Entry): Promise<void> | undefined {
  return !old && !entry.preview && isOldLayout(entry.element) ? loadOld() : undefined;
}

/** The strategies' answer for the result, or for the open preview, now. */
export function find(entry: Entry): FoundResult | null | undefined {
  if (entry.preview) return previewFinder?.(document);
  // The page may have changed in this very task (its data is read again then).
  flush();
  return findResultsWith(old, document, entry.element, pageNow())?.find((result) => result.element === entry.element);
}

/** Looks for a result's original (its control is about to be seen), unless that was done already. */
export async function look(entry: Entry): Promise<void> {
  await ready(entry);
  lookNow(entry);
}

export function lookNow(entry: Entry): void {
  if (!entry.found) ask(resolved(entry, find(entry) ?? { element: entry.element, candidate: null, problem: t('cNotFound') }));
}

/** A result's original is known (or known to be missing): the control says so. */
export function resolved(entry: Entry, found: FoundResult): FoundResult {
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
export function ask(found: FoundResult): void {
  if (found.candidate && asking.push(found.candidate.imageUrl) === 1)
    setTimeout(() => {
      void restoreStates(asking);
      asking = [];
    }, 100);
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

/** The control stands for this image from now on (the worker's pushes about it reach it). */
export function remember(control: DownloadControl, imageUrl: string): void {
  control.imageUrl = imageUrl;
  const set = byImageUrl.get(imageUrl) ?? new Set<DownloadControl>();
  set.add(control);
  byImageUrl.set(imageUrl, set);
}

export function forget(control: DownloadControl): void {
  if (control.imageUrl) byImageUrl.get(control.imageUrl)?.delete(control);
}

export function loadOld(): Promise<void> {
  return (oldLoading ??= importExtensionModule<typeof import('./strategies/old-layouts.ts')>(OLD_LAYOUTS).then((module) => {
    old = module.OLD_LAYOUT_STRATEGIES;
  }));
}
