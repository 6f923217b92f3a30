/** Screenshots for the README, taken from the real extension after real downloads (also a smoke test of the pages). */
import { test, expect, twoSavedOneFailing } from './fixtures.ts';
import { serveUdm2 } from './real-pages.ts';

const SHOTS = 'docs/screenshots';

test('the Google Images screenshot: the real 2024 page with two results saved and the pointer on a third', async ({ ext }) => {
  await serveUdm2(ext);
  const page = await ext.openGoogle(undefined, 'cat');
  const control = (index: number) => page.locator('[jsname="dTDiAc"]').nth(index).locator(':scope > [data-testid="semantest-download"]');
  for (const index of [0, 3]) await control(index).click();
  for (const index of [0, 3]) await expect(control(index)).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });
  await page.locator('[jsname="dTDiAc"]').nth(1).hover();
  await expect(control(1)).toHaveCSS('opacity', '1');
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
  await page.screenshot({ path: `${SHOTS}/google-images.png`, animations: 'disabled' });
});

test('screenshots of the popup and the options page', async ({ ext }) => {
  await twoSavedOneFailing(ext);

  const popup = await ext.openPopup();
  await popup.setViewportSize({ width: 440, height: 400 });
  await expect(popup.locator('[data-testid="history-item"][data-status="dead-lettered"]')).toHaveCount(1, { timeout: 30_000 });
  await expect(popup.getByTestId('summary-dead-letters')).toHaveText('1');
  await popup.screenshot({ path: `${SHOTS}/popup.png` });

  const options = await ext.openOptions();
  await options.setViewportSize({ width: 960, height: 900 });
  await expect(options.locator('[data-testid="dead-letter-item"]')).toHaveCount(1);
  await expect(options.getByTestId('pattern-preview')).toHaveText('Semantest/golden-retriever.jpg');
  await options.screenshot({ path: `${SHOTS}/options.png` });

  // The event log: the dead-lettered download's timeline.
  const select = options.getByTestId('timeline-select');
  await select.selectOption((await select.locator('option', { hasText: 'bird.jpg' }).getAttribute('value')) ?? '');
  await expect(options.getByTestId('timeline-event').first()).toHaveAttribute('data-type', 'GoogleImageDownloadRequested');
  await options.locator('#timeline').scrollIntoViewIfNeeded();
  await options.locator('#timeline').screenshot({ path: `${SHOTS}/event-log.png` });
});
