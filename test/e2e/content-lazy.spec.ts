/**
 * The content script's parts loaded on demand (issue 4's bundle budget; src/platform/extension-module.ts), in a
 * real Chromium: a page loads none of them until it needs one, and each one, once loaded, works — the click path
 * (click.ts) when the pointer first reaches a result, before any click; bulk select on the first Shift-click; the
 * old layouts' strategies on a page that has such results.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]:not(.semantest-preview)';
const ON_DEMAND = /\/assets\/(bulk|click|old-layouts|preview)\.ts-[\w-]+\.js$/;

/** The 2024+ page without its preview panel: nothing on it needs an on-demand part until the user acts. */
const noPreview = (html: string): string => html.replace(/<div class="TQc1id rhstc4" id="rhs">[\s\S]*?\n<\/div>\n<\/div>\n/, '</div>\n');

/** The extension's on-demand chunks the page has asked for, by name (bulk, tab-message, ...). */
async function open(ext: Extension, fixture: string, change?: (html: string) => string): Promise<{ page: Page; loaded: string[]; errors: Error[] }> {
  ext.serveFixture(fixture, change);
  const page = await ext.context.newPage();
  const loaded: string[] = [];
  const errors: Error[] = [];
  page.on('request', (request) => {
    const name = ON_DEMAND.exec(request.url())?.[1];
    if (request.url().startsWith(`chrome-extension://${ext.extensionId}/`) && name) loaded.push(name);
  });
  page.on('pageerror', (error) => errors.push(error));
  await ext.openGoogle(page);
  return { page, loaded, errors };
}

test('a page loads no on-demand part until it needs it; the click path loads on hover, bulk select on Shift-click, and both work', async ({ ext }) => {
  const { page, loaded, errors } = await open(ext, 'udm2', noPreview);
  await expect(page.locator(control)).toHaveCount(7);
  await expect(page.locator('[jsname="figiqf"]')).toHaveCount(0);
  await page.waitForTimeout(500);
  expect(loaded).toEqual([]);

  // The pointer reaching a result fetches the click path, before any click (so a click does not wait for it).
  await page.locator(control).nth(0).hover();
  await expect.poll(() => loaded).toEqual(['click']);
  await expect(page.locator(control).nth(0)).toHaveAttribute('data-state', 'idle');

  await page.locator(control).nth(0).click({ modifiers: ['Shift'] });
  await expect(page.locator('[data-testid="semantest-bulk-bar"]')).toBeVisible();
  await expect(page.locator(control).nth(0)).toHaveAttribute('data-selected', '');
  expect(loaded).toEqual(['click', 'bulk']);
  await page.locator('[data-testid="semantest-bulk-clear"]').click();
  await expect(page.locator('[data-testid="semantest-bulk-bar"]')).toBeHidden();

  // A plain click saves the original; the click path shows the states the worker pushes.
  await page.locator(control).nth(2).click();
  const path = await ext.waitForFile('Semantest/bird.jpg');
  expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get('bird.jpg')?.original ?? Buffer.alloc(0)));
  await expect(page.locator(control).nth(2)).toHaveAttribute('data-state', 'completed');
  expect(loaded).toEqual(['click', 'bulk']);
  expect(errors).toEqual([]);
});

test('a 2018 page loads the old layouts\' strategies by itself, and its results find their originals', async ({ ext }) => {
  const { page, loaded, errors } = await open(ext, 'isch2018');
  await expect(page.locator(control)).toHaveCount(5);
  await expect.poll(() => loaded).toContain('old-layouts');
  await page.locator(control).nth(2).click();
  const path = await ext.waitForFile('Semantest/bird.jpg');
  expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get('bird.jpg')?.original ?? Buffer.alloc(0)));
  expect((await ext.events()).find((event) => event.type === 'GoogleImageDownloadRequested')?.data).toMatchObject({ strategy: 'rg_meta' });
  expect(errors).toEqual([]);
});

test('a click that no hover or focus came before loads the click path itself and saves; a script\'s click loads nothing', async ({ ext }) => {
  const { page, loaded, errors } = await open(ext, 'udm2', noPreview);
  await expect(page.locator(control)).toHaveCount(7);
  await page.waitForTimeout(300);
  expect(loaded).toEqual([]);
  // A page script's click (no pointerover, no focusin either) is not the user's: it starts and loads nothing.
  await page.locator(control).nth(2).dispatchEvent('click');
  // The user's own click, pressed where the pointer already is (no move first: Chromium sends no pointerover
  // for a press without a move... or the hover prefetch races the click; either way one load, one save).
  const box = await page.locator(control).nth(2).boundingBox();
  const cdp = await ext.context.newCDPSession(page);
  for (const type of ['mousePressed', 'mouseReleased'] as const) await cdp.send('Input.dispatchMouseEvent', { type, x: (box?.x ?? 0) + 10, y: (box?.y ?? 0) + 10, button: 'left', clickCount: 1 });
  const path = await ext.waitForFile('Semantest/bird.jpg');
  expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get('bird.jpg')?.original ?? Buffer.alloc(0)));
  await expect(page.locator(control).nth(2)).toHaveAttribute('data-state', 'completed');
  expect(loaded).toEqual(['click']);
  expect((await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested')).toHaveLength(1);
  expect(errors).toEqual([]);
});
