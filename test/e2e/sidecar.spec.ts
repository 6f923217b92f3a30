/**
 * Sidecar metadata in a real Chromium (issue 19): with the setting on (from the options page), each saved image
 * gets `<name>.<ext>.json` beside it — made as a Blob by the offscreen document — whose SHA-256 is the image's.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures.ts';
import { sha256 } from '../../scripts/image-host.mjs';

test('with the setting on, each image has its metadata JSON beside it, with the right hash', async ({ ext }) => {
  const options = await ext.openOptions();
  await options.getByLabel(/Save a metadata file beside each image/).check();
  await options.getByTestId('save-settings').click();
  await expect(options.getByTestId('settings-status')).toHaveText('Saved. Applies to the next download.');

  const page = await ext.openGoogle(undefined, 'dogs');
  const controls = page.locator('[data-testid="semantest-download"]');
  for (const i of [0, 1]) await controls.nth(i).click();
  for (const i of [0, 1]) await expect(controls.nth(i)).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });

  const images = ext.files().filter((file) => !file.endsWith('.json'));
  expect(images).toHaveLength(2);
  for (const image of images) {
    const path = await ext.waitForFile(`${image}.json`);
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const bytes = readFileSync(`${ext.downloadDir}/${image}`);
    expect(json).toMatchObject({ file: image.split('/').pop(), sha256: sha256(bytes), query: 'dogs', sourcePage: expect.stringMatching(/^https?:/) });
    expect(String(json.imageUrl)).toContain(ext.images.origin);
    const log = await ext.events();
    const completed = log.find((event) => event.type === 'GoogleImageDownloadCompleted' && String((event.data as { filePath: string }).filePath).endsWith(image));
    expect(json.correlationId).toBe(completed?.correlationId);
  }
  expect(ext.files()).toHaveLength(4);
});
