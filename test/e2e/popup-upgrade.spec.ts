/**
 * An open popup and options page survive a database upgrade made by the worker: they close their connection on
 * `versionchange` (or the upgrade would be blocked), reopen the new version, and keep showing live data.
 */
import { test, expect } from './fixtures.ts';

const control = '[data-testid="semantest-download"]';

test('the popup and the options page let the worker upgrade the database, reopen it and stay live', async ({ ext }) => {
  const google = await ext.openGoogle();
  const controls = google.locator(control);
  await controls.nth(0).click();
  await expect(controls.nth(0)).toHaveAttribute('data-state', 'completed');

  const errors: string[] = [];
  const popup = await ext.openPopup();
  const options = await ext.openOptions();
  for (const page of [popup, options]) page.on('pageerror', (error) => errors.push(error.message));
  await expect(popup.locator('[data-testid="history-item"]')).toHaveCount(1);
  await expect(options.getByTestId('storage')).toContainText('1 download');
  // The popup's whole history is read (its connection is open and idle, the usual state of an open popup).
  await expect(popup.getByTestId('summary')).toBeVisible();

  // The worker upgrades the schema with raw IndexedDB, as a new build's Dexie version would. It is blocked while
  // any page keeps its connection open: the open resolves only if both pages close theirs on `versionchange`.
  const worker = await ext.worker();
  const upgraded = await worker.evaluate(
    () =>
      new Promise<{ from: number; to: number; blockedFor: number }>((resolve, reject) => {
        void indexedDB.databases().then((list) => {
          const from = list.find((db) => db.name === 'semantest')?.version ?? 0;
          const started = Date.now();
          let blockedAt = 0;
          const request = indexedDB.open('semantest', from + 1);
          request.onupgradeneeded = () => request.result.createObjectStore('upgradeProbe');
          request.onblocked = () => {
            blockedAt = Date.now();
          };
          request.onsuccess = () => {
            const db = request.result;
            db.close();
            resolve({ from, to: db.version, blockedFor: blockedAt ? Date.now() - blockedAt : 0 });
          };
          request.onerror = () => reject(request.error);
          setTimeout(() => reject(new Error(`the upgrade was still blocked after 10 s (started ${Date.now() - started} ms ago)`)), 10_000);
        });
      }),
  );
  expect(upgraded.to).toBe(upgraded.from + 1);

  // Still rendered, not blank, and live: a new download shows up in both pages.
  await expect(popup.locator('[data-testid="history-item"]')).toHaveCount(1);
  await controls.nth(1).click();
  await expect(controls.nth(1)).toHaveAttribute('data-state', 'completed');
  await expect(popup.locator('[data-testid="history-item"]')).toHaveCount(2, { timeout: 15_000 });
  await expect(popup.locator('[data-testid="history-item"]').first()).toHaveAttribute('data-status', 'completed');
  await expect(options.getByTestId('storage')).toContainText('2 downloads', { timeout: 15_000 });
  await expect(options.getByRole('heading', { level: 1 })).toBeVisible();

  // A popup opened after the upgrade reads the new version.
  const again = await ext.openPopup();
  await expect(again.locator('[data-testid="history-item"]')).toHaveCount(2);
  expect(errors).toEqual([]);
});
