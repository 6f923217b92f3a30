/** The monitoring section: real downloads first, then its totals and charts from the metrics projection. */
import { test, expect, twoSavedOneFailing } from './fixtures.ts';

test('the monitoring page charts real downloads from the store, and a screenshot is taken', async ({ ext }) => {
  // Quick retries so the failing one is dead-lettered in a few seconds.
  await ext.setSettings({ maxRetries: 1, baseDelayMs: 200 });
  const { controls } = await twoSavedOneFailing(ext);
  await expect(controls.nth(2)).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });

  const options = await ext.context.newPage();
  await options.setViewportSize({ width: 1000, height: 1100 });
  await options.goto(`chrome-extension://${ext.extensionId}/${ext.optionsPath}#monitoring`);
  const monitoring = options.getByTestId('monitoring');
  await expect(monitoring).toBeVisible({ timeout: 20_000 });
  // The numbers come from the store: two files saved, one failed for good and waiting in the dead-letter queue.
  await expect(options.getByTestId('monitor-total-completed')).toHaveText('2', { timeout: 20_000 });
  await expect(options.getByTestId('monitor-total-failed')).toHaveText('1');
  await expect(options.getByTestId('monitor-depth')).toHaveText('1');
  const events = (await ext.events()).length;
  await expect(options.getByTestId('monitor-total-events')).toHaveText(String(events));
  await expect(options.getByTestId('monitor-total-bytes')).not.toHaveText('0 B');
  await expect(options.getByTestId('monitor-latency')).toHaveText(/\d+ ms \/ \d+ ms/);
  // Five charts, each drawn by the chart library on a canvas of real size.
  for (const chart of ['chart-events', 'chart-downloads', 'chart-bytes', 'chart-latency', 'chart-depth']) {
    const canvas = options.getByTestId(chart).locator('canvas');
    await expect(canvas).toHaveCount(1);
    expect((await canvas.boundingBox())?.width ?? 0).toBeGreaterThan(200);
  }
  // The chart library is not in the popup: it is loaded by the options page only when this section is shown.
  const popup = await ext.openPopup();
  const popupScripts = await popup.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));
  expect(popupScripts.filter((name) => /monitoring/.test(name))).toEqual([]);
  await popup.close();

  await options.locator('#monitoring').scrollIntoViewIfNeeded();
  await options.locator('#monitoring').screenshot({ path: 'docs/screenshots/monitoring.png' });
});
