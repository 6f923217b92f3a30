/**
 * The popup: a summary, the download history (search, filters, live progress, actions) and the failures view,
 * live from the downloads read model. Only the rows in view are drawn, so 10,000 downloads open as fast as 10.
 */
// First: boot.ts starts the first screen's IndexedDB read before anything else of the popup is evaluated.
import './boot.ts';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { DownloadState } from '../domain/download.ts';
import { useDownloads } from '../ui/use-downloads.ts';
import { readNewest, takeEarlyRead } from '../ui/downloads-reader.ts';
import { useProgress } from '../ui/progress.ts';
import { filterHistory, summarize, NO_FILTER, type HistoryFilter, type HistorySummary } from '../ui/history-filter.ts';
import { formatBytes } from '../ui/format.ts';
import { WindowedList } from '../ui/windowed-list.tsx';
import { t } from '../platform/i18n.ts';
import { peekSetting } from '../platform/settings-peek.ts';
import { HistoryRow, FailureRow, type Act } from './rows.tsx';
import { BatchProgress } from './batch-progress.tsx';
import { sendToWorker } from '../platform/messaging.ts';

const ROW_HEIGHT = 64;
const FAILURE_ROW_HEIGHT = 112;

type View = 'history' | 'failures';
type Notice = { kind: 'error' | 'info'; text: string } | null;

function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** Rows of the first screen: what fits in the popup, and some to scroll into. */
const FIRST_SCREEN = 24;

function Popup() {
  // The first screen comes from one small request; the whole history (for search, filters and the summary) is
  // read right after the first paint, in pages, so 10,000 downloads do not delay the popup opening.
  const history = useDownloads(FIRST_SCREEN, firstScreen, early?.rows);
  const complete = history.status === 'ready' && history.complete;
  const progress = useProgress();
  const now = useNow();
  const [view, setView] = useState<View>('history');
  const [filter, setFilter] = useState<HistoryFilter>(NO_FILTER);
  const [notice, setNotice] = useState<Notice>(null);
  const [offerThumbnail, setOfferThumbnail] = useState(true);
  useEffect(() => {
    peekSetting('offerThumbnail').then((value) => setOfferThumbnail(value !== false), () => undefined);
  }, []);

  const rows = history.status === 'ready' ? history.rows : [];
  const shown = useMemo(() => filterHistory(rows, filter, now), [rows, filter, now]);
  const failures = useMemo(() => filterHistory(rows, { ...NO_FILTER, status: 'failures' }, now).filter((row) => !row.discarded), [rows, now]);
  const summary = useMemo(() => summarize(rows, now), [rows, now]);

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

  return (
    <main>
      <header>
        <h1>Semantest</h1>
        <a href="../options/index.html" target="_blank" rel="noreferrer">
          {t('openOptions')}
        </a>
      </header>
      {complete && rows.length > 0 && <Summary summary={summary} />}
      <BatchProgress rows={rows} />
      {history.status === 'ready' && rows.length > 0 && (
        <div class="tabs" role="tablist" aria-label={t('views')}>
          <button type="button" role="tab" id="tab-history" aria-selected={view === 'history'} aria-controls="panel" onClick={() => setView('history')}>
            {t('historyTab')}
          </button>
          <button type="button" role="tab" id="tab-failures" data-testid="failures-tab" aria-selected={view === 'failures'} aria-controls="panel" onClick={() => setView('failures')}>
            {t('failuresTab')} {failures.length > 0 && <span class="count">{failures.length}</span>}
          </button>
        </div>
      )}
      {notice && (
        <p class={notice.kind === 'error' ? 'error notice' : 'notice'} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="popup-notice">
          {notice.text}
          <button type="button" class="link" aria-label={t('dismiss')} onClick={() => setNotice(null)}>
            ×
          </button>
        </p>
      )}
      {history.status === 'loading' && <p class="empty">{t('loading')}</p>}
      {history.status === 'error' && (
        <p class="error" role="alert">
          {t('historyUnreadable')} {history.error}
        </p>
      )}
      {history.status === 'ready' && rows.length === 0 && (
        <div class="empty" data-testid="empty-history">
          <p>
            <strong>{t('emptyTitle')}</strong>
          </p>
          <p>{t('emptyHelp')}</p>
        </div>
      )}
      {history.status === 'ready' && rows.length > 0 && view === 'history' && (
        <section id="panel" role="tabpanel" aria-labelledby="tab-history">
          <Filters filter={filter} onChange={setFilter} />
          <p class="count-line" aria-live="polite" data-testid="result-count">
            {!complete && shown.length === rows.length ? t('countLoading', String(rows.length)) : shown.length === rows.length ? t('countAll', String(rows.length)) : t('countSome', [String(shown.length), String(rows.length)])}
          </p>
          {shown.length === 0 ? (
            <div class="empty">
              <p>{t('noMatch')}</p>
              <button type="button" onClick={() => setFilter(NO_FILTER)}>
                {t('clearFilters')}
              </button>
            </div>
          ) : (
            <WindowedList
              class="history"
              label={t('historyLabel')}
              items={shown}
              rowHeight={ROW_HEIGHT}
              initialHeight={360}
              itemKey={(row) => row.streamId}
              renderItem={(row: DownloadState) => <HistoryRow row={row} now={now} progress={progress.get(row.streamId)} act={act} copy={copy} />}
            />
          )}
        </section>
      )}
      {history.status === 'ready' && rows.length > 0 && view === 'failures' && (
        <section id="panel" role="tabpanel" aria-labelledby="tab-failures">
          {failures.length === 0 ? (
            <p class="empty">{t('noFailures')}</p>
          ) : (
            <WindowedList
              class="history failures"
              label={t('failuresLabel')}
              items={failures}
              rowHeight={FAILURE_ROW_HEIGHT}
              initialHeight={400}
              itemKey={(row) => row.streamId}
              renderItem={(row: DownloadState) => <FailureRow row={row} now={now} act={act} copy={copy} offerThumbnail={offerThumbnail} />}
            />
          )}
        </section>
      )}
    </main>
  );
}

function Summary({ summary }: { summary: HistorySummary }) {
  const rate = summary.successRate === null ? '–' : `${Math.round(summary.successRate * 100)} %`;
  return (
    <dl class="summary" data-testid="summary">
      <div>
        <dt>{t('summaryToday')}</dt>
        <dd data-testid="summary-today">{summary.today}</dd>
      </div>
      <div>
        <dt>{t('summarySuccess')}</dt>
        <dd data-testid="summary-success">{rate}</dd>
      </div>
      <div>
        <dt>{t('summarySaved')}</dt>
        <dd data-testid="summary-saved">{formatBytes(summary.bytesSaved) || '0 B'}</dd>
      </div>
      <div>
        <dt>{t('summaryWaiting')}</dt>
        <dd data-testid="summary-dead-letters">
          {summary.deadLetters > 0 ? (
            <a href="../options/index.html#dead-letters" target="_blank" rel="noreferrer">
              {summary.deadLetters}
            </a>
          ) : (
            0
          )}
        </dd>
      </div>
    </dl>
  );
}

function Filters({ filter, onChange }: { filter: HistoryFilter; onChange: (filter: HistoryFilter) => void }) {
  return (
    <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
      <label class="grow">
        <span class="sr-only">{t('searchLabel')}</span>
        <input
          type="search"
          data-testid="history-search"
          placeholder={t('searchPlaceholder')}
          value={filter.text}
          onInput={(event) => onChange({ ...filter, text: event.currentTarget.value })}
        />
      </label>
      <label>
        <span class="sr-only">{t('statusLabel')}</span>
        <select data-testid="status-filter" value={filter.status} onChange={(event) => onChange({ ...filter, status: event.currentTarget.value as HistoryFilter['status'] })}>
          <option value="all">{t('statusAll')}</option>
          <option value="active">{t('statusActive')}</option>
          <option value="completed">{t('statusCompleted')}</option>
          <option value="failures">{t('statusFailures')}</option>
          <option value="paused">{t('statusPaused')}</option>
        </select>
      </label>
      <label>
        <span class="sr-only">{t('dateLabel')}</span>
        <select data-testid="date-filter" value={filter.date} onChange={(event) => onChange({ ...filter, date: event.currentTarget.value as HistoryFilter['date'] })}>
          <option value="all">{t('dateAll')}</option>
          <option value="today">{t('dateToday')}</option>
          <option value="week">{t('dateWeek')}</option>
          <option value="month">{t('dateMonth')}</option>
        </select>
      </label>
    </form>
  );
}

// The boot code (boot.ts, imported first) started the first screen's read before the rest was evaluated; when its
// rows are there already, the first render draws them. Without its read (its limit differs from FIRST_SCREEN), the
// read starts here, before the first render, so the database opens while preact draws the page's shell.
const early = takeEarlyRead(FIRST_SCREEN);
const firstScreen = early ? early.newest.catch(() => readNewest(FIRST_SCREEN)) : readNewest(FIRST_SCREEN);
firstScreen.catch(() => undefined); // the hook reports it
const root = document.getElementById('app');
if (root) render(<Popup />, root);
