/** The door from the content script and the extension pages to the worker: send a request, hear its pushes. */
import type { WorkerRequest, WorkerResponse } from '../shared/protocol.ts';

export class ExtensionGoneError extends Error {
  constructor() {
    super('Semantest was updated or switched off: reload the page to use it again.');
    this.name = 'ExtensionGoneError';
  }
}

export async function sendToWorker(request: WorkerRequest): Promise<WorkerResponse> {
  // After the extension reloads, this page's content script is orphaned: chrome.runtime.id is gone.
  if (!chrome.runtime?.id) throw new ExtensionGoneError();
  try {
    const response = (await chrome.runtime.sendMessage(request)) as WorkerResponse | undefined;
    return response ?? { ok: false, error: 'Semantest did not answer.' };
  } catch (error) {
    if (!chrome.runtime?.id || /context invalidated/i.test(String(error))) throw new ExtensionGoneError();
    throw error;
  }
}

export function onWorkerMessage(listener: (message: unknown) => void): () => void {
  const wrapped = (message: unknown, sender: chrome.runtime.MessageSender): void => {
    if (sender.id === chrome.runtime.id) listener(message);
  };
  chrome.runtime.onMessage.addListener(wrapped);
  return () => chrome.runtime.onMessage.removeListener(wrapped);
}

/** A request outside the main protocol (the outbox's own, src/outbox/protocol.ts); the worker parses it. */
export async function sendOutsideProtocol(request: { type: string; [field: string]: unknown }): Promise<unknown> {
  if (!chrome.runtime?.id) throw new ExtensionGoneError();
  return chrome.runtime.sendMessage(request);
}
