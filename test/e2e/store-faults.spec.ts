/**
 * The event store and the bus in the real browser, with the worker stopped again and again while six downloads
 * run: no event lost or doubled, every stream settles once, the monitoring subscriber counts every event exactly
 * once and its checkpoint ends on the last position.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';

const control = '[data-testid="semantest-download"]';

function readTable(page: Page, table: string): Promise<unknown[]> {
  return page.evaluate(
    (name) =>
      new Promise<unknown[]>((done, fail) => {
        const open = indexedDB.open('semantest');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction(name).objectStore(name).getAll();
          request.onsuccess = () => {
            open.result.close();
            done(request.result as unknown[]);
          };
          request.onerror = () => fail(request.error);
        };
      }),
    table,
  );
}

test('six downloads under repeated worker stops: nothing lost, nothing doubled, the bus counts each event once', async ({ ext }) => {
  ext.images.slow.chunks = 6;
  ext.images.slow.intervalMs = 200;
  ext.serveFixture('udm2', (html) => html.replaceAll('{{IMG}}/originals/', '{{IMG}}/fault/slow/').replaceAll('{{IMG}}\\/originals\\/', '{{IMG}}\\/fault\\/slow\\/'));
  const page = await ext.openGoogle();
  const controls = page.locator(control);
  for (let i = 0; i < 6; i++) await controls.nth(i).click();
  for (let stop = 0; stop < 3; stop++) {
    await page.waitForTimeout(400);
    await ext.stopWorker();
  }
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadCompleted').length, { timeout: 75_000 }).toBe(6);
  const events = await ext.events();
  const streams = new Map<string, string[]>();
  for (const event of events) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event.type]);
  expect(streams.size).toBe(6);
  for (const types of streams.values()) {
    expect(types[0]).toBe('GoogleImageDownloadRequested');
    expect(types.filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
    expect(types.at(-1)).toBe('GoogleImageDownloadCompleted');
  }
  expect(ext.files()).toHaveLength(6);
  expect(ext.files().some((file) => / \(\d+\)\./.test(file))).toBe(false);
  const positions = events.map((event) => event.position);
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
  const popup = await ext.openPopup();
  await expect
    .poll(async () => ((await readTable(popup, 'checkpoints')) as { subscriberId: string; position: number }[]).find((row) => row.subscriberId === 'metrics')?.position, { timeout: 20_000 })
    .toBe(positions.at(-1));
  const metrics = (await readTable(popup, 'metrics')) as { minute: number; appended: number }[];
  expect(metrics.filter((row) => row.minute >= 0).reduce((sum, row) => sum + row.appended, 0)).toBe(events.length);
});
