/** README screenshot of the bus's dead letters in the monitoring section (wip/house). */
import { test, expect } from './fixtures.ts';

interface HookScope {
  __semantestPorts: { bus: { subscribe(subscriber: object): void } };
}

test('screenshot: a background handler\'s dead letters on the options page', async ({ ext }) => {
  const worker = await ext.worker();
  await worker.evaluate(() => {
    (globalThis as unknown as HookScope).__semantestPorts.bus.subscribe({
      id: 'notifications-webhook',
      types: ['GoogleImageDownloadCompleted'],
      handle: async () => {
        throw new Error('The webhook answered 503 Service Unavailable.');
      },
    });
  });
  const google = await ext.openGoogle();
  const controls = google.locator('[data-testid="semantest-download"]');
  for (const i of [0, 1]) await controls.nth(i).click();
  for (const i of [0, 1]) await expect(controls.nth(i)).toHaveAttribute('data-state', 'completed', { timeout: 20_000 });
  const options = await ext.context.newPage();
  await options.setViewportSize({ width: 1000, height: 900 });
  await options.goto(`chrome-extension://${ext.extensionId}/${ext.optionsPath}#monitoring`);
  await expect(options.getByTestId('bus-dead-letter')).toHaveCount(2, { timeout: 30_000 });
  const section = options.getByTestId('bus-dead-letters');
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: 'docs/screenshots/bus-dead-letters.png' });
});
