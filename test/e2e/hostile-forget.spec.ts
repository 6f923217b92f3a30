/**
 * Forget and clear (issue #17 item 5) in a real Chromium: "Forget" on a popup row and "Clear history" on the options
 * page. The download's events leave the log and every read model (the history, the monitoring counters), the
 * outbox never sends them afterwards, and files stay on disk unless the user asks.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';
import { startReceiver } from './receiver.ts';
import type { StoredEvent } from '../../src/domain/events.ts';

const control = '[data-testid="semantest-download"]';

/** The monitoring counters' events per type, summed over every minute (read from an extension page). */
async function countedByType(page: Page): Promise<Record<string, number>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, number>>((done, fail) => {
        const open = indexedDB.open('semantest');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('metrics').objectStore('metrics').getAll();
          request.onsuccess = () => {
            open.result.close();
            const totals: Record<string, number> = {};
            for (const row of request.result as { minute: number; byType: Record<string, number> }[]) {
              if (row.minute < 0) continue;
              for (const [type, count] of Object.entries(row.byType)) if (count > 0) totals[type] = (totals[type] ?? 0) + count;
            }
            done(totals);
          };
          request.onerror = () => fail(request.error);
        };
      }),
  );
}

const byType = (events: readonly StoredEvent[]): Record<string, number> => {
  const totals: Record<string, number> = {};
  for (const event of events) totals[event.type] = (totals[event.type] ?? 0) + 1;
  return totals;
};

async function saveTwo(ext: Extension): Promise<{ dog: string; cat: string }> {
  const google = await ext.openGoogle();
  const controls = google.locator(control);
  await controls.nth(0).click();
  await controls.nth(1).click();
  await expect(controls.nth(0)).toHaveAttribute('data-state', 'completed');
  await expect(controls.nth(1)).toHaveAttribute('data-state', 'completed');
  const events = await ext.events();
  const streamOf = (name: string): string =>
    events.find((e) => e.type === 'GoogleImageDownloadRequested' && (e.data as { imageUrl: string }).imageUrl.endsWith(`/${name}`))?.streamId ?? '';
  return { dog: streamOf('dog.png'), cat: streamOf('cat.jpg') };
}

test('"Forget" on a popup row: the row goes, the log and the counters lose it, the outbox never sends it, the file stays', async ({ ext }) => {
  // The outbox is on but its receiver is down: the events wait (its dead-letter state after one attempt).
  const receiver = await startReceiver([503]);
  try {
    await ext.setSettings({ outboxEnabled: true, outboxUrl: receiver.url, outboxMaxAttempts: 1 });
    const { dog, cat } = await saveTwo(ext);
    const options = await ext.openOptions();
    await expect(options.getByTestId('outbox-status')).toHaveAttribute('data-state', 'stopped');
    // The counters have seen both downloads.
    await expect.poll(async () => countedByType(options)).toEqual(byType(await ext.events()));
    const catEvents = (await ext.events()).filter((e) => e.streamId === cat).map((e) => e.eventId);
    expect(catEvents.length).toBeGreaterThanOrEqual(4);

    const popup = await ext.openPopup();
    const catRow = popup.locator(`[data-testid="history-item"][data-stream-id="${cat}"]`);
    await catRow.getByTestId('forget-button').click();
    await expect(catRow).toHaveCount(0);
    await expect(popup.getByTestId('history-item')).toHaveCount(1);
    await expect(popup.getByTestId('popup-notice')).toContainText('Forgotten.');

    const events = await ext.events();
    expect(events.filter((e) => e.streamId === cat || catEvents.includes(e.eventId))).toEqual([]);
    const tombstone = events.find((e) => e.type === 'HistoryForgotten');
    expect(tombstone?.data).toEqual({ scope: 'downloads', streamIds: [cat], before: null, downloads: 1, events: catEvents.length, filesDeleted: 0 });
    // The counters are counted again from the log as it is now.
    await expect.poll(async () => countedByType(options)).toEqual(byType(events));
    // A rebuild never brings it back.
    await options.getByTestId('rebuild-button').click();
    await expect(options.getByTestId('maintenance-message')).toHaveText(`Rebuilt the history from ${events.length} events.`);
    const reopened = await ext.openPopup();
    await expect(reopened.getByTestId('history-item')).toHaveCount(1);
    await expect(reopened.getByTestId('history-item')).toHaveAttribute('data-stream-id', dog);
    // The file stays: only the history was forgotten.
    expect(ext.files()).toEqual(['Semantest/cat.jpg', 'Semantest/dog.png']);

    // The receiver is back: everything that waited is sent, but nothing of the forgotten download.
    await options.getByTestId('outbox-retry').click();
    await expect.poll(() => receiver.accepted.length).toBe(events.length);
    expect(receiver.accepted.map((ce) => ce.id)).toEqual(events.map((e) => e.eventId));
    expect(receiver.accepted.some((ce) => catEvents.includes(ce.id))).toBe(false);
    expect(receiver.accepted.at(-1)).toMatchObject({ type: 'dev.semantest.HistoryForgotten', data: { streamIds: [cat] } });
  } finally {
    await receiver.close();
  }
});

test('"Clear history" on the options page forgets everything settled or imported, deletes the files only when asked', async ({ ext }) => {
  const { dog } = await saveTwo(ext);
  const options = await ext.openOptions();
  // And a download imported from another log (history: it is forgotten too).
  const file = join(ext.downloadDir, '..', 'other.ndjson');
  const meta = { correlationId: 'other-c', causationId: 'other-x' };
  const line = { eventId: 'other-1', streamId: 'other-stream', version: 1, type: 'GoogleImageDownloadRequested', schemaVersion: 2, data: { imageUrl: 'https://elsewhere.example/owl.jpg', strategy: 'udm2_inline' }, metadata: meta, ...meta, createdAt: Date.now() - 1000 };
  writeFileSync(file, `${JSON.stringify(line)}\n`);
  await options.getByTestId('import-input').setInputFiles(file);
  await expect(options.getByTestId('maintenance-message')).toHaveText('Imported: 1 taken, 0 already there, 0 refused.');
  // Forget everything, keeping the files.
  await options.getByTestId('clear-button').click();
  await expect(options.getByTestId('clear-confirmation')).toContainText('their files stay on disk');
  await options.getByTestId('clear-confirm').click();
  const report = options.getByTestId('clear-report');
  await expect(report).toHaveText(/^Forgot 3 downloads \(\d+ events\)\.$/);
  const popup = await ext.openPopup();
  await expect(popup.getByTestId('empty-history')).toBeVisible();
  expect((await ext.events()).map((e) => e.type)).toEqual(['HistoryForgotten']);
  await expect(options.getByTestId('storage')).toContainText('The log holds 1 events for 0 downloads.');
  expect(ext.files()).toEqual(['Semantest/cat.jpg', 'Semantest/dog.png']);
  expect(dog).not.toBe('');

  // Again, with a new download, and the files too.
  const google = await ext.openGoogle();
  await google.locator(control).nth(3).click();
  await expect(google.locator(control).nth(3)).toHaveAttribute('data-state', 'completed');
  const saved = ext.files().filter((file) => !['Semantest/cat.jpg', 'Semantest/dog.png'].includes(file));
  expect(saved).toHaveLength(1);
  await options.getByTestId('clear-delete-files').check();
  await options.getByTestId('clear-button').click();
  await expect(options.getByTestId('clear-confirmation')).toContainText('delete their saved files');
  await options.getByTestId('clear-confirm').click();
  await expect(report).toHaveText(/^Forgot 1 downloads \(\d+ events\)\. Deleted 1 saved files\.$/);
  // Only the file of the download forgotten now: the two forgotten before are no longer known, and stay.
  expect(ext.files()).toEqual(['Semantest/cat.jpg', 'Semantest/dog.png']);
  expect((await ext.events()).map((e) => e.type)).toEqual(['HistoryForgotten', 'HistoryForgotten']);
});
