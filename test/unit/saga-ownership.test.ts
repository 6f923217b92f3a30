/**
 * What the saga may act on and whom it tells (issue #17): only Chrome downloads it started (its recorded id and
 * `byExtensionId` ours), never an imported stream, a Google tab only about downloads asked for from a Google
 * page; and Chrome's verdict as the scan (issue #16): a flagged file is never accepted.
 */
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/store/event-store.ts';
import { sagaHarness } from './saga-harness.ts';

describe('only our own Chrome downloads', () => {
  it('the user\'s downloads and another extension\'s are never cancelled, removed or recorded', async () => {
    const t = await sagaHarness();
    t.downloads.behaviour = () => ({ end: 'manual' });
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('downloading');
    const users = t.downloads.foreignRunning('https://elsewhere.example/user.zip');
    const others = t.downloads.foreignRunning('https://elsewhere.example/other.zip', 'another-extension');
    t.downloads.interrupt(users, 'USER_CANCELED');
    t.downloads.complete(others, 'application/zip', 10);
    await t.settle();
    expect(await t.phase(streamId)).toBe('downloading');
    expect(await t.saga.cancel(streamId)).toBe(true);
    await t.settle();
    expect(t.downloads.cancelled).toEqual([1]);
    expect(t.downloads.items.get(others)?.state).toBe('complete');
    expect(t.downloads.removed).toEqual([]);
    expect((await t.row(streamId))?.errorCode).toBe('user_canceled');
  });

  it('a recorded id whose item Chrome says another extension started is not touched (Chrome\'s own record decides)', async () => {
    const t = await sagaHarness();
    t.downloads.behaviour = () => ({ end: 'manual' });
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('downloading');
    const item = t.downloads.items.get(1);
    if (item) item.byExtensionId = 'another-extension';
    expect(await t.saga.cancel(streamId)).toBe(true);
    await t.settle();
    expect(t.downloads.cancelled).toEqual([]);
    expect(t.downloads.items.get(1)?.state).toBe('in_progress');
  });
});

describe('imported streams are history', () => {
  it('an imported unsettled stream naming another download\'s Chrome id: after a restart nothing is requested, saved, cancelled or recorded', async () => {
    const t = await sagaHarness();
    const users = t.downloads.foreignRunning('https://elsewhere.example/report.pdf');
    const meta = { correlationId: 'imported', causationId: 'imported', imported: { at: 1 } };
    const imageUrl = 'https://images.example/report.pdf';
    const history: NewEvent[] = [
      { type: 'GoogleImageDownloadRequested', data: { imageUrl, strategy: 'udm2_inline' }, metadata: meta },
      { type: 'ImageSourceValidated', data: { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/report.pdf', contentLength: 10, transferId: 'imp-1:v1' }, metadata: meta },
      { type: 'ImageFetched', data: { attempt: 1, transferId: 'imp-1:v1', size: 10, contentHash: 'b'.repeat(64), mimeType: 'image/png' }, metadata: meta },
      { type: 'DownloadInitiated', data: { attempt: 1, filename: 'Semantest/report.pdf', url: imageUrl }, metadata: meta },
      { type: 'DownloadStarted', data: { attempt: 1, chromeDownloadId: users }, metadata: meta },
    ];
    await t.store.appendToStream('imp-1', history, { expectedVersion: 'no-stream' });
    await t.store.appendToStream('imp-2', history.slice(0, 1), { expectedVersion: 'no-stream' });
    const before = (await t.events()).length;
    await t.restart();
    await t.clock.advance(60_000);
    expect(t.transfers.requests).toEqual([]);
    expect(t.downloads.calls).toEqual([]);
    expect(t.downloads.cancelled).toEqual([]);
    expect(t.downloads.items.get(users)?.state).toBe('in_progress');
    expect((await t.events()).length).toBe(before);
    // Nor do a user's commands reach them.
    expect(await t.saga.cancel('imp-1')).toBe(false);
    expect(await t.saga.retry('imp-2', crypto.randomUUID())).toBe(false);
    // A click on an imported address starts its own download.
    const click = await t.request('report.pdf', 4);
    expect(click.joined).toBe(false);
  });
});

describe('the page learns only what it gave', () => {
  it('a download from the context menu is never told to a tab; a Google click on its address starts its own', async () => {
    const t = await sagaHarness();
    const menu = await t.request('cat.jpg', 5, {}, { strategy: 'context_menu', sourcePageUrl: 'https://elsewhere.example/' });
    await t.settled(menu.streamId);
    expect(t.sent).toEqual([]);
    const google = await t.request('cat.jpg', 7);
    expect(google.joined).toBe(false);
    expect(google.streamId).not.toBe(menu.streamId);
    await t.settled(google.streamId);
    expect(t.sent.every((message) => message.tabId === 7 && (message.message as { update: { streamId: string } }).update.streamId === google.streamId)).toBe(true);
    expect(t.tabStates()).toEqual(['queued', 'downloading', 'completed']);
  });
});

describe('the scan: Chrome\'s verdict', () => {
  it('a file Chrome flags is never accepted: scanned as flagged, its download cancelled (no file), a final failure in words, the tab told', async () => {
    const t = await sagaHarness();
    t.downloads.behaviour = () => ({ end: 'dangerous', danger: 'file' });
    const { streamId } = await t.request('cat.jpg', 7);
    const row = await t.settled(streamId);
    expect(row).toMatchObject({ phase: 'failed', errorCode: 'flagged_by_browser', scan: 'flagged', retryable: false });
    expect(row.error).toMatch(/Chrome flagged the saved file .*can harm your computer.*removed/);
    expect(await t.streamEvents(streamId)).toEqual([
      'GoogleImageDownloadRequested', 'ImageSourceValidated', 'ImageFetched', 'DownloadInitiated', 'DownloadStarted', 'ImageScanned', 'GoogleImageDownloadFailed',
    ]);
    expect((await t.events()).find((e) => e.type === 'ImageScanned')?.data).toMatchObject({ verdict: 'flagged', danger: 'file', chromeDownloadId: 1 });
    expect(t.downloads.cancelled).toEqual([1]);
    expect(t.downloads.items.get(1)?.state).toBe('interrupted');
    expect(t.downloads.files.size).toBe(0);
    expect(t.sent.at(-1)?.message).toMatchObject({ update: { state: 'failed', message: row.error } });
    expect(await t.transfers.status()).toEqual([]);
  });

  it('a verdict that comes after a worker restart is acted on the same way', async () => {
    const t = await sagaHarness();
    t.downloads.behaviour = () => ({ end: 'manual' });
    const { streamId } = await t.request('cat.jpg', null);
    expect(await t.phase(streamId)).toBe('downloading');
    t.stop();
    t.downloads.flag(1, 'uncommon');
    await t.restart();
    const row = await t.settled(streamId);
    expect(row).toMatchObject({ phase: 'failed', errorCode: 'flagged_by_browser' });
    expect(row.error).toMatch(/not commonly downloaded/);
    expect(t.downloads.cancelled).toEqual([1]);
  });
});
