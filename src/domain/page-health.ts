/**
 * Markup health of a Google Images page (issue 18): how many results the content script found on it and how many
 * of them had an original in the page. Google changes its markup often; a page that should carry originals and
 * yields none is said to have changed, once, instead of each control failing one by one. Kept out of the event
 * log: it is a fact about Google's page, not about a download. Pure.
 */

export type PageHealthState =
  /** Originals were found (all or some). */
  | 'ok'
  /** Results, but none of them with an original where the page should carry some: Google's markup changed. */
  | 'page_changed'
  /** A basic-HTML page: it never carries originals; they are looked for on each result's source page. */
  | 'source_pages'
  /** No image results (a JavaScript check Google serves instead of results, an empty search). */
  | 'no_results';

export interface PageCounts {
  /** Results looked at (the first ones of the page, where its data lives). */
  results: number;
  /** Of them, how many had an original in the page. */
  originals: number;
  /** Of them, how many are basic-HTML results (no original in the page, by design). */
  basic: number;
}

export interface PageHealthReport extends PageCounts {
  state: PageHealthState;
  /** The Google host the page was on (no path, no query: the search stays in the tab). */
  host: string;
  /** Epoch ms of the report. */
  at: number;
}

export function pageHealthState({ results, originals, basic }: PageCounts): PageHealthState {
  if (results === 0) return 'no_results';
  if (originals > 0) return 'ok';
  return basic === results ? 'source_pages' : 'page_changed';
}

const STATES: ReadonlySet<string> = new Set<PageHealthState>(['ok', 'page_changed', 'source_pages', 'no_results']);
const count = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 1_000_000;

/** A stored report if it has the right shape (it is read back from storage by the popup and the options page). */
export function parsePageHealth(raw: unknown): PageHealthReport | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { state, host, at, results, originals, basic } = raw as Record<string, unknown>;
  if (typeof state !== 'string' || !STATES.has(state) || typeof host !== 'string' || host.length > 253) return null;
  if (typeof at !== 'number' || !Number.isFinite(at) || !count(results) || !count(originals) || !count(basic)) return null;
  return { state: state as PageHealthState, host, at, results, originals, basic };
}
