/**
 * The real pages that hold no original: the 2025 `udm=2` page saved with every script stripped (200 results,
 * no page data), and the JavaScript challenge Google serves instead of results. No error, no wrong original, and
 * an honest state: the controls and the popup say Google's page changed; the challenge page has no control and
 * the popup says there were no results.
 */
import { test, expect, type Extension } from './fixtures.ts';
import { CHALLENGE, offline, routeThumbnails, UDM2_2025 } from './real-pages.ts';
import type { Page } from '@playwright/test';

const CONTROL = '[data-testid="semantest-download"]';
const CHANGED = "Google's page changed — Semantest can't read originals here yet.";

async function open(ext: Extension, file: string, waitUntil: 'load' | 'commit' = 'load'): Promise<{ page: Page; errors: string[] }> {
  await offline(ext.context);
  await routeThumbnails(ext);
  ext.serveRealPage(file);
  const page = await ext.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => message.text().startsWith('Semantest') && errors.push(message.text()));
  await page.goto('https://www.google.com/search?q=ch%C3%A2teau-chalon&udm=2', { waitUntil });
  return { page, errors };
}

/** The popup's line about the last Google page, once the worker has it. */
async function popupHealth(ext: Extension): Promise<string> {
  const popup = await ext.openPopup();
  const line = popup.getByTestId('page-health');
  await expect(line).toBeVisible({ timeout: 15_000 });
  const text = (await line.textContent()) ?? '';
  await popup.close();
  return text;
}

test('the script-stripped 2025 page: 200 controls that say Google’s page changed, and nothing wrong saved', async ({ ext }) => {
  const { page, errors } = await open(ext, UDM2_2025);
  const controls = page.locator(CONTROL);
  await expect(controls).toHaveCount(200);
  expect(await popupHealth(ext)).toContain(CHANGED);
  expect(await popupHealth(ext)).toContain('had 100 results');

  const first = controls.first();
  await first.hover();
  await expect(first).toHaveAttribute('title', new RegExp(`^${CHANGED} Google's page data with the originals was not found on this page\\. Click to look for the original on its page \\(`));
  // A click looks on the result's own page (unreachable here): the control says so, and that Google's thumbnail
  // (an inline data: image of 9 KB, more than an address may be) cannot be offered instead.
  await first.click();
  await expect(first).toHaveAttribute('title', /^The image’s page \(www\.[^)]+\) could not be read: it could not be reached\. Google's thumbnail is too large to offer instead\.$/, { timeout: 20_000 });
  await expect(first).toHaveAttribute('data-state', 'idle');
  expect((await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested')).toEqual([]);
  expect(ext.files()).toEqual([]);
  await expect(page.locator(`${CONTROL}[data-state="failed"]`)).toHaveCount(0);
  expect(errors).toEqual([]);

  const options = await ext.openOptions();
  await options.goto(`chrome-extension://${ext.extensionId}/${ext.optionsPath}#monitoring`);
  await expect(options.getByTestId('page-health')).toContainText(CHANGED);
});

test('the JavaScript challenge page: no control, no error, nothing claimed about it', async ({ ext }) => {
  // The challenge's script reloads the search at once with a token (`sei=`); Google would then send results. Here
  // that request gets 204 No Content, so the browser stays on the challenge, whose `load` never comes (only the
  // navigation's commit is waited for). Chrome does not inject the content script into a document that started
  // navigating away before it was idle: nothing runs, nothing is claimed (its markup alone, 0 results and the state
  // `no_results`, is checked in test/unit/strategies-real.test.ts).
  const reload = new Promise<void>((resolve) => {
    void ext.context.route(/^https:\/\/www\.google\.com\/search\?.*[?&]sei=/, async (route) => {
      await route.fulfill({ status: 204, body: '' });
      resolve();
    });
  });
  const { page, errors } = await open(ext, CHALLENGE, 'commit');
  await reload;
  await expect(page).toHaveTitle('Google Search');
  await expect(page.locator(CONTROL)).toHaveCount(0);
  const popup = await ext.openPopup();
  const health = popup.getByTestId('page-health');
  await expect(health).toHaveAttribute('data-state', /^(none|no_results)$/);
  expect(errors).toEqual([]);
  expect(await ext.events()).toEqual([]);
  expect(ext.files()).toEqual([]);
});
