/** The Storage section's retention policy: the setting is stored, and "compact now" reports and keeps history. */
import { test, expect } from './fixtures.ts';

test('retention: the setting is saved, compact now reports what it removed, and the history is unchanged', async ({ ext }) => {
  const google = await ext.openGoogle();
  const controls = google.locator('[data-testid="semantest-download"]');
  await controls.nth(0).click();
  await expect(controls.nth(0)).toHaveAttribute('data-state', 'completed');
  const before = await ext.events();

  const options = await ext.openOptions();
  const days = options.getByTestId('retention-days');
  await expect(days).toHaveValue('0'); // off by default
  await days.selectOption('30');
  await expect(options.getByTestId('compaction-report')).toContainText('older than 30 days');
  const stored = await options.evaluate(() => chrome.storage.local.get('settings'));
  expect((stored['settings'] as { settings: { retentionDays: number } }).settings.retentionDays).toBe(30);
  // The settings form still saves every other setting around it.
  await expect(options.getByTestId('compact-button')).toHaveText('Compact now (older than 30 days)');

  await days.selectOption('0');
  await options.getByTestId('compact-button').click();
  // A plain download (request, check, intent, start, completion) has no step that may go: its intent sets when
  // it began, so the history would change without it.
  await expect(options.getByTestId('compaction-report')).toHaveText('Removed 0 intermediate events from 0 downloads (1 looked at).');
  expect((await ext.events()).map((event) => event.eventId)).toEqual(before.map((event) => event.eventId));
  const popup = await ext.openPopup();
  await expect(popup.locator('[data-testid="history-item"]')).toHaveCount(1);
  await expect(popup.locator('[data-testid="history-item"]')).toHaveAttribute('data-status', 'completed');
});
