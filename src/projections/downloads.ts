/**
 * The downloads read model (history, failures, dead letters): one row per download, the aggregate's state.
 * Applied inline, inside the append's transaction; `rebuildDownloads` replays the whole log into an empty table
 * and must give the same rows (a test checks it).
 */
import type { EntityTable } from 'dexie';
import { evolve } from '../domain/download.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import { isFromTheFuture, upcast } from '../domain/upcasters.ts';
import type { DownloadRow, SemantestDb, SubscriberDeadLetterRow } from '../store/database.ts';

/** The download row an event belongs to: its own stream, or the download a dead-letter event names. */
function targetOf(event: StoredEvent): string {
  return event.type === 'DeadLetterDiscarded' ? (event.data as EventData<'DeadLetterDiscarded'>).downloadId : event.streamId;
}

function sameRow(a: DownloadRow | undefined, b: DownloadRow): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** Pure step of the projection over an in-memory map of rows. */
export function projectDownload(rows: Map<string, DownloadRow | undefined>, stored: StoredEvent): void {
  // A newer build's event: kept in the log, not guessed at here.
  if (isFromTheFuture(stored)) return;
  const event = upcast(stored);
  const id = targetOf(event);
  const row = rows.get(id);
  if (event.type === 'DeadLetterDiscarded') {
    if (row) rows.set(id, { ...row, discarded: true });
    return;
  }
  const next = evolve(row, event);
  if (next) rows.set(id, next);
}

export async function applyDownloadProjection(table: EntityTable<DownloadRow, 'streamId'>, events: readonly StoredEvent[]): Promise<void> {
  const ids = [...new Set(events.map(targetOf))];
  const current = await table.bulkGet(ids);
  const rows = new Map(ids.map((id, index) => [id, current[index]]));
  for (const event of events) projectDownload(rows, event);
  const changed = [...rows.values()].filter((row): row is DownloadRow => row !== undefined);
  if (changed.length > 0) await table.bulkPut(changed);
}

/**
 * Replays the log from position 0 into the downloads table; `onProgress` gets the position reached. A stored
 * event the projection cannot read (a corrupt row) is quarantined: skipped, recorded as a dead letter of the
 * `downloads` projection, and passed to `onCorrupt`, never fatal to the rebuild.
 */
export async function rebuildDownloads(
  db: SemantestDb,
  onProgress?: (position: number) => void,
  pageSize = 2000,
  onCorrupt?: (event: StoredEvent, error: string) => void,
): Promise<number> {
  const rows = new Map<string, DownloadRow | undefined>();
  const quarantined: SubscriberDeadLetterRow[] = [];
  let after = 0;
  let count = 0;
  for (;;) {
    const page = await db.events.where('position').above(after).limit(pageSize).toArray();
    if (page.length === 0) break;
    for (const event of page) {
      try {
        projectDownload(rows, event);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        quarantined.push({
          subscriberId: 'downloads',
          streamId: String(event.streamId),
          position: event.position,
          eventId: String(event.eventId),
          type: String(event.type),
          error: `Unreadable event: ${message}`,
          attempts: 1,
          createdAt: Date.now(),
        });
        onCorrupt?.(event, message);
      }
    }
    count += page.length;
    after = (page[page.length - 1] as StoredEvent).position;
    onProgress?.(after);
  }
  await db.transaction('rw', db.downloads, db.subscriberDeadLetters, async () => {
    // Write only what differs from the table as it is: a rebuild usually confirms most rows, and the cost of
    // IndexedDB is in the writes (each row has five indexes).
    const existing = new Map((await db.downloads.toArray()).map((row) => [row.streamId, row]));
    const changed = [...rows.values()].filter((row): row is DownloadRow => row !== undefined && !sameRow(existing.get(row.streamId), row));
    const gone = [...existing.keys()].filter((id) => rows.get(id) === undefined);
    if (gone.length > 0) await db.downloads.bulkDelete(gone);
    if (changed.length > 0) await db.downloads.bulkPut(changed);
    await db.subscriberDeadLetters.where('subscriberId').equals('downloads').delete();
    if (quarantined.length > 0) await db.subscriberDeadLetters.bulkAdd(quarantined);
  });
  return count;
}
