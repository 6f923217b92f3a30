// `npm start -- --firefox`: build dist-firefox/ and open Firefox (ESR) with it as a temporary add-on in a fresh
// profile, on Google Images; with --demo, Google is served from the fixtures and images from a local host.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firefoxPath, launchFirefoxWithExtension, routeGooglePages } from './firefox.mjs';
import { startImageHost } from './image-host.mjs';

/** @param {{ root: string, demo: boolean, headless: boolean, once: boolean, build: boolean, downloads?: string }} options */
export async function startFirefox({ root, demo, headless, once, build, downloads }) {
  if (build) {
    const built = spawnSync('npm', ['run', 'build:firefox', '--silent'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) process.exit(built.status ?? 1);
  }
  if (!firefoxPath()) {
    console.error('No Firefox found. Install it (Debian/Ubuntu: sudo apt-get install firefox-esr) or set FIREFOX_PATH.');
    process.exit(1);
  }
  const distDir = join(root, 'dist-firefox');
  const downloadDir = resolve(downloads ?? (headless && demo ? mkdtempSync(join(tmpdir(), 'semantest-downloads-')) : join(homedir(), 'Downloads')));
  const host = demo ? await startImageHost() : null;
  const { browser } = await launchFirefoxWithExtension({ distDir, downloadDir, headless });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  let startUrl = 'https://www.google.com/search?q=kittens&udm=2';
  if (host) {
    const fixture = readFileSync(join(root, 'test/fixtures/google/udm2.html'), 'utf8').replaceAll('{{IMG}}', host.origin);
    await routeGooglePages(page, () => fixture, (url) => url.startsWith(host.origin));
    startUrl = 'https://www.google.com/search?q=animals&udm=2';
  }
  await page.goto(startUrl);
  console.log(`Semantest is loaded in Firefox from ${distDir}${demo ? ' (offline demo: Google Images served from fixtures)' : ''}.`);
  console.log(`Downloads go to ${join(downloadDir, 'Semantest')}`);

  if (headless && demo) {
    const control = '[data-testid="semantest-download"]';
    await page.waitForSelector(control);
    await page.hover(control);
    await page.click(control);
    await page.waitForFunction((selector) => ['completed', 'failed'].includes(document.querySelector(selector)?.getAttribute('data-state') ?? ''), { timeout: 15_000 }, control);
    const folder = join(downloadDir, 'Semantest');
    const saved = existsSync(folder) ? readdirSync(folder).map((name) => join(folder, name)) : [];
    for (const file of saved) console.log(`Saved ${file} (${statSync(file).size} bytes)`);
    if (saved.length === 0) console.log('The demo download did not complete; see the popup for the reason.');
  }

  const shutdown = async (code = 0) => {
    await browser.close().catch(() => undefined);
    await host?.close();
    process.exit(code);
  };
  if (headless && once) await shutdown(0);
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  browser.on('disconnected', () => void shutdown(0));
  if (headless) console.log('Running headless; press Ctrl-C to stop.');
  await new Promise(() => undefined);
}
