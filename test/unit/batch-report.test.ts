/**
 * The batch report (docs/decisions/0047): a batch's record (DownloadBatchRequested) joined with its downloads —
 * saved, already saved, skipped as too small, failed with reasons — kept by a bus subscriber, the same after a
 * replay, exported as CSV (formulas defused) and JSON.
 */
import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { batchCsv, batchJson, batchReport } from '../../src/domain/batch-report.ts';
import { handleMessage, type BatchRequested, type MessageContext } from '../../src/background/messages.ts';
import { batchesSubscriber, batchRowOf } from '../../src/projections/batches.ts';
import { openDatabase } from '../../src/store/database.ts';
import type { DownloadState } from '../../src/domain/download.ts';
import type { HandlerContext } from '../../src/bus/subscriptions.ts';
import { sagaHarness } from './saga-harness.ts';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const page = { id: ID, fromContentScript: true, url: 'https://www.google.com/search?q=cats&udm=2', tabId: 3, frameId: 0 };
const image = (name: string) => ({ imageUrl: `https://images.example/${name}`, strategy: 'udm2_inline' as const });

async function batchOf(names: string[], skipped = 0) {
  const t = await sagaHarness();
  t.transfers.answer = (request) =>
    request.url.includes('broken') ? { kind: 'fail', failure: { code: 'http_client_error', retryable: false, message: 'The original image is no longer on its server (HTTP 404).' } } : { kind: 'image', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode(request.url)]) };
  const recorded: BatchRequested[] = [];
  const ctx: MessageContext = { saga: t.saga, queries: t.queries, extensionId: ID, extensionOrigin: `chrome-extension://${ID}`, newId: () => crypto.randomUUID(), batches: { requested: async (batch) => void recorded.push(batch) } };
  const send = async (list: string[]) => {
    const answer = await handleMessage({ type: 'download.batch', commandId: crypto.randomUUID(), images: list.map(image), skipped: { smaller: skipped } }, page, ctx);
    const ids = (answer as { streamIds: string[] }).streamIds;
    for (const id of ids) await t.settled(id);
    return ids;
  };
  return { t, recorded, send };
}

describe('the batch report', () => {
  it('counts saved, already saved, skipped and failed (with the reason) as the downloads ended', async () => {
    const { t, recorded, send } = await batchOf([], 4);
    await send(['a.jpg']);
    await send(['a.jpg', 'b.jpg', 'broken.jpg', 'c.jpg']);
    const batch = recorded[1] as BatchRequested;
    expect(batch).toMatchObject({ size: 4, skippedSmaller: 4, folder: null });
    expect(batch.alreadySaved).toHaveLength(1);
    const rows = new Map<string, DownloadState>();
    for (const id of batch.streamIds) rows.set(id, (await t.row(id)) as DownloadState);
    const report = batchReport({ ...batch, requestedAt: 0 }, rows);
    expect(report.counts).toEqual({ requested: 4, saved: 2, duplicates: 1, skippedSmaller: 4, failed: 1, running: 0 });
    expect(report.reasons).toEqual([{ reason: 'The original image is no longer on its server (HTTP 404).', count: 1 }]);
    // The counts are what Chrome saved: one file per saved image, none for the duplicate or the failure.
    expect(t.downloads.calls).toHaveLength(3);
    const csv = batchCsv(report).trim().split('\r\n');
    expect(csv[0]).toBe('"outcome","file","imageUrl","reason"');
    expect(csv).toHaveLength(1 + 4 + 1);
    expect(JSON.parse(batchJson(report))).toMatchObject({ counts: report.counts, lines: expect.any(Array) });
  });

  it('a CSV field that a spreadsheet would run as a formula is defused, quotes doubled', () => {
    const row = { streamId: 's', phase: 'failed', request: { imageUrl: 'https://x.example/=1.jpg', strategy: 'udm2_inline' }, filePath: null, filename: '=HYPERLINK("http://evil")', error: '@SUM(A1)' } as unknown as DownloadState;
    const csv = batchCsv(batchReport({ batchId: 'b', requestedAt: 0, size: 1, streamIds: ['s'], alreadySaved: [], folder: null, skippedSmaller: 0 }, new Map([['s', row]])));
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain(`"'@SUM(A1)"`);
  });

  it('the read model is kept by a bus subscriber and the same after a replay', async () => {
    const db = openDatabase(`batches-${Math.random()}`);
    const subscriber = batchesSubscriber(db);
    const event = (n: number) => ({
      position: n, eventId: `e${n}`, streamId: `batch-${n}`, version: 1, type: 'DownloadBatchRequested' as const, schemaVersion: 1, correlationId: `batch-${n}`, causationId: 'c', metadata: { correlationId: `batch-${n}`, causationId: 'c' }, createdAt: 1000 + n,
      data: { size: 2, streamIds: [`s${n}a`, `s${n}b`], alreadySaved: [], folder: 'Semantest/{query}', skippedSmaller: n },
    });
    for (const n of [1, 2, 3]) await subscriber.handle(event(n), {} as HandlerContext);
    await subscriber.handle(event(2), {} as HandlerContext); // redelivered: the same row
    const kept = await db.batches.orderBy('requestedAt').toArray();
    expect(kept).toEqual([1, 2, 3].map((n) => batchRowOf(event(n))));
    expect((await db.batches.where('streamIds').equals('s2b').first())?.batchId).toBe('batch-2');
    await subscriber.reset?.();
    expect(await db.batches.count()).toBe(0);
    await subscriber.handleBatch?.([1, 2, 3].map(event), true, () => ({}) as HandlerContext);
    expect(await db.batches.orderBy('requestedAt').toArray()).toEqual(kept);
  });
});
