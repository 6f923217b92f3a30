/**
 * Recovery, on every worker start: the unsettled downloads from the store (never imported ones), what the
 * transfer side still holds (`status()`: a fact lost in a stop is read back), and Chrome's items of their saves.
 * Each download is handed to `decide` with all of it, so every download ends exactly once; transfers nobody
 * owns any more are dropped. Only then are transfer slots handed out.
 */
import { streamOfTransfer } from '../../domain/download-workflow.ts';
import type { ChromeItem, TransferHeld } from '../../domain/download-triggers.ts';
import type { DownloadState } from '../../domain/download.ts';
import type { DownloadsPort } from '../../platform/ports.ts';
import type { TransferPort } from '../../platform/transfer-port.ts';
import type { DownloadQueries } from '../../store/download-queries.ts';
import type { UnsettledCache } from './unsettled-cache.ts';
import type { SagaCore } from './core.ts';

export interface RecoveryDeps {
  cache: UnsettledCache;
  queries: DownloadQueries;
  port: TransferPort;
  downloads: DownloadsPort;
  extensionId: string;
  core: Pick<SagaCore, 'handle'>;
}

const SAGA_TRANSFER = /^[0-9a-f-]{36}:v\d+(:referer)?$/;

/** How far before its intent a save's Chrome item may have started (clocks of the worker and the browser). */
const START_SLACK_MS = 2000;

export async function recover(deps: RecoveryDeps): Promise<void> {
  const rows = await deps.cache.load();
  const held = await deps.port.status().catch((): TransferHeld[] => []);
  const transfersOf = new Map<string, TransferHeld[]>();
  // Only transfers of the saga's own making (`<streamId>:v<n>`): another caller of the port keeps its own.
  for (const transfer of held.filter((candidate) => SAGA_TRANSFER.test(candidate.transferId))) {
    const streamId = streamOfTransfer(transfer.transferId);
    transfersOf.set(streamId, [...(transfersOf.get(streamId) ?? []), transfer]);
  }
  const work = rows.map(async (row) => {
    const transfers = transfersOf.get(row.streamId) ?? [];
    transfersOf.delete(row.streamId);
    const { items, recordedGone } = await chromeItemsOf(row, transfers, deps);
    await deps.core.handle(row.streamId, { type: 'recovered', transfers, items, recordedGone });
  });
  // Transfers of downloads that settled meanwhile (or were forgotten): let go, through their own state if any.
  for (const [streamId, transfers] of transfersOf) {
    work.push(
      (async () => {
        if (await deps.queries.get(streamId)) await deps.core.handle(streamId, { type: 'recovered', transfers, items: [], recordedGone: false });
        else for (const transfer of transfers) await deps.port.cancel(transfer.transferId).catch(() => undefined);
      })(),
    );
  }
  const results = await Promise.allSettled(work);
  for (const result of results) if (result.status === 'rejected') console.error('Semantest: a download could not be recovered', result.reason);
}

/** Chrome's items that may be this download's save: its recorded id's, else those of its Blob's address. */
async function chromeItemsOf(row: DownloadState, transfers: readonly TransferHeld[], deps: RecoveryDeps): Promise<{ items: ChromeItem[]; recordedGone: boolean }> {
  const { downloads, extensionId } = deps;
  if (row.chromeDownloadId !== null) {
    const [item] = await downloads.search({ id: row.chromeDownloadId });
    return { items: item ? [item] : [], recordedGone: !item };
  }
  if (row.phase !== 'initiating') return { items: [], recordedGone: false };
  const urls = transfers.map((transfer) => transfer.saveUrl).filter((url): url is string => url !== null);
  if (urls.length > 0) {
    const found = (await Promise.all(urls.map((url) => downloads.search({ url })))).flat();
    return { items: found.filter((item) => item.byExtensionId === extensionId), recordedGone: false };
  }
  // The transfer side lost the Blob (the browser closed): a save Chrome began for it can only be known by its
  // start and name; it is adopted if complete, else cancelled (its partial file goes).
  const since = new Date((row.initiatedAt ?? row.updatedAt) - START_SLACK_MS).toISOString();
  const wanted = baseName(row.filename ?? '');
  const candidates = (await downloads.search({ startedAfter: since })).filter(
    (item) => item.byExtensionId === extensionId && item.url.startsWith('blob:') && baseName(item.filename) === wanted,
  );
  const unclaimed: ChromeItem[] = [];
  for (const item of candidates) if (!(await deps.queries.byChromeDownloadId(item.id))) unclaimed.push(item);
  return { items: unclaimed, recordedGone: false };
}

/** A file's name without folder, extension, or Chrome's ` (1)` for a name taken. */
function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? '';
  return file.replace(/\.[^.]*$/, '').replace(/ \(\d+\)$/, '');
}
