/**
 * The batch report's read model (docs/decisions/0047-batch-report.md): one row per DownloadBatchRequested, found by
 * its downloads' ids; the report itself joins it with the downloads read model (domain/batch-report.ts). A bus
 * subscriber: kept in step after each append, rebuilt by replaying the log (`bus.replay('batches')`).
 */
import type { Subscriber } from '../bus/subscriptions.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import type { BatchRow, SemantestDb } from '../store/database.ts';

export const BATCHES_SUBSCRIBER = 'batches';

export function batchRowOf(event: StoredEvent): BatchRow {
  const data = event.data as EventData<'DownloadBatchRequested'>;
  return {
    batchId: event.streamId,
    requestedAt: event.createdAt,
    size: data.size,
    streamIds: data.streamIds,
    alreadySaved: data.alreadySaved,
    folder: data.folder,
    skippedSmaller: data.skippedSmaller,
  };
}

export function batchesSubscriber(db: SemantestDb): Subscriber {
  return {
    id: BATCHES_SUBSCRIBER,
    types: ['DownloadBatchRequested'],
    // A put by the batch's id: a redelivered event writes the same row again.
    handle: async (event) => {
      await db.batches.put(batchRowOf(event));
    },
    handleBatch: async (events) => {
      await db.batches.bulkPut(events.map(batchRowOf));
    },
    reset: async () => {
      await db.batches.clear();
    },
  };
}
