/**
 * The popup's first screen, drawn before the app is loaded: a small classic script (no preact) that starts the
 * first read (boot.ts), draws the popup's first state from the same pure view as the app (view.tsx, through
 * dom-jsx.ts instead of preact), and only then loads the app's script, whose first render takes these nodes over in
 * place (main.tsx). Evaluating the whole app (~38 KB) before the first row was what the popup spent over the floor.
 *
 * The build (scripts/vite-popup-head.ts) bundles this file into its own IIFE with `preact/jsx-runtime` mapped to
 * dom-jsx.ts, loads it from the popup's HTML and names the app's script in its `data-app`.
 *
 * Whatever fails, the popup ends usable: a failed or slow read leaves the page to the app (which reads again and
 * shows the error, or "Loading…"); an app that fails to load or throws before it took over is reported in the page.
 */
import './boot.ts';
import type { DownloadState } from '../domain/download.ts';
import { searchIndexOf, type EarlyRead, type EARLY_READ_KEY, type IndexAnswer } from '../ui/downloads-reader.ts';
import { filterHistory, summarize, NO_FILTER, type HistoryFilter } from '../ui/history-filter.ts';
import { searchWords } from '../domain/search-text.ts';
import { WindowedRows } from '../ui/windowed-rows.tsx';
import { messagesReady, t } from '../platform/i18n.ts';
import { latestBatch } from './batch-summary.ts';
import { PopupView, type ListProps } from './view.tsx';
import { draw } from './dom-jsx.ts';

/** How long the read may take before the app is loaded anyway (it shows "Loading…" and takes the read over). */
const SLOW_READ_MS = 300;
/** When no frame comes (a hidden page), the app is loaded after this long anyway. */
const NO_FRAME_MS = 100;

const noop = () => undefined;

/** The windowed list as it first draws: the top of the list, at its initial height. */
const FirstList = (props: ListProps) => <WindowedRows {...props} scrollTop={0} height={props.initialHeight} />;

/** The popup's first state; with a search typed, the matches the search index found (the app merges fresher rows). */
function firstScreen(rows: DownloadState[], filter: HistoryFilter = NO_FILTER, found?: IndexAnswer) {
  const now = Date.now();
  return (
    <PopupView
      history={{ status: 'ready', rows, complete: false }}
      searchedAll={found?.total}
      shown={filterHistory(found?.rows ?? rows, filter, now)}
      failures={filterHistory(rows, { ...NO_FILTER, status: 'failures' }, now).filter((row) => !row.discarded && !row.imported)}
      summary={summarize(rows, now)}
      batch={latestBatch(rows)}
      view="history"
      filter={filter}
      notice={null}
      now={now}
      progress={new Map()}
      offerThumbnail={true}
      List={FirstList}
      onView={noop}
      onFilter={noop}
      onDismiss={noop}
      onSearchFocus={noop}
      act={async () => undefined}
      copy={async () => undefined}
    />
  );
}

/** A search typed into the first screen, until it is drawn: the app's script waits for it (both at once slow it). */
let answering: Promise<unknown> | null = null;

/**
 * A search typed before the app took over is answered here from the search index: the rows under the search box
 * are redrawn, the box itself is left alone (it keeps focus and caret), and the answer is handed to the app with the
 * early read.
 */
function answerSearches(root: HTMLElement, read: EarlyRead, rows: DownloadState[]): void {
  const ours = () => root.dataset.app !== 'ready' && !read.taken;
  root.addEventListener('input', (event) => {
    const input = event.target as HTMLInputElement;
    const text = input.value;
    const words = searchWords(text);
    if (!ours() || input.type !== 'search') return;
    // Emptied again: the first rows again.
    const answer = words.length === 0 ? Promise.resolve(null) : Promise.all([read.db, read.index]).then(([db, index]) => (db && index ? searchIndexOf(db, index, words) : null));
    if (words.length === 0) delete read.search;
    else read.search = { text, answer };
    const drawn = answer.then((found) => {
      const panel = root.querySelector('#panel');
      const form = panel?.querySelector('.filters');
      if ((words.length > 0 && !found) || !ours() || input.value !== text || !form) return;
      const next = document.createElement('div');
      draw(next, found ? firstScreen(rows, { ...NO_FILTER, text }, found) : firstScreen(rows));
      next.querySelector('.filters')?.remove();
      while (form.nextSibling) form.nextSibling.remove();
      form.after(...(next.querySelector('#panel')?.childNodes ?? []));
    }, noop);
    answering = drawn;
    void drawn.then(() => answering === drawn && (answering = null));
  });
}

(() => {
  const root = document.getElementById('app');
  const appSrc = (document.currentScript as HTMLScriptElement | null)?.dataset.app;
  const appReady = () => root?.dataset.app === 'ready';

  // Until the app has rendered, an error (its script missing, or throwing) is shown here: never a blank popup.
  const fail = (error: unknown) => {
    if (appReady() || !root || root.querySelector('[data-testid="popup-failed"]')) return;
    const text = error instanceof Error ? error.message : String(error);
    const line = document.createElement('p');
    line.className = 'error';
    line.setAttribute('role', 'alert');
    line.dataset.testid = 'popup-failed';
    line.textContent = `${t('popupFailed')} ${text}`;
    root.prepend(line);
  };
  addEventListener('error', (event) => fail(event.error ?? event.message));

  let loading = false;
  const loadApp = (): void => {
    if (answering) return void answering.then(loadApp);
    if (loading) return;
    loading = true;
    if (!appSrc) return fail(new Error('the popup’s script is not named'));
    const app = document.createElement('script');
    app.src = appSrc;
    app.onerror = () => fail(new Error(`${appSrc} did not load`));
    document.head.appendChild(app);
  };

  try {
    const read = (globalThis as unknown as Record<string, EarlyRead | undefined>)['__semantestEarlyRead' satisfies typeof EARLY_READ_KEY];
    if (!read || !root) return loadApp();
    const slow = setTimeout(loadApp, SLOW_READ_MS);
    Promise.all([read.newest, messagesReady()]).then(
      ([rows]) => {
        clearTimeout(slow);
        // The app came first (a slow read): the page is its own.
        if (read.taken) return;
        try {
          draw(root, firstScreen(rows));
          answerSearches(root, read, rows);
        } catch (error) {
          root.replaceChildren();
          fail(error);
        }
        // The app's script is fetched while this frame is painted, and runs after it.
        requestAnimationFrame(loadApp);
        setTimeout(loadApp, NO_FRAME_MS);
      },
      () => {
        clearTimeout(slow);
        loadApp();
      },
    );
  } catch (error) {
    fail(error);
    loadApp();
  }
})();
