/**
 * The content script on Google's layouts (the hand-written pages; the real ones: real-pages-*.spec.ts), in a real Chromium: a click on a result's control (and on
 * the preview panel's "Download original", where the layout has one) saves the original's exact bytes, and
 * Google's own handlers never see the click.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]';

async function expectOriginalSaved(ext: Extension, name: string): Promise<void> {
  const path = await ext.waitForFile(`Semantest/${name}`);
  const image = ext.images.images.get(name);
  expect(image, name).toBeDefined();
  expect(sha256(readFileSync(path))).toBe(sha256(image?.original ?? Buffer.alloc(0)));
  expect(sha256(readFileSync(path))).not.toBe(sha256(image?.thumb ?? Buffer.alloc(0)));
}

/** The fixtures mark `<html>` when Google's own mousedown/click listeners run. */
async function expectGoogleSawNothing(page: Page): Promise<void> {
  const html = page.locator('html');
  await expect(html).not.toHaveAttribute('data-google-mousedowns', /.*/);
  await expect(html).not.toHaveAttribute('data-google-opened', /.*/);
  expect(new URL(page.url()).pathname).toBe('/search');
}

/**
 * The hand-written pages of the layouts (test/fixtures/google/). Basic-HTML pages are the real ones
 * (real-pages-basic.spec.ts): the hand-written basic page's /imgres links were never on a real basic page.
 */
const layouts = [
  { name: 'udm2', results: 7, preview: true },
  { name: 'isch2021', results: 5, preview: true },
  { name: 'isch2018', results: 5, preview: false },
] as const;

for (const layout of layouts) {
  test(`${layout.name}: every result gets a control; a click saves the original's bytes${layout.preview ? ', and so does the preview panel' : ''}`, async ({ ext }) => {
    ext.serveFixture(layout.name);
    const errors: Error[] = [];
    const page = await ext.context.newPage();
    page.on('pageerror', (error) => errors.push(error));
    await ext.openGoogle(page);
    const results = page.locator(`${control}:not(.semantest-preview)`);
    await expect(results).toHaveCount(layout.results);
    await expect(page.locator(`${control}.semantest-preview`)).toHaveCount(layout.preview ? 1 : 0);
    await expect(results.first()).toHaveAttribute('data-state', 'idle');
    // Each control is drawn at its own result's top right corner (the 2024+ results are positioned by the style
    // sheet alone, the others by a class): not wherever the nearest positioned ancestor of the grid is.
    const corners = await results.evaluateAll((buttons) =>
      buttons.map((button) => {
        const result = (button.parentElement as Element).getBoundingClientRect();
        const box = button.getBoundingClientRect();
        return Math.round(box.top - result.top) === 6 && Math.round(result.right - box.right) === 6;
      }),
    );
    expect(corners).toEqual(corners.map(() => true));

    // The second result is the cat on every layout.
    const cat = results.nth(1);
    await cat.hover();
    await cat.click();
    await expectOriginalSaved(ext, 'cat.jpg');
    await expect(cat).toHaveAttribute('data-state', 'completed');

    if (layout.preview) {
      const preview = page.locator(`${control}.semantest-preview`);
      await expect(preview).toContainText('Download original');
      // The pointer went over the dog's result before (a user opens the preview from it): its control knows its original.
      await results.first().hover();
      await preview.click();
      await expectOriginalSaved(ext, 'dog.png');
      await expect(preview).toHaveAttribute('data-state', 'completed');
      // The dog's result control follows the same download.
      await expect(results.first()).toHaveAttribute('data-state', 'completed');
    }
    await expectGoogleSawNothing(page);
    const requested = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested');
    expect(requested.map((event) => (event.data as { imageUrl: string }).imageUrl)).toEqual(
      [`${ext.images.origin}/originals/cat.jpg`, ...(layout.preview ? [`${ext.images.origin}/originals/dog.png`] : [])],
    );
    expect(errors).toEqual([]);
  });
}
