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

/** Scrolls to the page's end until `limit` results are on the page, none come any more, or the run is cancelled. */
async function loadResults<E>(host: BulkHost<E>, run: DownloadAllRun): Promise<E[]> {
  const endAfter = run.endAfterMs ?? 6000;
  let count = host.live().length;
  while (count < run.limit && !run.signal.aborted) {
    run.say(t('cAllLoading', [String(count), String(run.limit)]));
    // Google's infinite scroll loads the next results when its end comes into view.
    const scroller = document.scrollingElement ?? document.documentElement;
    scroller.scrollTop = scroller.scrollHeight;
    let waited = 0;
    while (waited < endAfter && host.live().length === count && !run.signal.aborted) {
      await pause(POLL_MS, run.signal);
      waited += POLL_MS;
      // The page may grow without new results (images loading): keep its end in view.
      if (scroller.scrollTop + innerHeight < scroller.scrollHeight - 2) scroller.scrollTop = scroller.scrollHeight;
    }
    const now = host.live().length;
    if (now === count) break;
    count = now;
  }
  return host.live().slice(0, run.limit);
}

export async function downloadAll<E>(host: BulkHost<E>, run: DownloadAllRun): Promise<DownloadAllSummary> {
  const summary: DownloadAllSummary = { results: 0, smaller: 0, noOriginal: 0, sent: 0, saved: 0, failed: 0, cancelled: false };
  const entries = await loadResults(host, run);
  summary.results = entries.length;
  const minSide = await host.skipSmallerThan();
  const chosen: Array<[E, FoundCandidate]> = [];
  for (const entry of entries) {
    if (run.signal.aborted) break;
    const candidate = await host.pick(entry, true);
    if (!candidate) summary.noOriginal += 1;
    else if (meetsSize(candidate, run.filter ?? { value: 0, unit: 'px' }) === false || meetsSize(candidate, { value: minSide, unit: 'px' }) === false) summary.smaller += 1;
    else chosen.push([entry, candidate]);
  }
  const first = chosen[0];
  if (run.signal.aborted || !first) {
    summary.cancelled = run.signal.aborted;
    return summary;
  }
  const urls = [...new Set(chosen.map(([, candidate]) => candidate.imageUrl))];
  run.say(t('cAllSending', String(chosen.length)));
  for (const url of urls) host.each(url, (control) => control.state === 'idle' && setState(control, 'queued'));
  const response = await host.send(
    {
      type: 'download.batch',
      commandId: crypto.randomUUID(),
      images: chosen.map(([, candidate]) => host.image(candidate)),
      ...(summary.smaller > 0 ? { skipped: { smaller: summary.smaller } } : {}),
      ...(run.folder ? { folder: run.folder } : {}),
    },
    host.control(first[0]),
  );
  if (!response?.ok) {
    for (const url of urls) host.each(url, (control) => control.state === 'queued' && setState(control, 'failed', response?.error ?? null));
    return summary;
  }
  summary.sent = chosen.length;
  const streamIds = [...new Set(response.streamIds ?? [])];
  // Progress: the worker's own states of the batch's images (what the controls show too), until all have settled.
  for (;;) {
    const updates = await host.states(urls);
    summary.saved = updates.filter((update) => update.state === 'completed').length;
    summary.failed = updates.filter((update) => update.state === 'failed').length;
    if (summary.saved + summary.failed >= urls.length) break;
    if (run.signal.aborted) {
      summary.cancelled = true;
      await host.cancel(streamIds);
      break;
    }
    run.say(t('cAllSaving', [String(summary.saved), String(urls.length), String(summary.failed)]));
    await pause(1000, run.signal);
  }
  return summary;
}
