/**
 * Firefox's adapters (src/platform/firefox/), over a stub of Firefox's `browser` namespace (the polyfill hands it
 * over unchanged there; in Node, test/fakes/webextension-polyfill.ts forwards to the stub): the transfer side run
 * inside the event page, notifications without buttons, and download changes completed from `search`.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { startImageHost, sha256, type ImageHost } from '../../scripts/image-host.mjs';
import { registerEventPageTransfer } from '../../src/platform/firefox/event-page-transfer.ts';
import { target } from '../../src/platform/firefox/index.ts';
import type { DownloadDelta, DownloadItemView, DownloadsPort } from '../../src/platform/ports.ts';
import type { TransferFact } from '../../src/platform/transfer-port.ts';

let host: ImageHost;
beforeAll(async () => {
  host = await startImageHost();
});
afterAll(() => host.close());
afterEach(() => vi.unstubAllGlobals());

const request = (transferId: string, path: string) => ({ transferId, url: `${host.origin}${path}`, maxBytes: 1e7, headersTimeoutMs: 5000, stallTimeoutMs: 5000, allowDataImage: false });

describe('the transfer side in the event page', () => {
  it('fetches once, holds the Blob, hands a blob: URL of the same bytes; facts come after the call, as copies, and wait for the first listener', async () => {
    const port = registerEventPageTransfer();
    const before = host.hits('/originals/cat.jpg');
    await port.start(request('t1', '/originals/cat.jpg'));
    // Nobody listens yet: the facts wait (as they do when a fact wakes Chrome's worker).
    const facts: TransferFact[] = [];
    const fetched = new Promise<void>((done) =>
      port.onFact((fact) => {
        facts.push(fact);
        if (fact.type === 'fetched' || fact.type === 'failed') done();
      }),
    );
    await fetched;
    expect(facts.map((fact) => fact.type).filter((type) => type !== 'progress')).toEqual(['sniffed', 'fetched']);
    const original = host.images.get('cat.jpg')?.original ?? Buffer.alloc(0);
    expect(facts.at(-1)).toMatchObject({ type: 'fetched', size: original.length, contentHash: sha256(original), mimeType: 'image/jpeg' });
    expect(host.hits('/originals/cat.jpg') - before).toBe(1);

    const url = await port.saveUrl('t1');
    expect(url).toMatch(/^blob:/);
    const saved = Buffer.from(await (await fetch(url as string)).arrayBuffer());
    expect(sha256(saved)).toBe(sha256(original));

    // status() is a copy: what the caller does with it does not change what the side holds.
    const [status] = await port.status();
    expect(status).toMatchObject({ transferId: 't1', state: 'fetched', saveUrl: url });
    status?.facts.splice(0);
    expect((await port.status())[0]?.facts.map((fact) => fact.type)).toEqual(['sniffed', 'fetched']);

    await port.release('t1');
    expect(await port.status()).toEqual([]);
    expect(await port.saveUrl('t1')).toBeNull();
  });

  it('a listener gets its own copy of each fact, and one that throws stops neither the others nor the transfer', async () => {
    const port = registerEventPageTransfer();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const types: string[] = [];
    port.onFact((fact) => {
      types.push(fact.type);
      if (fact.type !== 'sniffed') return;
      (fact as { transferId: string }).transferId = 'changed by a listener';
      throw new Error('listener broke');
    });
    await port.start(request('t2', '/originals/dog.png'));
    await vi.waitFor(() => expect(types).toContain('fetched'));
    expect(error).toHaveBeenCalledWith('Semantest: a transfer fact listener failed', expect.any(Error));
    expect((await port.status())[0]?.facts.map((fact) => fact.transferId)).toEqual(['t2', 't2']);
    error.mockRestore();
    await port.release('t2');
  });

  it('a host error is a failure fact in words, as in Chrome', async () => {
    const port = registerEventPageTransfer();
    const facts: TransferFact[] = [];
    const done = new Promise<void>((resolve) => port.onFact((fact) => (facts.push(fact), fact.type === 'failed' && resolve())));
    await port.start(request('t3', '/fault/500/cat.jpg'));
    await done;
    expect(facts.at(-1)).toMatchObject({ type: 'failed', failure: { retryable: true } });
  });
});

/** Firefox's `browser` as far as these adapters use it. */
function stubFirefox() {
  const created: Array<{ id: string; options: Record<string, unknown> }> = [];
  const clicked: Array<(id: string) => void> = [];
  vi.stubGlobal('chrome', {
    runtime: { getURL: (path: string) => `moz-extension://uuid/${path}` },
    notifications: {
      create: async (id: string, options: Record<string, unknown>) => void created.push({ id, options }),
      onClicked: { addListener: (listener: (id: string) => void) => clicked.push(listener) },
    },
  });
  return { created, clicked };
}

const item = (over: Partial<DownloadItemView>): DownloadItemView => ({
  id: 7, url: 'blob:moz-extension://uuid/1', finalUrl: 'blob:moz-extension://uuid/1', filename: '/d/Semantest/cat.jpg', state: 'complete', paused: false,
  canResume: false, bytesReceived: 2143, totalBytes: 2143, fileSize: 2143, mime: 'image/jpeg', exists: true, danger: 'safe', startTime: '', ...over,
});

describe('Firefox\'s differences', () => {
  it('notifications have no buttons: the first action is a click on the notification, said in its text', async () => {
    const { created, clicked } = stubFirefox();
    await target.notifications.show('n1', { title: 'Not saved', message: 'cat.jpg', contextMessage: 'example.org', buttons: ['Retry', 'Other'] });
    expect(created).toEqual([{ id: 'n1', options: { type: 'basic', iconUrl: 'moz-extension://uuid/icons/icon128.png', title: 'Not saved', message: 'cat.jpg\nexample.org\nClick: Retry.' } }]);
    const actions: Array<[string, number]> = [];
    target.onNotificationAction((id, index) => actions.push([id, index]));
    clicked[0]?.('n1');
    expect(actions).toEqual([['n1', 0]]);
  });

  it('a finished download\'s size, name and type are read back with search (Firefox\'s onChanged names only a few fields)', async () => {
    const search = vi.fn<DownloadsPort['search']>(async () => [item({})]);
    const downloads = { search } as unknown as DownloadsPort;
    const delivered: DownloadDelta[] = [];
    target.downloadChanged({ id: 7, paused: true }, downloads, (delta) => delivered.push(delta));
    expect(delivered).toEqual([{ id: 7, paused: true }]);
    expect(search).not.toHaveBeenCalled();

    target.downloadChanged({ id: 7, state: 'complete', exists: true }, downloads, (delta) => delivered.push(delta));
    await vi.waitFor(() => expect(delivered).toHaveLength(2));
    expect(search).toHaveBeenCalledWith({ id: 7 });
    expect(delivered[1]).toEqual({ id: 7, state: 'complete', exists: true, fileSize: 2143, totalBytes: 2143, filename: '/d/Semantest/cat.jpg', mime: 'image/jpeg', danger: 'safe' });

    // search fails or finds nothing: the change is handed on as it came.
    search.mockRejectedValueOnce(new Error('gone')).mockResolvedValueOnce([]);
    target.downloadChanged({ id: 8, state: 'complete' }, downloads, (delta) => delivered.push(delta));
    target.downloadChanged({ id: 9, state: 'complete' }, downloads, (delta) => delivered.push(delta));
    await vi.waitFor(() => expect(delivered).toHaveLength(4));
    expect(delivered.slice(2)).toEqual(expect.arrayContaining([{ id: 8, state: 'complete' }, { id: 9, state: 'complete' }]));
  });

  it('Firefox cannot keep content scripts away from storage.local, and says so', async () => {
    expect(await target.restrictSettingsToExtensionPages()).toBe(false);
  });
});
