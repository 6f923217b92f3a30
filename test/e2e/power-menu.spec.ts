/**
 * Issue 19 item 6: a result's menu — open the original in a new tab, copy the image, copy its address — by the
 * pointer (right-click) and by the keyboard (Shift+F10, arrows, Escape; O / C / A on a focused control). A page
 * script's dispatched events open nothing and copy nothing.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { makeJpeg, makePng } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]:not(.semantest-preview)';

async function appendResult(page: Page, origin: string): Promise<void> {
  await page.evaluate((origin) => {
    const grid = document.querySelector('[jsname="dTDiAc"]')?.parentElement;
    if (!grid) throw new Error('no grid');
    const result = document.createElement('div');
    result.setAttribute('jsname', 'dTDiAc');
    result.setAttribute('data-lpage', 'https://example.org/menu.html');
    const href = `/imgres?imgurl=${encodeURIComponent(`${origin}/originals/menu.jpg`)}&imgrefurl=${encodeURIComponent('https://example.org/menu.html')}&w=800&h=600`;
    result.innerHTML = `<div jsname="qQjpJ"><h3><a jsname="sTFXNd" tabindex="0" href="${href}"><div class="H8Rx8c"><g-img><img class="YQ4gaf" width="300" height="200" alt="Menu" src="${origin}/thumbs/menu.jpg"></g-img></div></a></h3></div>`;
    grid.append(result);
  }, origin);
}

test('the result menu: open the original, copy the image, copy its address; by pointer and keys; not by page scripts', async ({ ext }) => {
  // A picture the browser decodes (the copy is the decoded picture, re-encoded as PNG).
  ext.images.images.set('menu.jpg', { original: makePng(64, 48, 5), thumb: makeJpeg('thumb menu'), contentType: 'image/png' });
  await ext.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: 'https://www.google.com' });
  const page = await ext.openGoogle();
  await appendResult(page, ext.images.origin);
  const button = page.locator(control).last();
  await expect(page.locator(control)).toHaveCount(8);
  const original = `${ext.images.origin}/originals/menu.jpg`;
  const menu = page.locator('[data-testid="semantest-menu"]');
  const clipboardText = (): Promise<string> => page.evaluate(() => navigator.clipboard.readText());

  // A page script's right-click and keys: no menu, nothing copied.
  await page.evaluate(() => navigator.clipboard.writeText('before'));
  await button.evaluate((element) => {
    element.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true }));
    element.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    element.dispatchEvent(new KeyboardEvent('keydown', { key: 'F10', shiftKey: true, bubbles: true }));
  });
  await page.waitForTimeout(500);
  await expect(menu).toHaveCount(0);
  expect(await clipboardText()).toBe('before');

  // Pointer: right-click opens it (Google never sees the right-click), the first item focused.
  await button.click({ button: 'right' });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem')).toHaveText(['Open original in a new tabO', 'Copy imageC', 'Copy image addressA']);
  await expect(menu.locator('[data-testid="semantest-menu-open"]')).toBeFocused();
  await expect(page.locator('html')).not.toHaveAttribute('data-google-opened', /.*/);
  // Keys inside: arrows move, Escape closes and gives the focus back to the control.
  await page.keyboard.press('ArrowDown');
  await expect(menu.locator('[data-testid="semantest-menu-copy"]')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect(menu.locator('[data-testid="semantest-menu-address"]')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(button).toBeFocused();

  // Copy the address, from the menu by the pointer.
  await button.click({ button: 'right' });
  await menu.locator('[data-testid="semantest-menu-address"]').click();
  await expect(menu).toHaveCount(0);
  await expect.poll(clipboardText).toBe(original);
  await expect(button).toContainText('Address copied');

  // Open the original in a new tab, from the keyboard: Shift+F10 on the focused control, then Enter.
  await page.evaluate(() => navigator.clipboard.writeText('before'));
  await button.focus();
  await page.keyboard.press('Shift+F10');
  await expect(menu.locator('[data-testid="semantest-menu-open"]')).toBeFocused();
  const [tab] = await Promise.all([ext.context.waitForEvent('page'), page.keyboard.press('Enter')]);
  await expect.poll(() => tab.url()).toBe(original);
  await tab.close();

  // Copy the image: C on the focused control. The worker fetched the original once and the clipboard holds a PNG of it.
  await button.focus();
  const hits = ext.images.hits('/originals/menu.jpg');
  await page.keyboard.press('c');
  await expect(button).toContainText('Image copied');
  expect(ext.images.hits('/originals/menu.jpg')).toBe(hits + 1);
  const copied = await page.evaluate(async () => {
    const [item] = await navigator.clipboard.read();
    if (!item) return null;
    const blob = await item.getType('image/png');
    const bitmap = await createImageBitmap(blob);
    return { types: item.types, width: bitmap.width, height: bitmap.height };
  });
  expect(copied).toEqual({ types: ['image/png'], width: 64, height: 48 });
  // Nothing was downloaded by any of this.
  expect(ext.files()).toEqual([]);
});
