/** Queries over the downloads read model, for the saga and the UI: on IndexedDB, and on the in-memory store. */
import { SETTLED_PHASES, UNSETTLED_PHASES, type DownloadState } from '../domain/download.ts';
import type { SemantestDb } from './database.ts';

export interface DownloadQueries {
  get(streamId: string): Promise<DownloadState | undefined>;
  /** Downloads not settled yet, but never imported ones (history, never acted on). */
  unsettled(): Promise<DownloadState[]>;
  byChromeDownloadId(id: number): Promise<DownloadState | undefined>;
  byImageUrl(imageUrl: string): Promise<DownloadState[]>;
  /** `byImageUrl` for several addresses in one read (clicks that arrive together); optional. */
  byImageUrls?(imageUrls: readonly string[]): Promise<DownloadState[]>;
  /** Downloads whose fetched bytes had this sha-256 (duplicates by content; an index, not a scan). */
  byContentHash(contentHash: string): Promise<DownloadState[]>;
  /** `byContentHash` for several hashes in one read (transfers that end together); optional. */
  byContentHashes?(contentHashes: readonly string[]): Promise<DownloadState[]>;
  deadLettered(): Promise<DownloadState[]>;
}

export function downloadQueries(db: SemantestDb): DownloadQueries {
  return {
    get: (streamId) => db.downloads.get(streamId),
    unsettled: async () => (await db.downloads.where('phase').anyOf([...UNSETTLED_PHASES]).toArray()).filter((row) => row.imported !== true),
    byChromeDownloadId: (id) => db.downloads.where('chromeDownloadId').equals(id).first(),
    byImageUrl: (imageUrl) => db.downloads.where('request.imageUrl').equals(imageUrl).toArray(),
    byImageUrls: (imageUrls) => db.downloads.where('request.imageUrl').anyOf([...imageUrls]).toArray(),
    byContentHash: (contentHash) => db.downloads.where('contentHash').equals(contentHash).toArray(),
    byContentHashes: (contentHashes) => db.downloads.where('contentHash').anyOf([...contentHashes]).toArray(),
    deadLettered: async () => (await db.downloads.where('phase').equals('dead-lettered').toArray()).filter((row) => !row.discarded),
  };
}

/** The same queries over rows kept in memory (the in-memory store's read model). */
export function memoryDownloadQueries(rows: ReadonlyMap<string, DownloadState>): DownloadQueries {
  const all = (): DownloadState[] => [...rows.values()].map((row) => structuredClone(row));
  const where = (keep: (row: DownloadState) => boolean): Promise<DownloadState[]> => Promise.resolve(all().filter(keep));
  return {
    get: async (streamId) => {
      const row = rows.get(streamId);
      return row ? structuredClone(row) : undefined;
    },
    unsettled: () => where((row) => !SETTLED_PHASES.has(row.phase) && row.imported !== true),
    byChromeDownloadId: async (id) => (await where((row) => row.chromeDownloadId === id))[0],
    byImageUrl: (imageUrl) => where((row) => row.request.imageUrl === imageUrl),
    byImageUrls: (imageUrls) => where((row) => imageUrls.includes(row.request.imageUrl)),
    byContentHash: (contentHash) => where((row) => row.contentHash === contentHash),
    byContentHashes: (contentHashes) => where((row) => contentHashes.includes(row.contentHash ?? '')),
    deadLettered: () => where((row) => row.phase === 'dead-lettered' && !row.discarded),
  };
}
