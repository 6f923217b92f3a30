/**
 * The integrations outbox in a real Chromium (issue 7): the options page turns it on for a local receiver on
 * 127.0.0.1, which fails twice (HTTP 500) and then accepts; every event of the log arrives exactly once, in order,
 * as CloudEvents batches, and the outbox's checkpoint reaches the last position. Then its own dead-letter state:
 * a receiver that keeps failing stops the outbox, the options page shows the error, and "Retry now" finishes it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page, Worker } from '@playwright/test';
import { test, expect, type Extension } from './fixtures.ts';
import type { StoredEvent } from '../../src/domain/events.ts';

interface CloudEventSeen {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: string;
  data: unknown;
  correlationid: string;
  causationid: string;
  schemaversion: number;
  position: number;
}

interface Receiver {
  url: string;
  /** Every POST: its status, content type and events. */
  posts: { status: number; headers: IncomingHttpHeaders; events: CloudEventSeen[] }[];
  /** Events of the accepted POSTs, in arrival order (duplicates kept: the test counts them). */
  accepted: CloudEventSeen[];
  /** Statuses to answer next (then 200). */
  script: number[];
  close(): Promise<void>;
}

async function startReceiver(script: number[]): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'close'> = { posts: [], accepted: [], script };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CloudEventSeen[];
      const status = receiver.script.shift() ?? 200;
      receiver.posts.push({ status, headers: req.headers, events });
      if (status >= 200 && status < 300) receiver.accepted.push(...events);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { ...receiver, url: `http://127.0.0.1:${port}/events`, close: () => new Promise((done) => server.close(() => done())) } as Receiver;
}

/** A download through the context menu's handler (see beyond-menu-badge-notifications.spec.ts for why dispatch). */
async function download(ext: Extension, worker: Worker, name: string): Promise<void> {
  const pageUrl = `${ext.images.origin}/gallery-${name}.html`;
  await ext.context.route(pageUrl, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><img id="p" src="/originals/${name}">` }));
  const page = await ext.context.newPage();
  await page.goto(pageUrl);
  const srcUrl = await page.locator('#p').evaluate((img: HTMLImageElement) => img.src);
  await worker.evaluate(
    async ({ pageUrl, srcUrl }) => {
      const tab = (await chrome.tabs.query({})).find((candidate) => candidate.url === pageUrl);
      const onClicked = chrome.contextMenus.onClicked as unknown as { dispatch: (info: chrome.contextMenus.OnClickData, tab: chrome.tabs.Tab | undefined) => void };
      onClicked.dispatch({ menuItemId: 'semantest-save-image', editable: false, frameId: 0, mediaType: 'image', pageUrl, srcUrl }, tab);
    },
    { pageUrl, srcUrl },
  );
  await ext.waitForFile(`Semantest/${name}`);
  await page.close();
}

const outboxCheckpoint = async (page: Page): Promise<{ position: number; retry?: { attempts: number; stopped?: boolean; error: string } } | undefined> =>
  page.evaluate(
    () =>
      new Promise((done, fail) => {
        const open = indexedDB.open('semantest');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('checkpoints').objectStore('checkpoints').get('outbox');
          request.onsuccess = () => {
            open.result.close();
            done(request.result);
          };
          request.onerror = () => fail(request.error);
        };
      }),
  );

const settled = async (ext: Extension): Promise<StoredEvent[]> => {
  const events = await ext.events();
  return events.filter((event) => event.type === 'GoogleImageDownloadCompleted').length >= 2 ? events : [];
};

test('a receiver that fails twice then accepts gets every event exactly once, in order, as CloudEvents; the checkpoint reaches the end', async ({ ext }) => {
  const receiver = await startReceiver([500, 500]);
  try {
    const worker = await ext.worker();
    // History from before the outbox was on: it is sent too, first.
    await download(ext, worker, 'cat.jpg');

    const options = await ext.openOptions();
    await options.locator('[data-testid="outbox-url"]').fill(receiver.url);
    await options.locator('[data-testid="outbox-on"]').click();
    await expect(options.locator('[data-testid="outbox-notice"]')).toHaveText('The outbox is on.');
    await download(ext, worker, 'dog.png');

    await expect.poll(() => settled(ext)).not.toEqual([]);
    const waitFor = async (): Promise<string[]> => {
      const events = await ext.events();
      const last = events.at(-1)?.position ?? -1;
      const checkpoint = await outboxCheckpoint(options);
      return checkpoint?.position === last && receiver.accepted.length >= events.length ? events.map((event) => event.eventId) : [];
    };
    await expect.poll(waitFor, { timeout: 30_000 }).not.toEqual([]);
    const events = await ext.events();

    // Two failed POSTs first (500), then only accepted ones.
    expect(receiver.posts.slice(0, 2).map((post) => post.status)).toEqual([500, 500]);
    expect(receiver.posts.slice(2).every((post) => post.status === 200)).toBe(true);
    // The failed batch was sent again: every event arrived once among the accepted, in the log's order.
    expect(receiver.accepted.map((ce) => ce.id)).toEqual(events.map((event) => event.eventId));
    expect(receiver.accepted.map((ce) => ce.position)).toEqual(events.map((event) => event.position));
    for (const post of receiver.posts) expect(post.headers['content-type']).toBe('application/cloudevents-batch+json');
    for (const [index, ce] of receiver.accepted.entries()) {
      const event = events[index] as StoredEvent;
      expect(ce).toMatchObject({
        specversion: '1.0',
        id: event.eventId,
        source: `chrome-extension://${ext.extensionId}/`,
        type: `dev.semantest.${event.type}`,
        subject: event.streamId,
        time: new Date(event.createdAt).toISOString(),
        datacontenttype: 'application/json',
        correlationid: event.correlationId,
        causationid: event.causationId,
        schemaversion: event.schemaVersion,
      });
      expect(ce.data).toEqual(event.data);
    }
    expect(new Set(events.map((event) => event.type))).toEqual(
      new Set(['GoogleImageDownloadRequested', 'ImageSourceValidated', 'ImageFetched', 'DownloadInitiated', 'DownloadStarted', 'ImageScanned', 'GoogleImageDownloadCompleted']),
    );
    const checkpoint = await outboxCheckpoint(options);
    expect(checkpoint?.position).toBe(events.at(-1)?.position);
    expect(checkpoint?.retry).toBeUndefined();
    const status = options.locator('[data-testid="outbox-status"]');
    await expect(status).toHaveAttribute('data-state', 'idle');
    await expect(status).toHaveAttribute('data-position', String(events.at(-1)?.position));
  } finally {
    await receiver.close();
  }
});

test('the outbox stops after its attempts (its own dead-letter state), shows the error, and "Retry now" delivers', async ({ ext }) => {
  const receiver = await startReceiver([503, 503, 503, 503, 503]);
  try {
    await ext.setSettings({ outboxEnabled: true, outboxUrl: receiver.url, outboxMaxAttempts: 2 });
    const worker = await ext.worker();
    const options = await ext.openOptions();
    await download(ext, worker, 'cat.jpg');
    const status = options.locator('[data-testid="outbox-status"]');
    await expect(status).toHaveAttribute('data-state', 'stopped', { timeout: 20_000 });
    await expect(options.locator('[data-testid="outbox-error"]')).toContainText('The receiver answered HTTP 503.');
    expect(receiver.posts).toHaveLength(2);
    expect(receiver.accepted).toEqual([]);
    // It stays stopped: nothing more is sent while it waits for the user.
    await options.waitForTimeout(1500);
    expect(receiver.posts).toHaveLength(2);

    receiver.script.length = 0;
    await options.locator('[data-testid="outbox-retry"]').click();
    await expect(status).toHaveAttribute('data-state', 'idle');
    const events = await ext.events();
    await expect.poll(() => receiver.accepted.map((ce) => ce.id)).toEqual(events.map((event) => event.eventId));
  } finally {
    await receiver.close();
  }
});

test('an address that is not https (or http to this computer) is refused and the outbox stays off', async ({ ext }) => {
  const options = await ext.openOptions();
  await options.locator('[data-testid="outbox-url"]').fill('http://hooks.example/events');
  await options.locator('[data-testid="outbox-on"]').click();
  await expect(options.locator('[data-testid="outbox-notice"]')).toContainText('only allowed to this computer');
  await expect(options.locator('[data-testid="outbox-status"]')).toHaveAttribute('data-state', 'off');
  const stored = await options.evaluate(async () => (await chrome.storage.local.get('settings')) as Record<string, { settings?: { outboxEnabled?: boolean } } | undefined>);
  expect(stored.settings?.settings?.outboxEnabled ?? false).toBe(false);
});
