/**
 * Queries over the downloads read model for the worker: the saga, the badge, the notifications and the page's
 * control states, on IndexedDB and on the in-memory store. They see only this browser's own downloads: an
 * imported stream (`imported` on its row, from `metadata.imported` on its events) is history that nothing in the
 * worker acts on (docs/decisions/0020-imports-are-history.md). The extension's pages read the table itself.
 */
import { UNSETTLED_PHASES, type DownloadState } from '../domain/download.ts';
import type { SemantestDb } from './database.ts';

export interface DownloadQueries {
  get(streamId: string): Promise<DownloadState | undefined>;
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

const own = (row: DownloadState | undefined): row is DownloadState => row !== undefined && row.imported !== true;
const owned = (rows: DownloadState[]): DownloadState[] => rows.filter(own);

export function downloadQueries(db: SemantestDb): DownloadQueries {
  return {
    get: async (streamId) => {
      const row = await db.downloads.get(streamId);
      return own(row) ? row : undefined;
    },
    unsettled: async () => owned(await db.downloads.where('phase').anyOf([...UNSETTLED_PHASES]).toArray()),
    // An imported row may name any Chrome id (another browser's, or a forged one): never the owner of a Chrome item.
    byChromeDownloadId: (id) => db.downloads.where('chromeDownloadId').equals(id).filter(own).first(),
    byImageUrl: async (imageUrl) => owned(await db.downloads.where('request.imageUrl').equals(imageUrl).toArray()),
    byImageUrls: async (imageUrls) => owned(await db.downloads.where('request.imageUrl').anyOf([...imageUrls]).toArray()),
    byContentHash: async (contentHash) => owned(await db.downloads.where('contentHash').equals(contentHash).toArray()),
    byContentHashes: async (contentHashes) => owned(await db.downloads.where('contentHash').anyOf([...contentHashes]).toArray()),
    deadLettered: async () => (await db.downloads.where('phase').equals('dead-lettered').toArray()).filter((row) => own(row) && !row.discarded),
  };
}

/** The same queries over rows kept in memory (the in-memory store's read model). */
export function memoryDownloadQueries(rows: ReadonlyMap<string, DownloadState>): DownloadQueries {
  const where = (keep: (row: DownloadState) => boolean): Promise<DownloadState[]> =>
    Promise.resolve(owned([...rows.values()]).filter(keep).map((row) => structuredClone(row)));
  return {
    get: async (streamId) => {
      const row = rows.get(streamId);
      return own(row) ? structuredClone(row) : undefined;
    },
    unsettled: () => where((row) => UNSETTLED_PHASES.includes(row.phase)),
    byChromeDownloadId: async (id) => (await where((row) => row.chromeDownloadId === id))[0],
    byImageUrl: (imageUrl) => where((row) => row.request.imageUrl === imageUrl),
    byImageUrls: (imageUrls) => where((row) => imageUrls.includes(row.request.imageUrl)),
    byContentHash: (contentHash) => where((row) => row.contentHash === contentHash),
    byContentHashes: (contentHashes) => where((row) => contentHashes.includes(row.contentHash ?? '')),
    deadLettered: () => where((row) => row.phase === 'dead-lettered' && !row.discarded),
  };
}
