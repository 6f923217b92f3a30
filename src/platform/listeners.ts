/**
 * The worker's browser listeners. `registerWorkerListeners` must be called synchronously at the top level of
 * the worker script: only listeners added then receive the event that woke a stopped worker.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { target } from '#target';
import { isTransferMessage } from '../transfer/protocol.ts';
import { browserDownloads, toView } from './browser-adapters.ts';
import type { ContextMenuClick, DownloadDelta, DownloadItemView } from './ports.ts';

export interface MessageSender {
  id: string | undefined;
  url: string | undefined;
  tabId: number | undefined;
  frameId: number | undefined;
  /**
   * True unless the sender is one of this extension's own pages. (A tab is no test: the options page and a
   * popup opened as a tab have one too.)
   */
  fromContentScript: boolean;
}

/** A long-lived connection a page opened to the worker (`runtime.connect`), as the worker sees it. */
export interface WorkerPort {
  name: string;
  sender: MessageSender;
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onDisconnect(listener: () => void): void;
  disconnect(): void;
}

export interface WorkerListeners {
  message(message: unknown, sender: MessageSender): Promise<unknown>;
  /** A page opened a port (the options page's import streams its file over one). */
  connected?(port: WorkerPort): void;
  downloadChanged(delta: DownloadDelta): void;
  /** A new download (any, not only ours), as `search` would show it. */
  downloadCreated(item: DownloadItemView): void;
  alarm(name: string): void;
  started(reason: 'startup' | 'installed'): void;
  /** A keyboard shortcut from the manifest's `commands`, with the tab it was pressed in. */
  command(name: string, tabId: number): void;
  /** A click on one of our context-menu entries, with the tab it was in (none for a click outside tabs). */
  contextMenuClicked(click: ContextMenuClick, tabId: number | null): void;
  /** A click on a button (0 or 1) of one of our notifications (Firefox: a click on it, as button 0). */
  notificationButtonClicked(notificationId: string, buttonIndex: number): void;
}

const senderOf = (sender: Runtime.MessageSender): MessageSender => ({
  id: sender.id,
  url: sender.url,
  tabId: sender.tab?.id,
  frameId: sender.frameId,
  fromContentScript: !(sender.url ?? '').startsWith(browser.runtime.getURL('')),
});

const finalUrlOf = (delta: object): string | undefined => (delta as { finalUrl?: { current?: string } }).finalUrl?.current;

export function registerWorkerListeners(listeners: WorkerListeners): void {
  browser.runtime.onConnect.addListener((port) => {
    if (!listeners.connected) return port.disconnect();
    let open = true;
    port.onDisconnect.addListener(() => (open = false));
    listeners.connected({
      name: port.name,
      sender: senderOf(port.sender ?? {}),
      // A message to a port the page closed throws: the page is gone, nothing to tell.
      post: (message) => {
        if (open) port.postMessage(message);
      },
      onMessage: (listener) => port.onMessage.addListener((message: unknown) => listener(message)),
      onDisconnect: (listener) => port.onDisconnect.addListener(() => listener()),
      disconnect: () => port.disconnect(),
    });
  });
  browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
    // Chrome's transfer document's facts have their own listener (chrome/offscreen-transfer.ts): not answered here.
    if (isTransferMessage(message)) return undefined;
    // The answer is this promise (the polyfill answers with it in Chrome); a failure is answered in words.
    return listeners.message(message, senderOf(sender)).catch((error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }));
  });
  browser.downloads.onChanged.addListener((delta) => {
    const deliver = (changed: DownloadDelta): void => listeners.downloadChanged(changed);
    target.downloadChanged({
      id: delta.id,
      ...(delta.state?.current ? { state: delta.state.current as DownloadDelta['state'] } : {}),
      ...(delta.error?.current ? { error: delta.error.current } : {}),
      ...(delta.paused ? { paused: delta.paused.current ?? false } : {}),
      ...(delta.filename?.current ? { filename: delta.filename.current } : {}),
      ...(delta.fileSize?.current !== undefined ? { fileSize: delta.fileSize.current } : {}),
      ...(delta.totalBytes?.current !== undefined ? { totalBytes: delta.totalBytes.current } : {}),
      ...(delta.mime?.current !== undefined ? { mime: delta.mime.current } : {}),
      ...(delta.exists?.current !== undefined ? { exists: delta.exists.current } : {}),
      ...(delta.canResume?.current !== undefined ? { canResume: delta.canResume.current } : {}),
      ...(delta.danger?.current !== undefined ? { danger: delta.danger.current } : {}),
      // Chrome only (Firefox's items have no finalUrl).
      ...(finalUrlOf(delta) !== undefined ? { finalUrl: finalUrlOf(delta) } : {}),
    }, browserDownloads, deliver);
  });
  browser.downloads.onCreated.addListener((item) => listeners.downloadCreated(toView(item)));
  browser.alarms.onAlarm.addListener((alarm) => listeners.alarm(alarm.name));
  browser.runtime.onStartup.addListener(() => listeners.started('startup'));
  browser.runtime.onInstalled.addListener(() => listeners.started('installed'));
  browser.contextMenus.onClicked.addListener((info, tab) => {
    listeners.contextMenuClicked(
      {
        menuItemId: String(info.menuItemId),
        ...(info.srcUrl !== undefined ? { srcUrl: info.srcUrl } : {}),
        ...(info.pageUrl !== undefined ? { pageUrl: info.pageUrl } : {}),
        ...(info.frameUrl !== undefined ? { frameUrl: info.frameUrl } : {}),
        ...(info.mediaType !== undefined ? { mediaType: info.mediaType } : {}),
      },
      // TAB_ID_NONE (-1) for a click outside any tab (an extension page in its own window, say).
      tab?.id !== undefined && tab.id >= 0 ? tab.id : null,
    );
  });
  target.onNotificationAction((notificationId, buttonIndex) => listeners.notificationButtonClicked(notificationId, buttonIndex));
  browser.commands.onCommand.addListener((name, tab) => {
    if (tab?.id !== undefined) return listeners.command(name, tab.id);
    // Older Chromium leaves out the tab: the shortcut acts on the active tab of the focused window.
    void browser.tabs
      .query({ active: true, lastFocusedWindow: true })
      .then(([active]) => {
        if (active?.id !== undefined) listeners.command(name, active.id);
      })
      .catch(() => undefined);
  });
}
