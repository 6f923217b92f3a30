/**
 * What the worker needs from the browser, as small interfaces. `chrome-adapters.ts` implements them on
 * `chrome.*`; unit tests use the fakes in test/fakes/. Nothing outside src/platform touches `chrome.*`.
 */
export type DownloadStateName = 'in_progress' | 'interrupted' | 'complete';

export interface DownloadItemView {
  id: number;
  url: string;
  finalUrl: string;
  /** Absolute path Chrome writes to ('' until it is decided). */
  filename: string;
  state: DownloadStateName;
  error?: string;
  paused: boolean;
  canResume: boolean;
  bytesReceived: number;
  totalBytes: number;
  fileSize: number;
  mime: string;
  exists: boolean;
  danger: string;
  /** ISO time. */
  startTime: string;
  /** The extension that started the download, if one did: only our own are ever removed or changed. */
  byExtensionId?: string;
}

/**
 * What `onChanged` says changed (every field of the item but `bytesReceived`): an item seen by `onCreated` and
 * kept up to date with these is what `search` would return, without the round trip.
 */
export interface DownloadDelta {
  id: number;
  state?: DownloadStateName;
  error?: string;
  paused?: boolean;
  filename?: string;
  fileSize?: number;
  totalBytes?: number;
  mime?: string;
  exists?: boolean;
  canResume?: boolean;
  danger?: string;
  finalUrl?: string;
}

export interface DownloadOptions {
  url: string;
  filename: string;
  conflictAction: 'uniquify' | 'overwrite';
}

export interface DownloadsPort {
  download(options: DownloadOptions): Promise<number>;
  search(query: { id?: number; url?: string; startedAfter?: string; urlRegex?: string; /** The absolute path, exactly. */ filename?: string }): Promise<DownloadItemView[]>;
  pause(id: number): Promise<void>;
  resume(id: number): Promise<void>;
  cancel(id: number): Promise<void>;
  removeFile(id: number): Promise<void>;
  show(id: number): void;
}

export interface AlarmsPort {
  /** One wake-up at `when` (epoch ms), replacing any earlier one of the same name. */
  wakeAt(name: string, when: number): Promise<void>;
  clear(name: string): Promise<void>;
}

export interface TabsPort {
  send(tabId: number, message: unknown): void;
}

export interface PagesPort {
  /** Broadcast to open extension pages (popup, options); nobody listening is fine. */
  broadcast(message: unknown): void;
}

/**
 * Request-scoped Referer for hosts with hotlink protection: a declarativeNetRequest session rule that sets the
 * Referer on requests for exactly one URL made outside tabs (the worker's fetch and chrome.downloads).
 */
export interface RefererPort {
  /** Sets `referer` on requests for `url` until `release(key)`. */
  hold(key: string, url: string, referer: string): Promise<void>;
  release(key: string): Promise<void>;
}

/** The toolbar button's badge (one text for every tab). */
export interface BadgePort {
  /** `''` clears the badge. */
  show(text: string, color: string): Promise<void>;
}

export interface NotificationsPort {
  /**
   * A basic notification with the extension's icon; the same `id` replaces the earlier one (idempotent).
   * `buttons` (at most 2) come back through the worker's `notificationButtonClicked` listener by index.
   */
  show(id: string, notification: { title: string; message: string; contextMessage?: string; buttons?: string[] }): Promise<void>;
}

/** An HTTP answer as the outbox needs it: the status (0 for a redirect it refused to follow). */
export interface HttpAnswer {
  status: number;
}

/** The worker's outgoing POSTs (the integrations outbox). Rejects on a network error or a timeout. */
export interface HttpPort {
  post(url: string, body: string, options: { headers: Record<string, string>; timeoutMs: number }): Promise<HttpAnswer>;
}

/** Host permissions: whether the extension may reach an origin (`https://host/*`), and asking the user for it. */
export interface PermissionsPort {
  contains(originPattern: string): Promise<boolean>;
  /** Must run inside a user gesture (a click on an extension page). */
  request(originPattern: string): Promise<boolean>;
}

/** The "Save image with Semantest" entry in the page context menu, on images. */
export interface ContextMenuPort {
  /** (Re)creates the entry; called when the extension is installed or updated. */
  install(id: string, title: string): Promise<void>;
  /** (Re)creates the submenu `parentId` with one entry per folder (`<parentId>:<index>`); none: no submenu. */
  setFolders(parentId: string, title: string, folders: readonly string[]): Promise<void>;
}

/** What a click on our context-menu entry tells the worker (`chrome.contextMenus.OnClickData`, narrowed). */
export interface ContextMenuClick {
  menuItemId: string;
  srcUrl?: string;
  pageUrl?: string;
  frameUrl?: string;
  mediaType?: string;
}
