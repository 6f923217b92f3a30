/**
 * The popup: a summary, the download history (search, filters, live progress, actions) and the failures view,
 * live from the downloads read model. Only the rows in view are drawn, so 10,000 downloads open as fast as 10.
 *
 * In the build, this script is loaded by the first-screen script (first-screen.tsx) once that has drawn the first
 * rows from the same markup (view.tsx) without preact: the first render here then takes those nodes over in place
 * (same rows, focus, scroll and anything typed into the filters kept). Without it (dev server, or the first screen
 * failed) it reads and draws by itself.
 */
import { render } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import type { DownloadState } from '../domain/download.ts';
import { useDownloads } from '../ui/use-downloads.ts';
import { mergeRows, readNewest, searchByIndex, takeEarlyRead } from '../ui/downloads-reader.ts';
import { searchWords } from '../domain/search-text.ts';
import { BatchReportPanel } from './batch-report-view.tsx';
import type { BatchReport } from '../domain/batch-report.ts';
import { useProgress } from '../ui/progress.ts';
import { filterHistory, summarize, NO_FILTER, type HistoryFilter, type StatusFilter, type DateFilter } from '../ui/history-filter.ts';
import { WindowedList } from '../ui/windowed-list.tsx';
import { messagesReady, t } from '../platform/i18n.ts';
import { peekSetting } from '../platform/settings-peek.ts';
import type { Act } from './rows.tsx';
import { latestBatch } from './batch-summary.ts';
import { PopupView, FailuresPanel, FIRST_SCREEN, type View, type Notice } from './view.tsx';
import { sendToWorker } from '../platform/messaging.ts';
import { followPageHealth } from '../ui/page-health.ts';

function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** What the user set in the first screen's filters before this script took them over (nothing, usually). */
function filterInPage(): HistoryFilter {
  const value = (testid: string) => document.querySelector<HTMLInputElement | HTMLSelectElement>(`#app [data-testid="${testid}"]`)?.value;
  const text = value('history-search') ?? NO_FILTER.text;
  const status = (value('status-filter') as StatusFilter | undefined) ?? NO_FILTER.status;
  const date = (value('date-filter') as DateFilter | undefined) ?? NO_FILTER.date;
  return text === NO_FILTER.text && status === NO_FILTER.status && date === NO_FILTER.date ? NO_FILTER : { text, status, date };
}

function Popup() {
  // The first screen comes from one small request; the whole history (for search, filters and the summary) is
  // read right after the first paint, in pages, so 10,000 downloads do not delay the popup opening.
  const [history, readAllNow] = useDownloads(FIRST_SCREEN, firstScreen, early?.rows);
  const progress = useProgress();
  const now = useNow();
  const [view, setView] = useState<View>('history');
  const [filter, setFilter] = useState<HistoryFilter>(initialFilter);
  const [notice, setNotice] = useState<Notice>(null);
  const [offerThumbnail, setOfferThumbnail] = useState(true);
  useEffect(() => {
    peekSetting('offerThumbnail').then((value) => setOfferThumbnail(value !== false), () => undefined);
    // Typed before this script ran (or the search box has focus): a search waits for no pause.
    // (A text search hurries it once the search index answered: below.)
    if ((initialFilter !== NO_FILTER && !searchWords(initialFilter.text).length) || document.activeElement?.matches('#app input[type="search"]')) readAllNow();
  }, []);

  const rows = history.status === 'ready' ? history.rows : [];
  const complete = history.status === 'ready' && history.complete;
  // Until the whole history is read, a search is answered from the search index (all downloads) too.
  const [indexed, setIndexed] = useState<{ text: string; rows: DownloadState[]; total: number } | null>(null);
  useLayoutEffect(() => {
    const words = searchWords(filter.text);
    if (complete || words.length === 0) return undefined;
    let current = true;
    const early = initialSearch?.text === filter.text ? initialSearch.answer : undefined;
    initialSearch = null;
    // The whole history is read once the index answered: both at once would slow the answer down.
    (early ?? searchByIndex(words))
      .then(
        (answer) => current && answer && setIndexed({ text: filter.text, ...answer }),
        () => undefined,
      )
      .finally(readAllNow);
    return () => {
      current = false;
    };
  }, [filter.text, complete]);
  const fromIndex = !complete && indexed?.text === filter.text ? indexed : null;
  const shown = useMemo(
    // The rows held here are the fresher where both have one (the index follows the log a moment later).
    () => (fromIndex ? mergeRows(filterHistory(fromIndex.rows, filter, now), filterHistory(rows, filter, now)) : filterHistory(rows, filter, now)),
    [rows, filter, now, fromIndex],
  );
  const failures = useMemo(() => filterHistory(rows, { ...NO_FILTER, status: 'failures' }, now).filter((row) => !row.discarded && !row.imported), [rows, now]);
  const summary = useMemo(() => summarize(rows, now), [rows, now]);
  const batch = useMemo(() => latestBatch(rows), [rows]);
  // The batch report reads its own rows (a batch may be larger than what the popup has read): again on each change.
  const [latest, setLatest] = useState<BatchReport | null | undefined>(null);
  useEffect(() => {
    // The worker joins the batch with its downloads (domain/batch-report.ts): none of that code is in the popup.
    sendToWorker({ type: 'batch.report' }).then((answer) => answer.ok && setLatest(answer.report), () => undefined);
  }, [rows]);

  const act: Act = async (request, done) => {
    try {
      const response = await sendToWorker(request);
      setNotice(response.ok ? (done ? { kind: 'info', text: done } : null) : { kind: 'error', text: response.error });
    } catch (error) {
      setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    }
  };
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setNotice({ kind: 'info', text: t('linkCopied') });
    } catch {
      setNotice({ kind: 'error', text: t('linkNotCopied') });
    }
  };
  const changeFilter = (next: HistoryFilter) => {
    // A search or filter over a history not read yet: read it now; the answer grows with each page.
    if (next.status !== filter.status || next.date !== filter.date || (next.text !== filter.text && searchWords(next.text).length === 0)) readAllNow();
    setFilter(next);
  };

  return (
    <PopupView
      history={history}
      shown={shown}
      searchedAll={fromIndex?.total}
      failures={failures}
      summary={summary}
      batch={batch}
      report={latest && <BatchReportPanel report={latest} />}
      failuresPanel={<FailuresPanel failures={failures} now={now} offerThumbnail={offerThumbnail} List={WindowedList<DownloadState>} act={act} copy={copy} />}
      view={view}
      filter={filter}
      notice={notice}
      now={now}
      progress={progress}
      offerThumbnail={offerThumbnail}
      List={WindowedList<DownloadState>}
      onView={setView}
      onFilter={changeFilter}
      onDismiss={() => setNotice(null)}
      onSearchFocus={readAllNow}
      act={act}
      copy={copy}
    />
  );
}

// The first-screen script (boot.ts) started the first screen's read before this script was evaluated; when its
// rows are there already, the first render draws them (and takes the first screen's nodes over). Without its read
// (its limit differs from FIRST_SCREEN), the read starts here, before the first render, so the database opens while
// preact draws the page's shell.
const early = takeEarlyRead(FIRST_SCREEN);
const firstScreen = early ? early.newest.catch(() => readNewest(FIRST_SCREEN)) : readNewest(FIRST_SCREEN);
firstScreen.catch(() => undefined); // the hook reports it
const initialFilter = filterInPage();
// Typed into the first screen: the search index is asked before the first render.
// (The first screen may have asked already: its answer is taken over.)
let initialSearch: { text: string; answer: ReturnType<typeof searchByIndex> } | null =
  searchWords(initialFilter.text).length === 0 ? null : early?.search?.text === initialFilter.text ? early.search : { text: initialFilter.text, answer: searchByIndex(searchWords(initialFilter.text)) };
initialSearch?.answer.catch(() => undefined);
const root = document.getElementById('app');
// After messagesReady: a microtask when chrome.i18n has its strings, one local read when it has not.
if (root) {
  void messagesReady().then(() => {
    render(<Popup />, root);
    root.dataset.app = 'ready';
    // Google's page changed (or showed no results): one line above the history, outside what preact draws.
    const health = document.createElement('p');
    health.className = 'notice page-health';
    health.dataset.testid = 'page-health';
    health.setAttribute('role', 'status');
    health.hidden = true;
    root.before(health);
    followPageHealth(health, true);
  });
}
