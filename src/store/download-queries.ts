/** Queries over the downloads read model, for the saga and the UI. */
import type { DownloadQueries } from '../background/download-saga.ts';
import type { DownloadPhase } from '../domain/download.ts';
import type { SemantestDb } from './database.ts';

const UNSETTLED: DownloadPhase[] = ['queued', 'validating', 'initiating', 'downloading', 'paused', 'retry-wait'];

export function downloadQueries(db: SemantestDb): DownloadQueries {
  return {
    get: (streamId) => db.downloads.get(streamId),
    unsettled: () => db.downloads.where('phase').anyOf(UNSETTLED).toArray(),
    byChromeDownloadId: (id) => db.downloads.where('chromeDownloadId').equals(id).first(),
    byImageUrl: (imageUrl) => db.downloads.where('request.imageUrl').equals(imageUrl).toArray(),
    byImageUrls: (imageUrls) => db.downloads.where('request.imageUrl').anyOf([...imageUrls]).toArray(),
    byContentHash: (contentHash) => db.downloads.where('contentHash').equals(contentHash).toArray(),
    byContentHashes: (contentHashes) => db.downloads.where('contentHash').anyOf([...contentHashes]).toArray(),
    deadLettered: async () => (await db.downloads.where('phase').equals('dead-lettered').toArray()).filter((row) => !row.discarded),
  };
}
