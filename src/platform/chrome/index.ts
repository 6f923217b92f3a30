/**
 * Chrome's side of what the browsers do differently (`#target` in the Chrome build). APIs only Chrome has — the
 * offscreen document, `runtime.getContexts`, `storage.local.setAccessLevel`, notification buttons — are not in
 * webextension-polyfill's types (Firefox's schemas): they are called on `chrome.*` here, and only here.
 */
import type { PlatformTarget } from '../target.ts';
import { registerOffscreenTransfer } from './offscreen-transfer.ts';

export const target: PlatformTarget = {
  registerTransfers: registerOffscreenTransfer,

  /**
   * Only the extension's pages and its worker may read or write chrome.storage.local. Chromium keeps the level as
   * an extension pref (`storage_local_access_level`, extensions/browser/api/storage/storage_utils.cc, 2024); the
   * worker sets it on every start anyway. Verified in Chromium 156 (e2e test/e2e/hostile-privacy.spec.ts); an older
   * Chromium that supports it only for `session` refuses, and the worker logs that.
   */
  restrictSettingsToExtensionPages: async () => {
    if (!chrome.storage.local.setAccessLevel) return false;
    await chrome.storage.local.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });
    return true;
  },

  notifications: {
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
  },

  onNotificationAction: (listener) => chrome.notifications.onButtonClicked.addListener(listener),

  downloadChanged: (delta, _downloads, deliver) => deliver(delta),
};
