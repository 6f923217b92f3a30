/**
 * The save runner: asks the transfer side for the Blob's `blob:` URL and Chrome to save it; cancels, removes or
 * shows a download only if this extension started it (`byExtensionId`, checked against Chrome's own record).
 */
import type { Effect } from '../../domain/download-triggers.ts';
import type { DownloadsPort } from '../../platform/ports.ts';
import type { TransferPort } from '../../platform/transfer-port.ts';
import type { Clock } from './clock.ts';
import type { Report } from './core.ts';
import type { ChromeItemsCache } from './chrome-mirror.ts';
import { errorText } from './transfer.ts';
import { KeyedMutex } from '../../shared/mutex.ts';

type Of<T extends Effect['type']> = Extract<Effect, { type: T }>;

export interface SavesDeps {
  port: TransferPort;
  downloads: DownloadsPort;
  items: ChromeItemsCache;
  extensionId: string;
  clock: Clock;
  /** Bounds the wait for `download()` (Chromium may never resolve it). */
  timeoutMs: () => number;
  report: Report;
  /** Tells the saga's cache which download a new Chrome id belongs to, before its start is recorded. */
  started: (chromeDownloadId: number, streamId: string) => void;
  /** The URL that saves a transfer's Blob unconverted, when known already (else the transfer side is asked). */
  knownUrl?: (transferId: string) => string | undefined;
}

export class ChromeSaves {
  /** One download's saves in order (the original kept beside a conversion is asked for first). */
  private readonly chains = new KeyedMutex<string>();

  constructor(private readonly deps: SavesDeps) {}

  save(streamId: string, effect: Of<'save'>): void {
    void this.chains.run(streamId, () => this.saveNow(streamId, effect)).catch((error: unknown) => console.error('Semantest: save failed', streamId, error));
  }

  /** Runs `then` once the saves asked for before it are made (a transfer is dropped after its last save). */
  after(streamId: string, then: () => void): void {
    void this.chains.run(streamId, async () => then()).catch((error: unknown) => console.error('Semantest: after saves', streamId, error));
  }

  private async saveNow(streamId: string, effect: Of<'save'>): Promise<void> {
    const { deps } = this;
    // The sidecar's Blob is made by the transfer side first (the worker has no URL.createObjectURL).
    if (effect.which === 'sidecar' && !(await deps.port.attachSidecar(effect.transferId, effect.text ?? '').catch(() => false))) return;
    const known = effect.which === 'result' ? deps.knownUrl?.(effect.transferId) : undefined;
    const url = known ?? (await deps.port.saveUrl(effect.transferId, effect.which).catch(() => null));
    if (!url) {
      if (effect.follow) deps.report(streamId, { type: 'transfer-lost', transferId: effect.transferId });
      return;
    }
    let id: number;
    deps.items.savesInFlight += 1;
    try {
      id = await this.withTimeout(deps.downloads.download({ url, filename: effect.filename, conflictAction: effect.conflictAction }));
      deps.items.own(id, deps.extensionId);
    } catch (error) {
      if (!effect.follow) return;
      const timedOut = error instanceof TimeoutError;
      deps.report(streamId, {
        type: 'save-refused',
        failure: {
          code: timedOut ? 'timeout' : 'download_interrupted',
          retryable: timedOut,
          message: timedOut ? 'Chrome did not start saving the file in time.' : `Chrome refused to save the file: ${errorText(error)}`,
        },
      });
      return;
    } finally {
      deps.items.savesInFlight -= 1;
    }
    if (!effect.follow) return;
    deps.started(id, streamId);
    deps.report(streamId, { type: 'save-started', chromeDownloadId: id, item: deps.items.get(id) ?? null });
  }

  /** Cancels the download if it runs (or was interrupted: its partial file goes), removes its file if complete. */
  discard(effect: Of<'discard-chrome-item'>): void {
    void this.ours(effect.chromeDownloadId).then(async (item) => {
      if (!item) return;
      if (item.state === 'complete') await this.deps.downloads.removeFile(item.id);
      else await this.deps.downloads.cancel(item.id);
    }).catch(() => undefined);
  }

  show(effect: Of<'show-file'>): void {
    void this.ours(effect.chromeDownloadId).then((item) => item && this.deps.downloads.show(item.id)).catch(() => undefined);
  }

  /** Chrome's item if this extension started it; Chrome's own record decides, not ours. */
  private async ours(id: number) {
    const [item] = await this.deps.downloads.search({ id });
    return item && item.byExtensionId === this.deps.extensionId ? item : undefined;
  }

  /** `download()` or a timeout; an id that comes after the timeout is cancelled (nobody follows it). */
  private withTimeout(promise: Promise<number>): Promise<number> {
    const { clock } = this.deps;
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = clock.setTimeout(() => {
        late = true;
        reject(new TimeoutError());
      }, this.deps.timeoutMs());
      promise.then(
        (id) => {
          if (late) void this.deps.downloads.cancel(id).catch(() => undefined);
          else {
            clock.clearTimeout(timer);
            resolve(id);
          }
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          if (!late) reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}
