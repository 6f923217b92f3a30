/**
 * Firefox's side of what the browsers do differently (`#target` in the Firefox build), on webextension-polyfill's
 * `browser` (Firefox's own namespace: the polyfill hands it over unchanged).
 */
import browser from 'webextension-polyfill';
import type { PlatformTarget } from '../target.ts';
import { registerEventPageTransfer } from './event-page-transfer.ts';

export const target: PlatformTarget = {
  registerTransfers: registerEventPageTransfer,

  // Firefox has no storage.local.setAccessLevel: content scripts can read storage.local (README "Firefox").
  restrictSettingsToExtensionPages: async () => false,

  notifications: {
    // Firefox's notifications have no buttons and show no contextMessage: the one action is a click on the
    // notification, said in its text.
    show: async (id, { title, message, contextMessage, buttons }) => {
      const action = buttons?.[0];
      await browser.notifications.create(id, {
        type: 'basic',
        iconUrl: browser.runtime.getURL('icons/icon128.png'),
        title,
        message: [message, contextMessage, action ? `Click: ${action}.` : ''].filter(Boolean).join('\n'),
      });
    },
  },

  onNotificationAction: (listener) => browser.notifications.onClicked.addListener((notificationId) => listener(notificationId, 0)),

  downloadChanged: (delta, downloads, deliver) => {
    if (delta.state !== 'complete') return deliver(delta);
    // A finished item's fileSize was -1 until now and no delta says otherwise: read it (and the rest) back.
    downloads.search({ id: delta.id }).then(
      ([item]) =>
        deliver(item ? { ...delta, fileSize: item.fileSize, totalBytes: item.totalBytes, filename: item.filename, mime: item.mime, exists: item.exists, danger: item.danger } : delta),
      () => deliver(delta),
    );
  },
};
