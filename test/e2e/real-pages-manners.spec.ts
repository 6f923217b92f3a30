/**
 * Good manners on Google's page (issue 18): the controls stay inside their results' stacking contexts, never over
 * Google's sticky header or its preview panel. On the real 2024 page, with controls showing (saved ones always
 * show) under the panel and, scrolled, under the header: the pixels where the header and the panel are must be
 * those of a browser without the extension.
 *
 * "The same" allows what Google's own translucency lets through: the panel is 99.9 % opaque (`opacity: 0.999` in
 * its inline style) and its chips have antialiased rounded corners, so whatever lies beneath (a result, a control
 * painted correctly under them) moves a few hundred pixels by 1 level and a handful by up to ~26 (measured). A
 * control painted over them changes hundreds of pixels by 100 levels and more (seen without `isolation`). So: no
 * pixel may differ by more than STRONG levels.
 */
import { chromium, type Page } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';
import { offline, routeThumbnails, serveUdm2, udm2WithLocalOriginals } from './real-pages.ts';
import { chromiumPath, LOCAL_HOST_FLAGS, QUIET_FLAGS, routeGooglePages } from '../../scripts/chromium.mjs';

const CONTROL = '[data-testid="semantest-download"]';
/** A pixel that differs by more than this (0-255, any channel) was painted differently, not seen through. */
const STRONG = 48;
const URL = 'https://www.google.com/search?q=cat&udm=2';

interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Both pages at rest: every image loaded, no pointer over anything, nothing focused. */
async function settle(page: Page): Promise<void> {
  await page.mouse.move(1279, 899);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
}

/** The header (Google's fixed search bar, and its chips while they show) and the open preview panel, in viewport pixels. */
async function regions(page: Page): Promise<Record<'header' | 'panel', Region>> {
  return page.evaluate(() => {
    const rect = (selector: string) => {
      const box = (document.querySelector(selector) as HTMLElement).getBoundingClientRect();
      return { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) };
    };
    const bottom = Math.max(...['#searchform', '.rfiSsc', '.TrmO7'].map(rect).filter((box) => box.height > 0).map((box) => box.y + box.height));
    return { header: { x: 0, y: 0, width: 1280, height: bottom }, panel: rect('#Sva75c') };
  });
}

/** How many pixels of two same-sized PNGs differ by more than STRONG (decoded by the browser), outside `ignore`. */
async function differingPixels(page: Page, a: Buffer, b: Buffer, ignore: Region | null = null): Promise<number> {
  return page.evaluate(async ([one, two, skip, strong]) => {
    const pixels = async (base64: string) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${base64}`)).blob());
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
      context.drawImage(bitmap, 0, 0);
      return context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    };
    const [p, q] = await Promise.all([pixels(one), pixels(two)]);
    const width = (await createImageBitmap(await (await fetch(`data:image/png;base64,${one}`)).blob())).width;
    let differing = 0;
    for (let i = 0; i < p.length; i += 4) {
      const x = (i / 4) % width;
      const y = Math.floor(i / 4 / width);
      if (skip && x >= skip.x && x < skip.x + skip.width && y >= skip.y && y < skip.y + skip.height) continue;
      const channel = (k: number): number => Math.abs((p[i + k] as number) - (q[i + k] as number));
      if (Math.max(channel(0), channel(1), channel(2)) > strong) differing += 1;
    }
    return p.length === q.length ? differing : Number.POSITIVE_INFINITY;
  }, [a.toString('base64'), b.toString('base64'), ignore, STRONG] as const);
}

async function shots(page: Page, where: Record<'header' | 'panel', Region>): Promise<Record<'header' | 'panel', Buffer>> {
  return {
    header: await page.screenshot({ clip: where.header, animations: 'disabled' }),
    panel: await page.screenshot({ clip: where.panel, animations: 'disabled' }),
  };
}

/** Saves the results whose controls `pick` chooses (saved controls always show) and waits for them. */
async function save(ext: Extension, page: Page, indexes: number[]): Promise<void> {
  const grid = page.locator('[jsname="dTDiAc"]');
  for (const index of indexes) {
    const control = grid.nth(index).locator(`:scope > ${CONTROL}`);
    await control.focus();
    await page.keyboard.press('Enter');
  }
  for (const index of indexes) await expect(grid.nth(index).locator(`:scope > ${CONTROL}`)).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });
  expect(ext.files().length).toBeGreaterThanOrEqual(indexes.length);
}

test('the real 2024 page: controls are never drawn over Google’s sticky header or its preview panel', async ({ ext }) => {
  test.setTimeout(120_000);
  await serveUdm2(ext);
  const { html } = udm2WithLocalOriginals();
  const page = await ext.openGoogle(undefined, 'cat');

  // Results whose controls lie under the panel, and the first rows' (scrolled under the header next).
  const underPanel = await page.locator('[jsname="dTDiAc"]').evaluateAll((results, control) => {
    const panel = (document.querySelector('#Sva75c') as HTMLElement).getBoundingClientRect();
    return results.flatMap((result, index) => {
      const box = result.querySelector(control)?.getBoundingClientRect();
      const x = box ? box.x + box.width / 2 : -1;
      const y = box ? box.y + box.height / 2 : -1;
      return box && box.y > panel.y && box.bottom < innerHeight && x > panel.x && x < panel.right && y > panel.y && y < panel.bottom ? [index] : [];
    });
  }, CONTROL);
  expect(underPanel.length).toBeGreaterThanOrEqual(2);
  await save(ext, page, [0, 1, 3, 4, ...underPanel.slice(0, 3)]);
  // The saved first rows go under the header: their controls' tops 10 px below the top of the window.
  await page.evaluate(() => {
    const first = document.querySelector('[jsname="dTDiAc"]') as HTMLElement;
    window.scrollBy(0, first.getBoundingClientRect().top - 4);
  });
  await settle(page);
  const where = await regions(page);
  const scrolled = await page.evaluate((): number => window.scrollY);
  // Saved controls really are where the header and the panel are (else this test would prove nothing).
  const hidden = await page.locator(`${CONTROL}[data-state="completed"]`).evaluateAll((controls, [header, panel]) => {
    const inside = (box: DOMRect, region: { x: number; y: number; width: number; height: number }) => box.right > region.x && box.x < region.x + region.width && box.bottom > region.y && box.y < region.y + region.height;
    return { header: controls.filter((control) => inside(control.getBoundingClientRect(), header)).length, panel: controls.filter((control) => inside(control.getBoundingClientRect(), panel)).length };
  }, [where.header, where.panel] as const);
  expect(hidden.header).toBeGreaterThanOrEqual(2);
  expect(hidden.panel).toBeGreaterThanOrEqual(2);
  const withExtension = await shots(page, where);

  // The same page, at the same place, in a browser without the extension.
  const browser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: [...QUIET_FLAGS, ...LOCAL_HOST_FLAGS] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await routeGooglePages(context, () => html.replaceAll('{{IMG}}', ext.images.origin));
    await offline(context);
    await routeThumbnails({ ...ext, context });
    const plain = await context.newPage();
    await plain.goto(URL);
    await plain.evaluate((y) => window.scrollTo(0, y), scrolled);
    await settle(plain);
    expect(await plain.evaluate((): number => window.scrollY)).toBe(scrolled);
    expect(await regions(plain)).toEqual(where);
    const without = await shots(plain, where);
    expect(await differingPixels(page, withExtension.header, without.header), 'pixels of the header painted differently').toBe(0);
    // The panel's own control ("Download original", on its image) is the one thing of ours that belongs there.
    const own = await page.locator(`${CONTROL}.semantest-preview`).evaluate((control, panel) => {
      const box = control.getBoundingClientRect();
      return { x: Math.floor(box.x) - panel.x - 4, y: Math.floor(box.y) - panel.y - 4, width: Math.ceil(box.width) + 8, height: Math.ceil(box.height) + 8 };
    }, where.panel);
    expect(await differingPixels(page, withExtension.panel, without.panel, own), 'pixels of the panel painted differently').toBe(0);
  } finally {
    await browser.close();
  }
});
