/** Pause, resume and cancel from the popup, on a slow image host; live progress with speed while it runs. */
import { test, expect, swapOriginal } from './fixtures.ts';

test('a slow download shows progress; pause, resume and cancel from the popup act on the transfer', async ({ ext }) => {
  // About 24 s of body: time enough for every click even on a busy machine.
  Object.assign(ext.images.slow, { bytes: 4 * 1_048_576, chunks: 80, intervalMs: 300 });
  ext.serveFixture('udm2', swapOriginal('dog.png', '/fault/slow/dog.png'));
  const page = await ext.openGoogle();
  await page.locator('[data-testid="semantest-download"]').first().click();

  const popup = await ext.openPopup();
  const row = popup.locator('[data-testid="history-item"]');
  await expect(row).toHaveAttribute('data-status', 'downloading', { timeout: 20_000 });
  const progress = row.getByTestId('progress');
  await expect(progress).toContainText(/\d+ % · [\d.]+ (KB|MB) \/ 4\.0 MB/, { timeout: 20_000 });
  await expect(progress).toContainText(/(KB|MB|B)\/s/, { timeout: 20_000 });

  await row.getByTestId('pause-button').click();
  await expect(row).toHaveAttribute('data-status', 'paused');
  await expect(progress).toContainText('paused');
  await row.getByTestId('resume-button').click();
  await expect(row).toHaveAttribute('data-status', 'downloading');

  await row.getByTestId('cancel-button').click();
  await expect(row).toHaveAttribute('data-status', 'failed');
  await expect(row).toContainText('The download was cancelled.');

  const types = (await ext.events()).map((event) => event.type);
  expect(types).toContain('DownloadPaused');
  expect(types).toContain('DownloadResumed');
  expect(types.indexOf('DownloadPaused')).toBeLessThan(types.indexOf('DownloadResumed'));
  expect(types.at(-1)).toBe('GoogleImageDownloadFailed');
  expect(types.filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(0);
  // Nothing half-written is left under the image's name.
  expect(ext.files().filter((file) => file.startsWith('Semantest/dog'))).toEqual([]);
});
