// @vitest-environment happy-dom
/**
 * The popup's first screen draws its view with dom-jsx.ts instead of preact: for the same props both must give
 * the same DOM, so that preact's first render takes the drawn nodes over without adding or removing any.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { h, render } from 'preact';
import type { DownloadState } from '../../src/domain/download.ts';
import { NO_FILTER, filterHistory, summarize } from '../../src/ui/history-filter.ts';
import { latestBatch } from '../../src/popup/batch-summary.ts';
import type { PopupViewProps } from '../../src/popup/view.tsx';

const NOW = Date.UTC(2026, 10, 27, 12);
const PHASES = ['completed', 'failed', 'dead-lettered', 'queued', 'downloading', 'paused', 'retry-wait'] as const;

function row(i: number, overrides: Partial<DownloadState> = {}): DownloadState {
  const phase = PHASES[i % PHASES.length] ?? 'completed';
  const failed = phase === 'failed' || phase === 'dead-lettered' || phase === 'retry-wait';
  return {
    streamId: `s-${i}`, version: 3, phase,
    request: { imageUrl: `https://img.example/p-${i}.jpg`, strategy: 'udm2_inline', title: `T ${i}`, width: i % 2 ? 800 : undefined, height: i % 2 ? 600 : undefined, thumbnailUrl: i % 3 ? `https://t.example/${i}` : undefined },
    sourceHost: 'img.example', requestedAt: NOW - i * 60_000, updatedAt: NOW - i * 60_000, correlationId: i < 4 ? 'batch' : `c${i}`, lastEventId: `e${i}`,
    tabId: null, attempt: 1, mimeType: 'image/jpeg', transfer: 'url', filename: `Semantest/p-${i}.jpg`,
    filePath: phase === 'completed' ? `/d/Semantest/p-${i}.jpg` : null, fileSize: phase === 'completed' ? 2048 * i : null, chromeDownloadId: null,
    initiatedAt: null, startedAt: null, completedAt: null, durationMs: phase === 'completed' ? 90 * i : null,
    error: failed ? 'The server said no.' : null, errorCode: failed ? 'timeout' : null, retryable: failed ? true : null, nextAttemptAt: null, failures: failed ? 1 : 0, discarded: false,
    ...overrides,
  } as DownloadState;
}

/** The first screen's props (first-screen.tsx draws the same). */
function props(rows: DownloadState[], List: PopupViewProps['List']): PopupViewProps {
  const noop = () => undefined;
  return {
    history: { status: 'ready', rows, complete: false },
    shown: filterHistory(rows, NO_FILTER, NOW),
    failures: filterHistory(rows, { ...NO_FILTER, status: 'failures' }, NOW),
    summary: summarize(rows, NOW),
    batch: latestBatch(rows),
    view: 'history', filter: NO_FILTER, notice: null, now: NOW, progress: new Map(), offerThumbnail: true,
    List, onView: noop, onFilter: noop, onDismiss: noop, onSearchFocus: noop, act: async () => undefined, copy: async () => undefined,
  };
}

/** The view's modules, with JSX going to preact (`dom` false) or to dom-jsx.ts (`dom` true). */
async function load(dom: boolean) {
  vi.resetModules();
  if (dom) vi.doMock('preact/jsx-runtime', () => import('../../src/popup/dom-jsx.ts'));
  else vi.doUnmock('preact/jsx-runtime');
  const view = await import('../../src/popup/view.tsx');
  const rowsModule = await import('../../src/ui/windowed-rows.tsx');
  const domJsx = await import('../../src/popup/dom-jsx.ts');
  const List: PopupViewProps['List'] = (list) => h(rowsModule.WindowedRows<DownloadState>, { ...list, scrollTop: 0, height: list.initialHeight });
  const DomList: PopupViewProps['List'] = (list) => domJsx.jsx(rowsModule.WindowedRows as never, { ...list, scrollTop: 0, height: list.initialHeight }) as never;
  return { view, List: dom ? DomList : List, draw: domJsx.draw, jsx: domJsx.jsx };
}

afterEach(() => {
  vi.doUnmock('preact/jsx-runtime');
  document.body.replaceChildren();
});

describe('the first screen’s DOM', () => {
  for (const [label, rows] of [
    ['24 rows in every phase, a batch among them', Array.from({ length: 24 }, (_, i) => row(i))],
    ['no rows (the empty state)', []],
    ['three rows (no spacer)', [row(0), row(1), row(7)]],
  ] as const) {
    it(`is preact's, and preact takes it over in place: ${label}`, async () => {
      const drawn = await load(true);
      const first = document.createElement('div');
      document.body.append(first);
      drawn.draw(first, drawn.jsx(drawn.view.PopupView as never, props([...rows], drawn.List) as never));
      const firstHtml = first.innerHTML;
      expect(firstHtml).toContain(rows.length ? 'data-testid="history-item"' : 'data-testid="empty-history"');

      const app = await load(false);
      const fresh = document.createElement('div');
      render(h(app.view.PopupView, props([...rows], app.List)), fresh);
      expect(firstHtml).toBe(fresh.innerHTML);

      // Preact rendering over the drawn nodes adds or removes none of them.
      const nodes = [...first.querySelectorAll('*')];
      const records: MutationRecord[] = [];
      const observer = new MutationObserver((list) => records.push(...list));
      observer.observe(first, { childList: true, subtree: true });
      render(h(app.view.PopupView, props([...rows], app.List)), first);
      records.push(...observer.takeRecords());
      observer.disconnect();
      expect(records.filter((record) => record.type === 'childList')).toEqual([]);
      expect(nodes.every((node) => node.isConnected)).toBe(true);
      expect(first.innerHTML).toBe(fresh.innerHTML);
    });
  }
});
