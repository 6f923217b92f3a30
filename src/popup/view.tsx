/**
 * The popup's markup as PURE components (no hooks): the stateful popup (main.tsx) renders it with preact, and the
 * first-screen script (first-screen.tsx) draws its first state without preact (dom-jsx.ts), before the app's script
 * is loaded. Both give the same DOM for the same props, so preact takes the first screen's nodes over in place.
 */
import type { ComponentChildren } from 'preact';
import type { DownloadState } from '../domain/download.ts';
import { NO_FILTER, type HistoryFilter, type HistorySummary } from '../ui/history-filter.ts';
import { formatBytes } from '../ui/format.ts';
import type { ProgressItem } from '../ui/progress.ts';
import { t } from '../platform/i18n.ts';
import { HistoryRow, FailureRow, type Act } from './rows.tsx';
import type { BatchSummary } from './batch-summary.ts';
import type { History } from '../ui/use-downloads.ts';
import type { WindowedListProps } from '../ui/windowed-list.tsx';

export const ROW_HEIGHT = 64;
export const FAILURE_ROW_HEIGHT = 112;
/** Rows of the first screen: what fits in the popup, and some to scroll into. */
export const FIRST_SCREEN = 24;

export type View = 'history' | 'failures';
export type Notice = { kind: 'error' | 'info'; text: string } | null;

/**
 * What a list of rows needs: the windowed list's props (a type only: the first screen, which has no Preact, imports
 * this file). The app passes the stateful windowed list, the first screen a static one.
 */
export type ListProps = WindowedListProps<DownloadState>;

export interface PopupViewProps {
  history: History;
  /** Set when `shown` answers the search over every download (the search index): how many there are. */
  searchedAll?: number | undefined;
  /** The rows that pass the filter (history view), and the failures view's rows. */
  shown: readonly DownloadState[];
  failures: readonly DownloadState[];
  summary: HistorySummary;
  batch: BatchSummary | null;
  /** The latest batch's report, drawn by the app (batch-report-view.tsx; the first screen leaves it out). */
  report?: ComponentChildren;
  /** The failures view (FailuresPanel), drawn by the app only. */
  failuresPanel?: ComponentChildren;
  view: View;
  filter: HistoryFilter;
  notice: Notice;
  now: number;
  progress: ReadonlyMap<string, ProgressItem>;
  offerThumbnail: boolean;
  List: (props: ListProps) => ComponentChildren;
  onView: (view: View) => void;
  onFilter: (filter: HistoryFilter) => void;
  onDismiss: () => void;
  /** The search box got focus (the popup starts reading the whole history at once). */
  onSearchFocus: () => void;
  act: Act;
  copy: (text: string) => Promise<void>;
}

export function PopupView(props: PopupViewProps) {
  const { history, shown, failures, summary, batch, view, filter, notice, now, progress, List, onView, onFilter, onDismiss, act, copy } = props;
  const rows = history.status === 'ready' ? history.rows : [];
  const complete = history.status === 'ready' && history.complete;
  // Answered from the search index: over every download, though the history is still being read.
  const answered = complete || props.searchedAll !== undefined;
  const total = props.searchedAll ?? rows.length;
  const filtered = props.searchedAll !== undefined || shown.length !== rows.length;
  return (
    <main>
      <header>
        <h1>Semantest</h1>
        <a href="../options/index.html" target="_blank" rel="noreferrer">
          {t('openOptions')}
        </a>
      </header>
      {complete && rows.length > 0 && <Summary summary={summary} />}
      {batch && <BatchProgressView batch={batch} />}
      {props.report}
      {history.status === 'ready' && rows.length > 0 && (
        <div class="tabs" role="tablist" aria-label={t('views')}>
          <button type="button" role="tab" id="tab-history" aria-selected={view === 'history'} aria-controls="panel" onClick={() => onView('history')}>
            {t('historyTab')}
          </button>
          <button type="button" role="tab" id="tab-failures" data-testid="failures-tab" aria-selected={view === 'failures'} aria-controls="panel" onClick={() => onView('failures')}>
            {t('failuresTab')} {failures.length > 0 && <span class="count">{failures.length}</span>}
          </button>
        </div>
      )}
      {notice && (
        <p class={notice.kind === 'error' ? 'error notice' : 'notice'} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="popup-notice">
          {notice.text}
          <button type="button" class="link" aria-label={t('dismiss')} onClick={onDismiss}>
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
          <Filters filter={filter} onChange={onFilter} onSearchFocus={props.onSearchFocus} />
          <p class="count-line" aria-live="polite" data-testid="result-count">
            {!complete && !filtered
              ? t('countLoading', String(rows.length))
              : !filtered
                ? t('countAll', String(rows.length))
                : answered
                  ? t('countSome', [String(shown.length), String(total)])
                  : t('countSomeLoading', [String(shown.length), String(rows.length)])}
          </p>
          {shown.length === 0 ? (
            <div class="empty">
              {answered ? (
                <>
                  <p>{t('noMatch')}</p>
                  <button type="button" onClick={() => onFilter(NO_FILTER)}>
                    {t('clearFilters')}
                  </button>
                </>
              ) : (
                <p data-testid="searching">{t('searchingOlder')}</p>
              )}
            </div>
          ) : (
            <List
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
      {history.status === 'ready' && rows.length > 0 && view === 'failures' && props.failuresPanel}
    </main>
  );
}

/** The failures view's list: drawn by the app only (the first screen always shows the history). */
export function FailuresPanel({ failures, now, offerThumbnail, List, act, copy }: Pick<PopupViewProps, 'failures' | 'now' | 'offerThumbnail' | 'List' | 'act' | 'copy'>) {
  return (
    <section id="panel" role="tabpanel" aria-labelledby="tab-failures">
      {failures.length === 0 ? (
        <p class="empty">{t('noFailures')}</p>
      ) : (
        <List
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

function BatchProgressView({ batch }: { batch: BatchSummary }) {
  const done = batch.running === 0;
  return (
    <section class="batch" data-testid="batch-progress" data-done={String(done)} aria-live="polite">
      <progress max={batch.size} value={batch.saved + batch.failed} />
      <span data-testid="batch-summary">
        {`${batch.saved} of ${batch.size} saved`}
        {batch.failed > 0 ? `, ${batch.failed} failed` : ''}
        {done ? '' : ` (${batch.running} to go)`}
      </span>
    </section>
  );
}

function Filters({ filter, onChange, onSearchFocus }: { filter: HistoryFilter; onChange: (filter: HistoryFilter) => void; onSearchFocus: () => void }) {
  return (
    <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
      <label class="grow">
        <span class="sr-only">{t('searchLabel')}</span>
        <input
          type="search"
          data-testid="history-search"
          placeholder={t('searchPlaceholder')}
          value={filter.text}
          onFocus={onSearchFocus}
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
