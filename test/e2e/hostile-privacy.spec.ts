/**
 * Privacy the user controls (issue #17 items 4 and 7), in a real Chromium:
 * - `"incognito": "split"`: allowed in incognito, a download from an incognito window works, but nothing of it
 *   reaches the regular profile's IndexedDB (a fresh reading finds nothing; nothing of it on disk) or the outbox.
 * - chrome.storage.local is for the extension's pages and worker only: the content script cannot read or change
 *   the settings that steer data out (the outbox address).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page, Worker } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';
import { startReceiver } from './receiver.ts';
import { sha256 } from '../../scripts/image-host.mjs';
import type { StoredEvent } from '../../src/domain/events.ts';

const control = '[data-testid="semantest-download"]';

/**
 * Allows the extension in incognito the way a user does on chrome://extensions (its developerPrivate API). An
 * unpacked extension is reloaded by that, and Chromium disables a reloaded unpacked extension unless developer
 * mode is on (`unsupportedDeveloperExtension`), so developer mode is switched on first, as a user loading it must.
 */
async function allowInIncognito(ext: Extension): Promise<void> {
  const page = await ext.context.newPage();
  await page.goto('chrome://extensions/');
  await page.evaluate(async (id) => {
    const api = (chrome as unknown as { developerPrivate: DeveloperPrivate }).developerPrivate;
    await api.updateProfileConfiguration({ inDeveloperMode: true });
    await api.updateExtensionConfiguration({ extensionId: id, incognitoAccess: true });
  }, ext.extensionId);
  await expect
    .poll(() =>
      page.evaluate(async (id) => {
        const info = await (chrome as unknown as { developerPrivate: DeveloperPrivate }).developerPrivate.getExtensionInfo(id);
        return `${info.state} ${info.incognitoAccess.isActive}`;
      }, ext.extensionId),
    )
    .toBe('ENABLED true');
  await page.close();
}

/** The part of chrome://extensions' private API used here (not in @types/chrome). */
interface DeveloperPrivate {
  updateProfileConfiguration(update: { inDeveloperMode: boolean }): Promise<void>;
  updateExtensionConfiguration(update: { extensionId: string; incognitoAccess: boolean }): Promise<void>;
  getExtensionInfo(id: string): Promise<{ state: string; incognitoAccess: { isActive: boolean } }>;
}

/**
 * Opens an incognito window on the Google fixture. Playwright sees its page but the context's routes do not reach
 * another browser context, so the page gets its own route, and is loaded again through it.
 */
async function openIncognitoGoogle(ext: Extension, from: Page): Promise<Page> {
  const url = 'https://www.google.com/search?q=private&udm=2';
  await from.evaluate((target) => void chrome.windows.create({ incognito: true, url: target }), url);
  let page: Page | undefined;
  await expect.poll(() => (page = ext.context.pages().find((candidate) => candidate.url().startsWith('https://www.google.com/search?q=private')))).toBeTruthy();
  const incognito = page as Page;
  const html = readFileSync(join('test/fixtures/google/udm2.html'), 'utf8').replaceAll('{{IMG}}', ext.images.origin);
  await incognito.route(/^https:\/\/www\.google\.com\//, (route) =>
    route.request().resourceType() === 'document' ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }) : route.fulfill({ status: 204, body: '' }),
  );
  await incognito.goto(url);
  // Headless Chromium cancels (USER_CANCELED, no file name) a download of an incognito context that the harness did
  // not set up: Browser.setDownloadBehavior cannot name a context CDP did not create, but the page's own command
  // reaches its context. 'allow' saves into the folder given, by the file's own name (the sub-folder is dropped).
  // The session stays attached: the setting lasts only as long as it does.
  const cdp = await incognito.context().newCDPSession(incognito);
  await cdp.send('Page.setDownloadBehavior', { behavior: 'allow', downloadPath: ext.downloadDir });
  return incognito;
}

/** The regular profile's `events` table, read afresh from one of the extension's (regular) pages. */
async function regularEvents(ext: Extension): Promise<StoredEvent[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ext.events();
    } catch (error) {
      // Right after the reload the extension's pages may refuse to load for a moment (ERR_BLOCKED_BY_CLIENT).
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat?.isDirectory()) out.push(...filesUnder(full));
    else if (stat?.isFile()) out.push(full);
  }
  return out;
}

test('incognito, split: a download there works, and nothing of it reaches the regular profile’s IndexedDB, its disk or the outbox', async ({ ext }) => {
  const receiver = await startReceiver();
  try {
    await ext.setSettings({ outboxEnabled: true, outboxUrl: receiver.url });
    await allowInIncognito(ext);
    let regularPage: Page | undefined;
    // Right after the reload the extension's pages may refuse to load for a moment (ERR_BLOCKED_BY_CLIENT).
    await expect.poll(async () => (regularPage = await ext.openPopup().catch(() => undefined)) !== undefined).toBe(true);
    // An incognito window, opened from an extension page as a user's "New incognito window" would be.
    const incognito = await openIncognitoGoogle(ext, regularPage as Page);
    await incognito.locator(control).first().waitFor({ state: 'attached' });
    // The fox (4th result): nothing else downloads it in this test.
    await incognito.locator(control).nth(4).click();
    await expect(incognito.locator(control).nth(4)).toHaveAttribute('data-state', 'completed');
    // Under the harness's 'allow' (openIncognitoGoogle) Chrome names a file after its URL; saga v2 saves the
    // transfer's blob: URL, so the name is the Blob's id. The bytes are the fox's.
    const fox = sha256(ext.images.images.get('fox.jpg')?.original ?? Buffer.alloc(0));
    let saved = '';
    await expect.poll(() => (saved = ext.files().find((file) => !file.endsWith('.crdownload') && sha256(readFileSync(join(ext.downloadDir, file))) === fox) ?? '')).not.toBe('');

    // The incognito worker recorded it, in its own (in-memory) database.
    const workers = ext.context.serviceWorkers().filter((worker) => worker.url().startsWith(`chrome-extension://${ext.extensionId}/`));
    const inIncognito = await Promise.all(workers.map((worker: Worker) => worker.evaluate(() => Boolean(chrome.extension?.inIncognitoContext)).catch(() => null)));
    const incognitoWorker = workers[inIncognito.indexOf(true)];
    expect(incognitoWorker, 'split mode gives incognito its own worker').toBeDefined();
    const recorded = await (incognitoWorker as Worker).evaluate(
      () =>
        new Promise<string[]>((done, fail) => {
          const open = indexedDB.open('semantest');
          open.onerror = () => fail(open.error);
          open.onsuccess = () => {
            const request = open.result.transaction('events').objectStore('events').getAll();
            request.onsuccess = () => done((request.result as { type: string }[]).map((row) => row.type));
            request.onerror = () => fail(request.error);
          };
        }),
    );
    expect(recorded).toContain('GoogleImageDownloadCompleted');

    // A regular download afterwards: once the receiver has it, the incognito events would have been sent long before.
    const google = await ext.openGoogle();
    await google.locator(control).nth(0).click();
    await ext.waitForFile('Semantest/dog.png');
    await expect.poll(async () => receiver.accepted.filter((ce) => ce.type === 'dev.semantest.GoogleImageDownloadCompleted').length).toBe(1);

    // A fresh reading of the regular profile's IndexedDB: the regular download only.
    const events = await regularEvents(ext);
    const urls = events.filter((e) => e.type === 'GoogleImageDownloadRequested').map((e) => (e.data as { imageUrl: string }).imageUrl);
    expect(urls).toEqual([`${ext.images.origin}/originals/dog.png`]);
    expect(receiver.accepted.some((ce) => JSON.stringify(ce.data).includes('fox'))).toBe(false);
    // And nothing of it in the profile on disk (an incognito profile's IndexedDB lives in memory), where the
    // regular download is found (so the search does see what IndexedDB writes).
    const profile = join(ext.downloadDir, '..', 'profile', 'Default');
    const mentioning = (text: string): string[] => filesUnder(profile).filter((file) => !file.includes('Cache') && readFileSync(file).includes(text));
    expect(mentioning('originals/dog.png').some((file) => file.includes('IndexedDB'))).toBe(true);
    expect(mentioning('originals/fox.jpg')).toEqual([]);
    expect(saved).not.toBe('');
  } finally {
    await receiver.close();
  }
});

/** Runs `expression` in the content script's isolated world of `page` (CDP), and returns its value. */
async function inContentScript(page: Page, expression: string): Promise<unknown> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const contexts: { id: number; name: string; auxData?: { type?: string } }[] = [];
  cdp.on('Runtime.executionContextCreated', (event) => contexts.push(event.context as (typeof contexts)[number]));
  await cdp.send('Runtime.enable');
  const world = contexts.find((context) => context.auxData?.type === 'isolated' && context.name !== '');
  if (!world) throw new Error(`no content script world among ${contexts.map((context) => context.name).join(', ')}`);
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression, contextId: world.id, awaitPromise: true, returnByValue: true });
  await cdp.detach();
  if (exceptionDetails) return `threw: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`;
  return result.value;
}

test('the content script cannot read or change the settings (chrome.storage.local is for trusted contexts)', async ({ ext }) => {
  await ext.setSettings({ outboxEnabled: false, outboxUrl: '' });
  const google = await ext.openGoogle();
  const read = await inContentScript(google, 'chrome.storage.local.get("settings").then((v) => JSON.stringify(v), (e) => "refused: " + e.message)');
  expect(read).toMatch(/^(refused|threw)/);
  const write = await inContentScript(
    google,
    'chrome.storage.local.set({ settings: { version: 1, settings: { outboxEnabled: true, outboxUrl: "https://collector.example/in" } } }).then(() => "written", (e) => "refused: " + e.message)',
  );
  expect(write).toMatch(/^(refused|threw)/);
  // The extension's own pages still read it, unchanged.
  const popup = await ext.openPopup();
  const stored = await popup.evaluate(async () => (await chrome.storage.local.get('settings')) as Record<string, { settings: { outboxUrl: string } }>);
  expect(stored.settings?.settings.outboxUrl).toBe('');
});
