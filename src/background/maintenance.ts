/**
 * The worker's maintenance of the log: import, rebuild, compaction, forget and clear. The options page and the
 * popup only ask (messages, and a port for the import's file); every write happens here, one job at a time, each
 * transaction between the store's own group commits (`runExclusive`), so nothing interleaves with the saga's
 * appends (issue #20 "one writer"; docs/decisions/0022-one-writer.md).
 */
import type { EventStore, InlineProjection } from '../store/event-store.ts';
import type { SemantestDb } from '../store/database.ts';
import { compactSettledStreams, DAY_MS, type CompactionReport } from '../store/compaction.ts';
import { forgetDownloads, type ForgetScope } from '../store/forget.ts';
import { importNdjson, type ImportReport, type ImportSource } from '../store/import-log.ts';
import { rebuildDownloads } from '../projections/downloads.ts';
import { BATCHES_SUBSCRIBER } from '../projections/batches.ts';
import { SEARCH_INDEX } from '../projections/search-index.ts';
import { Mutex } from '../shared/mutex.ts';
import type { DownloadRow } from '../store/database.ts';
import type { DownloadsPort } from '../platform/ports.ts';
import { sidecarPath } from '../domain/sidecar.ts';
import type { CompactionSummary, ForgetReport, MaintenanceProgress, WorkerRequest, WorkerResponse } from '../shared/protocol.ts';

/** The stream of the forget records (`HistoryForgotten`). */
export const FORGOTTEN_STREAM = 'history-forgotten';

export interface MaintenanceDeps {
  db: SemantestDb;
  /** The downloads projection the store was given: an import folds its rows by it too. */
  projection: InlineProjection<DownloadRow>;
  store: EventStore & { runExclusive<T>(work: () => Promise<T>, options?: { forgetCache?: boolean }): Promise<T> };
  /** The bus: quiet while events are deleted; its metrics replayed after. */
  bus: { whileQuiet<T>(work: () => Promise<T>): Promise<T>; replay(subscriberId: string): Promise<void>; poke(): void; has?(subscriberId: string): boolean };
  /** The outbox: sends nothing while events are deleted. */
  outbox: { whileHeld<T>(work: () => Promise<T>): Promise<T>; poke(): void };
  downloads: DownloadsPort;
  extensionId: string;
  /** The toolbar badge, counted again after downloads were forgotten. */
  refreshBadge: () => Promise<void>;
  progress: (message: MaintenanceProgress) => void;
  /** Tells the pages the downloads read model changed (after an import, a rebuild, a compaction, a forget). */
  changed?: () => void;
  now: () => number;
  newId: () => string;
}

export class Maintenance {
  private readonly jobs = new Mutex();
  private metricsReplay: Promise<void> | null = null;
  private replayAgain = false;

  constructor(private readonly deps: MaintenanceDeps) {}

  /** One job at a time, in the order asked. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    return this.jobs.run(job).finally(() => this.deps.changed?.());
  }

  private readonly exclusive = <T>(work: () => Promise<T>): Promise<T> => this.deps.store.runExclusive(work);

  importLog(source: ImportSource, onProgress?: (bytes: number, reading: 'check' | 'write') => void): Promise<ImportReport> {
    return this.serial(async () => {
      const report = await importNdjson(this.deps.db, source, { projection: this.deps.projection, now: this.deps.now(), exclusive: this.exclusive, ...(onProgress ? { onProgress } : {}) });
      // Imported events are written past the store's appends (the bus's cache of recent appends would call it
      // caught up): the bus forgets that cache and reads the store, and the outbox looks, now.
      if (report.taken > 0) {
        await this.deps.bus.whileQuiet(async () => undefined);
        this.deps.bus.poke();
        this.deps.outbox.poke();
      }
      return report;
    });
  }

  rebuild(): Promise<number> {
    return this.serial(async () => {
      const total = (await this.deps.db.events.orderBy('position').lastKey()) ?? 0;
      const count = await rebuildDownloads(this.deps.db, (position) => this.deps.progress({ type: 'maintenance.progress', job: 'rebuild', done: position, total: Number(total) }));
      // The batch reports' records too (where the bus has them: the worker's).
      if (this.deps.bus.has?.(BATCHES_SUBSCRIBER)) await this.deps.bus.replay(BATCHES_SUBSCRIBER);
      // The rows were written beside the store: what it remembers of them is read again.
      await this.deps.store.runExclusive(async () => undefined, { forgetCache: true });
      // The search index is made from those rows: replayed after them.
      await this.deps.bus.replay(SEARCH_INDEX);
      return count;
    });
  }

  compact(olderThanDays: number, incremental = false): Promise<CompactionReport> {
    return this.serial(() =>
      compactSettledStreams(this.deps.db, {
        now: this.deps.now(),
        olderThanMs: olderThanDays * DAY_MS,
        incremental,
        projection: this.deps.projection,
        exclusive: this.exclusive,
        onProgress: (done, total) => this.deps.progress({ type: 'maintenance.progress', job: 'compact', done, total }),
      }),
    );
  }

  /** Forgets downloads (and, if asked, deletes their files), records a `HistoryForgotten`, then recounts. */
  forget(scope: ForgetScope, deleteFiles: boolean, commandId: string): Promise<ForgetReport> {
    const { deps } = this;
    return this.serial(async () => {
      const report = await deps.outbox.whileHeld(() =>
        deps.bus.whileQuiet(async () => {
          const result = await forgetDownloads(deps.db, scope, {
            exclusive: (work) => deps.store.runExclusive(work, { forgetCache: true }),
            onProgress: (done, total) => deps.progress({ type: 'maintenance.progress', job: 'forget', done, total }),
          });
          const filesDeleted = deleteFiles ? await this.deleteFiles(result.forgotten) : 0;
          const done: ForgetReport = { downloads: result.forgotten.length, events: result.events, running: result.running, filesDeleted };
          if (done.downloads > 0 || scope.kind !== 'downloads') {
            const streamIds = scope.kind === 'downloads' ? result.forgotten.map((row) => row.streamId).slice(0, 1000) : [];
            await deps.store.appendToStream(
              FORGOTTEN_STREAM,
              [
                {
                  type: 'HistoryForgotten',
                  data: { scope: scope.kind, streamIds, before: scope.kind === 'before' ? scope.before : null, downloads: done.downloads, events: done.events, filesDeleted },
                  metadata: { correlationId: deps.newId(), causationId: commandId },
                },
              ],
              { expectedVersion: 'any', aggregateType: 'History' },
            );
          }
          return done;
        }),
      );
      if (report.downloads > 0) {
        this.recountMetrics();
        await deps.refreshBadge().catch(() => undefined);
      }
      return report;
    });
  }

  /** The monitoring counters from the log as it is now (several forgets in a row: one replay after the last). */
  private recountMetrics(): void {
    if (this.metricsReplay) {
      this.replayAgain = true;
      return;
    }
    this.metricsReplay = this.deps.bus
      .replay('metrics')
      .catch((error: unknown) => console.error('Semantest: the monitoring counters could not be recounted', error))
      .finally(() => {
        this.metricsReplay = null;
        if (this.replayAgain) {
          this.replayAgain = false;
          this.recountMetrics();
        }
      });
  }

  /** Resolves once the counters are recounted (tests). */
  async recounted(): Promise<void> {
    while (this.metricsReplay) await this.metricsReplay;
  }

  /**
   * Deletes the files of forgotten downloads this extension saved: only a Chrome item it started (`byExtensionId`),
   * complete, still on disk, at the path it recorded; never a duplicate's (that file is the earlier download's),
   * never an imported one's (its Chrome id is another browser's).
   */
  private async deleteFiles(rows: readonly DownloadRow[]): Promise<number> {
    let deleted = 0;
    for (const row of rows) {
      if (row.imported || row.phase !== 'completed' || row.chromeDownloadId === null || row.duplicateOf) continue;
      try {
        const [item] = await this.deps.downloads.search({ id: row.chromeDownloadId });
        if (!item || item.byExtensionId !== this.deps.extensionId || item.state !== 'complete' || !item.exists) continue;
        if (row.filePath && item.filename !== row.filePath) continue;
        await this.deps.downloads.removeFile(row.chromeDownloadId);
        deleted += 1;
        if (row.filePath) await this.deleteSidecar(row.filePath);
      } catch {
        // Gone already, or Chrome refused: the history is forgotten either way; the file stays.
      }
    }
    return deleted;
  }

  /** The metadata file the saga saved beside the image (domain/sidecar.ts), if this extension saved one. */
  private async deleteSidecar(imagePath: string): Promise<void> {
    const items = await this.deps.downloads.search({ filename: sidecarPath(imagePath) });
    for (const item of items) {
      if (item.byExtensionId === this.deps.extensionId && item.state === 'complete' && item.exists) await this.deps.downloads.removeFile(item.id);
    }
  }
}

const summary = (report: CompactionReport): CompactionSummary => ({
  streamsSeen: report.streamsSeen,
  streamsCompacted: report.streamsCompacted,
  eventsRemoved: report.eventsRemoved,
  removedByType: report.removedByType as Record<string, number>,
});

type MaintenanceRequest = Extract<WorkerRequest, { type: `history.${string}` }>;

export const isMaintenanceRequest = (request: WorkerRequest): request is MaintenanceRequest => request.type.startsWith('history.');

/** The worker's answer to a maintenance request from an extension page. */
export async function handleMaintenanceRequest(request: MaintenanceRequest, maintenance: Maintenance, commandId: string): Promise<WorkerResponse> {
  switch (request.type) {
    case 'history.forget':
      return { ok: true, forgotten: await maintenance.forget({ kind: 'downloads', streamIds: request.streamIds }, request.deleteFiles, commandId) };
    case 'history.clear':
      return { ok: true, forgotten: await maintenance.forget(request.before === null ? { kind: 'all' } : { kind: 'before', before: request.before }, request.deleteFiles, commandId) };
    case 'history.rebuild':
      return { ok: true, count: await maintenance.rebuild() };
    case 'history.compact':
      return { ok: true, compacted: summary(await maintenance.compact(request.olderThanDays)) };
    default: {
      const never: never = request;
      return { ok: false, error: `Unhandled message ${String(never)}` };
    }
  }
}
