/**
 * Durability: the worker stopped at each moment of the new transfer, and the browser closed (the transfer side's
 * document and its Blobs gone, Chrome's interrupted saves reported on the next start). Every download ends exactly
 * once: one file with the right bytes and one GoogleImageDownloadCompleted, or a failure in words; never a
 * partial file, never two copies, and an interrupt the saga did not cause is never the user's cancel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_HOOKS_GLOBAL } from '../../src/background/saga/test-hooks.ts';
import { pngBytes, sha256 } from '../fakes/transfer.ts';
import { sagaHarness, type Harness } from './saga-harness.ts';

const hooks = globalThis as Record<string, unknown>;
afterEach(() => {
  delete hooks[TEST_HOOKS_GLOBAL];
});

/** Holds the saga for ever at `point` (as a worker stopped there): nothing after it happens in this worker. */
function holdForever(point: string): void {
  hooks[TEST_HOOKS_GLOBAL] = { hold: (at: string) => (at === point ? new Promise<void>(() => undefined) : undefined) };
}

/** One completion, one start, one file with the original's bytes. */
async function endedOnce(t: Harness, streamId: string, name = 'cat', starts = 1): Promise<void> {
  const row = await t.settled(streamId);
  expect(row.phase).toBe('completed');
  const types = await t.streamEvents(streamId);
  expect(types.filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  expect(types.filter((type) => type === 'DownloadStarted')).toHaveLength(starts);
  expect([...t.downloads.files.keys()]).toEqual([`/downloads/Semantest/${name}.png`]);
  const file = t.downloads.files.get(`/downloads/Semantest/${name}.png`);
  expect(file?.bytes && sha256(file.bytes)).toBe(sha256(pngBytes(`https://images.example/${name}.jpg`)));
}

describe('the worker stopped in each state of the new transfer', () => {
  it('while the host is asked (no first bytes yet): the transfer goes on, its facts are read back, saved once', async () => {
    const t = await sagaHarness();
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const { streamId } = await t.request('cat.jpg', null);
    await t.settle();
    t.stop();
    // The body ends while no worker listens: the facts are kept by the transfer side.
    t.transfers.finish(`${streamId}:v1`);
    await t.restart();
    await endedOnce(t, streamId);
    expect(t.transfers.requests).toHaveLength(1);
  });

  it('while the body streams: the transfer keeps its slot after the restart, one request, saved once', async () => {
    const t = await sagaHarness({ settings: { concurrency: 1 } });
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const a = await t.request('cat.jpg', null);
    await t.request('dog.jpg', null);
    expect(await t.phase(a.streamId)).toBe('fetching');
    await t.restart();
    // The running transfer holds the only slot again: the second waits.
    expect(t.transfers.requests).toHaveLength(1);
    t.transfers.finish(`${a.streamId}:v1`);
    await t.settled(a.streamId);
    expect(t.transfers.requests).toHaveLength(2);
    expect((await t.streamEvents(a.streamId)).filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  });

  it('while waiting in line on the transfer side: claimed again, asked once when the lane frees, each saved once', async () => {
    const t = await sagaHarness({ settings: { concurrency: 1 } });
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const a = await t.request('cat.jpg', null);
    const b = await t.request('dog.jpg', null);
    await t.settle();
    expect((await t.transfers.status()).map((held) => held.state)).toEqual(['streaming', 'queued']);
    await t.restart();
    // Both are held again (one running, one in line): a third request is not granted ahead of them.
    const c = await t.request('owl.jpg', null);
    await t.settle();
    expect(t.transfers.started.map((r) => r.url.split('/').pop())).toEqual(['cat.jpg', 'dog.jpg']);
    t.transfers.finish(`${a.streamId}:v1`);
    await t.settled(a.streamId);
    expect(t.transfers.requests.map((r) => r.url.split('/').pop())).toEqual(['cat.jpg', 'dog.jpg']);
    t.transfers.finish(`${b.streamId}:v1`);
    await t.settled(b.streamId);
    t.transfers.finish(`${c.streamId}:v1`);
    await t.settled(c.streamId);
    expect(t.transfers.requests.map((r) => r.url.split('/').pop())).toEqual(['cat.jpg', 'dog.jpg', 'owl.jpg']);
    for (const { streamId } of [a, b, c]) expect((await t.streamEvents(streamId)).filter((type) => type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  });

  it('while paused: still paused after the restart, resumed from the popup, saved once', async () => {
    const t = await sagaHarness();
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const { streamId } = await t.request('cat.jpg', null);
    await t.settle();
    await t.saga.pause(streamId);
    expect(await t.phase(streamId)).toBe('paused');
    await t.restart();
    expect(await t.phase(streamId)).toBe('paused');
    expect(await t.saga.resume(streamId)).toBe(true);
    expect(await t.phase(streamId)).toBe('fetching');
    t.transfers.finish(`${streamId}:v1`);
    await endedOnce(t, streamId);
  });

  it('with the whole body fetched, before the duplicate lookup answered: looked up again, saved once', async () => {
    const t = await sagaHarness();
    holdForever('trigger:duplicate-looked-up');
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('fetched');
    t.stop();
    delete hooks[TEST_HOOKS_GLOBAL];
    await t.restart();
    await endedOnce(t, streamId);
  });

  it('after the intent, before Chrome was asked: saved now, once', async () => {
    const t = await sagaHarness();
    holdForever('effect:save');
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('initiating');
    expect(t.downloads.calls).toHaveLength(0);
    t.stop();
    delete hooks[TEST_HOOKS_GLOBAL];
    await t.restart();
    await endedOnce(t, streamId);
    expect(t.downloads.calls).toHaveLength(1);
  });

  it('right after Chrome took the save, before its start was recorded: adopted by its blob: URL, never saved twice', async () => {
    const t = await sagaHarness();
    t.downloads.behaviour = () => ({ end: 'manual' });
    holdForever('trigger:save-started');
    const { streamId } = await t.request('cat.jpg', null);
    await t.settle();
    expect(t.downloads.calls).toHaveLength(1);
    expect(await t.phase(streamId)).toBe('initiating');
    t.stop();
    delete hooks[TEST_HOOKS_GLOBAL];
    await t.restart();
    expect(await t.phase(streamId)).toBe('downloading');
    expect(t.downloads.calls).toHaveLength(1);
    const blob = t.transfers.blobAt(t.downloads.calls[0]?.url ?? '');
    t.downloads.complete(1, 'image/png', blob?.bytes.length ?? 0, blob?.bytes);
    await endedOnce(t, streamId);
  });

  it('after Chrome finished the file, before the completion was recorded: recorded once, also by two recoveries at once', async () => {
    const t = await sagaHarness();
    t.downloads.behaviour = () => ({ end: 'manual' });
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('downloading');
    t.stop();
    const blob = t.transfers.blobAt(t.downloads.calls[0]?.url ?? '');
    t.downloads.complete(1, 'image/png', blob?.bytes.length ?? 0, blob?.bytes);
    expect(await t.phase(streamId)).toBe('downloading');
    await Promise.all([t.restart(), t.second().recover()]);
    await endedOnce(t, streamId);
    expect(t.downloads.calls).toHaveLength(1);
  });

  it('during a retry\'s backoff: the due time is persisted, the retry happens once after the restart', async () => {
    const t = await sagaHarness();
    let failing = true;
    t.transfers.answer = (request) => (failing ? { kind: 'fail', failure: { code: 'http_server_error', retryable: true, message: 'HTTP 503' } } : { kind: 'image', bytes: pngBytes(request.url) });
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('retry-wait');
    t.stop();
    failing = false;
    await t.clock.advance(5000); // the stopped worker's timer is gone with it
    expect(t.transfers.requests).toHaveLength(1);
    await t.restart();
    await endedOnce(t, streamId);
    expect(t.transfers.requests).toHaveLength(2);
  });

  it('in the Referer retry: the retry\'s transfer counts, the first is let go', async () => {
    const t = await sagaHarness();
    t.transfers.answer = (request) =>
      request.transferId.endsWith(':referer')
        ? { kind: 'image', bytes: pngBytes(request.url), hold: true }
        : { kind: 'fail', failure: { code: 'http_client_error', retryable: false, message: 'The image server refused to give the original (HTTP 403).', hotlinkSuspect: true } };
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('fetching');
    expect(t.referer.held).toEqual([streamId]);
    await t.restart();
    t.transfers.finish(`${streamId}:v1:referer`);
    await endedOnce(t, streamId);
    expect((await t.row(streamId))?.referer).toBe('https://www.example.org/page');
    expect(t.referer.released).toContain(streamId);
    expect(await t.transfers.status()).toEqual([]);
  });

  it('a restart lets go of the transfers of downloads that ended, and leaves alone what is not the saga\'s', async () => {
    const t = await sagaHarness();
    const { streamId } = await t.request('cat.jpg', null);
    await t.settled(streamId);
    // A transfer left behind by a stopped worker (its download settled), and one someone else started on the port.
    await t.transfers.start({ transferId: `${streamId}:v1`, url: 'https://images.example/cat.jpg', maxBytes: 1e6, headersTimeoutMs: 1000, stallTimeoutMs: 1000, allowDataImage: false });
    await t.transfers.start({ transferId: 'someone-else:1', url: 'https://images.example/x.jpg', maxBytes: 1e6, headersTimeoutMs: 1000, stallTimeoutMs: 1000, allowDataImage: false });
    await t.restart();
    expect(t.transfers.holds(`${streamId}:v1`)).toBe(false);
    expect(t.transfers.holds('someone-else:1')).toBe(true);
  });

  it('facts and Chrome changes that come before the recovery wait for it (nothing decided twice)', async () => {
    const t = await sagaHarness({ recover: false });
    const { streamId } = await t.request('cat.jpg', null);
    await t.settle();
    // No slot before the recovery: nothing asked of the host yet.
    expect(t.transfers.requests).toHaveLength(0);
    await t.saga.recover();
    await endedOnce(t, streamId);
  });
});

describe('the browser closed and opened again mid-way', () => {
  it('mid-transfer: the bytes are gone; a new attempt (one request each) saves one file, once', async () => {
    const t = await sagaHarness();
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url), hold: true });
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('fetching');
    t.stop();
    t.transfers.lose();
    t.transfers.answer = (request) => ({ kind: 'image', bytes: pngBytes(request.url) });
    await t.restart();
    await endedOnce(t, streamId);
    expect(t.transfers.requests.map((r) => r.transferId)).toEqual([`${streamId}:v1`, `${streamId}:v3`]);
    const failure = (await t.events()).find((e) => e.type === 'GoogleImageDownloadFailed');
    expect(failure?.data).toMatchObject({ code: 'download_interrupted', retryable: true });
  });

  it('mid-save: Chrome reports the save interrupted (USER_CANCELED) on the next start: not the user\'s cancel; its partial file goes; saved once', async () => {
    const t = await sagaHarness();
    t.downloads.behaviour = () => ({ end: 'manual' });
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('downloading');
    t.stop();
    t.transfers.lose();
    t.downloads.interrupt(1, 'USER_CANCELED');
    t.downloads.behaviour = (url) => {
      const blob = t.transfers.blobAt(url);
      return blob ? { end: 'complete', mime: blob.mimeType, size: blob.bytes.length, bytes: blob.bytes } : { end: 'interrupt', reason: 'NETWORK_FAILED' };
    };
    await t.restart();
    await endedOnce(t, streamId, 'cat', 2);
    const codes = (await t.events()).filter((e) => e.type === 'GoogleImageDownloadFailed').map((e) => (e.data as { code: string }).code);
    expect(codes).toEqual(['download_interrupted']);
    expect(t.downloads.cancelled).toContain(1);
  });

  it('after Chrome took the save but before its start was recorded, the Blob gone: Chrome\'s item is found by its name and let go, a new attempt saves once', async () => {
    const t = await sagaHarness();
    t.downloads.behaviour = () => ({ end: 'manual' });
    holdForever('trigger:save-started');
    const { streamId } = await t.request('cat.jpg', null);
    await t.settle();
    t.stop();
    delete hooks[TEST_HOOKS_GLOBAL];
    t.transfers.lose();
    t.downloads.interrupt(1, 'USER_CANCELED');
    t.downloads.behaviour = (url) => {
      const blob = t.transfers.blobAt(url);
      return blob ? { end: 'complete', mime: blob.mimeType, size: blob.bytes.length, bytes: blob.bytes } : { end: 'interrupt', reason: 'NETWORK_FAILED' };
    };
    await t.restart();
    await endedOnce(t, streamId);
    expect(t.downloads.cancelled).toContain(1);
    expect(t.downloads.calls).toHaveLength(2);
  });
});
