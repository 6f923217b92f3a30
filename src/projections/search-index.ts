/**
 * The search index read model: every download's search text (domain/search-text.ts) in BUCKETS hashed by stream
 * id, so the popup reads all of it in one small request and answers a search before it has read the history.
 *
 * A bus subscriber, not an inline projection: the text comes from the downloads row (kept inline, in each append),
 * so it costs the saga's appends nothing, and one pass writes each touched bucket once. It lags the log by the
 * bus's batch delay; the popup also searches the newest rows it holds, where such a lag could show.
 * Rebuilt by replay (`bus.replay(SEARCH_INDEX)`); docs/decisions/0061-search-index.md.
 */
import type { StoredEvent } from '../domain/events.ts';
import { searchText } from '../domain/search-text.ts';
import type { SemantestDb, SearchIndexRow } from '../store/database.ts';
import { bucketEntries, storedBucket, type BucketEntries } from '../domain/search-bucket.ts';
import type { Subscriber } from '../bus/subscriptions.ts';

export const SEARCH_INDEX = 'search-index';
export const SEARCH_BUCKETS = 32;

/** FNV-1a of the stream id, modulo the bucket count. */
export function bucketOf(streamId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) {
    hash ^= streamId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SEARCH_BUCKETS;
}


/** Puts (or, with `null`, removes) one download's entry; true when the bucket changed. */
export function setEntry(row: BucketEntries, streamId: string, entry: { text: string; at: number } | null): boolean {
  const i = row.ids.indexOf(streamId);
  if (entry === null) {
    if (i < 0) return false;
    row.ids.splice(i, 1);
    row.texts.splice(i, 1);
    row.at.splice(i, 1);
    return true;
  }
  if (i < 0) {
    row.ids.push(streamId);
    row.texts.push(entry.text);
    row.at.push(entry.at);
    return true;
  }
  if (row.texts[i] === entry.text && row.at[i] === entry.at) return false;
  row.texts[i] = entry.text;
  row.at[i] = entry.at;
  return true;
}

/** The streams whose entries an event can change; `'all'`: check every entry (a clear of the history). */
function touched(event: StoredEvent): string[] | 'all' {
  if (event.type === 'HistoryForgotten') {
    const data = event.data as { scope: string; streamIds: string[] };
    return data.scope === 'downloads' ? data.streamIds : 'all';
  }
  return [event.streamId];
}

/** Brings the entries of `streamIds` in line with their downloads rows (none: the entry goes), in one transaction. */
async function refresh(db: SemantestDb, streamIds: ReadonlySet<string> | 'all'): Promise<void> {
  await db.transaction('rw', db.downloads, db.searchIndex, async () => {
    const ids = streamIds === 'all' ? (await db.searchIndex.toArray()).flatMap((row) => bucketEntries(row).ids) : [...streamIds];
    if (ids.length === 0) return;
    const rows = await db.downloads.bulkGet(ids);
    const byBucket = new Map<number, string[]>();
    for (const id of ids) {
      const bucket = bucketOf(id);
      const list = byBucket.get(bucket);
      if (list) list.push(id);
      else byBucket.set(bucket, [id]);
    }
    const buckets = [...byBucket.keys()];
    const stored = await db.searchIndex.bulkGet(buckets);
    const rowOf = new Map(ids.map((id, i) => [id, rows[i]]));
    const changed: SearchIndexRow[] = [];
    buckets.forEach((bucket, i) => {
      const found = stored[i];
      const row = found ? bucketEntries(found) : { ids: [], texts: [], at: [] };
      let dirty = false;
      for (const id of byBucket.get(bucket) ?? []) {
        const download = rowOf.get(id);
        // Rows of other streams (the forget records) have no downloads row: nothing to index.
        if (setEntry(row, id, download ? { text: searchText(download), at: download.requestedAt } : null)) dirty = true;
      }
      if (dirty) changed.push(storedBucket(bucket, row));
    });
    if (changed.length > 0) await db.searchIndex.bulkPut(changed);
  });
}

export function searchIndexSubscriber(db: SemantestDb): Subscriber {
  const handleBatch = async (events: readonly StoredEvent[]): Promise<void> => {
    const ids = new Set<string>();
    let all = false;
    for (const event of events) {
      const streams = touched(event);
      if (streams === 'all') all = true;
      else for (const id of streams) ids.add(id);
    }
    if (all) await refresh(db, 'all');
    await refresh(db, ids);
  };
  return {
    id: SEARCH_INDEX,
    // The events that set what the search text is made of (domain/download.ts evolve), and forgets.
    types: ['GoogleImageDownloadRequested', 'ImageSourceValidated', 'ImageConverted', 'DownloadInitiated', 'GoogleImageDownloadCompleted', 'HistoryForgotten'],
    handle: (event) => handleBatch([event]),
    handleBatch,
    reset: () => db.searchIndex.clear(),
  };
}
