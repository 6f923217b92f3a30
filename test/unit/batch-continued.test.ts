/**
 * "Download all" sends its results as the page finds them (docs/decisions/0065-download-all-pipelined.md): the
 * first `download.batch` opens a batch (`more`), the next continue it by `batchId`, the last closes it. One
 * correlation id, the places numbered on, one record whose last version holds everything; a continuation from
 * another tab, of a closed or unknown batch, or with a bad id is refused in words and requests nothing.
 */
import { describe, expect, it } from 'vitest';
import { handleMessage, type BatchRequested, type MessageContext } from '../../src/background/messages.ts';
import { OpenBatches } from '../../src/background/batch-requests.ts';
import type { WorkerResponse } from '../../src/shared/protocol.ts';
import { sagaHarness } from './saga-harness.ts';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const tab = (tabId: number) => ({ id: ID, fromContentScript: true, url: 'https://www.google.com/search?q=cats&udm=2', tabId, frameId: 0 });
const image = (name: string) => ({ imageUrl: `https://images.example/${name}`, strategy: 'udm2_inline' as const });

async function harness() {
  const t = await sagaHarness();
  const recorded: BatchRequested[] = [];
  const ctx: MessageContext = {
    saga: t.saga,
    queries: t.queries,
    extensionId: ID,
    extensionOrigin: `chrome-extension://${ID}`,
    newId: () => crypto.randomUUID(),
    batches: { requested: async (batch) => void recorded.push(batch) },
    openBatches: new OpenBatches(),
  };
  const send = (names: string[], extra: Record<string, unknown> = {}, from = 3): Promise<WorkerResponse> =>
    handleMessage({ type: 'download.batch', commandId: crypto.randomUUID(), images: names.map(image), ...extra }, tab(from), ctx);
  return { t, recorded, send };
}

type Ok = Extract<WorkerResponse, { ok: true }>;

describe('a batch continued over several messages', () => {
  it('is one batch: one correlation id, places numbered on, the record growing to hold everything', async () => {
    const { t, recorded, send } = await harness();
    const first = (await send(['a.jpg', 'b.jpg'], { more: true, skipped: { smaller: 2 } })) as Ok;
    expect(first.ok).toBe(true);
    const batchId = first.batchId as string;
    expect(batchId).toMatch(/^[0-9a-f-]{36}$/);
    const second = (await send(['c.jpg'], { batchId, more: true, skipped: { smaller: 1 } })) as Ok;
    const last = (await send(['d.jpg'], { batchId })) as Ok;
    expect(second.ok && last.ok).toBe(true);
    expect(last.batchId).toBeUndefined();
    const streamIds = [...(first.streamIds ?? []), ...(second.streamIds ?? []), ...(last.streamIds ?? [])];
    expect(streamIds).toHaveLength(4);
    const requested = (await t.events()).filter((event) => event.type === 'GoogleImageDownloadRequested');
    expect(new Set(requested.map((event) => event.correlationId))).toEqual(new Set([batchId]));
    expect(requested.map((event) => (event.data as { batchIndex?: number }).batchIndex).sort()).toEqual([1, 2, 3, 4]);
    // While more may follow, the downloads say so (the batch's summary notification waits for the last message).
    const sizeOf = new Map(requested.map((event) => [(event.data as { imageUrl: string }).imageUrl.split('/').pop(), event.metadata.batchSize]));
    expect(Object.fromEntries(sizeOf)).toEqual({ 'a.jpg': 3, 'b.jpg': 3, 'c.jpg': 4, 'd.jpg': 4 });
    expect(recorded.map((batch) => batch.size)).toEqual([2, 3, 4]);
    expect(recorded.at(-1)).toMatchObject({ batchId, size: 4, streamIds, skippedSmaller: 3 });
  });

  it('is refused from another tab, once closed, when unknown, and with an id that is no id', async () => {
    const { t, send } = await harness();
    const first = (await send(['a.jpg'], { more: true })) as Ok;
    const batchId = first.batchId as string;
    expect(await send(['b.jpg'], { batchId }, 4)).toEqual({ ok: false, error: 'That batch was started in another tab.' });
    expect(await send(['b.jpg'], { batchId, folder: 'Elsewhere' })).toEqual({ ok: false, error: 'A batch keeps the folder it was started with.' });
    expect((await send(['b.jpg'], { batchId })).ok).toBe(true);
    const closed = await send(['c.jpg'], { batchId });
    expect(closed).toMatchObject({ ok: false, error: expect.stringMatching(/ended or is unknown/) });
    expect(await send(['c.jpg'], { batchId: crypto.randomUUID() })).toMatchObject({ ok: false, error: expect.stringMatching(/ended or is unknown/) });
    expect(await send(['c.jpg'], { batchId: 'not-a-batch' })).toEqual({ ok: false, error: 'Unknown or malformed message.' });
    expect(await send(['c.jpg'], { more: 'yes' })).toEqual({ ok: false, error: 'Unknown or malformed message.' });
    const urls = (await t.events()).filter((event) => event.type === 'GoogleImageDownloadRequested').map((event) => (event.data as { imageUrl: string }).imageUrl);
    expect(urls.sort()).toEqual(['https://images.example/a.jpg', 'https://images.example/b.jpg']);
  });

  it('keeps the page’s order when its messages overlap, and holds at most 1000 images', async () => {
    const { t, recorded, send } = await harness();
    const batchId = ((await send(['a.jpg'], { more: true })) as Ok).batchId as string;
    await Promise.all([send(['b.jpg', 'c.jpg'], { batchId, more: true }), send(['d.jpg'], { batchId, more: true })]);
    const requested = (await t.events()).filter((event) => event.type === 'GoogleImageDownloadRequested');
    const place = new Map(requested.map((event) => [(event.data as { imageUrl: string }).imageUrl.split('/').pop(), (event.data as { batchIndex?: number }).batchIndex]));
    expect(Object.fromEntries(place)).toEqual({ 'a.jpg': 1, 'b.jpg': 2, 'c.jpg': 3, 'd.jpg': 4 });
    // The record's last version holds them all.
    expect(new Set(recorded.at(-1)?.streamIds)).toEqual(new Set(requested.map((event) => event.streamId)));
    const many = Array.from({ length: 997 }, (_, i) => `m${i}.jpg`);
    expect(await send(many, { batchId, more: true })).toEqual({ ok: false, error: 'A batch holds at most 1000 images.' });
    expect((await send(many.slice(0, 996), { batchId })).ok).toBe(true);
  });
});
