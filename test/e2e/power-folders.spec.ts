/**
 * Issue 19 item 3, the selection bar's part: a choice among the user's folders (the one set now, then the recent
 * ones the worker keeps, wip/power-worker's `recentFolders`), and the batch saved in the one chosen.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { makeJpeg, sha256 } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]:not(.semantest-preview)';

async function appendResults(page: Page, origin: string, count: number): Promise<void> {
  await page.evaluate(
    ({ origin, count }) => {
      const grid = document.querySelector('[jsname="dTDiAc"]')?.parentElement;
      if (!grid) throw new Error('no grid');
      for (let i = 0; i < count; i++) {
        const result = document.createElement('div');
        result.setAttribute('jsname', 'dTDiAc');
        result.setAttribute('data-lpage', `https://example.org/folder-${i}.html`);
        const href = `/imgres?imgurl=${encodeURIComponent(`${origin}/originals/folder-${i}.jpg`)}&imgrefurl=${encodeURIComponent(`https://example.org/folder-${i}.html`)}&w=800&h=600`;
        result.innerHTML = `<div jsname="qQjpJ"><h3><a jsname="sTFXNd" tabindex="0" href="${href}"><div class="H8Rx8c"><g-img><img class="YQ4gaf" width="300" height="200" alt="Folder ${i}" src="${origin}/thumbs/folder-${i}.jpg"></g-img></div></a></h3></div>`;
        grid.append(result);
      }
    },
    { origin, count },
  );
}

test('the selection bar offers the recent folders; the batch is saved in the one chosen', async ({ ext }) => {
  for (let i = 0; i < 2; i++) ext.images.images.set(`folder-${i}.jpg`, { original: makeJpeg(`original folder ${i}`, 3000), thumb: makeJpeg(`thumb folder ${i}`), contentType: 'image/jpeg' });
  await ext.setSettings({ recentFolders: ['Pictures/Birds', 'Cats'] });
  const page = await ext.openGoogle();
  await expect(page.locator(control)).toHaveCount(7);
  await appendResults(page, ext.images.origin, 2);
  await expect(page.locator(control)).toHaveCount(9);
  await page.locator(control).nth(7).click({ modifiers: ['Shift'] });
  await page.locator(control).nth(8).click({ modifiers: ['Shift'] });
  const bar = page.locator('[data-testid="semantest-bulk-bar"]');
  const folder = bar.locator('[data-testid="semantest-folder"]');
  // The folder set now first (not among the recent ones yet), then the recent ones, newest first.
  await expect(folder.locator('option')).toHaveText(['Semantest', 'Pictures/Birds', 'Cats']);
  await expect(folder).toHaveValue('Semantest');
  await folder.selectOption('Pictures/Birds');
  await bar.locator('[data-testid="semantest-bulk-download"]').click();
  for (let i = 0; i < 2; i++) {
    const path = await ext.waitForFile(`Pictures/Birds/folder-${i}.jpg`);
    expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get(`folder-${i}.jpg`)?.original ?? Buffer.alloc(0)));
  }
  expect(ext.files()).toEqual(['Pictures/Birds/folder-0.jpg', 'Pictures/Birds/folder-1.jpg']);
  // One batch, one folder: the worker records the choice as the newest recent folder.
  const requested = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested');
  expect(new Set(requested.map((event) => event.correlationId)).size).toBe(1);
});
