/**
 * The bus's dead letters in the user's hands: a background handler made to fail (a test hook subscribed through
 * the worker's `__semantestPorts.bus`), its dead letters listed in the options page's monitoring section, then
 * retried and discarded from there, one and all.
 */
import type { Page, Worker } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';

interface HookScope {
  __semantestPorts: { bus: { subscribe(subscriber: object): void } };
  __hookFails: boolean;
  __hookSeen: string[];
}

/** Subscribes a handler that throws while `__hookFails` is set and records the streams it handled. */
async function subscribeFailingHook(worker: Worker): Promise<void> {
  await worker.evaluate(() => {
    const scope = globalThis as unknown as HookScope;
    scope.__hookFails = true;
    scope.__hookSeen = [];
    scope.__semantestPorts.bus.subscribe({
      id: 'test-hook',
      handle: async (event: { streamId: string }) => {
        if (scope.__hookFails) throw new Error('Made to fail by the test');
        scope.__hookSeen.push(event.streamId);
      },
    });
  });
}

const setFailing = (worker: Worker, fails: boolean) => worker.evaluate((on) => void ((globalThis as unknown as HookScope).__hookFails = on), fails);
const seenStreams = async (worker: Worker) => [...new Set(await worker.evaluate(() => (globalThis as unknown as HookScope).__hookSeen))];

/** Saves the `index`th result; returns its download's stream (the one stream new in the log). */
async function download(ext: Extension, google: Page, index: number): Promise<string> {
  const streams = async () => new Set((await ext.events()).map((event) => event.streamId));
  const before = await streams();
  const control = google.locator('[data-testid="semantest-download"]').nth(index);
  await control.click();
  await expect(control).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });
  const made = [...(await streams())].filter((stream) => !before.has(stream));
  expect(made).toHaveLength(1);
  return made[0] as string;
}

test('a failing handler\'s dead letters are listed, retried and discarded from the monitoring section', async ({ ext }) => {
  const worker = await ext.worker();
  await subscribeFailingHook(worker);
  const google = await ext.openGoogle();
  const first = await download(ext, google, 0);
  const second = await download(ext, google, 1);

  const options = await ext.context.newPage();
  await options.goto(`chrome-extension://${ext.extensionId}/${ext.optionsPath}#monitoring`);
  const rows = options.getByTestId('bus-dead-letter');
  // Each download's first event failed on every attempt (1 + 3 retries); its later events wait behind it.
  await expect(rows).toHaveCount(2, { timeout: 30_000 });
  for (const stream of [first, second]) {
    const row = options.locator(`[data-testid="bus-dead-letter"][data-stream-id="${stream}"]`);
    await expect(row).toHaveAttribute('data-subscriber', 'test-hook');
    await expect(row).toContainText('GoogleImageDownloadRequested');
    await expect(row).toContainText('Made to fail by the test');
    await expect(row).toContainText(/more waiting behind it/);
    await expect(row.getByTestId('bus-dead-letter-attempts')).toHaveText('4');
  }
  expect(await seenStreams(worker)).toEqual([]);

  // The cause is gone: one stream retried (all its events handled, in order), the other discarded.
  await setFailing(worker, false);
  await options.locator(`[data-testid="bus-dead-letter"][data-stream-id="${first}"]`).getByTestId('bus-retry').click();
  await expect(rows).toHaveCount(1);
  await expect(rows).toHaveAttribute('data-stream-id', second);
  await options.getByTestId('bus-discard').click();
  await expect(options.getByTestId('bus-dead-letters-empty')).toBeVisible();
  expect(await seenStreams(worker)).toEqual([first]);

  // "Retry all" and "Discard all" on new failures.
  await setFailing(worker, true);
  const third = await download(ext, google, 2);
  await expect(rows).toHaveCount(1, { timeout: 30_000 });
  await setFailing(worker, false);
  await options.getByTestId('bus-retry-all').click();
  await expect(options.getByTestId('bus-dead-letters-empty')).toBeVisible();
  expect(await seenStreams(worker)).toEqual([first, third]);

  await setFailing(worker, true);
  await download(ext, google, 3);
  await expect(rows).toHaveCount(1, { timeout: 30_000 });
  await options.getByTestId('bus-discard-all').click();
  await expect(options.getByTestId('bus-dead-letters-empty')).toBeVisible();
  await setFailing(worker, false);
  expect(await seenStreams(worker)).toEqual([first, third]);
  // The page asked, the worker did it: the other handlers carried on meanwhile (the monitoring counters).
  await expect(options.getByTestId('monitor-total-completed')).toHaveText('4', { timeout: 20_000 });
});
