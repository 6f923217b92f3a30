/** Screenshots for the README, taken from the real extension after real downloads (also a smoke test of the pages). */
import { test, expect, twoSavedOneFailing } from './fixtures.ts';

const SHOTS = 'docs/screenshots';

test('screenshots of the Google control, the popup and the options page', async ({ ext }) => {
  const { page, controls } = await twoSavedOneFailing(ext);
  await controls.nth(3).hover();
  await page.screenshot({ path: `${SHOTS}/google-images.png` });

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
