/**
 * Duplicates by content: the completed download whose file holds the same bytes (the transfer's sha-256) and is
 * still on disk, newest first; an older copy counts when a newer one was deleted. Imported history never counts.
 */
import type { DownloadState } from '../../domain/download.ts';
import type { EarlierCopy } from '../../domain/download-triggers.ts';
import type { DownloadsPort } from '../../platform/ports.ts';
import type { DownloadQueries } from '../../store/download-queries.ts';
import type { Report } from './core.ts';
import { groupedRead } from './grouped-read.ts';

export class DuplicateLookup {
  private readonly byHash: (contentHash: string) => Promise<DownloadState[]>;

  constructor(
    queries: DownloadQueries,
    private readonly downloads: DownloadsPort,
    private readonly extensionId: string,
    private readonly report: Report,
  ) {
    this.byHash = groupedRead((hash) => queries.byContentHash(hash), queries.byContentHashes?.bind(queries), (row) => row.contentHash ?? '');
  }

  lookUp(streamId: string, contentHash: string): void {
    this.find(streamId, contentHash).then(
      (earlier) => this.report(streamId, { type: 'duplicate-looked-up', earlier }),
      // The lookup is a courtesy: without it the file is saved (at worst a second copy).
      () => this.report(streamId, { type: 'duplicate-looked-up', earlier: null }),
    );
  }

  private async find(streamId: string, contentHash: string): Promise<EarlierCopy | null> {
    const saved = (await this.byHash(contentHash))
      .filter((row) => row.phase === 'completed' && !row.duplicateOf && !row.imported && row.streamId !== streamId && row.chromeDownloadId !== null)
      .sort((a, b) => b.requestedAt - a.requestedAt);
    for (const row of saved) {
      const [item] = await this.downloads.search({ id: row.chromeDownloadId as number });
      if (item?.state === 'complete' && item.exists && item.byExtensionId === this.extensionId) {
        return { streamId: row.streamId, filePath: row.filePath ?? item.filename, fileSize: row.fileSize ?? item.fileSize, mimeType: row.mimeType ?? item.mime };
      }
    }
    return null;
  }
}
