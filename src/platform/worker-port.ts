/**
 * A port to the worker, as an extension page sees it (the import streams a file over one). Apart from
 * messaging.ts: that module is in the bytes every Google Images page loads (the content script's budget).
 */
import { ExtensionGoneError } from './messaging.ts';

export interface PagePort {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onDisconnect(listener: (error: string | null) => void): void;
  disconnect(): void;
}

export function connectToWorker(name: string): PagePort {
  if (!chrome.runtime?.id) throw new ExtensionGoneError();
  const port = chrome.runtime.connect({ name });
  return {
    post: (message) => port.postMessage(message),
    onMessage: (listener) => port.onMessage.addListener((message: unknown) => listener(message)),
    onDisconnect: (listener) => port.onDisconnect.addListener(() => listener(chrome.runtime.lastError?.message ?? null)),
    disconnect: () => port.disconnect(),
  };
}
