#!/usr/bin/env node
// `npm start`: build the extension and open Chromium with it loaded in a fresh profile, on Google Images.
//   --firefox    Firefox (ESR) instead, with dist-firefox/ as a temporary add-on
//   --demo       serve Google Images from the project's own fixtures and a local image host (no network needed)
//   --headless   no window; prints where downloads go (with --demo, also saves one image and prints its path)
//   --once       with --headless: exit after the demo download instead of running until Ctrl-C
//   --downloads DIR   where downloads go (default: ~/Downloads; a temporary folder with --headless --demo)
//   --no-build   use the dist/ (dist-firefox/) that is there
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromiumPath, launchWithExtension, routeGooglePages } from './chromium.mjs';
import { startImageHost } from './image-host.mjs';
import { startFirefox } from './start-firefox.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const demo = flag('demo');
const headless = flag('headless');
const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');

if (flag('firefox')) {
  await startFirefox({ root, demo, headless, once: flag('once'), build: !flag('no-build'), downloads: option('downloads') });
  // startFirefox returns only when it is done (or keeps running until Ctrl-C).
}

if (!flag('no-build')) {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
if (!chromiumPath() && !process.env.PLAYWRIGHT_BROWSERS_PATH) {
  console.error('No Chromium found. Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH.');
  process.exit(1);
}

const profile = mkdtempSync(join(tmpdir(), 'semantest-profile-'));
const downloadDir = resolve(option('downloads') ?? (headless && demo ? mkdtempSync(join(tmpdir(), 'semantest-downloads-')) : join(homedir(), 'Downloads')));
const host = demo ? await startImageHost() : null;
const { context } = await launchWithExtension({ distDir: dist, userDataDir: profile, downloadDir, headless, localHosts: demo });

let startUrl = 'https://www.google.com/search?q=kittens&udm=2';
if (host) {
  const fixture = readFileSync(join(root, 'test/fixtures/google/udm2.html'), 'utf8').replaceAll('{{IMG}}', host.origin);
  await routeGooglePages(context, () => fixture);
  startUrl = 'https://www.google.com/search?q=animals&udm=2';
}
const page = context.pages()[0] ?? (await context.newPage());
await page.goto(startUrl);

console.log(`Semantest is loaded from ${dist}${demo ? ' (offline demo: Google Images served from fixtures)' : ''}.`);
console.log(`Downloads go to ${join(downloadDir, 'Semantest')}`);

if (headless && demo) {
  const control = page.locator('[data-testid="semantest-download"]').first();
  await control.click();
  await control.waitFor({ state: 'attached' });
  await page.waitForFunction(() => {
    const state = document.querySelector('[data-testid="semantest-download"]')?.getAttribute('data-state');
    return state === 'completed' || state === 'failed';
  }, null, { timeout: 15_000 });
  const folder = join(downloadDir, 'Semantest');
  const saved = existsSync(folder) ? readdirSync(folder).map((name) => join(folder, name)) : [];
  for (const file of saved) console.log(`Saved ${file} (${statSync(file).size} bytes)`);
  if (saved.length === 0) console.log('The demo download did not complete; see the popup for the reason.');
}

const shutdown = async (code = 0) => {
  await context.close().catch(() => undefined);
  await host?.close();
  process.exit(code);
};
if (headless && flag('once')) await shutdown(0);
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
context.on('close', () => void shutdown(0));
if (headless) console.log('Running headless; press Ctrl-C to stop.');
