// Launches Chromium with the built extension in a fresh profile; shared by `npm start`, the end-to-end tests
// and the benchmark. Facts behind each step: shared/notes/browser-testing.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Keep Chromium off the (closed) network and quiet. */
export const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Let a routed https Google page reach the local image host as it would a public one (Chromium's Local Network
 * Access checks would block it). Only for tests and the offline demo.
 */
export const LOCAL_HOST_FLAGS = [
  '--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests',
];

/** Debian's Chromium unless CHROMIUM_PATH names another (Playwright's own if neither exists). */
export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  return undefined;
}

/**
 * @param {{ distDir: string, userDataDir: string, downloadDir: string, headless: boolean, localHosts?: boolean, args?: string[] }} options
 */
export async function launchWithExtension(options) {
  const { distDir, userDataDir, downloadDir, headless } = options;
  if (!existsSync(join(distDir, 'manifest.json'))) throw new Error(`No built extension in ${distDir}: run npm run build first.`);
  mkdirSync(join(userDataDir, 'Default'), { recursive: true });
  mkdirSync(downloadDir, { recursive: true });
  // Downloads go where the extension says, under this folder, with their real names.
  writeFileSync(
    join(userDataDir, 'Default', 'Preferences'),
    JSON.stringify({ download: { default_directory: downloadDir, prompt_for_download: false, directory_upgrade: true } }),
  );
  const context = await chromium.launchPersistentContext(userDataDir, {
    headless,
    executablePath: chromiumPath(),
    viewport: { width: 1280, height: 900 },
    args: [
      ...QUIET_FLAGS,
      ...(options.localHosts ? LOCAL_HOST_FLAGS : []),
      `--disable-extensions-except=${distDir}`,
      `--load-extension=${distDir}`,
      ...(options.args ?? []),
    ],
  });
  const browser = context.browser();
  if (browser) {
    const cdp = await browser.newBrowserCDPSession();
    // Playwright otherwise saves downloads as GUIDs in its own temp folder.
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'default' });
  }
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionId = new URL(worker.url()).host;
  const manifest = JSON.parse(readFileSync(join(distDir, 'manifest.json'), 'utf8'));
  return { context, worker, extensionId, manifest };
}

/** Google hosts the content script runs on; `route` serves fixture pages for them. */
export const GOOGLE_PAGE = /^https:\/\/(www\.|images\.)?google\.[a-z.]+\/search/;

/**
 * Serves `html` (with `{{IMG}}` replaced by the image host's origin) for every Google search page.
 * @param {import('playwright-core').BrowserContext} context
 * @param {(url: URL) => string} htmlFor
 */
export async function routeGooglePages(context, htmlFor) {
  await context.route(GOOGLE_PAGE, (route) => {
    if (route.request().resourceType() !== 'document') return route.fulfill({ status: 204, body: '' });
    return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: htmlFor(new URL(route.request().url())) });
  });
  // Nothing else of Google's is reachable offline: answer fast instead of hanging.
  await context.route(/^https:\/\/([a-z0-9-]+\.)*(google|gstatic|googleapis)\.[a-z.]+\//, (route) =>
    GOOGLE_PAGE.test(route.request().url()) ? route.fallback() : route.fulfill({ status: 204, body: '' }),
  );
}
