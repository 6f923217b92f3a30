/**
 * The Firefox end-to-end harness: ONE Firefox ESR (a launch costs ≈ 5 s) with the built dist-firefox/ as a
 * temporary add-on, a fresh profile and download folder, Google pages answered from fixtures, and the local image
 * host that misbehaves on request. Tests that share it use different images, so they do not interfere.
 */
import { test as base, expect } from '@playwright/test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { launchFirefoxWithExtension, openExtensionPage, routeGooglePages } from '../../scripts/firefox.mjs';
import { startImageHost, type ImageHost } from '../../scripts/image-host.mjs';
import type { StoredEvent } from '../../src/domain/events.ts';

export const DIST_FIREFOX = resolve('dist-firefox');
const FIXTURES = resolve('test/fixtures/google');

export interface FirefoxExtension {
  browser: Browser;
  images: ImageHost;
  downloadDir: string;
  /** A Google Images results page (the 2024+ fixture, changed by `transform`), with the controls in place. */
  openGoogle(transform?: (html: string) => string): Promise<Page>;
  openPopup(): Promise<Page>;
  openOptions(): Promise<Page>;
  /** Every row of the `events` table, by position (read in an extension page). */
  events(): Promise<StoredEvent[]>;
  /** Stores settings (merged over the defaults) the way the options page does. */
  setSettings(settings: Record<string, unknown>): Promise<void>;
  /** Waits for a complete file under the download folder; its absolute path. */
  waitForFile(relative: string, timeoutMs?: number): Promise<string>;
  files(): string[];
}

/** The control of the 2024+ fixture's result with this `data-docid` (dOcDog01, dOcCat02, dOcBird03, …). */
export const controlOf = (docid: string): string => `[data-docid="${docid}"] [data-testid="semantest-download"]`;

export const test = base.extend<object, { fx: FirefoxExtension }>({
  fx: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies by destructuring
    async ({}, use) => {
      const root = mkdtempSync(join(tmpdir(), 'semantest-firefox-'));
      const downloadDir = join(root, 'downloads');
      const images = await startImageHost();
      const { browser, origin, manifest } = await launchFirefoxWithExtension({ distDir: DIST_FIREFOX, downloadDir, headless: true });
      const pageUrl = (path: string): string => `${origin}/${path}`;
      const fixture = readFileSync(join(FIXTURES, 'udm2.html'), 'utf8');

      const fx: FirefoxExtension = {
        browser,
        images,
        downloadDir,
        async openGoogle(transform = (html) => html) {
          const page = await browser.newPage();
          await routeGooglePages(page, () => transform(fixture).replaceAll('{{IMG}}', images.origin), (url) => url.startsWith(images.origin));
          await page.goto('https://www.google.com/search?q=animals&udm=2');
          await page.waitForSelector('[data-testid="semantest-download"]', { timeout: 15_000 });
          return page;
        },
        openPopup: () => openExtensionPage(browser, pageUrl(manifest.action.default_popup)),
        openOptions: () => openExtensionPage(browser, pageUrl(manifest.options_ui?.page ?? '')),
        async events() {
          const page = await openExtensionPage(browser, pageUrl(manifest.action.default_popup));
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
          const page = await openExtensionPage(browser, pageUrl(manifest.action.default_popup));
          // The page's own `browser` (Firefox's namespace), not this file's puppeteer Browser.
          await page.evaluate((value) => (globalThis as unknown as ExtensionPageGlobals).browser.storage.local.set({ settings: { version: 1, settings: value } }), settings);
          await page.close();
        },
        files() {
          const out: string[] = [];
          const walk = (dir: string, prefix: string): void => {
            if (!existsSync(dir)) return;
            for (const name of readdirSync(dir)) {
              const stat = statSync(join(dir, name), { throwIfNoEntry: false });
              if (!stat) continue;
              if (stat.isDirectory()) walk(join(dir, name), `${prefix}${name}/`);
              else out.push(`${prefix}${name}`);
            }
          };
          walk(downloadDir, '');
          return out.sort();
        },
        async waitForFile(relative, timeoutMs = 10_000) {
          // Firefox writes `x.part` and moves it to `x` when complete; an empty placeholder may come first.
          const complete = (file: string): boolean => file === relative && (statSync(join(downloadDir, file), { throwIfNoEntry: false })?.size ?? 0) > 0;
          await expect.poll(() => this.files().some(complete), { timeout: timeoutMs }).toBe(true);
          return join(downloadDir, relative);
        },
      };
      await use(fx);
      await browser.close().catch(() => undefined);
      await images.close();
      rmSync(root, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

/** What `page.evaluate` uses of an extension page's globals. */
interface ExtensionPageGlobals {
  browser: { storage: { local: { set(items: Record<string, unknown>): Promise<void> } } };
}

export { expect };
