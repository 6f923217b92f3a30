/** The ports of `ports.ts` on the real `chrome.*` APIs. */
import type { AlarmsPort, BadgePort, ContextMenuPort, DownloadItemView, DownloadsPort, HttpPort, NotificationsPort, PagesPort, PermissionsPort, RefererPort, TabsPort } from './ports.ts';

const ignore = (): void => undefined;

export function toView(item: chrome.downloads.DownloadItem): DownloadItemView {
  return {
    id: item.id,
    url: item.url,
    finalUrl: item.finalUrl,
    filename: item.filename,
    state: item.state as DownloadItemView['state'],
    ...(item.error ? { error: item.error } : {}),
    paused: item.paused,
    canResume: item.canResume,
    bytesReceived: item.bytesReceived,
    totalBytes: item.totalBytes,
    fileSize: item.fileSize,
    mime: item.mime ?? '',
    exists: item.exists,
    danger: item.danger,
    startTime: item.startTime,
    ...(item.byExtensionId ? { byExtensionId: item.byExtensionId } : {}),
  };
}

export const chromeDownloads: DownloadsPort = {
  download: (options) => chrome.downloads.download({ ...options, saveAs: false }),
  search: async (query) => (await chrome.downloads.search(query)).map(toView),
  pause: (id) => chrome.downloads.pause(id),
  resume: (id) => chrome.downloads.resume(id),
  cancel: (id) => chrome.downloads.cancel(id),
  removeFile: (id) => chrome.downloads.removeFile(id),
  show: (id) => chrome.downloads.show(id),
};

export const chromeAlarms: AlarmsPort = {
  wakeAt: async (name, when) => {
    await chrome.alarms.create(name, { when });
  },
  clear: async (name) => {
    await chrome.alarms.clear(name);
  },
};

export const chromeTabs: TabsPort = {
  // The tab may be gone or on another page: a lost update is fine, the control asks again when it loads.
  send: (tabId, message) => void chrome.tabs.sendMessage(tabId, message).catch(ignore),
};

export const chromePages: PagesPort = {
  broadcast: (message) => void chrome.runtime.sendMessage(message).catch(ignore),
};

export const chromeBadge: BadgePort = {
  show: async (text, color) => {
    await chrome.action.setBadgeText({ text });
    if (text) await chrome.action.setBadgeBackgroundColor({ color });
  },
};

export const chromeNotifications: NotificationsPort = {
  show: async (id, { title, message, contextMessage, buttons }) => {
    await chrome.notifications.create(id, {
      type: 'basic',
      iconUrl: chrome.runtime.getURL('icons/icon128.png'),
      title,
      message,
      ...(contextMessage ? { contextMessage } : {}),
      ...(buttons && buttons.length > 0 ? { buttons: buttons.slice(0, 2).map((button) => ({ title: button })) } : {}),
    });
  },
};

export const workerHttp: HttpPort = {
  post: async (url, body, { headers, timeoutMs }) => {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      // A redirect would carry the log to an address the user did not set: refused (an opaque redirect, status 0).
      redirect: 'manual',
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not read: only the status matters, and an unread body must not keep the connection busy.
    void response.body?.cancel().catch(ignore);
    return { status: response.type === 'opaqueredirect' ? 0 : response.status };
  },
};

export const chromePermissions: PermissionsPort = {
  contains: (origin) => chrome.permissions.contains({ origins: [origin] }),
  request: (origin) => chrome.permissions.request({ origins: [origin] }),
};

export const chromeContextMenu: ContextMenuPort = {
  install: (id, title) =>
    // removeAll first: an update keeps the entries of the version before, and a second create of the same id fails.
    new Promise<void>((done, fail) => {
      void chrome.contextMenus.removeAll().then(() => {
        chrome.contextMenus.create({ id, title, contexts: ['image'] }, () => {
          const error = chrome.runtime.lastError;
          if (error) fail(new Error(error.message ?? 'contextMenus.create failed'));
          else done();
        });
      }, fail);
    }),
};

export const extensionId = (): string => chrome.runtime.id;
/** True in the worker of an incognito window (`"incognito": "split"` gives incognito its own). */
export const inIncognito = (): boolean => chrome.extension?.inIncognitoContext === true;
export const extensionOrigin = (): string => new URL(chrome.runtime.getURL('/')).origin;

/** Rule ids for the Referer rules: a stable hash of the key, in a range no other rule of ours uses. */
function ruleId(key: string): number {
  let hash = 0;
  for (const char of key) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return 1_000_000 + (Math.abs(hash) % 1_000_000_000);
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const chromeReferer: RefererPort = {
  hold: async (key, url, referer) => {
    const id = ruleId(key);
    await chrome.declarativeNetRequest.updateSessionRules({
      removeRuleIds: [id],
      addRules: [
        {
          id,
          priority: 1,
          action: {
            type: chrome.declarativeNetRequest.RuleActionType.MODIFY_HEADERS,
            requestHeaders: [{ header: 'referer', operation: chrome.declarativeNetRequest.HeaderOperation.SET, value: referer }],
          },
          condition: {
            regexFilter: `^${escapeRegex(url)}$`,
            // Only requests made outside any tab: the worker's fetch and chrome.downloads, never a page's.
            tabIds: [chrome.tabs.TAB_ID_NONE],
          },
        },
      ],
    });
  },
  release: async (key) => {
    await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: [ruleId(key)] });
  },
};
