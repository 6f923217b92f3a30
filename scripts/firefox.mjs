// Launches Debian's Firefox ESR with the built extension (dist-firefox/) as a temporary add-on in a fresh profile,
// driven by puppeteer-core over WebDriver BiDi; shared by `npm start -- --firefox`, the Firefox end-to-end tests and
// the benchmark. Facts behind each step: shared/notes/firefox-testing.md and docs/decisions/0051-firefox-testing.md.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

/**
 * The add-on's internal UUID (its `moz-extension://` host), fixed through the pref Firefox keeps them in, so the
 * popup's and options page's addresses are known before the add-on is installed.
 */
export const EXTENSION_UUID = '5e3a7c1d-9b2f-4c6e-8a15-3d7f0b9e2c41';

/** Debian's Firefox ESR unless FIREFOX_PATH names another. */
export function firefoxPath() {
  if (process.env.FIREFOX_PATH) return process.env.FIREFOX_PATH;
  for (const candidate of ['/usr/bin/firefox-esr', '/usr/bin/firefox']) if (existsSync(candidate)) return candidate;
  return undefined;
}

/**
 * @param {{ distDir: string, downloadDir: string, headless: boolean }} options
 */
export async function launchFirefoxWithExtension({ distDir, downloadDir, headless }) {
  if (!existsSync(join(distDir, 'manifest.json'))) throw new Error(`No built extension in ${distDir}: run npm run build:firefox first.`);
  const executablePath = firefoxPath();
  if (!executablePath) throw new Error('No Firefox found. Install it (Debian/Ubuntu: sudo apt-get install firefox-esr) or set FIREFOX_PATH.');
  const manifest = JSON.parse(readFileSync(join(distDir, 'manifest.json'), 'utf8'));
  const addonId = manifest.browser_specific_settings.gecko.id;
  mkdirSync(downloadDir, { recursive: true });
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless,
    // WebDriver BiDi refuses to navigate to moz-extension:// pages (the popup, the options page) without it.
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      // Downloads go where the extension says, under this folder, with their real names, without a dialog.
      'browser.download.dir': downloadDir,
      'browser.download.folderList': 2,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.download.alwaysOpenPanel': false,
      'extensions.webextensions.uuids': JSON.stringify({ [addonId]: EXTENSION_UUID }),
      // Nothing of Mozilla's own traffic on a closed network.
      'app.update.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'extensions.update.enabled': false,
    },
  });
  const installed = await browser.installExtension(distDir);
  if (installed !== addonId) throw new Error(`Firefox installed ${installed}, expected ${addonId}`);
  return { browser, addonId, origin: `moz-extension://${EXTENSION_UUID}`, manifest };
}

/**
 * Opens one of the extension's pages in a new tab. BiDi's navigation to a moz-extension:// address does not report
 * its end (the page moves to the extension process), so the page is waited for by its own state instead.
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} url
 */
export async function openExtensionPage(browser, url) {
  const page = await browser.newPage();
  void page.goto(url, { timeout: 0 }).catch(() => undefined);
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await page.waitForFunction((expected) => location.href === expected && document.readyState === 'complete', { timeout: Math.max(1, deadline - Date.now()), polling: 50 }, url);
      return page;
    } catch (error) {
      // An evaluation in flight as the page moves into the extension's process can fail inside Firefox's remote
      // agent ("right-hand side of 'in' should be an object, got null", seen once in a CI run): wait again.
      if (Date.now() >= deadline || (error instanceof Error && error.name === 'TimeoutError')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Google hosts the content script runs on; their search pages are answered from fixtures. */
export const GOOGLE_PAGE = /^https:\/\/(www\.|images\.)?google\.[a-z.]+\/search/;

/**
 * Serves `htmlFor(url)` for Google search pages in this tab, lets `allow(url)` through (the local image host,
 * data: thumbnails) and refuses everything else: nothing leaves the machine.
 * @param {import('puppeteer-core').Page} page
 * @param {(url: URL) => string} htmlFor
 * @param {(url: string) => boolean} allow
 */
export async function routeGooglePages(page, htmlFor, allow) {
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url();
    if (GOOGLE_PAGE.test(url) && request.isNavigationRequest()) {
      return void request.respond({ status: 200, contentType: 'text/html; charset=UTF-8', body: htmlFor(new URL(url)) });
    }
    if (allow(url) || url.startsWith('data:') || url.startsWith('moz-extension:')) return void request.continue();
    return void request.abort();
  });
}
