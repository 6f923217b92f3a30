/**
 * A cache of the downloads read model: the unsettled downloads (and the last few that settled), as this worker
 * last wrote or read them. Filled from the store once per worker, kept current by the saga's own appends, which
 * are the only writes to download streams. The store stays the truth: every append checks the stream's version.
 */
import { isSettled, type DownloadState } from '../../domain/download.ts';
import type { DownloadQueries } from '../../store/download-queries.ts';

/** How many settled downloads are kept (a late fact about one needs no read to find it done). */
const SETTLED_KEPT = 256;

export class UnsettledCache {
  private readonly rows = new Map<string, DownloadState>();
  private readonly settled = new Map<string, DownloadState>();
  /** Chrome download id → stream, for the ids this worker recorded or just saw started. */
  private readonly chromeIds = new Map<number, string>();
  /** Streams this worker created and has not stored yet: nothing to read. */
  private readonly fresh = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private loaded: Promise<DownloadState[]> | null = null;

  constructor(private readonly queries: DownloadQueries) {}

  /** Reads the unsettled downloads once per worker (imported ones never). */
  load(): Promise<DownloadState[]> {
    this.loaded ??= this.queries.unsettled().then(
      (rows) => {
        for (const row of rows) this.set(row);
        return rows;
      },
      (error: unknown) => {
        this.loaded = null;
        throw error;
      },
    );
    return this.loaded;
  }

  markFresh(streamId: string): void {
    this.fresh.add(streamId);
  }

  /** The download's row: from memory when known, else from the store. */
  async get(streamId: string): Promise<DownloadState | undefined> {
    const known = this.rows.get(streamId) ?? this.settled.get(streamId);
    if (known || this.fresh.has(streamId)) return known;
    const row = await this.queries.get(streamId);
    if (row) this.set(row);
    return row;
  }

  /** Records a download's newest state (an older version is ignored). */
  set(row: DownloadState): void {
    this.fresh.delete(row.streamId);
    const known = this.rows.get(row.streamId) ?? this.settled.get(row.streamId);
    if (known && known.version > row.version) return;
    if (row.chromeDownloadId !== null) this.chromeIds.set(row.chromeDownloadId, row.streamId);
    if (isSettled(row)) {
      this.rows.delete(row.streamId);
      this.settled.delete(row.streamId);
      this.settled.set(row.streamId, row);
      if (this.settled.size > SETTLED_KEPT) {
        const oldest = this.settled.values().next().value as DownloadState;
        this.settled.delete(oldest.streamId);
        if (oldest.chromeDownloadId !== null) this.chromeIds.delete(oldest.chromeDownloadId);
      }
    } else {
      this.settled.delete(row.streamId);
      this.rows.set(row.streamId, row);
    }
    for (const listener of this.listeners) listener();
  }

  /** A save Chrome just started for a stream, before its DownloadStarted is stored. */
  noteChromeId(chromeDownloadId: number, streamId: string): void {
    this.chromeIds.set(chromeDownloadId, streamId);
  }

  streamOfChromeId(chromeDownloadId: number): string | undefined {
    return this.chromeIds.get(chromeDownloadId);
  }

  unsettled(): DownloadState[] {
    return [...this.rows.values()];
  }

  /** Unsettled downloads of an address, as this worker knows them (appends a read may not see yet). */
  unsettledOf(imageUrl: string): DownloadState[] {
    return this.unsettled().filter((row) => row.request.imageUrl === imageUrl);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
