/** The popup's history: summary, search and filters, the failures view, and a windowed list of 10,000 rows. */
import { test, expect, putDownloadRows, swapOriginal } from './fixtures.ts';

const control = '[data-testid="semantest-download"]';

test('the summary, text search, status filter and failures view follow real downloads', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('bird.jpg', '/fault/404/bird.jpg'));
  const page = await ext.openGoogle();
  const controls = page.locator(control);
  await controls.nth(0).click();
  await expect(controls.nth(0)).toHaveAttribute('data-state', 'completed');
  await controls.nth(1).click();
  await expect(controls.nth(1)).toHaveAttribute('data-state', 'completed');
  await controls.nth(2).click();
  await expect(controls.nth(2)).toHaveAttribute('data-state', 'failed');

  const popup = await ext.openPopup();
  const rows = popup.locator('[data-testid="history-item"]');
  await expect(rows).toHaveCount(3);
  // Newest first.
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'failed');
  await expect(rows.nth(2)).toContainText('dog.png');
  await expect(popup.getByTestId('summary-today')).toHaveText('3');
  await expect(popup.getByTestId('summary-success')).toHaveText('67 %');
  await expect(popup.getByTestId('summary-dead-letters')).toHaveText('0');
  await expect(popup.getByTestId('result-count')).toHaveText('3 downloads');

  const search = popup.getByRole('searchbox', { name: 'Search downloads' });
  await search.fill('dog');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('dog.png');
  await expect(popup.getByTestId('result-count')).toHaveText('1 of 3 downloads');
  // Every word must match, in any field: the site and the name.
  await search.fill('example.org cat');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('cat.jpg');
  await search.fill('no such thing');
  await expect(rows).toHaveCount(0);
  await expect(popup.getByText('No download matches these filters.')).toBeVisible();
  await popup.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(3);

  await popup.getByTestId('status-filter').selectOption('failures');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-status', 'failed');
  await expect(rows.first().getByTestId('history-reason')).toContainText('no longer on its server');
  await popup.getByTestId('status-filter').selectOption('completed');
  await expect(rows).toHaveCount(2);
  await popup.getByTestId('date-filter').selectOption('today');
  await expect(rows).toHaveCount(2);

  await popup.getByRole('tab', { name: /Failures/ }).click();
  const failure = popup.getByTestId('failure-item');
  await expect(failure).toHaveCount(1);
  await expect(failure.getByTestId('failure-reason')).toContainText('no longer on its server');
  await expect(failure).toContainText('Attempts: 1');
  await expect(failure.getByTestId('source-link')).toHaveAttribute('href', /^https:\/\/example\.org\//);
  await expect(failure).toContainText('Open the source page');
});

test('a retry from the popup’s failures view continues the same stream under a new correlation id', async ({ ext }) => {
  ext.serveFixture('udm2', swapOriginal('cat.jpg', '/fault/404/cat.jpg'));
  const page = await ext.openGoogle();
  await page.locator(control).nth(1).click();
  await expect(page.locator(control).nth(1)).toHaveAttribute('data-state', 'failed');
  const popup = await ext.openPopup();
  await popup.getByRole('tab', { name: /Failures/ }).click();
  await popup.getByTestId('failure-item').getByTestId('retry-button').click();
  await expect.poll(async () => (await ext.events()).filter((event) => event.type === 'GoogleImageDownloadFailed').length, { timeout: 20_000 }).toBe(2);
  expect(ext.images.hits('/fault/404/cat.jpg')).toBe(2);
  // The download's events (the log also records the notifications told of each failure, in their own stream).
  const events = (await ext.events()).filter((event) => event.type !== 'NotificationSent');
  expect(new Set(events.map((event) => event.streamId)).size).toBe(1);
  expect(new Set(events.map((event) => event.correlationId)).size).toBe(2);
});

test('10,000 downloads: the popup draws only the rows in view, and search finds one at once', async ({ ext }) => {
  const popup = await ext.openPopup();
  await expect(popup.getByTestId('empty-history')).toContainText('No downloads yet');
  const now = Date.now();
  const seeded = Array.from({ length: 10_000 }, (_, i) => {
    const name = `img-${String(i).padStart(4, '0')}`;
    return {
      streamId: `seed-${i}`, version: 5, phase: i % 10 === 0 ? 'failed' : 'completed',
      request: { imageUrl: `https://img${i % 50}.example/${name}.jpg`, strategy: 'udm2_inline', title: `Picture ${i}`, query: i % 2 ? 'cats' : 'dogs', width: 800, height: 600 },
      sourceHost: `site${i % 50}.example`, requestedAt: now - i * 60_000, updatedAt: now - i * 60_000, correlationId: `c${i}`, lastEventId: `e${i}`,
      tabId: null, attempt: 1, mimeType: 'image/jpeg', transfer: 'url', filename: `Semantest/${name}.jpg`,
      filePath: i % 10 === 0 ? null : `/tmp/Semantest/${name}.jpg`, fileSize: i % 10 === 0 ? null : 1000 + i, chromeDownloadId: null,
      initiatedAt: null, startedAt: null, completedAt: null, durationMs: 120, error: i % 10 === 0 ? 'The image is no longer on its server (HTTP 404).' : null,
      errorCode: i % 10 === 0 ? 'http_client_error' : null, retryable: i % 10 === 0 ? false : null, nextAttemptAt: null, failures: i % 10 === 0 ? 1 : 0, discarded: false,
    };
  });
  await putDownloadRows(popup, seeded);
  await popup.reload();
  await expect(popup.getByTestId('result-count')).toHaveText('10000 downloads');
  const rows = popup.locator('[data-testid="history-item"]');
  await expect(rows.first()).toContainText('img-0000');
  expect(await rows.count()).toBeLessThanOrEqual(20);
  await expect(popup.getByTestId('summary-success')).toHaveText('90 %');

  // Scrolling to the end draws the oldest rows.
  await popup.locator('ul.history').evaluate((list) => {
    list.scrollTop = list.scrollHeight;
  });
  await expect(popup.locator('[data-testid="history-item"][data-stream-id="seed-9999"]')).toBeVisible();
  expect(await rows.count()).toBeLessThanOrEqual(20);

  await popup.getByRole('searchbox', { name: 'Search downloads' }).fill('img-1234');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('title', /img-1234\.jpg$/);
  await popup.getByRole('searchbox', { name: 'Search downloads' }).fill('site7.example cats');
  // i % 50 === 7 → odd i → 'cats': 200 rows.
  await expect(popup.getByTestId('result-count')).toHaveText('200 of 10000 downloads');
});
