/**
 * The content script's behaviour beyond the happy path, in a real Chromium: results added later (infinite scroll,
 * a new search without a page load), visibility on hover and keyboard focus, a result without an original (the
 * thumbnail is offered, never saved silently), a link Google sets only later, bad page data, a result removed
 * while its control is clicked, and the keyboard shortcut's tab message.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';
import { sha256 } from '../../scripts/image-host.mjs';

const control = '[data-testid="semantest-download"]';
const resultControls = `${control}:not(.semantest-preview)`;

async function expectOriginalSaved(ext: Extension, name: string, as = name): Promise<void> {
  const path = await ext.waitForFile(`Semantest/${as}`);
  expect(sha256(readFileSync(path))).toBe(sha256(ext.images.images.get(name)?.original ?? Buffer.alloc(0)));
}

async function openWithErrors(ext: Extension, fixture = 'udm2', change?: (html: string) => string): Promise<{ page: Page; errors: Error[] }> {
  ext.serveFixture(fixture, change);
  const errors: Error[] = [];
  const page = await ext.context.newPage();
  page.on('pageerror', (error) => errors.push(error));
  await ext.openGoogle(page);
  return { page, errors };
}

/** Appends udm2-style results whose `/imgres` link names `original`, as Google's infinite scroll does. */
async function appendResults(page: Page, origin: string, count: number, original: string, container?: string): Promise<void> {
  await page.evaluate(
    ({ origin, count, original, container }) => {
      const grid = container ? document.querySelector(container) : document.querySelector('[jsname="dTDiAc"]')?.parentElement;
      if (!grid) throw new Error('no grid');
      const start = grid.children.length;
      for (let i = 0; i < count; i++) {
        const result = document.createElement('div');
        result.setAttribute('jsname', 'dTDiAc');
        result.setAttribute('data-lpage', `https://example.org/more-${start + i}.html`);
        result.setAttribute('data-ri', String(start + i));
        const href = `/imgres?imgurl=${encodeURIComponent(`${origin}/originals/${original}`)}&imgrefurl=${encodeURIComponent(`https://example.org/more-${start + i}.html`)}&w=800&h=600`;
        result.innerHTML = `<div jsname="qQjpJ"><h3><a jsname="sTFXNd" tabindex="0" href="${href}"><div class="H8Rx8c"><g-img><img class="YQ4gaf" width="300" height="200" alt="More ${start + i}" src="${origin}/thumbs/${original}"></g-img></div></a></h3></div>`;
        grid.append(result);
      }
    },
    { origin, count, original, container },
  );
}

test('results added by infinite scroll get controls, and a click on one saves its original', async ({ ext }) => {
  const { page, errors } = await openWithErrors(ext);
  await expect(page.locator(resultControls)).toHaveCount(7);
  await appendResults(page, ext.images.origin, 5, 'owl.jpg');
  await expect(page.locator(resultControls)).toHaveCount(12);
  await appendResults(page, ext.images.origin, 5, 'fox.jpg');
  await expect(page.locator(resultControls)).toHaveCount(17);
  const added = page.locator(resultControls).nth(14);
  // A control's original is looked for once it can be seen (the pointer over its result), as a user would have.
  await page.locator(resultControls).nth(16).hover();
  await added.click();
  await expectOriginalSaved(ext, 'fox.jpg');
  // Every control of the same original shows the one download.
  await expect(page.locator(resultControls).nth(16)).toHaveAttribute('data-state', 'completed');
  await expect(page.locator('html')).not.toHaveAttribute('data-google-mousedowns', /.*/);
  expect(errors).toEqual([]);
});

test('a new search without a page load (pushState + new results) gets controls', async ({ ext }) => {
  const { page, errors } = await openWithErrors(ext);
  await page.evaluate(() => {
    history.pushState({}, '', '/search?q=birds&udm=2');
    const grid = document.querySelector('[jsname="dTDiAc"]')?.parentElement;
    if (!grid) throw new Error('no grid');
    grid.replaceChildren();
  });
  await appendResults(page, ext.images.origin, 2, 'bird.jpg', '[jsname="dTDiAc-grid"]');
  await expect(page.locator(resultControls)).toHaveCount(2);
  await page.locator(resultControls).first().click();
  await expectOriginalSaved(ext, 'bird.jpg');
  const requested = (await ext.events()).find((event) => event.type === 'GoogleImageDownloadRequested');
  expect(requested?.data).toMatchObject({ query: 'birds', strategy: 'imgres_link', pageUrl: 'https://www.google.com/search?q=birds&udm=2' });
  expect(errors).toEqual([]);
});

test('a control shows on hover and on keyboard focus, and Enter saves without Google seeing the key', async ({ ext }) => {
  const { page } = await openWithErrors(ext);
  const cat = page.locator(resultControls).nth(1);
  await expect(cat).toHaveCSS('opacity', '0');
  await page.locator('[jsname="dTDiAc"]').nth(1).hover();
  await expect(cat).toHaveCSS('opacity', '1');
  await page.mouse.move(1, 1);
  await expect(cat).toHaveCSS('opacity', '0');
  // Focus on the result's own link (Tab in Google's grid) shows it too, and so does focus on the control.
  await page.locator('[jsname="dTDiAc"]').nth(1).locator('a[jsname="sTFXNd"]').focus();
  await expect(cat).toHaveCSS('opacity', '1');
  // The control comes right after the result's source link in the tab order.
  await page.locator('[jsname="dTDiAc"]').nth(1).locator('a[href^="https://example.org/"]').focus();
  await page.keyboard.press('Tab');
  await expect(cat).toBeFocused();
  await expect(cat).toHaveCSS('opacity', '1');
  await page.keyboard.press('Enter');
  await expectOriginalSaved(ext, 'cat.jpg');
  await expect(page.locator('html')).not.toHaveAttribute('data-google-opened', /.*/);
});

test('a result with no original says so, looks on its page, then offers the thumbnail explicitly: only another click saves it', async ({ ext }) => {
  // The hare's page answers 404: nothing to find there.
  await ext.context.route('https://example.org/hare-page.html', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: 'gone' }));
  const { page, errors } = await openWithErrors(ext);
  const hare = page.locator(resultControls).nth(6);
  // Said as soon as the control can be seen: the pointer over its result.
  await hare.hover();
  await expect(hare).toHaveAttribute('title', /no original for this result.*Click to look for the original on its page \(example\.org\)/);
  await expect(hare).not.toHaveAttribute('data-offer', /.*/);
  const thumbnail = await page.locator('[jsname="dTDiAc"]').nth(6).locator('img').first().getAttribute('src');
  expect(thumbnail).toMatch(/^data:image\/png;base64,/);

  // The first click looks on the page (the worker reads it); there is nothing there: the thumbnail is offered.
  await hare.click();
  await expect(hare).toHaveAttribute('data-offer', 'armed', { timeout: 20_000 });
  await expect(hare).toHaveAttribute('data-original', 'missing');
  await expect(hare).toContainText('Save thumbnail?');
  await expect(hare).toHaveAttribute('title', /Click again to save Google's thumbnail.*example\.org\) could not be read: HTTP 404/);
  expect(ext.files()).toEqual([]);
  expect((await ext.events()).length).toBe(0);

  await hare.click();
  const path = await ext.waitForFile('Semantest/A hare in a field.png');
  expect(sha256(readFileSync(path))).toBe(sha256(Buffer.from((thumbnail ?? '').split(',')[1] ?? '', 'base64')));
  await expect(hare).toHaveAttribute('data-state', 'completed');
  const requested = (await ext.events()).find((event) => event.type === 'GoogleImageDownloadRequested');
  expect(requested?.data).toMatchObject({ strategy: 'thumbnail', imageUrl: thumbnail, title: 'A hare in a field' });
  expect(errors).toEqual([]);
});

test('a result whose original was unknown at first is looked at again on click (Google set its /imgres link later)', async ({ ext }) => {
  const { page } = await openWithErrors(ext);
  const hare = page.locator(resultControls).nth(6);
  await hare.hover();
  await expect(hare).toHaveAttribute('title', /no original for this result/);
  await page.evaluate((origin) => {
    const link = document.querySelectorAll('[jsname="dTDiAc"]')[6]?.querySelector('a[jsname="sTFXNd"]');
    link?.setAttribute('href', `/imgres?imgurl=${encodeURIComponent(`${origin}/originals/fox.jpg`)}&imgrefurl=https%3A%2F%2Fexample.org%2Fhare-page.html`);
  }, ext.images.origin);
  await hare.click();
  await expectOriginalSaved(ext, 'fox.jpg');
  await expect(hare).toHaveAttribute('data-state', 'completed');
  const requested = (await ext.events()).find((event) => event.type === 'GoogleImageDownloadRequested');
  expect(requested?.data).toMatchObject({ strategy: 'imgres_link', imageUrl: `${ext.images.origin}/originals/fox.jpg` });
});

test('a result removed from the page while its control is being clicked: nothing escapes, nothing half-done', async ({ ext }) => {
  const { page, errors } = await openWithErrors(ext);
  // Removed between press and release: no click happens at all, so nothing starts.
  const cat = page.locator(resultControls).nth(1);
  await cat.hover();
  await page.mouse.down();
  await page.evaluate(() => document.querySelectorAll('[jsname="dTDiAc"]')[1]?.remove());
  await page.mouse.up();
  await expect(page.locator(resultControls)).toHaveCount(6);
  // Removed right after the click (Google re-rendering the grid as the control turns queued): the download the
  // user asked for goes on.
  await page.locator(resultControls).nth(1).evaluate((button) => {
    new MutationObserver((_records, observer) => {
      observer.disconnect();
      button.closest('[jsname="dTDiAc"]')?.remove();
    }).observe(button, { attributes: true, attributeFilter: ['data-state'] });
  });
  await page.locator(resultControls).nth(1).click();
  await expectOriginalSaved(ext, 'bird.jpg');
  await expect(page.locator(resultControls)).toHaveCount(5);
  expect(ext.files()).toEqual(['Semantest/bird.jpg']);
  expect((await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested')).toHaveLength(1);
  await expect(page.locator('html')).not.toHaveAttribute('data-google-mousedowns', /.*/);
  expect(errors).toEqual([]);
});

test('malformed inline data and rg_meta: controls still come, each says what is wrong, nothing escapes to the page', async ({ ext }) => {
  // The page's data scripts replaced by valid scripts holding broken data (a bad address, a cut-off pair).
  const brokenData = (html: string): string =>
    html
      .replace(/<script nonce="Qm8x1">\(function\(\)\{var m=[\s\S]*?<\/script>/, '<script nonce="Qm8x1">var m=\'{"dOcDog01":[1,[0,"tbnDog01",["\\\\u00zz",225,\';</script>')
      .replace(
        /<script nonce="Qm8x1">\(function\(\)\{var s=[\s\S]*?<\/script>/,
        '<script nonce="Qm8x1">var s=\'[[null,["{{IMG}}/thumbs/dog.png",225,300],["javascript:alert(1)",1200,1600]],[null,["{{IMG}}/thumbs/cat.jpg",240\';</script>',
      );
  const { page, errors } = await openWithErrors(ext, 'udm2', brokenData);
  await expect(page.locator(resultControls)).toHaveCount(7);
  // Each control says what is wrong once it can be seen (the pointer over its result).
  await page.locator(resultControls).nth(0).hover();
  await expect(page.locator(resultControls).nth(0)).toHaveAttribute('title', /"javascript:" address/);
  // Fish has an addressable thumbnail that the (broken) data does not hold.
  await page.locator(resultControls).nth(3).hover();
  await expect(page.locator(resultControls).nth(3)).toHaveAttribute('title', /page data.*Click to look for the original on its page/);
  expect(errors).toEqual([]);

  ext.serveFixture('isch2018', (html) => html.replace('{"clt":"n","id":"Qx9pZ3mKc_Tb2M:"', '{"clt":"n",,"id":"Qx9pZ3mKc_Tb2M:"'));
  await ext.openGoogle(page);
  await expect(page.locator(resultControls)).toHaveCount(5);
  await page.locator(resultControls).nth(1).hover();
  await expect(page.locator(resultControls).nth(1)).toHaveAttribute('title', /rg_meta.*not readable JSON/);
  await page.locator(resultControls).nth(2).click();
  await expectOriginalSaved(ext, 'bird.jpg');
  expect(errors).toEqual([]);
});

test('javascript: and relative imgurl addresses are refused in words, and the thumbnail is offered instead', async ({ ext }) => {
  // The dog's and the cat's originals are refused in the page data too (so only their /imgres links could give
  // one), and their links (as Google sets them on hover) name a javascript: and a relative address.
  await ext.context.route(/^https:\/\/example\.org\//, (route) => route.fulfill({ status: 404, contentType: 'text/html', body: 'gone' }));
  const { page, errors } = await openWithErrors(ext, 'udm2', (html) =>
    html
      .replaceAll('{{IMG}}/originals/dog.png', 'javascript:void(0)')
      .replaceAll('{{IMG}}\\/originals\\/dog.png', 'javascript:void(0)')
      .replaceAll('{{IMG}}/originals/cat.jpg', 'ftp://example.org/cat.jpg')
      .replace('data-docid="dOcDog01"', 'data-docid="dOcDog01" data-test-link="/imgres?imgurl=javascript:alert(document.domain)"')
      .replace('data-docid="dOcCat02"', 'data-docid="dOcCat02" data-test-link="/imgres?imgurl=/originals/cat.jpg"'),
  );
  await page.evaluate(() => {
    for (const result of document.querySelectorAll('[data-test-link]')) result.querySelector('a[jsname="sTFXNd"]')?.setAttribute('href', result.getAttribute('data-test-link') ?? '');
  });
  const controls = page.locator(resultControls);
  await expect(controls).toHaveCount(7);
  await controls.nth(0).hover();
  await expect(controls.nth(0)).toHaveAttribute('title', /imgurl\) is a "javascript:" address, not a web address/);
  await controls.nth(1).hover();
  await expect(controls.nth(1)).toHaveAttribute('title', /imgurl\) is not an absolute http\(s\) address/);
  await controls.nth(0).click();
  await expect(controls.nth(0)).toHaveAttribute('data-offer', 'armed', { timeout: 20_000 });
  await controls.nth(2).click();
  await expectOriginalSaved(ext, 'bird.jpg');
  expect((await ext.events()).filter((event) => event.type === 'GoogleImageDownloadRequested')).toHaveLength(1);
  expect(errors).toEqual([]);
});

test('the keyboard shortcut: the worker tells the tab, and the content script saves the open preview', async ({ ext }) => {
  const { page } = await openWithErrors(ext);
  const preview = page.locator(`${control}.semantest-preview`);
  await expect(preview).toHaveCount(1);
  const worker = await ext.worker();
  // Real key presses of extension commands do not reach headless Chromium: send what the command handler sends.
  const sent = await worker.evaluate(async () => {
    const [tab] = await chrome.tabs.query({ url: 'https://www.google.com/*' });
    if (tab?.id === undefined) return false;
    await chrome.tabs.sendMessage(tab.id, { type: 'preview.download' });
    return true;
  });
  expect(sent).toBe(true);
  await expectOriginalSaved(ext, 'dog.png');
  await expect(preview).toHaveAttribute('data-state', 'completed');
  const requested = (await ext.events()).find((event) => event.type === 'GoogleImageDownloadRequested');
  expect(requested?.data).toMatchObject({ strategy: 'preview_panel', imageUrl: `${ext.images.origin}/originals/dog.png` });
});
