/**
 * Real basic-HTML Google pages (2016, 2022, 2026: test/fixtures/google-real/): they hold no original, only Google's
 * thumbnail and a link to the page the image is on. Every result gets a control; a click has the worker look on
 * that page (served here at its own address) and save the same picture, larger — or say there is none and offer
 * the thumbnail in words.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures.ts';
import { BASIC_2016, BASIC_2022, BASIC_2026, basicResults, offline, originalOn, routeSourcePages, routeThumbnails, type BasicResult, type SourceKind } from './real-pages.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const CONTROL = '[data-testid="semantest-download"]';

for (const file of [BASIC_2022, BASIC_2026]) {
  test(`${file}: every result has a control; og:image, a large <img srcset> and a page without the picture`, async ({ ext }) => {
    test.setTimeout(90_000);
    const results = basicResults(file);
    expect(results).toHaveLength(20);
    // Pages that one result links to, by kind, in page order: og, srcset, none, og, …
    const single = [...new Set(results.map((result) => result.pageUrl))].filter((url) => results.filter((result) => result.pageUrl === url).length === 1);
    const kinds: SourceKind[] = ['og', 'srcset', 'none'];
    const kindOf = (url: string): SourceKind => kinds[single.indexOf(url) % 3] ?? 'og';
    await offline(ext.context);
    await routeThumbnails(ext);
    // A cookie of the source pages' sites: the worker must not send it.
    await ext.context.addCookies(results.map((result) => ({ name: 'session', value: 'secret', url: result.pageUrl, sameSite: 'None' as const, secure: true })));
    const sources = await routeSourcePages(ext, results, kindOf);
    ext.serveRealPage(file);
    const page = await ext.openGoogle(undefined, 'dogs');
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));

    const controls = page.locator(CONTROL);
    await expect(controls).toHaveCount(20);
    const pick = (kind: SourceKind): { result: BasicResult; index: number } => {
      const index = results.findIndex((result) => single.includes(result.pageUrl) && kindOf(result.pageUrl) === kind);
      return { result: results[index] as BasicResult, index };
    };

    for (const kind of ['og', 'srcset'] as const) {
      const { result, index } = pick(kind);
      const control = controls.nth(index);
      await control.hover();
      await expect(control).toHaveAttribute('title', new RegExp(`look for the original on its page \\(${new URL(result.pageUrl).host.replaceAll('.', '\\.')}\\)`));
      await control.click();
      await expect(control).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });
      const expected = ext.images.generated(originalOn(kind, result.seed) ?? '');
      const saved = await ext.waitForFile(/^Semantest\/.+\.png$/, 10_000).then(() => ext.files().filter((name) => name.endsWith('.png')));
      const hashes = saved.map((name) => sha256(readFileSync(`${ext.downloadDir}/${name}`)));
      expect(hashes, kind).toContain(sha256(expected?.body ?? Buffer.alloc(0)));
    }

    // Nothing on this page is the picture: the control says so, in words, and offers the thumbnail.
    const { result: nothing, index: nothingIndex } = pick('none');
    const control = controls.nth(nothingIndex);
    await control.click();
    await expect(control).toHaveAttribute('data-offer', 'armed', { timeout: 20_000 });
    await expect(control).toHaveAttribute('data-state', 'idle');
    await expect(control).toHaveAttribute('title', new RegExp(`No image on its page \\(${new URL(nothing.pageUrl).host.replaceAll('.', '\\.')}\\) is this picture`));
    await expect(control).toHaveAttribute('title', /Click again to save Google's thumbnail/);
    await expect(control).toContainText('Save thumbnail?');
    // The second click asks for Google's thumbnail, by name (whether Chrome can then fetch it is not this test's:
    // Chrome's own download request cannot be routed to a local picture, the worker's fetches can).
    await control.click();
    await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested').length).toBe(3);

    const requested = (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested').map((event) => event.data as { imageUrl: string; strategy: string; sourcePageUrl?: string });
    expect(requested.map((data) => data.strategy)).toEqual(['source_page', 'source_page', 'thumbnail']);
    expect(requested[2]?.imageUrl).toMatch(new RegExp(`^https://encrypted-tbn0\\.gstatic\\.com/images\\?q=${nothing.token}`));
    expect(requested[0]?.imageUrl).toBe(`${ext.images.origin}${originalOn('og', pick('og').result.seed)}`);
    expect(requested[1]?.imageUrl).toBe(`${ext.images.origin}${originalOn('srcset', pick('srcset').result.seed)}`);
    expect(requested[0]?.sourcePageUrl).toBe(pick('og').result.pageUrl);
    expect(sources.requests.length).toBeGreaterThanOrEqual(3);
    expect(sources.withCookies).toEqual([]);
    expect(errors).toEqual([]);
  });
}

test(`${BASIC_2016}: the 2016 basic page gets a control on each of its 20 results`, async ({ ext }) => {
  await offline(ext.context);
  await routeThumbnails(ext);
  ext.serveRealPage(BASIC_2016);
  const page = await ext.openGoogle(undefined, 'test');
  await expect(page.locator(CONTROL)).toHaveCount(20);
  // Each control sits beside its result's link, not inside it (a click there would follow the link).
  expect(await page.locator(`a ${CONTROL}`).count()).toBe(0);
});
