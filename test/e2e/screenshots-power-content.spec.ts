/** README screenshots of issue 19's page features (wip/power-content), from the real extension on the real 2024 page. */
import { test, expect } from './fixtures.ts';
import { serveUdm2 } from './real-pages.ts';
import { serveScrolling } from './scrolling-page.ts';

const SHOTS = 'docs/screenshots';
const CONTROL = '[data-testid="semantest-download"]';

test('screenshot: sizes on the results and "Select all ≥ 1000 px" in the bar, with the recent folders', async ({ ext }) => {
  await ext.setSettings({ recentFolders: ['Cats/{query}', 'Wallpapers'] });
  await serveUdm2(ext);
  const page = await ext.openGoogle(undefined, 'cat');
  await page.setViewportSize({ width: 1280, height: 800 });
  const grid = page.locator('[jsname="dTDiAc"]');
  await grid.nth(0).locator(`:scope > ${CONTROL}`).click({ modifiers: ['Shift'] });
  const bar = page.locator('[data-testid="semantest-bulk-bar"]');
  await bar.locator('[data-testid="semantest-min-size"]').fill('1000');
  await bar.locator('[data-testid="semantest-select-min"]').click();
  await expect(bar.locator('[data-testid="semantest-bulk-status"]')).toContainText('at least this size');
  await expect(bar.locator('[data-testid="semantest-folder"] option')).toHaveCount(3);
  await page.evaluate(() => scrollTo(0, 0));
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
  await page.screenshot({ path: `${SHOTS}/select-by-size.png`, animations: 'disabled' });
});

test('screenshot: "Download all" done on a page whose results arrive by scrolling', async ({ ext }) => {
  test.setTimeout(180_000);
  await serveScrolling(ext);
  await ext.setSettings({ skipSmallerThanPx: 400, maxRetries: 0 });
  const page = await ext.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('https://www.google.com/search?q=cat&udm=2');
  await expect(page.locator(`[jsname="dTDiAc"] > ${CONTROL}`)).toHaveCount(100);
  await page.locator('[jsname="dTDiAc"]').nth(0).locator(`:scope > ${CONTROL}`).click({ modifiers: ['Shift'] });
  const bar = page.locator('[data-testid="semantest-bulk-bar"]');
  await bar.locator('[data-testid="semantest-download-all"]').click();
  await expect(bar.locator('[data-testid="semantest-bulk-status"]')).toHaveText(/^Done: /, { timeout: 150_000 });
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
  await page.screenshot({ path: `${SHOTS}/download-all.png`, animations: 'disabled' });
});

test('screenshot: a result\u2019s menu on the real 2024 page', async ({ ext }) => {
  await serveUdm2(ext);
  const page = await ext.openGoogle(undefined, 'cat');
  await page.setViewportSize({ width: 1280, height: 800 });
  const control = page.locator('[jsname="dTDiAc"]').nth(0).locator(`:scope > ${CONTROL}`);
  await control.click({ button: 'right' });
  await expect(page.locator('[data-testid="semantest-menu"]')).toBeVisible();
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
  await page.screenshot({ path: `${SHOTS}/result-menu.png`, animations: 'disabled' });
});
