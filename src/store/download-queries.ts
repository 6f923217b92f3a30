/**
 * Queries over the downloads read model for the worker: the saga, the badge, the notifications and the page's
 * control states. They see only this browser's own downloads: an imported stream (`imported` on its row, from
 * `metadata.imported` on its events) is history that nothing in the worker acts on
 * (docs/decisions/0020-imports-are-history.md). The extension's pages read the table itself and show both.
 */
import type { DownloadQueries } from '../background/download-saga.ts';
import type { DownloadPhase, DownloadState } from '../domain/download.ts';
import type { SemantestDb } from './database.ts';

const UNSETTLED: DownloadPhase[] = ['queued', 'validating', 'initiating', 'downloading', 'paused', 'retry-wait'];

const own = (row: DownloadState | undefined): row is DownloadState => row !== undefined && row.imported !== true;
const owned = (rows: DownloadState[]): DownloadState[] => rows.filter(own);

export function downloadQueries(db: SemantestDb): DownloadQueries {
  return {
    get: async (streamId) => {
      const row = await db.downloads.get(streamId);
      return own(row) ? row : undefined;
    },
    unsettled: async () => owned(await db.downloads.where('phase').anyOf(UNSETTLED).toArray()),
    // An imported row may name any Chrome id (another browser's, or a forged one): never the owner of a Chrome item.
    byChromeDownloadId: (id) => db.downloads.where('chromeDownloadId').equals(id).filter(own).first(),
    byImageUrl: async (imageUrl) => owned(await db.downloads.where('request.imageUrl').equals(imageUrl).toArray()),
    byImageUrls: async (imageUrls) => owned(await db.downloads.where('request.imageUrl').anyOf([...imageUrls]).toArray()),
    byContentHash: async (contentHash) => owned(await db.downloads.where('contentHash').equals(contentHash).toArray()),
    byContentHashes: async (contentHashes) => owned(await db.downloads.where('contentHash').anyOf([...contentHashes]).toArray()),
    deadLettered: async () => (await db.downloads.where('phase').equals('dead-lettered').toArray()).filter((row) => own(row) && !row.discarded),
  };
}
