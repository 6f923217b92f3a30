/**
 * Issue 19 item 1 on the real 2024 `udm=2` page: each result's control shows its original's size from Google's own
 * inline data (read here by an independent route: a regex over the page's raw map), the selection bar selects by
 * size (≥ N px on each side, ≥ N MP), and a bulk download leaves out what the "skip smaller than" setting says is
 * too small — on disk and in the log.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { originalBytes, realPage, serveUdm2, UDM2_2024, type Udm2Result } from './real-pages.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const CONTROL = '[data-testid="semantest-download"]';

/** docid → the original's size, as the page's inline map gives it (`["ORIGINAL",h,w]`). */
function sizesByDocid(): Map<string, { width: number; height: number }> {
  const sizes = new Map<string, { width: number; height: number }>();
  for (const match of realPage(UDM2_2024).matchAll(/"[A-Za-z0-9_-]+":\[1,\[0,"([^"]+)",\["[^"]*",\d+,\d+\],\["[^"]+",(\d+),(\d+)\]/g)) {
    sizes.set(match[1] as string, { height: Number(match[2]), width: Number(match[3]) });
  }
  return sizes;
}

async function open(ext: Parameters<typeof serveUdm2>[0]): Promise<{ page: Page; results: Udm2Result[] }> {
  const results = await serveUdm2(ext);
  const page = await ext.context.newPage();
  await page.goto('https://www.google.com/search?q=cat&udm=2');
  await page.locator(CONTROL).first().waitFor({ state: 'attached' });
  return { page, results };
}

test('the real 2024 page: controls show the original’s size; the bar selects by px and MP; skip smaller than holds', async ({ ext }) => {
  test.setTimeout(120_000);
  const sizes = sizesByDocid();
  const { page, results } = await open(ext);
  expect(results).toHaveLength(100);
  const grid = page.locator('[jsname="dTDiAc"]');
  const sizeOf = (result: Udm2Result): { width: number; height: number } => sizes.get(result.docid) ?? { width: 0, height: 0 };

  // The size shows when the control does (the keyboard focus reaches it), from Google's data, with no extra request.
  const before = ext.images.requests.length;
  for (let index = 0; index < 8; index++) {
    const control = grid.nth(index).locator(`:scope > ${CONTROL}`);
    await control.focus();
    const { width, height } = sizeOf(results[index] as Udm2Result);
    await expect(control, `result ${index}`).toHaveAttribute('data-size', `${width} × ${height} · JPG`);
    await expect(control, `result ${index}`).toHaveText(`${width} × ${height} · JPG`);
  }
  expect(ext.images.requests.slice(before).filter((request) => request.includes('/originals/'))).toEqual([]);

  // The bar opens with a first selection; "Select all ≥ 1000 px" selects exactly the results at least 1000 px on each side.
  await grid.nth(0).locator(`:scope > ${CONTROL}`).click({ modifiers: ['Shift'] });
  const bar = page.locator('[data-testid="semantest-bulk-bar"]');
  await expect(bar).toBeVisible();
  const selectBy = async (value: string, unit: 'px' | 'MP'): Promise<void> => {
    await bar.locator('[data-testid="semantest-min-size"]').fill(value);
    await bar.locator('[data-testid="semantest-min-unit"]').selectOption(unit);
    await bar.locator('[data-testid="semantest-select-min"]').click();
  };
  const selectedDocids = (): Promise<string[]> => grid.evaluateAll((elements) => elements.filter((element) => element.querySelector(':scope > [data-selected]')).map((element) => element.getAttribute('data-docid') ?? ''));
  const atLeastPx = results.filter((result) => Math.min(sizeOf(result).width, sizeOf(result).height) >= 1000).map((result) => result.docid);
  expect(atLeastPx.length).toBeGreaterThan(10);
  await selectBy('1000', 'px');
  await expect(bar.locator('[data-testid="semantest-bulk-count"]')).toHaveText(`${atLeastPx.length} selected`);
  expect(await selectedDocids()).toEqual(atLeastPx);
  // Every result was sized from the page's data on the way.
  await expect(page.locator(`[jsname="dTDiAc"] > ${CONTROL}[data-size]`)).toHaveCount(100);

  const atLeastMp = results.filter((result) => sizeOf(result).width * sizeOf(result).height >= 4_000_000).map((result) => result.docid);
  await selectBy('4', 'MP');
  await expect(bar.locator('[data-testid="semantest-bulk-count"]')).toHaveText(`${atLeastMp.length} selected`);
  expect(await selectedDocids()).toEqual(atLeastMp);
  // Not a size: said in words, the selection unchanged.
  await selectBy('0', 'px');
  await expect(bar.locator('[data-testid="semantest-bulk-status"]')).toHaveText('Type a size above 0: whole pixels, or megapixels.');
  await expect(bar.locator('[data-testid="semantest-bulk-count"]')).toHaveText(`${atLeastMp.length} selected`);

  // "Skip smaller than 2000 px" (the worker's setting): of the ≥ 1000 px selection only those ≥ 2000 px are saved.
  await ext.setSettings({ skipSmallerThanPx: 2000 });
  await selectBy('1000', 'px');
  await expect(bar.locator('[data-testid="semantest-bulk-count"]')).toHaveText(`${atLeastPx.length} selected`);
  const kept = results.filter((result) => Math.min(sizeOf(result).width, sizeOf(result).height) >= 2000);
  const keptUrls = [...new Set(kept.map((result) => `${ext.images.origin}${result.local}`))];
  expect(kept.length).toBeGreaterThan(0);
  expect(kept.length).toBeLessThan(atLeastPx.length);
  await bar.locator('[data-testid="semantest-bulk-download"]').click();
  await expect(bar.locator('[data-testid="semantest-bulk-status"]')).toHaveText(`${atLeastPx.length - kept.length} skipped as smaller than 2000 px`);
  for (const result of kept) await expect(page.locator(`[data-docid="${result.docid}"] > ${CONTROL}`)).toHaveAttribute('data-state', 'completed', { timeout: 30_000 });
  const log = await ext.events();
  const requested = log.filter((event) => event.type === 'GoogleImageDownloadRequested').map((event) => (event.data as { imageUrl: string }).imageUrl);
  expect(new Set(requested)).toEqual(new Set(keptUrls));
  expect(requested).toHaveLength(keptUrls.length);
  // One batch: one correlation id for every download in it.
  expect(new Set(log.filter((event) => event.type !== 'NotificationSent').map((event) => event.correlationId)).size).toBe(1);
  const hashes = ext.files().map((name) => sha256(readFileSync(`${ext.downloadDir}/${name}`)));
  expect(hashes.sort()).toEqual(kept.map((result) => sha256(originalBytes(ext, result.local))).sort());
  // A skipped result's control says why.
  const skipped = results.find((result) => Math.min(sizeOf(result).width, sizeOf(result).height) >= 1000 && !kept.includes(result)) as Udm2Result;
  await expect(page.locator(`[data-docid="${skipped.docid}"] > ${CONTROL}`)).toHaveAttribute('title', 'Skipped: smaller than 2000 px (your setting “skip smaller than”)');
});
