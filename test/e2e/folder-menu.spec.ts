/**
 * The context menu's recent folders (issue 19): "Save image with Semantest in" lists the user's recent folders
 * (settings.recentFolders) as a submenu, made again when they change; an entry saves the image into that folder's
 * template. The click is dispatched as in beyond-menu-badge-notifications.spec.ts (a real menu cannot be opened).
 */
import { test, expect } from './fixtures.ts';
import { makeJpeg } from '../../scripts/image-host.mjs';

test('a recent folder in the context menu saves the image into that folder', async ({ ext }) => {
  ext.images.images.set('menu.jpg', { original: makeJpeg('menu original', 1500), thumb: makeJpeg('menu thumb'), contentType: 'image/jpeg' });
  await ext.setSettings({ recentFolders: ['Semantest', 'Pictures/{site}'] });
  const worker = await ext.worker();
  const exists = (id: string) =>
    worker.evaluate((id) => new Promise<string>((done) => chrome.contextMenus.update(id, {}, () => done(chrome.runtime.lastError?.message ?? 'exists'))), id);
  await expect.poll(() => exists('semantest-save-in:1')).toBe('exists');
  expect(await exists('semantest-save-in:2')).toMatch(/Cannot find/);

  const pageUrl = `${ext.images.origin}/gallery.html`;
  await ext.context.route(pageUrl, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>Gallery</title><img id="picture" src="/originals/menu.jpg">' }));
  const page = await ext.context.newPage();
  await page.goto(pageUrl);
  const srcUrl = await page.locator('#picture').evaluate((img: HTMLImageElement) => img.src);
  await worker.evaluate(
    async ({ pageUrl, srcUrl }) => {
      const tab = (await chrome.tabs.query({})).find((candidate) => candidate.url === pageUrl);
      const onClicked = chrome.contextMenus.onClicked as unknown as { dispatch?: (info: chrome.contextMenus.OnClickData, tab: chrome.tabs.Tab) => void };
      if (!tab || typeof onClicked.dispatch !== 'function') throw new Error('the menu click cannot be simulated here');
      onClicked.dispatch({ menuItemId: 'semantest-save-in:1', editable: false, frameId: 0, mediaType: 'image', pageUrl, srcUrl }, tab);
    },
    { pageUrl, srcUrl },
  );
  await ext.waitForFile('Pictures/127.0.0.1/menu.jpg');
  expect(ext.files()).toEqual(['Pictures/127.0.0.1/menu.jpg']);

  // Fewer recent folders: the submenu is made again without the entry that went.
  await ext.setSettings({ recentFolders: ['Semantest'] });
  await expect.poll(() => exists('semantest-save-in:1')).toMatch(/Cannot find/);
  expect(await exists('semantest-save-in:0')).toBe('exists');
});
