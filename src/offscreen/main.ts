/**
 * The offscreen document (reason BLOBS): the transfer side of the saga in Chrome. It fetches originals once,
 * assembles their Blobs and hands the worker `blob:` URLs that chrome.downloads saves (docs/decisions/0010-…).
 */
import { pushFactToWorker, serveTransfersInDocument } from '../platform/chrome/transfer-document.ts';
import { canvasConverter } from '../transfer/convert.ts';
import { PART_BYTES, PROGRESS_INTERVAL_MS, TransferService } from '../transfer/service.ts';

serveTransfersInDocument(
  new TransferService({
    fetch: (url, init) => fetch(url, init),
    emit: pushFactToWorker,
    now: () => performance.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    partBytes: PART_BYTES,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    converter: canvasConverter,
  }),
);
