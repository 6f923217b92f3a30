/**
 * Folder and name templates in a real Chromium (issue 19): a hostile query (`cats/../CON`: filled as one value
 * it would add folders) and hostile sites (`..`, `con`) in `Semantest/{query}/{site}` give safe folders under the download folder, numbered by `{index:02}`;
 * the options page previews the templates live.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { makeJpeg } from '../../scripts/image-host.mjs';
import { safePathProblem } from '../../src/domain/filename.ts';

const control = '[data-testid="semantest-download"]:not(.semantest-preview)';
const SITES = ['http://../page.html', 'http://con/page.html', 'https://example.org/page.html'];

async function appendResults(page: Page, origin: string): Promise<void> {
  await page.evaluate(
    ({ origin, sites }) => {
      const grid = document.querySelector('[jsname="dTDiAc"]')?.parentElement;
      if (!grid) throw new Error('no grid');
      sites.forEach((site, i) => {
        const result = document.createElement('div');
        result.setAttribute('jsname', 'dTDiAc');
        const href = `/imgres?imgurl=${encodeURIComponent(`${origin}/originals/tpl-${i}.jpg`)}&imgrefurl=${encodeURIComponent(site)}&w=800&h=600`;
        result.innerHTML = `<div jsname="qQjpJ"><h3><a jsname="sTFXNd" tabindex="0" href="${href}"><div class="H8Rx8c"><g-img><img class="YQ4gaf" width="300" height="200" alt="Template ${i}" src="${origin}/thumbs/tpl-${i}.jpg"></g-img></div></a></h3></div>`;
        grid.append(result);
      });
    },
    { origin, sites: SITES },
  );
}

test('a hostile query and hostile sites in the folder template give safe folders, numbered in the batch', async ({ ext }) => {
  SITES.forEach((_, i) => ext.images.images.set(`tpl-${i}.jpg`, { original: makeJpeg(`original tpl ${i}`, 3000), thumb: makeJpeg(`thumb tpl ${i}`), contentType: 'image/jpeg' }));

  const options = await ext.openOptions();
  await options.getByLabel('Folder in your download folder').fill('Semantest/{query}/{site}');
  await options.getByLabel('File name').fill('{index:02}-{name}-{width}x{height}');
  await expect(options.getByTestId('pattern-preview')).toHaveText('Semantest/dogs/example.org/07-golden-retriever-1920x1080.jpg');
  // A folder that climbs out is explained and not saved.
  await options.getByLabel('Folder in your download folder').fill('../Desktop/{query}');
  await expect(options.locator('#error-folder')).toContainText('".."');
  await options.getByLabel('Folder in your download folder').fill('Semantest/{query}/{site}');
  await options.getByTestId('save-settings').click();
  await expect(options.getByTestId('settings-status')).toHaveText('Saved. Applies to the next download.');

  const page = await ext.openGoogle(undefined, 'cats/../CON');
  await appendResults(page, ext.images.origin);
  const added = page.locator(control);
  const count = await added.count();
  for (let i = count - SITES.length; i < count; i++) await added.nth(i).click({ modifiers: ['Shift'] });
  await page.locator('[data-testid="semantest-bulk-download"]').click();

  // The query stays one folder ("/" never comes from a value), the site ".." adds none, "con" is made harmless.
  const expected = ['Semantest/cats .. CON/01-tpl-0-800x600.jpg', 'Semantest/cats .. CON/_con/02-tpl-1-800x600.jpg', 'Semantest/cats .. CON/example.org/03-tpl-2-800x600.jpg'];
  for (const path of expected) await ext.waitForFile(path);
  expect(ext.files().sort()).toEqual(expected.sort());
  for (const path of ext.files()) expect(safePathProblem(path)).toBeNull();

  // The folder used is remembered, newest first, for the selection bar's choice.
  const stored = await options.evaluate(() => chrome.storage.local.get('settings'));
  expect(stored).toMatchObject({ settings: { settings: { recentFolders: ['Semantest/{query}/{site}'] } } });
});
