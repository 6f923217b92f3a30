/**
 * `download.batch`: one batch (one correlation id, one batch record) from one message, or from several when
 * "Download all" sends the results as the page finds them while it still scrolls (`more`, then `batchId`;
 * docs/decisions/0065-download-all-pipelined.md). An open batch is kept here until its last message.
 */
import type { WorkerRequest, WorkerResponse } from '../shared/protocol.ts';
import { withoutLargeInlineThumbnail } from '../domain/imported-events.ts';
import type { MessageContext } from './messages.ts';

type BatchRequest = Extract<WorkerRequest, { type: 'download.batch' }>;

/** What a batch's messages asked for so far: its record is written again, whole, after each message. */
interface BatchSoFar {
  tabId: number | null;
  folder: string | undefined;
  size: number;
  streamIds: string[];
  alreadySaved: string[];
  skippedSmaller: number;
}

/** A batch's images at most (DownloadBatchRequested's `size`). */
const MAX_BATCH = 1000;
/** Open batches kept at most; the oldest is forgotten first (a page closed before its last message). */
const MAX_OPEN = 20;
/** How many of a batch's images are requested at once. */
const BATCH_STEP = 20;

const newBatch = (tabId: number | null, folder: string | undefined): BatchSoFar => ({ tabId, folder, size: 0, streamIds: [], alreadySaved: [], skippedSmaller: 0 });

/** The batches whose page said more would follow (`more`), by id. */
export class OpenBatches {
  private readonly open = new Map<string, BatchSoFar>();

  /** Starts a batch; kept open when `more` follows. */
  start(batchId: string, tabId: number | null, folder: string | undefined, more: boolean): BatchSoFar {
    const batch = newBatch(tabId, folder);
    if (more) this.keep(batchId, batch);
    return batch;
  }

  /** The open batch a message continues, or why it cannot; the last message (`more` false) closes it. */
  continued(batchId: string, tabId: number | null, request: BatchRequest): BatchSoFar | { error: string } {
    const batch = this.open.get(batchId);
    if (!batch) return { error: 'That batch has ended or is unknown here (the extension may have restarted): start it again.' };
    if (batch.tabId !== tabId) return { error: 'That batch was started in another tab.' };
    if (request.folder !== undefined && request.folder !== batch.folder) return { error: 'A batch keeps the folder it was started with.' };
    if (!request.more) this.open.delete(batchId);
    return batch;
  }

  private keep(batchId: string, batch: BatchSoFar): void {
    if (this.open.size >= MAX_OPEN) this.open.delete(this.open.keys().next().value as string);
    this.open.set(batchId, batch);
  }
}

/**
 * Requests a message's images under its batch (new, or the open one it continues), then records the batch as it
 * now stands (DownloadBatchRequested, the batch report's source).
 */
export async function requestBatch(request: BatchRequest, tabId: number | null, ctx: MessageContext, folder: string | undefined): Promise<WorkerResponse> {
  const more = request.more === true && ctx.openBatches !== undefined;
  let batchId: string;
  let batch: BatchSoFar;
  if (request.batchId !== undefined) {
    if (!ctx.openBatches) return { ok: false, error: 'Batches cannot be continued here.' };
    const found = ctx.openBatches.continued(request.batchId, tabId, request);
    if ('error' in found) return { ok: false, error: found.error };
    batchId = request.batchId;
    batch = found;
  } else {
    // One user action: every image's events share one correlation id; the saga's queue keeps its limit.
    batchId = ctx.newId();
    batch = ctx.openBatches?.start(batchId, tabId, folder, more) ?? newBatch(tabId, folder);
  }
  return requestImages(request, tabId, ctx, batchId, batch, more);
}

async function requestImages(request: BatchRequest, tabId: number | null, ctx: MessageContext, batchId: string, batch: BatchSoFar, more: boolean): Promise<WorkerResponse> {
  const first = batch.size;
  const size = first + request.images.length;
  if (size > MAX_BATCH) return { ok: false, error: `A batch holds at most ${MAX_BATCH} images.` };
  // The message's places are taken before anything is awaited: a message that overlaps it numbers on after it.
  batch.size = size;
  // While more may follow, the downloads say the batch is larger than what is asked so far: the batch's summary
  // notification (notifications.ts, `expected`) waits for the last message, whose downloads carry the full size.
  const told = more ? size + 1 : size;
  const results: { streamId: string; alreadySaved?: boolean }[] = [];
  // BATCH_STEP at a time: their appends share the store's group commits (one at a time, 200 images took ≈ 4 s
  // before the first was fetched); steps keep the slots' queue in about the page's order.
  for (let from = 0; from < request.images.length; from += BATCH_STEP) {
    const step = request.images.slice(from, from + BATCH_STEP).map((image, i) => {
      const options = { correlationId: batchId, size: told, index: first + from + i + 1, ...(batch.folder !== undefined ? { folder: batch.folder } : {}) };
      return ctx.saga.request(withoutLargeInlineThumbnail(image), request.commandId, tabId, { batch: options });
    });
    results.push(...(await Promise.all(step)));
  }
  const streamIds = results.map((result) => result.streamId);
  batch.streamIds.push(...streamIds);
  batch.alreadySaved.push(...results.filter((result) => result.alreadySaved).map((result) => result.streamId));
  batch.skippedSmaller += request.skipped?.smaller ?? 0;
  await ctx.batches?.requested({
    batchId,
    commandId: request.commandId,
    size: batch.size,
    streamIds: [...batch.streamIds],
    alreadySaved: [...batch.alreadySaved],
    folder: batch.folder ?? null,
    skippedSmaller: batch.skippedSmaller,
  });
  if (first === 0) await ctx.folders?.used(batch.folder ?? ctx.folders.current());
  return { ok: true, streamIds, ...(more ? { batchId } : {}) };
}
