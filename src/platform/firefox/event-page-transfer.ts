/**
 * The TransferPort in Firefox: the event page has a DOM (`URL.createObjectURL`, `OffscreenCanvas`), so the same
 * transfer service that Chrome runs in its offscreen document runs here, in the background script itself
 * (docs/decisions/0001 "Where the transfer runs"). Calls are function calls; facts are delivered in a microtask
 * (as Chrome's arrive in a message task: never inside the caller's or the transfer's own step) and as copies (as
 * a message would carry them).
 *
 * What this costs: the Blobs live as long as the event page. When Firefox suspends it (idle) or the browser
 * closes mid-transfer, the next start finds `status()` empty and the saga retries the attempt, as Chrome does
 * when its document is gone.
 */
import { canvasConverter } from '../../transfer/convert.ts';
import { PART_BYTES, PROGRESS_INTERVAL_MS, TransferService } from '../../transfer/service.ts';
import { transferFactListeners } from '../transfer-facts.ts';
import type { TransferPort } from '../transfer-port.ts';

export function registerEventPageTransfer(): TransferPort {
  const facts = transferFactListeners();
  const service = new TransferService({
    fetch: (url, init) => fetch(url, init),
    emit: (fact) => {
      const copy = structuredClone(fact);
      queueMicrotask(() => {
        try {
          facts.deliver(copy);
        } catch (error) {
          console.error('Semantest: a transfer fact listener failed', error);
        }
      });
    },
    now: () => performance.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    partBytes: PART_BYTES,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    converter: canvasConverter,
  });
  return {
    start: async (request) => service.start(structuredClone(request)),
    pause: (transferId) => service.pause(transferId),
    resume: async (transferId) => service.resume(transferId),
    cancel: (transferId) => service.cancel(transferId),
    status: async () => structuredClone(service.status()),
    convert: (transferId, to, quality, maxPixels) => service.convert(transferId, to, quality, maxPixels),
    saveUrl: async (transferId, which = 'result') => service.saveUrl(transferId, which),
    attachSidecar: async (transferId, text) => service.attachSidecar(transferId, text),
    release: async (transferId) => service.release(transferId),
    onFact: facts.onFact,
  };
}
