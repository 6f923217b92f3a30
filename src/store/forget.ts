/**
 * Forgetting downloads: "Forget this download" in the popup, "Clear history" on the options page
 * (docs/decisions/0021-forget-and-clear.md). A forgotten download's events leave the log, and so does everything
 * that names it (its dead-letter discard, the notifications told about it alone), with its read-model row, stream
 * row, snapshots and the bus's dead letters of it. A rebuild cannot bring back what the log no longer holds.
 *
 * Only settled downloads, and imported ones (history, never running), are forgotten; a download still running is
 * left, and counted. Files on disk are the caller's business (the worker deletes them only when asked).
 */
import { isSettled } from '../domain/download.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import type { DownloadRow, SemantestDb } from './database.ts';

export type ForgetScope = { kind: 'downloads'; streamIds: readonly string[] } | { kind: 'before'; before: number } | { kind: 'all' };

export interface ForgetResult {
  /** The rows of the downloads forgotten, as they were (for deleting their files, and the report). */
  forgotten: DownloadRow[];
  /** Events deleted: the downloads' own and those naming them. */
  events: number;
  /** Downloads in scope left because they are still running. */
  running: number;
}

export interface ForgetOptions {
  /** Runs each chunk's transaction between the store's own appends (the worker's single writer). */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
  /** Downloads per transaction. */
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The streams in which events about downloads live (src/background/notifications.ts, the saga's discard). */
const NOTIFICATIONS_STREAM = 'notifications';
const DEAD_LETTER_STREAM = 'dead-letter-queue';

export const forgettable = (row: DownloadRow): boolean => isSettled(row) || row.imported === true;

/** Events of `streamId`, by version. */
const streamEvents = (db: SemantestDb, streamId: string): Promise<StoredEvent[]> =>
  db.events.where('[streamId+version]').between([streamId, 0], [streamId, Number.MAX_SAFE_INTEGER]).toArray();

/** Positions of the events that name one download from another stream (a discard, a notification about it alone). */
async function namingEvents(db: SemantestDb): Promise<{ byDownload: Map<string, number[]>; notifications: StoredEvent[] }> {
  const byDownload = new Map<string, number[]>();
  const add = (id: string, position: number): void => void byDownload.set(id, [...(byDownload.get(id) ?? []), position]);
  for (const event of await streamEvents(db, DEAD_LETTER_STREAM)) {
    if (event.type === 'DeadLetterDiscarded') add((event.data as EventData<'DeadLetterDiscarded'>).downloadId, event.position);
  }
  const notifications = await streamEvents(db, NOTIFICATIONS_STREAM);
  for (const event of notifications) if (event.type === 'NotificationSent') add((event.data as EventData<'NotificationSent'>).subject, event.position);
  return { byDownload, notifications };
}

export async function forgetDownloads(db: SemantestDb, scope: ForgetScope, options: ForgetOptions = {}): Promise<ForgetResult> {
  const run = options.exclusive ?? (<T>(work: () => Promise<T>) => work());
  const chunkSize = options.chunkSize ?? 200;
  const ids =
    scope.kind === 'downloads'
      ? [...new Set(scope.streamIds)]
      : ((await (scope.kind === 'before' ? db.downloads.where('requestedAt').below(scope.before) : db.downloads.toCollection()).primaryKeys()) as string[]);
  const { byDownload, notifications } = await namingEvents(db);
  const result: ForgetResult = { forgotten: [], events: 0, running: 0 };
  for (let from = 0; from < ids.length; from += chunkSize) {
    const chunk = ids.slice(from, from + chunkSize);
    await run(() =>
      db.transaction('rw', [db.events, db.streams, db.downloads, db.snapshots, db.subscriberDeadLetters], async () => {
        // Read again inside the transaction: a download retried since the list was made is running, and stays.
        const rows = (await db.downloads.bulkGet(chunk)).filter((row): row is DownloadRow => row !== undefined);
        const gone = rows.filter(forgettable);
        result.running += rows.length - gone.length;
        if (gone.length === 0) return;
        const goneIds = gone.map((row) => row.streamId);
        const positions: number[] = [];
        for (const id of goneIds) {
          positions.push(...((await db.events.where('[streamId+version]').between([id, 0], [id, Number.MAX_SAFE_INTEGER]).primaryKeys()) as number[]));
          positions.push(...(byDownload.get(id) ?? []));
        }
        const present = (await db.events.bulkGet(positions)).filter((event) => event !== undefined).length;
        await db.events.bulkDelete(positions);
        await db.streams.bulkDelete(goneIds);
        await db.downloads.bulkDelete(goneIds);
        await db.snapshots.where('streamId').anyOf(goneIds).delete();
        const set = new Set(goneIds);
        await db.subscriberDeadLetters.filter((row) => set.has(row.streamId)).delete();
        result.forgotten.push(...gone);
        result.events += present;
      }),
    );
    options.onProgress?.(Math.min(ids.length, from + chunk.length), ids.length);
  }
  // Clearing by date (or all): the notifications that were about several downloads at once (a batch's summary, the
  // failure-rate alert) go too when they are as old. Counts and ids only remain in the log after this.
  if (scope.kind !== 'downloads') {
    const cutoff = scope.kind === 'before' ? scope.before : Number.POSITIVE_INFINITY;
    const old = notifications.filter((event) => event.createdAt < cutoff).map((event) => event.position);
    if (old.length > 0) {
      await run(() =>
        db.transaction('rw', db.events, async () => {
          const present = (await db.events.bulkGet(old)).filter((event) => event !== undefined).length;
          await db.events.bulkDelete(old);
          result.events += present;
        }),
      );
    }
  }
  return result;
}
