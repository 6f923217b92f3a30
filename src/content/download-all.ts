/**
 * "Download all results" (issue 19 item 2; loaded with bulk select, bulk.ts): scrolls Google's own results (its
 * infinite scroll loads more when the page's end comes into view) until `limit` results or the end, looks up each
 * result's original in Google's data, leaves out what the size filter and the "skip smaller than" setting say is
 * too small, and saves the rest as ONE `download.batch` (one correlation id), telling the worker how many it left out
 * (`skipped.smaller`, for the batch report). Progress is said in the bar; a cancel stops the scrolling, or, once
 * sent, cancels the batch's downloads still running.
 */
import { t } from '../platform/content-i18n.ts';
import { meetsSize, type SizeFilter } from '../domain/image-size.ts';
import type { FoundCandidate } from './strategies/outcome.ts';
import type { BulkHost } from './bulk.ts';
import { setState } from './control-state.ts';

/** What the bar lends a run: where to say how far it is, and how it is stopped. */
export interface DownloadAllRun {
  limit: number;
  /** The bar's "≥ N" filter, when one is typed. */
  filter: SizeFilter | null;
  signal: AbortSignal;
  say(text: string): void;
  /** The folder chosen in the bar (one of the user's recent ones), if any. */
  folder?: string;
  /** With no new result this long after scrolling to the end, the results are taken to have ended. */
  endAfterMs?: number;
}

/** What a run did: results looked at, left out as too small, without an original, sent, and how those ended. */
export interface DownloadAllSummary {
  results: number;
  smaller: number;
  noOriginal: number;
  sent: number;
  saved: number;
  failed: number;
  cancelled: boolean;
}

const POLL_MS = 50;
/**
 * The first lot goes as soon as this many are chosen (one more is held back: the batch stays open), so that the
 * downloads start while the rest of the first page's results are looked up.
 */
const FIRST_LOT = 6;

/** Resolves after `ms`, or at once when the run is cancelled. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      done();
    }, { once: true });
  });
}

/** Scrolls to the page's end, so that Google's infinite scroll loads the next results. */
function scrollToEnd(): HTMLElement {
  const scroller = (document.scrollingElement ?? document.documentElement) as HTMLElement;
  scroller.scrollTop = scroller.scrollHeight;
  return scroller;
}

/** Waits until the page holds more than `count` results (true), none came for `endAfterMs` (false) or the run is cancelled. */
async function moreResults<E>(host: BulkHost<E>, run: DownloadAllRun, count: number): Promise<boolean> {
  const scroller = scrollToEnd();
  let waited = 0;
  while (waited < (run.endAfterMs ?? 6000) && !run.signal.aborted) {
    if (host.live().length > count) return true;
    await pause(POLL_MS, run.signal);
    waited += POLL_MS;
    // The page may grow without new results (images loading): keep its end in view.
    if (scroller.scrollTop + innerHeight < scroller.scrollHeight - 2) scroller.scrollTop = scroller.scrollHeight;
  }
  return host.live().length > count;
}

/**
 * Scrolls Google's results until `limit` or their end and sends what is chosen as it is found, under ONE batch (its
 * first message opens it, the others continue it: docs/decisions/0065-download-all-pipelined.md), so that the
 * saving starts while the page still loads. The last chosen result is held back until the end is known: the
 * batch's last message always has one (it closes the batch with its full size).
 */
export async function downloadAll<E>(host: BulkHost<E>, run: DownloadAllRun): Promise<DownloadAllSummary> {
  const summary: DownloadAllSummary = { results: 0, smaller: 0, noOriginal: 0, sent: 0, saved: 0, failed: 0, cancelled: false };
  const minSide = await host.skipSmallerThan();
  const urls = new Set<string>();
  const streamIds = new Set<string>();
  const chosen: Array<[E, FoundCandidate]> = [];
  let batchId: string | undefined;
  let smallerSent = 0;
  /** Sends `some` of the chosen (`more`: the batch stays open); false when the worker refused. */
  const send = async (some: Array<[E, FoundCandidate]>, more: boolean): Promise<boolean> => {
    const first = some[0] as [E, FoundCandidate];
    const mine = [...new Set(some.map(([, candidate]) => candidate.imageUrl))];
    for (const url of mine) host.each(url, (control) => control.state === 'idle' && setState(control, 'queued'));
    const smaller = summary.smaller - smallerSent;
    const response = await host.send(
      {
        type: 'download.batch',
        commandId: crypto.randomUUID(),
        images: some.map(([, candidate]) => host.image(candidate)),
        ...(smaller > 0 ? { skipped: { smaller } } : {}),
        ...(run.folder && !batchId ? { folder: run.folder } : {}),
        ...(batchId ? { batchId } : {}),
        ...(more ? { more } : {}),
      },
      host.control(first[0]),
    );
    if (!response?.ok) {
      for (const url of mine) host.each(url, (control) => control.state === 'queued' && setState(control, 'failed', response?.error ?? null));
      return false;
    }
    batchId ??= response.batchId;
    smallerSent += smaller;
    summary.sent += some.length;
    for (const url of mine) urls.add(url);
    for (const id of response.streamIds ?? []) streamIds.add(id);
    return true;
  };
  let looking = true;
  let firstLot: Promise<boolean> | null = null;
  while (looking) {
    // The results the page added since the last look, in the page's order (infinite scroll appends).
    const fresh = host.live().slice(summary.results, run.limit);
    summary.results += fresh.length;
    for (const entry of fresh) {
      if (run.signal.aborted) break;
      const candidate = await host.pick(entry, true);
      if (!candidate) summary.noOriginal += 1;
      else if (meetsSize(candidate, run.filter ?? { value: 0, unit: 'px' }) === false || meetsSize(candidate, { value: minSide, unit: 'px' }) === false) summary.smaller += 1;
      else chosen.push([entry, candidate]);
      if (!firstLot && chosen.length > FIRST_LOT) firstLot = send(chosen.splice(0, FIRST_LOT), true);
    }
    // The next lot continues the batch the first one opened (and none goes after a refusal).
    if (firstLot && !(await firstLot)) break;
    if (run.signal.aborted) break;
    looking = summary.results < run.limit;
    // Google loads the next results while these are sent.
    if (looking) run.say(t('cAllLoading', [String(summary.results), String(run.limit)]));
    const next = looking ? moreResults(host, run, summary.results) : Promise.resolve(false);
    const some = chosen.splice(0, looking ? chosen.length - 1 : chosen.length);
    if (!looking && some.length > 0) run.say(t('cAllSending', String(summary.sent + some.length)));
    const sent = some.length === 0 || (await send(some, looking));
    looking = (await next) && sent && !run.signal.aborted;
    // The end (no more results, or a refusal): the one held back closes the batch.
    if (!looking && sent && !run.signal.aborted && chosen.length > 0) {
      run.say(t('cAllSending', String(summary.sent + chosen.length)));
      await send(chosen.splice(0), false);
    }
  }
  if (streamIds.size === 0) {
    summary.cancelled = run.signal.aborted;
    return summary;
  }
  // Progress: the worker's own states of the batch's images (what the controls show too), until all have settled;
  // only those still going are asked for again.
  const settled = new Map<string, string>();
  for (;;) {
    for (const update of await host.states([...urls].filter((url) => !settled.has(url)))) if (update.state === 'completed' || update.state === 'failed') settled.set(update.imageUrl, update.state);
    summary.saved = [...settled.values()].filter((state) => state === 'completed').length;
    summary.failed = settled.size - summary.saved;
    if (settled.size >= urls.size) break;
    if (run.signal.aborted) {
      summary.cancelled = true;
      await host.cancel([...streamIds]);
      break;
    }
    run.say(t('cAllSaving', [String(summary.saved), String(urls.size), String(summary.failed)]));
    await pause(1000, run.signal);
  }
  return summary;
}
