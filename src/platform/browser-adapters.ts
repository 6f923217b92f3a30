/**
 * The ports of `ports.ts` on the browser's extension APIs, through webextension-polyfill (`browser.*`, promises in
 * Chrome and Firefox alike). What the two browsers do differently is not here: it is in `chrome/` and `firefox/`,
 * one of which the build picks as `#target` (docs/decisions/0050-firefox-from-the-same-source.md).
 */
import browser, { type Downloads } from 'webextension-polyfill';
import type { AlarmsPort, BadgePort, ContextMenuPort, DownloadItemView, DownloadsPort, HttpPort, PagesPort, PermissionsPort, RefererPort, TabsPort } from './ports.ts';

const ignore = (): void => undefined;

/** Chrome's items also carry `finalUrl` (the address after redirects); Firefox's do not, and then it is `url`. */
type DownloadItem = Downloads.DownloadItem & { finalUrl?: string };

export function toView(item: DownloadItem): DownloadItemView {
  return {
    id: item.id,
    url: item.url,
    finalUrl: item.finalUrl ?? item.url,
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

export const browserDownloads: DownloadsPort = {
  download: (options) => browser.downloads.download({ ...options, saveAs: false }),
  search: async (query) => (await browser.downloads.search(query)).map(toView),
  pause: (id) => browser.downloads.pause(id),
  resume: (id) => browser.downloads.resume(id),
  cancel: (id) => browser.downloads.cancel(id),
  removeFile: (id) => browser.downloads.removeFile(id),
  show: (id) => void browser.downloads.show(id),
};

export const browserAlarms: AlarmsPort = {
  wakeAt: async (name, when) => {
    await browser.alarms.create(name, { when });
  },
  clear: async (name) => {
    await browser.alarms.clear(name);
  },
};

export const browserTabs: TabsPort = {
  // The tab may be gone or on another page: a lost update is fine, the control asks again when it loads.
  send: (tabId, message) => void browser.tabs.sendMessage(tabId, message).catch(ignore),
};

export const browserPages: PagesPort = {
  broadcast: (message) => void browser.runtime.sendMessage(message).catch(ignore),
};

export const browserBadge: BadgePort = {
  show: async (text, color) => {
    await browser.action.setBadgeText({ text });
    if (text) await browser.action.setBadgeBackgroundColor({ color });
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

export const browserPermissions: PermissionsPort = {
  contains: (origin) => browser.permissions.contains({ origins: [origin] }),
  request: (origin) => browser.permissions.request({ origins: [origin] }),
};

export const browserContextMenu: ContextMenuPort = {
  install: (id, title) =>
    // removeAll first: an update keeps the entries of the version before, and a second create of the same id fails.
    new Promise<void>((done, fail) => {
      void browser.contextMenus.removeAll().then(() => {
        browser.contextMenus.create({ id, title, contexts: ['image'] }, () => {
          const error = browser.runtime.lastError;
          if (error) fail(new Error(error.message ?? 'contextMenus.create failed'));
          else done();
        });
      }, fail);
    }),
  setFolders: async (parentId, title, folders) => {
    // Removing the parent removes its entries; it may not exist yet.
    await browser.contextMenus.remove(parentId).catch(() => undefined);
    if (folders.length === 0) return;
    const create = (properties: Parameters<typeof browser.contextMenus.create>[0]): Promise<void> =>
      new Promise((done, fail) => {
        browser.contextMenus.create(properties, () => {
          const error = browser.runtime.lastError;
          if (error) fail(new Error(error.message ?? 'contextMenus.create failed'));
          else done();
        });
      });
    await create({ id: parentId, title, contexts: ['image'] });
    for (const [index, folder] of folders.entries()) await create({ id: `${parentId}:${index}`, parentId, title: folder, contexts: ['image'] });
  },
};

/**
 * The host access the manifest asks for (`host_permissions`). Firefox lets the user withhold it (at install, or later
 * in about:addons), and Chrome's site-access setting can too: then nothing can be saved until it is granted again.
 */
export const hostAccess = {
  origins: (): string[] => browser.runtime.getManifest().host_permissions ?? [],
  granted: (): Promise<boolean> => browser.permissions.contains({ origins: hostAccess.origins() }),
  /** Must run inside a user gesture (a click on an extension page). */
  request: (): Promise<boolean> => browser.permissions.request({ origins: hostAccess.origins() }),
};

export const extensionId = (): string => browser.runtime.id;
/** True in the worker of an incognito window (Chrome's `"incognito": "split"` gives incognito its own). */
export const inIncognito = (): boolean => browser.extension.inIncognitoContext === true;
export const extensionOrigin = (): string => new URL(browser.runtime.getURL('/')).origin;

/** Rule ids for the Referer rules: a stable hash of the key, in a range no other rule of ours uses. */
function ruleId(key: string): number {
  let hash = 0;
  for (const char of key) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return 1_000_000 + (Math.abs(hash) % 1_000_000_000);
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const browserReferer: RefererPort = {
  hold: async (key, url, referer) => {
    const id = ruleId(key);
    await browser.declarativeNetRequest.updateSessionRules({
      removeRuleIds: [id],
      addRules: [
        {
          id,
          priority: 1,
          action: { type: 'modifyHeaders', requestHeaders: [{ header: 'referer', operation: 'set', value: referer }] },
          condition: {
            regexFilter: `^${escapeRegex(url)}$`,
            // Only requests made outside any tab: the transfer's fetch and the downloads API, never a page's.
            tabIds: [browser.tabs.TAB_ID_NONE],
          },
        },
      ],
    });
  },
  release: async (key) => {
    await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: [ruleId(key)] });
  },
};
