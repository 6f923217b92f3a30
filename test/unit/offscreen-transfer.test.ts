/**
 * The TransferPort in the worker (src/platform/offscreen-transfer.ts) and the document's listener
 * (src/platform/transfer-document.ts), over a stub of chrome.runtime/chrome.offscreen that routes messages between
 * them the way Chrome does: calls by target to the document, facts to the worker, with Chrome's senders.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makePng } from '../../scripts/image-host.mjs';
import { registerOffscreenTransfer } from '../../src/platform/chrome/offscreen-transfer.ts';
import { pushFactToWorker, serveTransfersInDocument } from '../../src/platform/chrome/transfer-document.ts';
import type { TransferFact, TransferRequest } from '../../src/platform/transfer-port.ts';
import { TO_TRANSFER_WORKER, TRANSFER_DOCUMENT_PATH } from '../../src/transfer/protocol.ts';
import { TransferService } from '../../src/transfer/service.ts';
import { fakeHost } from '../fakes/http-host.ts';
import { stoppedTimers } from '../fakes/clock.ts';

const ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/';
const DOCUMENT = `${ORIGIN}${TRANSFER_DOCUMENT_PATH}`;
const WORKER = `${ORIGIN}service-worker-loader.js`;
type Listener = (message: unknown, sender: chrome.runtime.MessageSender, respond: (answer: unknown) => void) => boolean | undefined;

interface Stub {
  documentOpen: boolean;
  createDocument: ReturnType<typeof vi.fn>;
  /** Delivers a message to the worker's listeners as if `sender` sent it; resolves with the answer, if any. */
  toWorker(message: unknown, sender: Partial<chrome.runtime.MessageSender>): Promise<unknown>;
}

let stub: Stub;
let service: TransferService;

beforeEach(() => {
  const workerListeners: Listener[] = [];
  const documentListeners: Listener[] = [];
  let registering: Listener[] = workerListeners;
  const deliver = async (listeners: Listener[], message: unknown, sender: chrome.runtime.MessageSender): Promise<unknown> => {
    for (const listener of listeners) {
      let answered: ((value: unknown) => void) | null = null;
      const answer = new Promise((resolve) => (answered = resolve));
      let sync: { value: unknown } | null = null;
      const keep = listener(message, sender, (value) => {
        sync = { value };
        answered?.(value);
      });
      if (sync) return (sync as { value: unknown }).value;
      if (keep === true) return answer;
    }
    return undefined;
  };
  const createDocument = vi.fn(async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (stub.documentOpen) throw new Error('Only a single offscreen document may be created.');
    stub.documentOpen = true;
  });
  stub = {
    documentOpen: false,
    createDocument,
    toWorker: (message, sender) => deliver(workerListeners, message, { id: 'abcdefghijklmnopabcdefghijklmnop', ...sender }),
  };
  const runtime = {
    id: 'abcdefghijklmnopabcdefghijklmnop',
    getURL: (path: string) => `${ORIGIN}${path.replace(/^\//, '')}`,
    ContextType: { OFFSCREEN_DOCUMENT: 'OFFSCREEN_DOCUMENT' },
    getContexts: vi.fn(async () => (stub.documentOpen ? [{ documentUrl: DOCUMENT }] : [])),
    onMessage: { addListener: (listener: Listener) => registering.push(listener) },
    // From the worker, calls reach the document; from the document, facts reach the worker.
    sendMessage: (message: { target?: string }) =>
      message.target === TO_TRANSFER_WORKER
        ? stub.toWorker(message, { url: DOCUMENT })
        : stub.documentOpen
          ? deliver(documentListeners, message, { id: 'abcdefghijklmnopabcdefghijklmnop', url: WORKER })
          : Promise.reject(new Error('Could not establish connection. Receiving end does not exist.')),
  };
  vi.stubGlobal('chrome', { runtime, offscreen: { createDocument, Reason: { BLOBS: 'BLOBS' } } });
  // The document's listener registers into its own list (it lives in another context).
  const png = new Uint8Array(makePng(32, 32, 2));
  const host = fakeHost(() => ({ body: png }));
  registering = documentListeners;
  service = new TransferService({
    ...stoppedTimers(),
    fetch: host.fetch,
    emit: pushFactToWorker,
    now: () => 0,
    partBytes: 1 << 20,
    progressIntervalMs: 250,
    createObjectURL: () => `blob:${ORIGIN.slice(0, -1)}/1234`,
    revokeObjectURL: () => undefined,
    converter: () => Promise.reject(new Error('none')),
  });
  serveTransfersInDocument(service);
  registering = workerListeners;
});

afterEach(async () => {
  // Transfers still running push facts through chrome.runtime: let them end before the stub goes.
  for (let i = 0; i < 200 && service.status().some((held) => held.state === 'requesting' || held.state === 'streaming'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  vi.unstubAllGlobals();
});

const request = (transferId: string): TransferRequest => ({ transferId, url: 'https://images.example/a.png', maxBytes: 1e7, headersTimeoutMs: 1000, stallTimeoutMs: 1000, allowDataImage: false });

const factsUntilFetched = (port: ReturnType<typeof registerOffscreenTransfer>, transferId: string): Promise<TransferFact[]> =>
  new Promise((resolve) => {
    const facts: TransferFact[] = [];
    port.onFact((fact) => {
      if (fact.transferId !== transferId) return;
      facts.push(fact);
      if (fact.type === 'fetched' || fact.type === 'failed') resolve(facts);
    });
  });

describe('the offscreen TransferPort', () => {
  it('start creates the document once for concurrent callers; the facts come back; saveUrl gives the blob: URL', async () => {
    const port = registerOffscreenTransfer();
    const facts = factsUntilFetched(port, 'a');
    await Promise.all([port.start(request('a')), port.start(request('b')), port.start(request('c'))]);
    expect(stub.createDocument).toHaveBeenCalledTimes(1);
    expect(stub.createDocument).toHaveBeenCalledWith(expect.objectContaining({ url: TRANSFER_DOCUMENT_PATH, reasons: ['BLOBS'] }));
    expect((await facts).map((fact) => fact.type)).toEqual(['sniffed', 'fetched']);
    expect(await port.saveUrl('a')).toBe(`blob:${ORIGIN.slice(0, -1)}/1234`);
    expect((await port.status()).map((status) => status.transferId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a creation that lost the race to another context is fine when the document exists', async () => {
    const port = registerOffscreenTransfer();
    stub.createDocument.mockImplementationOnce(async () => {
      stub.documentOpen = true;
      throw new Error('Only a single offscreen document may be created.');
    });
    await expect(port.start(request('a'))).resolves.toBeUndefined();
    stub.createDocument.mockImplementationOnce(async () => {
      throw new Error('disk full');
    });
    stub.documentOpen = false;
    await expect(port.start(request('b'))).rejects.toThrow('disk full');
  });

  it('asks Chrome whether the document exists once, until a message finds it closed', async () => {
    const port = registerOffscreenTransfer();
    const getContexts = (globalThis as unknown as { chrome: { runtime: { getContexts: ReturnType<typeof vi.fn> } } }).chrome.runtime.getContexts;
    await port.start(request('a'));
    const asked = getContexts.mock.calls.length;
    await port.status();
    await port.saveUrl('a');
    await port.release('a');
    expect(getContexts.mock.calls.length).toBe(asked);
    // Closed behind the worker's back: a call that needs no document says nothing is held; a start makes a new one.
    stub.documentOpen = false;
    expect(await port.status()).toEqual([]);
    await port.start(request('b'));
    expect(stub.createDocument).toHaveBeenCalledTimes(2);
    expect((await port.status()).map((status) => status.transferId)).toContain('b');
  });

  it('without a document, nothing is held: no document is created to say so', async () => {
    const port = registerOffscreenTransfer();
    expect(await port.status()).toEqual([]);
    expect(await port.saveUrl('a')).toBeNull();
    expect(await port.convert('a', 'image/png', 1, 1e6)).toEqual({ ok: false, reason: expect.stringContaining('no longer held') });
    await port.pause('a');
    await port.resume('a');
    await port.cancel('a');
    await port.release('a');
    expect(stub.createDocument).not.toHaveBeenCalled();
  });

  it('facts are taken only from the document, parsed; those heard before any listener wait for the first', async () => {
    const port = registerOffscreenTransfer();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fact: TransferFact = { type: 'paused', transferId: 'x', bytesReceived: 10 };
    expect(await stub.toWorker({ target: TO_TRANSFER_WORKER, fact }, { url: DOCUMENT })).toEqual({ ok: true });
    expect(await stub.toWorker({ target: TO_TRANSFER_WORKER, fact }, { url: `${ORIGIN}src/popup/index.html` })).toBeUndefined();
    expect(await stub.toWorker({ target: TO_TRANSFER_WORKER, fact }, { url: DOCUMENT, id: 'another-extension' })).toBeUndefined();
    expect(await stub.toWorker({ target: TO_TRANSFER_WORKER, fact: { ...fact, bytesReceived: -1 } }, { url: DOCUMENT })).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(await stub.toWorker({ type: 'download.request' }, { url: DOCUMENT })).toBeUndefined();
    const heard: TransferFact[] = [];
    const stop = port.onFact((f) => heard.push(f));
    expect(heard).toEqual([fact]);
    await stub.toWorker({ target: TO_TRANSFER_WORKER, fact: { ...fact, bytesReceived: 20 } }, { url: DOCUMENT });
    stop();
    await stub.toWorker({ target: TO_TRANSFER_WORKER, fact: { ...fact, bytesReceived: 30 } }, { url: DOCUMENT });
    expect(heard.map((f) => (f.type === 'paused' ? f.bytesReceived : -1))).toEqual([10, 20]);
  });

  it('a refusal or a malformed answer from the document is an error in words', async () => {
    const port = registerOffscreenTransfer();
    await expect(port.start({ ...request('a'), maxBytes: -1 })).rejects.toThrow('The transfer document refused start: Malformed transfer call.');
    const chromeStub = (globalThis as unknown as { chrome: { runtime: { sendMessage: unknown } } }).chrome;
    chromeStub.runtime.sendMessage = async () => ({ surprise: true });
    await expect(port.status()).rejects.toThrow('The transfer document gave no usable answer.');
  });
});
