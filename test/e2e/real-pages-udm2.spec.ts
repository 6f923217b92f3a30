/**
 * The real 2024 `udm=2` page (saved by a browser with its scripts and inline data, preview open on result 9):
 * each result saves its own original, also those whose thumbnails are still Google's lazy placeholders, and the
 * preview panel's control saves the open result's original even when clicked the moment the panel opens, while
 * its large image still shows a placeholder.
 */
import { readFileSync } from 'node:fs';
import { test, expect, type Extension } from './fixtures.ts';
import { originalBytes, serveUdm2, type Udm2Result } from './real-pages.ts';
import { sha256 } from '../../scripts/image-host.mjs';
import type { Locator, Page } from '@playwright/test';

const CONTROL = '[data-testid="semantest-download"]';

async function open(ext: Extension): Promise<{ page: Page; results: Udm2Result[]; errors: string[] }> {
  const results = await serveUdm2(ext);
  const page = await ext.context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => message.text().startsWith('Semantest') && errors.push(message.text()));
  await page.goto('https://www.google.com/search?q=cat&udm=2');
  await page.locator(CONTROL).first().waitFor({ state: 'attached' });
  return { page, results, errors };
}

/** The bytes the image host serves for a path. */
const served = (ext: Extension, path: string): string => sha256(originalBytes(ext, path));
const savedHashes = (ext: Extension): string[] => ext.files().map((name) => sha256(readFileSync(`${ext.downloadDir}/${name}`)));

/**
 * A user's click: with the pointer where the control is not covered (Google's fixed preview panel covers part of
 * the grid), else with the keyboard (focus, Enter: also the user's own input).
 */
async function press(page: Page, control: Locator): Promise<void> {
  await control.scrollIntoViewIfNeeded();
  const covered = await control.evaluate((button) => {
    const box = button.getBoundingClientRect();
    const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
    return !hit || !(hit === button || button.contains(hit) || button.parentElement?.contains(hit));
  });
  if (covered) {
    await control.focus();
    await page.keyboard.press('Enter');
  } else await control.click();
}

test('the real 2024 page: the first 30 results and the lazy placeholders after them each save their own original', async ({ ext }) => {
  test.setTimeout(180_000);
  const { page, results, errors } = await open(ext);
  expect(results).toHaveLength(100);
  const grid = page.locator('[jsname="dTDiAc"]');
  await expect(grid).toHaveCount(100);
  // The first 30, and the first 5 whose thumbnails are 1x1 lazy placeholders (from index 31 on in this page).
  const lazy = await grid.evaluateAll((elements) => elements.flatMap((element, index) => (element.querySelector('img')?.getAttribute('src')?.startsWith('data:image/gif') ? [index] : [])));
  expect(lazy.length).toBeGreaterThan(50);
  const chosen = [...Array.from({ length: 30 }, (_, i) => i), ...lazy.filter((index) => index >= 30).slice(0, 5)];
  for (const index of chosen) {
    const control = grid.nth(index).locator(`:scope > ${CONTROL}`);
    await press(page, control);
    await expect(control, `result ${index}`).not.toHaveAttribute('data-state', 'idle');
  }
  for (const index of chosen) {
    await expect(grid.nth(index).locator(`:scope > ${CONTROL}`), `result ${index}`).toHaveAttribute('data-state', 'completed', { timeout: 30_000 });
  }
  const hashes = savedHashes(ext);
  const requested = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested').map((event) => (event.data as { imageUrl: string }).imageUrl);
  for (const index of chosen) {
    const result = results[index] as Udm2Result;
    expect(requested, `result ${index} (${result.docid})`).toContain(`${ext.images.origin}${result.local}`);
    expect(hashes, `result ${index} (${result.docid})`).toContain(served(ext, result.local));
  }
  // Every original asked for is one of the chosen results' own: none was given a neighbour's.
  expect(new Set(requested)).toEqual(new Set(chosen.map((index) => `${ext.images.origin}${(results[index] as Udm2Result).local}`)));
  expect(errors).toEqual([]);
});

test('the real 2024 page: the preview saves the open result’s original when clicked the moment the panel opens', async ({ ext }) => {
  const { page, results } = await open(ext);
  const preview = page.locator(`${CONTROL}.semantest-preview`);
  await expect(preview).toHaveCount(1);
  // Google opens result 13 in the panel: its slide gets the result's ids at once; the large image still shows the
  // grid's thumbnail as a placeholder until the original has loaded. This one is an https address on Google's own
  // host (the saved page's local copy), not a gstatic one: nothing in its address says it is not the original.
  const next = results[13] as Udm2Result;
  const placeholder = await page.evaluate((docid) => {
    const slide = document.querySelector('[jsname="CGzTgf"][data-tbnid]:not([aria-hidden="true"])') as HTMLElement;
    const grid = document.querySelector(`[data-docid="${docid}"] img`) as HTMLImageElement;
    slide.setAttribute('data-tbnid', docid);
    slide.querySelector('[data-id]')?.setAttribute('data-id', docid);
    (slide.querySelector('img[jsname="kn3ccd"]') as HTMLImageElement).src = grid.src;
    return grid.src;
  }, next.docid);
  expect(placeholder).toMatch(/^https:\/\/www\.google\.com\/.*_files\/images/);
  await preview.click();
  await expect(preview).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });
  const requested = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested').map((event) => event.data as { imageUrl: string; strategy: string });
  expect(requested).toEqual([expect.objectContaining({ imageUrl: `${ext.images.origin}${next.local}`, strategy: 'preview_panel' })]);
  expect(savedHashes(ext)).toContain(served(ext, next.local));
});
