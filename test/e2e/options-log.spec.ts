/** The options page: retry selected, the event timeline and raw log, export → import round trip, rebuild by replay. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, swapOriginal } from './fixtures.ts';

const control = '[data-testid="semantest-download"]';

/** Empties tables of the `semantest` database from an extension page (what a fresh profile would have). */
async function clearTables(page: Page, tables: string[]): Promise<void> {
  await page.evaluate(
    (names) =>
      new Promise<void>((done, fail) => {
        const open = indexedDB.open('semantest');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(names, 'readwrite');
          for (const name of names) tx.objectStore(name).clear();
          tx.oncomplete = () => {
            open.result.close();
            done();
          };
          tx.onerror = () => fail(tx.error);
        };
      }),
    tables,
  );
}

test('retry selected retries only the chosen dead letters', async ({ ext }) => {
  // One retry, quickly: the settings shorten the way to the dead-letter queue.
  const options = await ext.openOptions();
  await options.getByLabel('Automatic retries').fill('1');
  await options.getByLabel('First retry after (ms)').fill('200');
  await options.getByTestId('save-settings').click();
  await expect(options.getByTestId('settings-status')).toContainText('Saved');

  ext.serveFixture('udm2', (html) => swapOriginal('bird.jpg', '/fault/switch/bird.jpg')(swapOriginal('cat.jpg', '/fault/switch/cat.jpg')(html)));
  ext.images.failing.add('cat.jpg');
  ext.images.failing.add('bird.jpg');
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await page.locator(control).nth(2).click();
  const items = options.getByTestId('dead-letter-item');
  await expect(items).toHaveCount(2, { timeout: 30_000 });
  expect(ext.images.hits('/fault/switch/cat.jpg')).toBe(2);

  ext.images.failing.clear();
  const retrySelected = options.getByTestId('retry-selected-button');
  await expect(retrySelected).toBeDisabled();
  await options.getByRole('checkbox', { name: 'Select cat.jpg' }).check();
  await expect(retrySelected).toHaveText('Retry selected (1)');
  await retrySelected.click();
  await ext.waitForFile('Semantest/cat.jpg');
  await expect(items).toHaveCount(1);
  await expect(items).toContainText('bird.jpg');
  expect(ext.files()).toEqual(['Semantest/cat.jpg']);
});

test('a download’s timeline groups its events by action; the raw log filters by type', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/404/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'failed');
  const popup = await ext.openPopup();
  await popup.getByTestId('history-item').getByTestId('retry-button').click();
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadFailed').length, { timeout: 20_000 }).toBe(2);
  const events = await ext.events();

  const options = await ext.openOptions();
  const select = options.getByTestId('timeline-select');
  await select.selectOption({ index: 1 });
  const groups = options.getByTestId('timeline-group');
  await expect(groups).toHaveCount(2);
  // The timeline shows the download's stream; the log also holds the notifications told of its failures.
  await expect(options.getByTestId('timeline-event')).toHaveCount(events.filter((event) => event.streamId === events[0]?.streamId).length);
  await expect(groups.nth(0).getByTestId('timeline-event').first()).toHaveAttribute('data-type', 'GoogleImageDownloadRequested');
  await expect(groups.nth(1).getByTestId('timeline-event').first()).toHaveAttribute('data-type', 'GoogleImageDownloadRetryRequested');
  // Causation links point at the event before, within the timeline.
  await expect(groups.nth(0).getByTestId('timeline-event').nth(1).getByRole('link')).toHaveAttribute('href', `#event-${events[0]?.eventId}`);

  await expect(options.getByTestId('log-count')).toContainText(`${(await ext.events()).length} events`);
  await options.getByTestId('log-type-filter').selectOption('GoogleImageDownloadFailed');
  await expect(options.getByTestId('log-row')).toHaveCount(2);
  await expect(options.getByTestId('log-count')).toContainText('2 events · page 1 of 1');
  for (const row of await options.getByTestId('log-row').all()) await expect(row).toHaveAttribute('data-type', 'GoogleImageDownloadFailed');
});

test('export → import round trip (idempotent, with a report of refused lines), and rebuild by replay', async ({ ext }) => {
  const page = await ext.openGoogle();
  await page.locator(control).nth(0).click();
  await page.locator(control).nth(1).click();
  await ext.waitForFile('Semantest/dog.png');
  await ext.waitForFile('Semantest/cat.jpg');
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'completed');
  const before = await ext.events();

  const options = await ext.openOptions();
  await options.getByTestId('export-button').click();
  await expect(options.getByTestId('maintenance-message')).toHaveText(`Exported ${before.length} events.`);
  const exported = await ext.waitForFile(/^semantest-events-.*\.ndjson$/);
  const lines = readFileSync(exported, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(before.length);
  expect(lines.map((line) => JSON.parse(line).eventId)).toEqual(before.map((event) => event.eventId));
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ type: 'GoogleImageDownloadRequested', schemaVersion: before[0]?.schemaVersion });

  // A fresh log: import takes every event back and rebuilds the history.
  await clearTables(options, ['events', 'streams', 'downloads']);
  const input = options.getByTestId('import-input');
  await input.setInputFiles(exported);
  await expect(options.getByTestId('maintenance-message')).toHaveText(`Imported: ${before.length} taken, 0 already there, 0 refused.`, { timeout: 30_000 });
  const after = await ext.events();
  expect(after.map((event) => [event.eventId, event.streamId, event.version, event.schemaVersion])).toEqual(
    before.map((event) => [event.eventId, event.streamId, event.version, event.schemaVersion]),
  );
  const popup = await ext.openPopup();
  await expect(popup.getByTestId('history-item')).toHaveCount(2);
  await expect(popup.locator('[data-testid="history-item"][data-status="completed"]')).toHaveCount(2);

  // Again, plus a broken line and an event with a bad payload: nothing taken twice, the bad lines explained.
  const broken = join(ext.downloadDir, 'broken.ndjson');
  const bad = { ...JSON.parse(lines[0] ?? '{}'), eventId: '00000000-0000-4000-8000-000000000000', streamId: 'other', data: { imageUrl: 42 } };
  writeFileSync(broken, `${lines.join('\n')}\nnot json\n${JSON.stringify(bad)}\n`);
  await input.setInputFiles(broken);
  await expect(options.getByTestId('maintenance-message')).toHaveText(`Imported: 0 taken, ${before.length} already there, 2 refused.`);
  await expect(options.getByTestId('import-refused')).toContainText(`Line ${before.length + 1}: not valid JSON`);
  await expect(options.getByTestId('import-refused')).toContainText(`Line ${before.length + 2}: GoogleImageDownloadRequested`);
  expect(await ext.events()).toHaveLength(before.length);

  // Rebuild: an emptied read model comes back from the log.
  await clearTables(options, ['downloads']);
  const emptied = await ext.openPopup();
  await expect(emptied.getByTestId('empty-history')).toBeVisible();
  await options.getByTestId('rebuild-button').click();
  await expect(options.getByTestId('maintenance-message')).toHaveText(`Rebuilt the history from ${before.length} events.`);
  const reopened = await ext.openPopup();
  await expect(reopened.locator('[data-testid="history-item"][data-status="completed"]')).toHaveCount(2);
  await expect(options.getByTestId('storage')).toContainText(`The log holds ${before.length} events for 2 downloads.`);
});
