/**
 * A control acts only on the user's own input (issue 17, item 3): a page script's `click()` or dispatched click
 * starts nothing; the user's click and the keyboard (Enter on a focused control) still do. On the real 2024 page.
 */
import { test, expect } from './fixtures.ts';
import { serveUdm2 } from './real-pages.ts';

const CONTROL = '[data-testid="semantest-download"]';

test('a script’s click() or dispatched click on a control starts nothing; the user’s click and Enter do', async ({ ext }) => {
  const results = await serveUdm2(ext);
  const page = await ext.openGoogle(undefined, 'cat');
  const grid = page.locator('[jsname="dTDiAc"]');
  const control = (index: number) => grid.nth(index).locator(`:scope > ${CONTROL}`);
  await control(0).hover();

  // What a page script can do: in the page's own world, on the first two results' controls and the preview's.
  await page.evaluate((selector) => {
    const [first, second] = [...document.querySelectorAll<HTMLElement>(`[jsname="dTDiAc"] > ${selector}`)];
    first?.click();
    second?.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window }));
    second?.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    document.querySelector<HTMLElement>(`${selector}.semantest-preview`)?.click();
  }, CONTROL);

  // The user: a click on the fourth result (left of Google's open panel), Enter on the fifth.
  await control(3).click();
  await control(4).focus();
  await page.keyboard.press('Enter');
  await expect(control(3)).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });
  await expect(control(4)).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });

  await expect(control(0)).toHaveAttribute('data-state', 'idle');
  await expect(control(1)).toHaveAttribute('data-state', 'idle');
  await expect(page.locator(`${CONTROL}.semantest-preview`)).toHaveAttribute('data-state', 'idle');
  const requested = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested').map((event) => (event.data as { imageUrl: string }).imageUrl);
  expect(requested.sort()).toEqual([results[3]?.local, results[4]?.local].map((path) => `${ext.images.origin}${path}`).sort());
  // (Result 9's original is the preview's large image: the page itself loads it.)
  for (const index of [0, 1]) expect(ext.images.hits(results[index]?.local ?? '-'), `result ${index}`).toBe(0);
});
