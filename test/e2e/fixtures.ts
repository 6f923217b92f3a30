/**
 * The end-to-end harness: every test gets a fresh Chromium profile with the built extension, Google pages served
 * from fixtures, a local image host on 127.0.0.1, and its own download folder.
 */
import { test as base, expect, type BrowserContext, type Locator, type Page, type Worker } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchWithExtension, routeGooglePages } from '../../scripts/chromium.mjs';
import { startImageHost, startTlsFront, type ImageHost } from '../../scripts/image-host.mjs';
import type { StoredEvent } from '../../src/domain/events.ts';

export const DIST = resolve('dist');
const FIXTURES = resolve('test/fixtures/google');
/** Real Google pages, byte for byte (test/fixtures/google-real/SOURCES.md); served through real-pages.ts. */
export const REAL_FIXTURES = resolve('test/fixtures/google-real');

export interface Extension {
  context: BrowserContext;
  extensionId: string;
  images: ImageHost;
  downloadDir: string;
  popupPath: string;
  optionsPath: string;
  /** Which fixture the next Google page load serves (default udm2). */
  serveFixture(name: string, transform?: (html: string) => string): void;
  /** A real page of test/fixtures/google-real/ instead (its file name), changed only by `transform` if given. */
  serveRealPage(file: string, transform?: (html: string) => string): void;
  openGoogle(page?: Page, query?: string): Promise<Page>;
  openPopup(): Promise<Page>;
  openOptions(): Promise<Page>;
  /** All rows of the `events` table, by position. */
  events(): Promise<StoredEvent[]>;
  /** Stores settings (merged over the defaults) the way the options page does; the worker applies them at once. */
  setSettings(settings: Record<string, unknown>): Promise<void>;
  /** Stops the service worker the way Chrome does when it idles; the next event starts it again. */
  stopWorker(): Promise<void>;
  worker(): Promise<Worker>;
  /** Files under the download folder, as paths relative to it. */
  files(): string[];
  waitForFile(relative: string | RegExp, timeoutMs?: number): Promise<string>;
}

export const test = base.extend<{ ext: Extension; mappedHosts: string[] }>({
  /**
   * Host names Chromium resolves to the local image host (`test.use({ mappedHosts: [...] })`): other hosts' URL
   * shapes. `https://name` goes through an https front with a self-signed certificate (HSTS-preloaded hosts).
   */
  mappedHosts: [[], { option: true }],
  ext: async ({ mappedHosts }, use) => {
    const root = mkdtempSync(join(tmpdir(), 'semantest-e2e-'));
    const downloadDir = join(root, 'downloads');
    const images = await startImageHost();
    const port = new URL(images.origin).port;
    const secure = mappedHosts.some((name) => name.startsWith('https://')) ? await startTlsFront(images.origin, selfSigned(root)) : null;
    const rule = (name: string): string => (name.startsWith('https://') ? `MAP ${name.slice(8)} 127.0.0.1:${secure?.port}` : `MAP ${name} 127.0.0.1:${port}`);
    const args = mappedHosts.length > 0 ? [`--host-resolver-rules=${mappedHosts.map(rule).join(', ')}`, ...(secure ? ['--ignore-certificate-errors'] : [])] : [];
    const launched = await launchWithExtension({ distDir: DIST, userDataDir: join(root, 'profile'), downloadDir, headless: true, localHosts: true, args });
    const { context, extensionId, manifest } = launched;
    let fixture = join(FIXTURES, 'udm2.html');
    let transform: (html: string) => string = (html) => html;
    await routeGooglePages(context, () => transform(readFileSync(fixture, 'utf8')).replaceAll('{{IMG}}', images.origin));
    const pageUrl = (path: string): string => `chrome-extension://${extensionId}/${path}`;
    const optionsPath = manifest.options_ui?.page ?? manifest.options_page ?? '';

    const ext: Extension = {
      context,
      extensionId,
      images,
      downloadDir,
      popupPath: manifest.action.default_popup,
      optionsPath,
      serveFixture(name, change) {
        fixture = join(FIXTURES, `${name}.html`);
        transform = change ?? ((html) => html);
      },
      serveRealPage(file, change) {
        fixture = join(REAL_FIXTURES, file);
        transform = change ?? ((html) => html);
      },
      async openGoogle(page, query = 'animals') {
        const target = page ?? (await context.newPage());
        await target.goto(`https://www.google.com/search?q=${encodeURIComponent(query)}&udm=2`);
        await target.locator('[data-testid="semantest-download"]').first().waitFor({ state: 'attached' });
        return target;
      },
      async openPopup() {
        const page = await context.newPage();
        await page.goto(pageUrl(manifest.action.default_popup));
        return page;
      },
      async openOptions() {
        const page = await context.newPage();
        await page.goto(pageUrl(optionsPath));
        return page;
      },
      async events() {
        const page = await context.newPage();
        await page.goto(pageUrl(manifest.action.default_popup));
        const rows = await page.evaluate(
          () =>
            new Promise<unknown[]>((done, fail) => {
              const open = indexedDB.open('semantest');
              open.onerror = () => fail(open.error);
              open.onsuccess = () => {
                const request = open.result.transaction('events').objectStore('events').getAll();
                request.onsuccess = () => {
                  open.result.close();
                  done(request.result as unknown[]);
                };
                request.onerror = () => fail(request.error);
              };
            }),
        );
        await page.close();
        return rows as StoredEvent[];
      },
      async setSettings(settings) {
        const page = await context.newPage();
        await page.goto(pageUrl(manifest.action.default_popup));
        await page.evaluate((value) => chrome.storage.local.set({ settings: { version: 1, settings: value } }), settings);
        await page.close();
      },
      async stopWorker() {
        const browser = context.browser();
        if (!browser) throw new Error('no browser');
        const cdp = await browser.newBrowserCDPSession();
        const { targetInfos } = await cdp.send('Target.getTargets');
        const target = targetInfos.find((info) => info.type === 'service_worker' && info.url.startsWith(`chrome-extension://${extensionId}/`));
        if (target) await cdp.send('Target.closeTarget', { targetId: target.targetId });
        await cdp.detach();
      },
      async worker() {
        return context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extensionId}/`)) ?? context.waitForEvent('serviceworker');
      },
      files() {
        const out: string[] = [];
        const walk = (dir: string, prefix: string): void => {
          if (!existsSync(dir)) return;
          for (const name of readdirSync(dir)) {
            const full = join(dir, name);
            // Chrome renames `x.crdownload` to `x` when a download completes: a file may vanish under us.
            const stat = statSync(full, { throwIfNoEntry: false });
            if (!stat) continue;
            if (stat.isDirectory()) walk(full, `${prefix}${name}/`);
            else out.push(`${prefix}${name}`);
          }
        };
        walk(downloadDir, '');
        return out.sort();
      },
      async waitForFile(relative, timeoutMs = 10_000) {
        const matches = (file: string): boolean => (typeof relative === 'string' ? file === relative : relative.test(file));
        let found: string | undefined;
        // Chrome reserves the final name with an EMPTY file while the bytes go to a `.crdownload`, which then
        // replaces it: a file is there when it has bytes (the extension never saves an empty one).
        const complete = (file: string): boolean => !file.endsWith('.crdownload') && statSync(join(downloadDir, file), { throwIfNoEntry: false })?.size !== 0;
        await expect
          .poll(() => (found = this.files().find((file) => matches(file) && complete(file))), { timeout: timeoutMs })
          .toBeTruthy();
        return join(downloadDir, found as string);
      },
    };
    await use(ext);
    await context.close().catch(() => undefined);
    await secure?.close();
    await images.close();
    rmSync(root, { recursive: true, force: true });
  },
});

/**
 * Writes rows straight into the extension's `downloads` read model (a history to show), from one of its pages.
 * The worker creates the database when it starts: until it has, this waits (it never creates an empty one — an
 * open that did, then failed to find the store inside its success handler, hung the test when the page came first,
 * as it does on a loaded machine).
 */
/** Writes the search index's entries (projections/search-index.ts) into one bucket, as the worker would have. */
export async function putSearchIndex(page: Page, entries: readonly { id: string; text: string; at: number }[]): Promise<void> {
  await page.evaluate(async (entries) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('semantest');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    await new Promise<void>((done, fail) => {
      const tx = db.transaction('searchIndex', 'readwrite');
      tx.objectStore('searchIndex').put({ bucket: 0, ids: entries.map((e) => e.id), texts: entries.map((e) => e.text), at: entries.map((e) => e.at) });
      tx.oncomplete = () => done();
      tx.onerror = () => fail(tx.error);
    });
    db.close();
  }, entries);
}

export async function putDownloadRows(page: Page, rows: readonly object[]): Promise<void> {
  await page.evaluate(async (rows) => {
    const openMade = (): Promise<IDBDatabase | null> =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('semantest');
        open.onupgradeneeded = () => open.transaction?.abort();
        open.onerror = () => (open.error?.name === 'AbortError' ? resolve(null) : reject(open.error));
        open.onsuccess = () => {
          if (open.result.objectStoreNames.contains('downloads')) return resolve(open.result);
          open.result.close();
          resolve(null);
        };
      });
    let db = await openMade();
    while (!db) {
      await new Promise((next) => setTimeout(next, 50));
      db = await openMade();
    }
    const opened = db;
    await new Promise<void>((done, fail) => {
      const tx = opened.transaction('downloads', 'readwrite');
      for (const row of rows) tx.objectStore('downloads').put(row);
      tx.oncomplete = () => {
        opened.close();
        done();
      };
      tx.onerror = () => fail(tx.error);
    });
  }, rows);
}

/**
 * Points one original of a fixture at another path of the image host, in every form the page holds it: plain,
 * JSON-escaped (`\/`) and URL-encoded (`/imgres?imgurl=`).
 */
export function swapOriginal(name: string, path: string): (html: string) => string {
  const from = `{{IMG}}/originals/${name}`;
  const to = `{{IMG}}${path}`;
  const escape = (url: string): string => url.replaceAll('/', '\\/');
  return (html) =>
    html
      .replaceAll(from, to)
      .replaceAll(escape(from), escape(to))
      .replaceAll(encodeURIComponent(from), encodeURIComponent(to));
}

/**
 * The README's scene on the 2024+ fixture: the first three results clicked, the bird's host failing every time
 * (so its download ends dead-lettered); returns once the first two files are saved.
 */
export async function twoSavedOneFailing(ext: Extension): Promise<{ page: Page; controls: Locator }> {
  ext.serveFixture('udm2', swapOriginal('bird.jpg', '/fault/switch/bird.jpg'));
  ext.images.failing.add('bird.jpg');
  const page = await ext.openGoogle();
  const controls = page.locator('[data-testid="semantest-download"]');
  for (const i of [0, 1, 2]) await controls.nth(i).click();
  await expect(controls.nth(0)).toHaveAttribute('data-state', 'completed');
  await expect(controls.nth(1)).toHaveAttribute('data-state', 'completed');
  return { page, controls };
}

/** A throw-away self-signed certificate for the https front (openssl, in the test's own folder). */
function selfSigned(root: string): { key: Buffer; cert: Buffer } {
  const key = join(root, 'tls.key');
  const cert = join(root, 'tls.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=semantest-test'], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

export { expect };
