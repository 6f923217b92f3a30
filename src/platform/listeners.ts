/**
 * The worker's browser listeners. `registerWorkerListeners` must be called synchronously at the top level of
 * the worker script: only listeners added then receive the event that woke a stopped worker.
 */
import { isTransferMessage } from '../transfer/protocol.ts';
import { toView } from './chrome-adapters.ts';
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
  /** A click on a button (0 or 1) of one of our notifications. */
  notificationButtonClicked(notificationId: string, buttonIndex: number): void;
}

const senderOf = (sender: chrome.runtime.MessageSender): MessageSender => ({
  id: sender.id,
  url: sender.url,
  tabId: sender.tab?.id,
  frameId: sender.frameId,
  fromContentScript: !(sender.url ?? '').startsWith(chrome.runtime.getURL('')),
});

export function registerWorkerListeners(listeners: WorkerListeners): void {
  chrome.runtime.onConnect.addListener((port) => {
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
  chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => {
    // The transfer document's facts have their own listener (offscreen-transfer.ts): not answered here.
    if (isTransferMessage(message)) return false;
    const from = senderOf(sender);
    listeners
      .message(message, from)
      .then(sendResponse, (error: unknown) => sendResponse({ ok: false, error: error instanceof Error ? error.message : String(error) }));
    return true; // the answer comes asynchronously
  });
  chrome.downloads.onChanged.addListener((delta) => {
    listeners.downloadChanged({
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
      ...(delta.finalUrl?.current !== undefined ? { finalUrl: delta.finalUrl.current } : {}),
    });
  });
  chrome.downloads.onCreated.addListener((item) => listeners.downloadCreated(toView(item)));
  chrome.alarms.onAlarm.addListener((alarm) => listeners.alarm(alarm.name));
  chrome.runtime.onStartup.addListener(() => listeners.started('startup'));
  chrome.runtime.onInstalled.addListener(() => listeners.started('installed'));
  chrome.contextMenus.onClicked.addListener((info, tab) => {
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
  chrome.notifications.onButtonClicked.addListener((notificationId, buttonIndex) => listeners.notificationButtonClicked(notificationId, buttonIndex));
  chrome.commands.onCommand.addListener((name, tab) => {
    if (tab?.id !== undefined) return listeners.command(name, tab.id);
    // Older Chromium leaves out the tab: the shortcut acts on the active tab of the focused window.
    void chrome.tabs
      .query({ active: true, lastFocusedWindow: true })
      .then(([active]) => {
        if (active?.id !== undefined) listeners.command(name, active.id);
      })
      .catch(() => undefined);
  });
}
