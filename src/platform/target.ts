/**
 * What Chrome and Firefox do differently, as one interface. The build picks one implementation as `#target`
 * (vite.config.ts: `src/platform/chrome/index.ts` or `src/platform/firefox/index.ts`); nothing else in the source
 * asks which browser it runs in (docs/decisions/0050-firefox-from-the-same-source.md).
 */
import type { DownloadDelta, DownloadsPort, NotificationsPort } from './ports.ts';
import type { TransferPort } from './transfer-port.ts';

export interface PlatformTarget {
  /**
   * Where originals are fetched and held as Blobs: Chrome's offscreen document, Firefox's event page itself.
   * Called once, synchronously, first thing in the background script (a transfer fact may be what woke it).
   */
  registerTransfers(): TransferPort;
  /**
   * Keeps content scripts away from the settings (they steer data out: the outbox's address). Resolves to false
   * where the browser cannot (Firefox has no `storage.local.setAccessLevel`).
   */
  restrictSettingsToExtensionPages(): Promise<boolean>;
  /** Desktop notifications: Chrome's have buttons; Firefox's have none, and a click on one stands for its first. */
  notifications: NotificationsPort;
  /** A click on a notification's button `buttonIndex` (Firefox: on the notification, as button 0). */
  onNotificationAction(listener: (notificationId: string, buttonIndex: number) => void): void;
  /**
   * Hands on a download change as the saga needs it: every field that changed. Chrome's `onChanged` says so
   * itself; Firefox's names only endTime, state, paused, canResume, error and exists (ext-downloads.js,
   * DOWNLOAD_ITEM_CHANGE_FIELDS), so there a finished item's size, name and type are read back with `search`.
   */
  downloadChanged(delta: DownloadDelta, downloads: DownloadsPort, deliver: (delta: DownloadDelta) => void): void;
}
