/**
 * The downloads read model (history, failures, dead letters): one row per download, the aggregate's state.
 * Applied inline, inside the append's transaction; `rebuildDownloads` replays the whole log into an empty table
 * and must give the same rows (a test checks it).
 */
import type { EntityTable } from 'dexie';
import { evolve } from '../domain/download.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import { isFromTheFuture, upcast } from '../domain/upcasters.ts';
import type { DownloadRow, SemantestDb } from '../store/database.ts';

/** The download row an event belongs to: its own stream, or the download a dead-letter event names. */
function targetOf(event: StoredEvent): string {
  return event.type === 'DeadLetterDiscarded' ? (event.data as EventData<'DeadLetterDiscarded'>).downloadId : event.streamId;
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

/** Replays the log from position 0 into the downloads table; `onProgress` gets the position reached. */
export async function rebuildDownloads(db: SemantestDb, onProgress?: (position: number) => void, pageSize = 2000): Promise<number> {
  const rows = new Map<string, DownloadRow | undefined>();
  let after = 0;
  let count = 0;
  for (;;) {
    const page = await db.events.where('position').above(after).limit(pageSize).toArray();
    if (page.length === 0) break;
    for (const event of page) projectDownload(rows, event);
    count += page.length;
    after = (page[page.length - 1] as StoredEvent).position;
    onProgress?.(after);
  }
  await db.transaction('rw', db.downloads, async () => {
    await db.downloads.clear();
    await db.downloads.bulkPut([...rows.values()].filter((row): row is DownloadRow => row !== undefined));
  });
  return count;
}
