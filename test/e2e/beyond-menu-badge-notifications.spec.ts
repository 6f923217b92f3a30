/**
 * Beyond Google Images (issue 7): "Save image with Semantest" in any page's image context menu, the toolbar badge
 * counting the dead-letter queue, a desktop notification when a download fails for good (with a Retry button,
 * recorded as NotificationSent), and the failure-rate alert (one notification, not one per failure).
 * Notification buttons are clicked the same way as the menu: `chrome.notifications.onButtonClicked.dispatch`.
 *
 * How the menu click is made: a browser's own context menu cannot be opened and clicked from Playwright (or
 * WebDriver, or CDP; see microsoft/playwright#5593 and webdriverio/webdriverio#15064), and the extension must
 * not grow a test-only message or global for it. Chromium's native extension bindings give every `chrome.Event`
 * a non-public `dispatch(...args)` (extensions/renderer/bindings/event_emitter.cc), which runs the listeners
 * registered in that context: `chrome.contextMenus.onClicked.dispatch(info, tab)` in the service worker hands the
 * browser's own `OnClickData` to the very listener src/platform/listeners.ts registered at the top level, so
 * the adapter's mapping, the handler and the saga all run as for a real click. (Checked in Chromium 156; if
 * a build drops `dispatch`, the tests say so rather than pass.)
 */
import { readFileSync } from 'node:fs';
import type { Page, Worker } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';
import { sha256 } from '../../scripts/image-host.mjs';
import type { StoredEvent } from '../../src/domain/events.ts';

const MENU_ID = 'semantest-save-image';

/** A plain page on the image host's own origin (127.0.0.1) showing one of its images. */
async function openGallery(ext: Extension, imagePath: string): Promise<{ page: Page; pageUrl: string; srcUrl: string }> {
  const pageUrl = `${ext.images.origin}/gallery.html`;
  await ext.context.route(pageUrl, (route) =>
    route.fulfill({ contentType: 'text/html; charset=utf-8', body: `<!doctype html><title>Gallery</title><h1>Gallery</h1><img id="picture" src="${imagePath}" alt="a picture">` }),
  );
  const page = await ext.context.newPage();
  await page.goto(pageUrl);
  const srcUrl = await page.locator('#picture').evaluate((img: HTMLImageElement) => img.src);
  return { page, pageUrl, srcUrl };
}

/** What the browser does on a click of our entry on that image: onClicked with OnClickData and the tab. */
async function clickMenu(worker: Worker, pageUrl: string, srcUrl: string): Promise<number> {
  return worker.evaluate(
    async ({ menuItemId, pageUrl, srcUrl }) => {
      const tab = (await chrome.tabs.query({})).find((candidate) => candidate.url === pageUrl);
      if (tab?.id === undefined) throw new Error(`no tab shows ${pageUrl}`);
      const onClicked = chrome.contextMenus.onClicked as unknown as { dispatch?: (info: chrome.contextMenus.OnClickData, tab: chrome.tabs.Tab) => void };
      if (typeof onClicked.dispatch !== 'function') throw new Error('this Chromium has no chrome.Event dispatch: the menu click cannot be simulated');
      onClicked.dispatch({ menuItemId, editable: false, frameId: 0, mediaType: 'image', pageUrl, srcUrl }, tab);
      return tab.id;
    },
    { menuItemId: MENU_ID, pageUrl, srcUrl },
  );
}

/** Runs `fn` in an extension page (chrome.action, chrome.notifications and the database are reachable there). */
async function inExtensionPage<T>(ext: Extension, fn: (arg: string) => Promise<T>, arg = ''): Promise<T> {
  const page = await ext.context.newPage();
  await page.goto(`chrome-extension://${ext.extensionId}/${ext.popupPath}`);
  try {
    return await page.evaluate(fn, arg);
  } finally {
    await page.close();
  }
}

const badgeText = (ext: Extension): Promise<string> => inExtensionPage(ext, () => chrome.action.getBadgeText({}));
const notificationIds = async (ext: Extension): Promise<string[]> => Object.keys(await inExtensionPage(ext, () => chrome.notifications.getAll())).sort();

/** The bus checkpoint (a position in the log) of one subscriber. */
const checkpoint = (ext: Extension, subscriberId: string): Promise<number> =>
  inExtensionPage(
    ext,
    (id) =>
      new Promise<number>((done, fail) => {
        const open = indexedDB.open('semantest');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('checkpoints').objectStore('checkpoints').get(id);
          request.onsuccess = () => {
            open.result.close();
            done((request.result as { position?: number } | undefined)?.position ?? 0);
          };
          request.onerror = () => fail(request.error);
        };
      }),
    subscriberId,
  );

const ofType = (events: StoredEvent[], type: StoredEvent['type']): StoredEvent[] => events.filter((event) => event.type === type);

test('"Save image with Semantest" on an image of any page saves its original in Semantest/, as a context_menu download', async ({ ext }) => {
  const worker = await ext.worker();
  // The entry exists (made in runtime.onInstalled): updating an unknown id fails with "Cannot find menu item".
  const entry = () =>
    worker.evaluate(
      (id) => new Promise<string>((done) => chrome.contextMenus.update(id, { title: 'Save image with Semantest' }, () => done(chrome.runtime.lastError?.message ?? 'exists'))),
      MENU_ID,
    );
  await expect.poll(entry).toBe('exists');

  const { pageUrl, srcUrl } = await openGallery(ext, '/originals/cat.jpg');
  const tabId = await clickMenu(worker, pageUrl, srcUrl);

  const path = await ext.waitForFile('Semantest/cat.jpg');
  expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get('cat.jpg')?.original ?? Buffer.alloc(0)));
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);

  await expect.poll(async () => ofType(await ext.events(), 'GoogleImageDownloadCompleted')).toHaveLength(1);
  const events = await ext.events();
  const requested = events[0];
  expect(requested?.type).toBe('GoogleImageDownloadRequested');
  expect(requested?.data).toMatchObject({ imageUrl: srcUrl, strategy: 'context_menu', sourcePageUrl: pageUrl, pageUrl });
  expect(requested?.metadata.tabId).toBe(tabId);
  expect(events.at(-1)?.type).toBe('GoogleImageDownloadCompleted');
  expect(new Set(events.map((event) => event.streamId)).size).toBe(1);
  expect(new Set(events.map((event) => event.correlationId)).size).toBe(1);

  const popup = await ext.openPopup();
  const row = popup.locator('[data-testid="history-item"]');
  await expect(row).toHaveAttribute('data-status', 'completed');
  await expect(row).toContainText('cat.jpg');
});

test('an image that is not on the web (data:, file:) is refused in words and nothing is written', async ({ ext }) => {
  const { pageUrl } = await openGallery(ext, '/originals/cat.jpg');
  const worker = await ext.worker();
  const said: string[] = [];
  worker.on('console', (message) => said.push(message.text()));
  await clickMenu(worker, pageUrl, 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==');
  await clickMenu(worker, pageUrl, 'file:///etc/hostname');
  await expect.poll(() => said.filter((text) => text.includes('refused'))).toHaveLength(2);
  expect(said.join('\n')).toMatch(/Only web images can be saved \(not data: addresses\)/);
  expect(said.join('\n')).toMatch(/Only web images can be saved \(not file: addresses\)/);
  expect(await ext.events()).toEqual([]);
  expect(ext.files()).toEqual([]);
});

test('the badge counts the dead-lettered downloads, and is empty again once the retry succeeds', async ({ ext }) => {
  await ext.setSettings({ baseDelayMs: 200 });
  ext.images.failing.add('cat.jpg');
  expect(await badgeText(ext)).toBe('');
  const { pageUrl, srcUrl } = await openGallery(ext, '/fault/switch/cat.jpg');
  await clickMenu(await ext.worker(), pageUrl, srcUrl);

  await expect.poll(() => badgeText(ext), { timeout: 30_000 }).toBe('1');
  const failed = ofType(await ext.events(), 'GoogleImageDownloadFailed');
  expect(failed).toHaveLength(4);
  expect(failed.at(-1)?.data).toMatchObject({ deadLettered: true, nextAttemptAt: null });

  const options = await ext.openOptions();
  const item = options.locator('[data-testid="dead-letter-item"]');
  await expect(item).toHaveCount(1);
  ext.images.failing.delete('cat.jpg');
  await item.locator('[data-testid="retry-button"]').click();
  await ext.waitForFile('Semantest/cat.jpg');
  await expect.poll(() => badgeText(ext)).toBe('');
});

test('a download that fails for good raises one notification; none when notifications are off', async ({ ext }) => {
  const { pageUrl } = await openGallery(ext, '/originals/cat.jpg');
  const worker = await ext.worker();
  await clickMenu(worker, pageUrl, `${ext.images.origin}/fault/404/cat.jpg`);
  await expect.poll(async () => ofType(await ext.events(), 'GoogleImageDownloadFailed')).toHaveLength(1);
  const [failed] = ofType(await ext.events(), 'GoogleImageDownloadFailed');
  expect(failed?.data).toMatchObject({ retryable: false, nextAttemptAt: null });
  // One notification, named after the failure event it tells of.
  await expect.poll(() => notificationIds(ext)).toEqual([`semantest:${failed?.eventId}`]);

  await ext.setSettings({ notifications: 'none' });
  await clickMenu(worker, pageUrl, `${ext.images.origin}/fault/404/dog.png`);
  await expect.poll(async () => ofType(await ext.events(), 'GoogleImageDownloadFailed')).toHaveLength(2);
  const second = ofType(await ext.events(), 'GoogleImageDownloadFailed')[1];
  // The subscriber has handled the second failure (its checkpoint is past it) and showed nothing for it. (The
  // first notification may have timed out by now: Chromium closes a basic notification after a few seconds.)
  await expect.poll(() => checkpoint(ext, 'notifications')).toBeGreaterThanOrEqual(second?.position ?? Infinity);
  const shown = await notificationIds(ext);
  expect(shown).not.toContain(`semantest:${second?.eventId}`);
  expect(shown.filter((id) => id !== `semantest:${failed?.eventId}`)).toEqual([]);
  expect(ext.files()).toEqual([]);
});

/** The NotificationSent events (the record of what was shown, with the buttons' actions). */
const notificationsSent = async (ext: Extension): Promise<StoredEvent[]> => ofType(await ext.events(), 'NotificationSent');

/** What the browser does on a click of a notification's button: onButtonClicked(notificationId, buttonIndex). */
async function clickNotificationButton(worker: Worker, notificationId: string, buttonIndex: number): Promise<void> {
  await worker.evaluate(
    ({ notificationId, buttonIndex }) => {
      const onButtonClicked = chrome.notifications.onButtonClicked as unknown as { dispatch?: (id: string, index: number) => void };
      if (typeof onButtonClicked.dispatch !== 'function') throw new Error('this Chromium has no chrome.Event dispatch: the button click cannot be simulated');
      onButtonClicked.dispatch(notificationId, buttonIndex);
    },
    { notificationId, buttonIndex },
  );
}

test('a failure notification has a Retry button; its click continues the same stream and saves the file', async ({ ext }) => {
  await ext.setSettings({ maxRetries: 0 });
  ext.images.failing.add('cat.jpg');
  const { pageUrl, srcUrl } = await openGallery(ext, '/fault/switch/cat.jpg');
  const worker = await ext.worker();
  await clickMenu(worker, pageUrl, srcUrl);

  await expect.poll(async () => (await notificationsSent(ext)).length, { timeout: 20_000 }).toBe(1);
  const [failed] = ofType(await ext.events(), 'GoogleImageDownloadFailed');
  expect(failed?.data).toMatchObject({ deadLettered: true, nextAttemptAt: null });
  const [sent] = await notificationsSent(ext);
  const notificationId = `semantest:${failed?.eventId}`;
  expect(sent?.data).toMatchObject({
    recipient: 'local-user',
    channel: 'desktop',
    kind: 'download-failed',
    notificationId,
    subject: failed?.streamId,
    actions: [{ action: 'retry', streamIds: [failed?.streamId] }],
  });
  expect(sent?.causationId).toBe(failed?.eventId);

  ext.images.failing.delete('cat.jpg');
  await clickNotificationButton(worker, notificationId, 0);
  await ext.waitForFile('Semantest/cat.jpg');
  await expect.poll(async () => ofType(await ext.events(), 'GoogleImageDownloadCompleted')).toHaveLength(1);
  const stream = (await ext.events()).filter((event) => event.streamId === failed?.streamId);
  const retry = stream.find((event) => event.type === 'GoogleImageDownloadRetryRequested');
  expect(retry).toBeDefined();
  // A new user action: its own correlation id, the download's stream continued (no second stream).
  expect(retry?.correlationId).not.toBe(failed?.correlationId);
  expect(stream.at(-1)?.type).toBe('GoogleImageDownloadCompleted');
  expect(new Set(ofType(await ext.events(), 'GoogleImageDownloadRequested').map((event) => event.streamId))).toEqual(new Set([failed?.streamId]));
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
});

test('the failure-rate alert is raised once while the rate stays high, not once per failure', async ({ ext }) => {
  await ext.setSettings({ failureAlertPercent: 50, failureAlertWindow: 2 });
  const { pageUrl } = await openGallery(ext, '/originals/cat.jpg');
  const worker = await ext.worker();
  const alertIds = async (): Promise<string[]> => (await notificationIds(ext)).filter((id) => id.startsWith('semantest:failure-rate:'));
  await clickMenu(worker, pageUrl, `${ext.images.origin}/fault/404/one.jpg`);
  await expect.poll(async () => ofType(await ext.events(), 'GoogleImageDownloadFailed')).toHaveLength(1);
  await clickMenu(worker, pageUrl, `${ext.images.origin}/fault/404/two.jpg`);
  // Two of the last two failed: the alert is shown (and recorded).
  await expect.poll(alertIds).toHaveLength(1);
  await clickMenu(worker, pageUrl, `${ext.images.origin}/fault/404/three.jpg`);
  await expect.poll(async () => ofType(await ext.events(), 'GoogleImageDownloadFailed')).toHaveLength(3);
  const third = ofType(await ext.events(), 'GoogleImageDownloadFailed')[2];
  await expect.poll(() => checkpoint(ext, 'notifications')).toBeGreaterThanOrEqual(third?.position ?? Infinity);
  const events = await ext.events();
  expect(ofType(events, 'FailureRateAlertRaised')).toHaveLength(1);
  expect(ofType(events, 'FailureRateAlertRaised')[0]?.data).toEqual({ failed: 2, settled: 2, thresholdPercent: 50 });
  const alerts = (await notificationsSent(ext)).filter((event) => (event.data as { kind: string }).kind === 'failure-rate');
  expect(alerts).toHaveLength(1);
  // One notification per failure besides, as before (three), and one alert: not one alert per failure.
  expect((await notificationsSent(ext)).length).toBe(4);
});
