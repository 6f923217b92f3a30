/**
 * Search, filters and the summary over the downloads read model, in memory: the popup filters the rows its live
 * query holds (10,000 rows in a few milliseconds), so every keystroke answers at once. Pure: time is passed in.
 */
import type { DownloadState } from '../domain/download.ts';
import { publicStatus, type PublicStatus } from '../domain/download-status.ts';
import { matchesWords, searchText, searchWords } from '../domain/search-text.ts';

export type StatusFilter = 'all' | 'active' | 'failures' | PublicStatus;
export type DateFilter = 'all' | 'today' | 'week' | 'month';

export interface HistoryFilter {
  text: string;
  status: StatusFilter;
  date: DateFilter;
}

export const NO_FILTER: HistoryFilter = { text: '', status: 'all', date: 'all' };

const DAY_MS = 86_400_000;

/** Local midnight of the day `now` falls in. */
export function startOfDay(now: number): number {
  const day = new Date(now);
  day.setHours(0, 0, 0, 0);
  return day.getTime();
}

// Rows are immutable (a live query hands new objects on every change), so the text is computed once per row.
const haystacks = new WeakMap<DownloadState, string>();

/** Everything the text search looks in, lower-cased (domain/search-text.ts), once per row. */
export function searchableText(row: DownloadState): string {
  let text = haystacks.get(row);
  if (text === undefined) {
    text = searchText(row);
    haystacks.set(row, text);
  }
  return text;
}

export function matchesStatus(row: DownloadState, status: StatusFilter): boolean {
  if (status === 'all') return true;
  const actual = publicStatus(row.phase);
  if (status === 'failures') return actual === 'failed' || actual === 'dead-lettered';
  if (status === 'active') return actual === 'queued' || actual === 'downloading' || actual === 'paused';
  return actual === status;
}

export function dateFloor(date: DateFilter, now: number): number {
  switch (date) {
    case 'today':
      return startOfDay(now);
    case 'week':
      return startOfDay(now) - 6 * DAY_MS;
    case 'month':
      return startOfDay(now) - 29 * DAY_MS;
    default:
      return -Infinity;
  }
}

/** The rows that pass every filter, in the order given. Every word of the text must appear (in any field). */
export function filterHistory(rows: readonly DownloadState[], filter: HistoryFilter, now: number): DownloadState[] {
  const words = searchWords(filter.text);
  const floor = dateFloor(filter.date, now);
  if (words.length === 0 && filter.status === 'all' && floor === -Infinity) return rows.slice();
  return rows.filter(
    (row) =>
      row.requestedAt >= floor &&
      matchesStatus(row, filter.status) &&
      (words.length === 0 || matchesWords(searchableText(row), words)),
  );
}

export interface HistorySummary {
  /** Downloads asked for today (local time). */
  today: number;
  /** Completed ÷ settled (completed, failed, dead-lettered), 0..1; null before anything settled. */
  successRate: number | null;
  /** Bytes of every completed download. */
  bytesSaved: number;
  /** Dead-lettered downloads the user has not discarded. */
  deadLetters: number;
  running: number;
}

export function summarize(rows: readonly DownloadState[], now: number): HistorySummary {
  const midnight = startOfDay(now);
  let today = 0;
  let completed = 0;
  let settled = 0;
  let bytesSaved = 0;
  let deadLetters = 0;
  let running = 0;
  for (const row of rows) {
    // Imported history is another browser's: not in this one's summary.
    if (row.imported) continue;
    if (row.requestedAt >= midnight) today += 1;
    switch (publicStatus(row.phase)) {
      case 'completed':
        completed += 1;
        settled += 1;
        bytesSaved += row.fileSize ?? 0;
        break;
      case 'failed':
        settled += 1;
        break;
      case 'dead-lettered':
        settled += 1;
        if (!row.discarded) deadLetters += 1;
        break;
      default:
        running += 1;
    }
  }
  return { today, successRate: settled === 0 ? null : completed / settled, bytesSaved, deadLetters, running };
}

/** What a person can do about a failure, by its code: the advice line of the failures view. */
export function adviceFor(row: DownloadState): 'retry-later' | 'source-page' | 'thumbnail' | 'retry' {
  switch (row.errorCode) {
    case 'http_server_error':
    case 'http_rate_limited':
    case 'network':
    case 'timeout':
    case 'download_interrupted':
      return 'retry-later';
    case 'http_client_error':
    case 'not_an_image':
    case 'empty_body':
      return 'source-page';
    case 'too_large':
    case 'invalid_url':
      return 'thumbnail';
    default:
      return 'retry';
  }
}

/** `12.3 KB/s`-style speed; '' when unknown. */
export function formatSpeed(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '';
  if (bytesPerSecond < 1024) return `${Math.round(bytesPerSecond)} B/s`;
  if (bytesPerSecond < 1_048_576) return `${(bytesPerSecond / 1024).toFixed(1)} KB/s`;
  return `${(bytesPerSecond / 1_048_576).toFixed(1)} MB/s`;
}

/** The range of rows a windowed list draws: what is visible plus `overscan` on each side. */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 4): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(viewportHeight / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(start, end) };
}
