/**
 * The transfer document's side of the messaging (Chrome: the offscreen document): it answers the worker's calls
 * and pushes facts to it. `runtime.sendMessage` also wakes a stopped worker; a fact it does not hear is kept by
 * the service and read back with `status()`.
 */
import { isTransferMessage, TO_TRANSFER_DOCUMENT, TO_TRANSFER_WORKER, TransferCallMessage, type TransferReply } from '../../transfer/protocol.ts';
import { serveCall, type TransferService } from '../../transfer/service.ts';
import type { TransferFact } from '../transfer-port.ts';

export function pushFactToWorker(fact: TransferFact): void {
  // No worker to hear it (it is being started again): the fact stays in the service for status().
  chrome.runtime.sendMessage({ target: TO_TRANSFER_WORKER, fact }).catch(() => undefined);
}

/** Called first thing by the document's entry, before any call can arrive. */
export function serveTransfersInDocument(service: TransferService): void {
  const ours = chrome.runtime.getURL('');
  chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse: (reply: TransferReply) => void) => {
    if (!isTransferMessage(message) || (message as { target: unknown }).target !== TO_TRANSFER_DOCUMENT) return false;
    // Only this extension's own contexts outside tabs (the worker) may call; content scripts reach this listener too.
    if (sender.id !== chrome.runtime.id || sender.tab !== undefined || !(sender.url ?? '').startsWith(ours)) return false;
    const parsed = TransferCallMessage.safeParse(message);
    if (!parsed.success) {
      sendResponse({ ok: false, error: 'Malformed transfer call.' });
      return false;
    }
    serveCall(service, parsed.data.call).then(
      (value) => sendResponse({ ok: true, value: value ?? null }),
      (error: unknown) => sendResponse({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
    return true; // answered asynchronously
  });
}
