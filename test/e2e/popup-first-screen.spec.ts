/**
 * The popup's first screen (src/popup/first-screen.tsx): the newest rows are drawn by a small script before the
 * app is loaded, and the app takes those very nodes over: no node added or removed, no row drawn twice, focus and
 * scroll kept; an app that does not load is reported in the page.
 */
import type { Page } from '@playwright/test';
import { test, expect, putDownloadRows, putSearchIndex, type Extension } from './fixtures.ts';

const COUNT = 40;
const name = (i: number) => `img-${String(i).padStart(4, '0')}`;
const PHASES = ['completed', 'failed', 'dead-lettered', 'queued', 'downloading', 'paused', 'retry-wait', 'completed'] as const;

/** COUNT downloads, img-0000 the newest, in every phase (so every kind of row and its buttons are drawn). */
async function seed(ext: Extension): Promise<void> {
  const popup = await ext.openPopup();
  await expect(popup.getByTestId('empty-history')).toBeVisible();
  const now = Date.now();
  const rows = Array.from({ length: COUNT }, (_, i) => {
    const file = `img-${String(i).padStart(4, '0')}`;
    const phase = PHASES[i % PHASES.length];
    const failed = phase === 'failed' || phase === 'dead-lettered' || phase === 'retry-wait';
    const done = phase === 'completed';
    return {
      streamId: `seed-${i}`, version: 5, phase,
      request: { imageUrl: `https://img${i % 5}.example/${file}.jpg`, strategy: 'udm2_inline', title: `Picture ${i}`, query: 'cats', width: 800, height: 600 },
      sourceHost: `site${i % 5}.example`, requestedAt: now - i * 3_600_000, updatedAt: now - i * 3_600_000, correlationId: `c${i}`, lastEventId: `e${i}`,
      tabId: null, attempt: 1, mimeType: 'image/jpeg', transfer: 'url', filename: `Semantest/${file}.jpg`,
      filePath: done ? `/tmp/Semantest/${file}.jpg` : null, fileSize: done ? 1000 + i : null, chromeDownloadId: null,
      initiatedAt: null, startedAt: null, completedAt: null, durationMs: done ? 120 : null, error: failed ? 'The image server did not answer in time.' : null,
      errorCode: failed ? 'timeout' : null, retryable: failed ? phase !== 'failed' : null, nextAttemptAt: null, failures: failed ? 1 : 0, discarded: false,
    };
  });
  await putDownloadRows(popup, rows);
  await popup.close();
}

interface Watch {
  /** At the first history row: the rows (stream id, status, title, text) and whether the app had rendered yet. */
  first: { ids: string[]; statuses: string[]; titles: string[]; texts: string[]; appReady: boolean; html: string } | null;
  /** Nodes added or removed under #app between the first row and the app's first render. */
  childListDuringTakeover: number;
  removedItems: number;
  duplicates: string[];
}

/**
 * Watches the popup from its first byte: every mutation under #app, in order. With `holdApp`, the app's script is
 * held back until `window.__releaseApp(src?)` (optionally with another src).
 */
async function openWatched(ext: Extension, holdApp = false): Promise<Page> {
  const page = await ext.context.newPage();
  await page.addInitScript((hold: boolean) => {
    const w = window as unknown as Record<string, unknown>;
    const watch: Watch = { first: null, childListDuringTakeover: 0, removedItems: 0, duplicates: [] };
    w.__watch = watch;
    let phase: 'before' | 'takeover' | 'after' = 'before';
    const items = () => [...document.querySelectorAll<HTMLElement>('#app [data-testid="history-item"]')];
    const observer = new MutationObserver((records) => {
      for (const record of records) {
        const target = record.target as Element;
        if (phase === 'before' && items().length > 0) {
          const shown = items();
          watch.first = {
            ids: shown.map((el) => el.dataset.streamId ?? ''),
            statuses: shown.map((el) => el.dataset.status ?? ''),
            titles: shown.map((el) => el.title),
            texts: shown.map((el) => el.textContent ?? ''),
            appReady: document.getElementById('app')?.dataset.app === 'ready',
            html: document.getElementById('app')?.innerHTML ?? '',
          };
          w.__firstNodes = shown;
          phase = 'takeover';
          continue;
        }
        if (record.type === 'attributes' && record.attributeName === 'data-app' && target.id === 'app') phase = 'after';
        else if (phase === 'takeover' && record.type === 'childList' && target.closest?.('#app')) watch.childListDuringTakeover += 1;
        for (const node of record.removedNodes) {
          if (node instanceof Element && (node.matches('[data-testid="history-item"]') || node.querySelector('[data-testid="history-item"]'))) watch.removedItems += 1;
        }
      }
      // Anywhere in the page, not only in #app: a second list beside it would be rows drawn twice too.
      const ids = [...document.querySelectorAll<HTMLElement>('[data-testid="history-item"]')].map((el) => el.dataset.streamId ?? '');
      const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
      if (twice.length > 0) watch.duplicates.push(...twice);
    });
    observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
    if (hold) {
      const append = Node.prototype.appendChild;
      let held: HTMLScriptElement | null = null;
      Node.prototype.appendChild = function <T extends Node>(this: Node, node: T): T {
        if (node instanceof HTMLScriptElement && /\/assets\/popup-(?!first)/.test(node.src) && !held) {
          held = node;
          return node;
        }
        return append.call(this, node) as T;
      };
      w.__releaseApp = (src?: string) => {
        if (!held) throw new Error('the first screen has not asked for the app yet');
        if (src) held.src = src;
        append.call(document.head, held);
      };
      w.__appAsked = () => held !== null;
    }
  }, holdApp);
  await page.goto(`chrome-extension://${ext.extensionId}/${ext.popupPath}`);
  return page;
}

const watch = (page: Page) => page.evaluate(() => (window as unknown as { __watch: Watch }).__watch);

test('the first screen draws the newest rows before the app, and the app takes the same nodes over', async ({ ext }) => {
  await seed(ext);
  const page = await openWatched(ext);
  await expect(page.locator('#app[data-app="ready"]')).toBeAttached();
  // The app has read the whole history by now (40 rows): the first screen's nodes are still the ones shown.
  await expect(page.getByTestId('result-count')).toHaveText(`${COUNT} downloads`);
  const seen = await watch(page);
  const first = seen.first;
  expect(first, 'a first row was drawn').not.toBeNull();
  if (!first) return;
  expect(first.appReady, 'the first rows were drawn before the app rendered').toBe(false);
  // The newest rows, newest first, each once, as many as the windowed list draws at first.
  expect(first.ids).toEqual(Array.from({ length: first.ids.length }, (_, i) => `seed-${i}`));
  expect(first.ids.length).toBeGreaterThanOrEqual(6);
  const status = (i: number) => ({ 'retry-wait': 'queued', validating: 'queued' })[PHASES[i % PHASES.length] as string] ?? PHASES[i % PHASES.length];
  expect(first.statuses).toEqual(first.ids.map((_, i) => status(i)));
  first.titles.forEach((title, i) => expect(title).toContain(name(i)));
  // Same text as the app draws for the same row (names, meta, status words and button labels from chrome.i18n).
  const after = await page.locator('[data-testid="history-item"]').evaluateAll((els) => els.map((el) => el.textContent ?? ''));
  expect(after.slice(0, first.texts.length)).toEqual(first.texts);
  expect(first.texts[1]).toContain('Failed');
  expect(first.html).toContain('aria-label="Retry img-0001.jpg"');
  // In place: nothing added or removed while the app took over, no row removed since, never a row twice.
  expect(seen.childListDuringTakeover).toBe(0);
  expect(seen.removedItems).toBe(0);
  expect(seen.duplicates).toEqual([]);
  expect(await page.evaluate(() => ((window as unknown as { __firstNodes: Element[] }).__firstNodes).every((el) => el.isConnected))).toBe(true);
  // The taken-over rows work: a click goes through the app.
  await page.getByRole('button', { name: `Copy the link of ${name(0)}.jpg` }).click();
  await expect(page.getByTestId('popup-notice')).toBeVisible();
});

test('focus, scroll and a search typed into the first screen survive the takeover; an app that does not load is reported', async ({ ext }) => {
  await seed(ext);
  const page = await openWatched(ext, true);
  await expect(page.locator('[data-testid="history-item"]').first()).toBeAttached();
  await expect.poll(() => page.evaluate(() => (window as unknown as { __appAsked: () => boolean }).__appAsked())).toBe(true);
  const list = page.locator('ul.history');
  await list.evaluate((el) => {
    el.scrollTop = 200;
  });
  const search = page.getByRole('searchbox', { name: 'Search downloads' });
  await search.focus();
  await page.evaluate(() => {
    (document.activeElement as HTMLElement & { __mark?: boolean }).__mark = true;
    (window as unknown as { __releaseApp: () => void }).__releaseApp();
  });
  await expect(page.locator('#app[data-app="ready"]')).toBeAttached();
  expect(await page.evaluate(() => (document.activeElement as HTMLElement & { __mark?: boolean }).__mark === true)).toBe(true);
  expect(await list.evaluate((el) => el.scrollTop)).toBe(200);
  // Scrolled by 3 rows: the app draws the window there (rows from the top minus the overscan), not the top.
  await list.evaluate((el) => el.dispatchEvent(new Event('scroll')));
  await expect(page.locator('[data-testid="history-item"][data-stream-id="seed-12"]')).toBeAttached();
  expect((await watch(page)).duplicates).toEqual([]);

  // Typed before the app ran: the app searches for it (over the rows it has not read yet, too).
  const typed = await openWatched(ext, true);
  await expect.poll(() => typed.evaluate(() => (window as unknown as { __appAsked: () => boolean }).__appAsked())).toBe(true);
  await typed.getByRole('searchbox', { name: 'Search downloads' }).fill('img-003');
  await typed.evaluate(() => (window as unknown as { __releaseApp: () => void }).__releaseApp());
  await expect(typed.getByTestId('result-count')).toHaveText(`10 of ${COUNT} downloads`);
  await expect(typed.locator('[data-testid="history-item"]').first()).toHaveAttribute('data-stream-id', 'seed-30');
  await expect(typed.getByRole('searchbox', { name: 'Search downloads' })).toHaveValue('img-003');

  // The app's script missing: the first screen stays and says so.
  const broken = await openWatched(ext, true);
  await expect.poll(() => broken.evaluate(() => (window as unknown as { __appAsked: () => boolean }).__appAsked())).toBe(true);
  await broken.evaluate(() => (window as unknown as { __releaseApp: (src: string) => void }).__releaseApp('/assets/popup-missing.js'));
  await expect(broken.getByTestId('popup-failed')).toContainText('The popup could not start');
  await expect(broken.locator('[data-testid="history-item"]').first()).toBeVisible();
});

test('a search typed into the first screen is answered there from the search index, and the app keeps the answer', async ({ ext }) => {
  await seed(ext);
  // The index the worker keeps from the log, written as it would be (the rows above were written raw, with no events).
  const writer = await ext.openPopup();
  await putSearchIndex(writer, Array.from({ length: COUNT }, (_, i) => ({ id: `seed-${i}`, text: `${name(i)}.jpg\nsite${i % 5}.example\ncats\npicture ${i}`, at: Date.now() - i * 3_600_000 })));
  await writer.close();

  const page = await openWatched(ext, true);
  await expect.poll(() => page.evaluate(() => (window as unknown as { __appAsked: () => boolean }).__appAsked())).toBe(true);
  const search = page.getByRole('searchbox', { name: 'Search downloads' });
  await search.fill('img-003');
  // The app is still held back: the first screen answered (rows it had not read, found through the index).
  await expect(page.getByTestId('result-count')).toHaveText(`10 of ${COUNT} downloads`);
  await expect(page.locator('[data-testid="history-item"]').first()).toHaveAttribute('data-stream-id', 'seed-30');
  expect(await page.evaluate(() => document.getElementById('app')?.dataset.app)).toBeUndefined();
  await expect(search).toBeFocused();
  // Emptied and typed again, still before the app: the first rows, then the new answer.
  await search.fill('');
  await expect(page.getByTestId('result-count')).toHaveText('The newest 24 downloads; reading the rest…');
  await expect(page.locator('[data-testid="history-item"]').first()).toHaveAttribute('data-stream-id', 'seed-0');
  await search.fill('img-003');
  await expect(page.getByTestId('result-count')).toHaveText(`10 of ${COUNT} downloads`);
  await page.evaluate(() => (window as unknown as { __releaseApp: () => void }).__releaseApp());
  await expect(page.locator('#app[data-app="ready"]')).toBeAttached();
  await expect(page.getByTestId('result-count')).toHaveText(`10 of ${COUNT} downloads`);
  await expect(search).toHaveValue('img-003');
  await expect(search).toBeFocused();
  expect((await watch(page)).duplicates).toEqual([]);
});
