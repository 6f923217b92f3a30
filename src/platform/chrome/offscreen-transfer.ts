/**
 * The TransferPort in Chrome's worker: transfers run in an offscreen document (reason BLOBS), created on demand
 * and kept (it outlives worker stops; its `blob:` URLs die with it). Calls go to it as runtime messages; facts come
 * back the same way and wake a stopped worker, so `registerOffscreenTransfer` must run synchronously at the top of
 * the worker script, like `registerWorkerListeners`.
 */
import { z } from 'zod';
import {
  ConversionResultSchema, isTransferMessage, TO_TRANSFER_DOCUMENT, TO_TRANSFER_WORKER, TransferFactMessage, TransferReply, TransferStatusSchema,
  TRANSFER_DOCUMENT_PATH, type TransferCall,
} from '../../transfer/protocol.ts';
import { transferFactListeners } from '../transfer-facts.ts';
import type { TransferPort } from '../transfer-port.ts';

export function registerOffscreenTransfer(): TransferPort {
  const documentUrl = chrome.runtime.getURL(TRANSFER_DOCUMENT_PATH);
  const facts = transferFactListeners();

  chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => {
    if (!isTransferMessage(message) || (message as { target: unknown }).target !== TO_TRANSFER_WORKER) return false;
    if (sender.id !== chrome.runtime.id || (sender.url ?? '').split(/[?#]/)[0] !== documentUrl) return false;
    const parsed = TransferFactMessage.safeParse(message);
    if (!parsed.success) {
      console.warn('Semantest: a malformed transfer fact was ignored', parsed.error.issues[0]);
      return false;
    }
    sendResponse({ ok: true });
    facts.deliver(parsed.data.fact);
    return false;
  });

  const documentExists = async (): Promise<boolean> =>
    (await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT], documentUrls: [documentUrl] })).length > 0;

  // Concurrent callers share one creation; a creation that lost a race (one document per extension) is fine.
  let creating: Promise<void> | null = null;
  const ensureDocument = async (): Promise<void> => {
    if (creating) return creating;
    if (await documentExists()) return;
    creating ??= chrome.offscreen
      .createDocument({
        url: TRANSFER_DOCUMENT_PATH,
        reasons: [chrome.offscreen.Reason.BLOBS],
        justification: 'Fetches an original image once, checks it and gives chrome.downloads a blob: URL of those bytes.',
      })
      .catch(async (error: unknown) => {
        if (!(await documentExists())) throw error;
      })
      .finally(() => {
        creating = null;
      });
    return creating;
  };

  // Asking Chrome whether the document exists costs a browser round trip per call (a small transfer makes about
  // eight calls); once it answered, it is believed until a message finds no document.
  let documentKnown = false;

  /** Sends a call; `create`: make the document first (else nothing is held when there is none). */
  const send = async (call: TransferCall, create: boolean, askAgain = true): Promise<{ held: false } | { held: true; value: unknown }> => {
    if (!documentKnown) {
      if (create) await ensureDocument();
      else if (creating) await creating;
      else if (!(await documentExists())) return { held: false };
      documentKnown = true;
    }
    let answer: unknown;
    try {
      answer = await chrome.runtime.sendMessage({ target: TO_TRANSFER_DOCUMENT, call });
    } catch (error) {
      // The document was closed since (or never answered): ask again once, from the top.
      if (!documentKnown || !askAgain) throw error;
      documentKnown = false;
      if (await documentExists()) throw error;
      return send(call, create, false);
    }
    const reply = TransferReply.safeParse(answer);
    if (!reply.success) throw new Error('The transfer document gave no usable answer.');
    if (!reply.data.ok) throw new Error(`The transfer document refused ${call.op}: ${reply.data.error}`);
    return { held: true, value: reply.data.value };
  };

  return {
    start: async (request) => {
      await send({ op: 'start', request }, true);
    },
    pause: async (transferId) => {
      await send({ op: 'pause', transferId }, false);
    },
    resume: async (transferId) => {
      await send({ op: 'resume', transferId }, false);
    },
    cancel: async (transferId) => {
      await send({ op: 'cancel', transferId }, false);
    },
    status: async () => {
      const answer = await send({ op: 'status' }, false);
      return answer.held ? z.array(TransferStatusSchema).parse(answer.value) : [];
    },
    convert: async (transferId, to, quality, maxPixels) => {
      const answer = await send({ op: 'convert', transferId, to, quality, maxPixels }, false);
      return answer.held ? ConversionResultSchema.parse(answer.value) : { ok: false, reason: 'The fetched image is no longer held (the browser was restarted).' };
    },
    saveUrl: async (transferId, which = 'result') => {
      const answer = await send({ op: 'saveUrl', transferId, which }, false);
      return answer.held ? z.string().startsWith('blob:').nullable().parse(answer.value) : null;
    },
    attachSidecar: async (transferId, text) => {
      const answer = await send({ op: 'attachSidecar', transferId, text }, false);
      return answer.held && answer.value === true;
    },
    release: async (transferId) => {
      await send({ op: 'release', transferId }, false);
    },
    onFact: facts.onFact,
  };
}
