/**
 * Settings in chrome.storage.local, under one key, with the version of their shape. Reads are validated
 * (`migrateSettings`), writes are validated before anything is stored, and every context hears changes.
 */
import { DEFAULT_SETTINGS, SETTINGS_VERSION, Settings, migrateSettings, type StoredSettings } from '../background/settings.ts';

export const SETTINGS_KEY = 'settings';

export async function loadSettings(): Promise<Settings> {
  if (!globalThis.chrome?.storage?.local) return DEFAULT_SETTINGS;
  const stored = await chrome.storage.local.get(SETTINGS_KEY);
  return migrateSettings(stored[SETTINGS_KEY]);
}

/** Validates and stores; throws the zod error (with every field's reason) when `settings` is not valid. */
export async function saveSettings(settings: unknown): Promise<Settings> {
  const valid = Settings.parse(settings);
  const value: StoredSettings = { version: SETTINGS_VERSION, settings: valid };
  await chrome.storage.local.set({ [SETTINGS_KEY]: value });
  return valid;
}

/**
 * Keeps content scripts away from chrome.storage.local (the settings steer data out: the outbox's address): only
 * the extension's pages and its worker may read or write it. Chromium keeps the level as an extension pref
 * (`storage_local_access_level`, extensions/browser/api/storage/storage_utils.cc, 2024); the worker sets it on
 * every start anyway. Verified in Chromium 156 (e2e test/e2e/hostile-privacy.spec.ts); an older Chromium that
 * supports it only for `session` refuses, and the worker logs that.
 */
export async function restrictSettingsToExtensionPages(): Promise<void> {
  await chrome.storage.local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });
}

/** Calls `listener` with the new settings whenever any context saves them. Returns an unsubscribe. */
export function onSettingsChanged(listener: (settings: Settings) => void): () => void {
  const wrapped = (changes: Record<string, chrome.storage.StorageChange>, area: string): void => {
    const change = changes[SETTINGS_KEY];
    if (area === 'local' && change) listener(migrateSettings(change.newValue));
  };
  chrome.storage.onChanged.addListener(wrapped);
  return () => chrome.storage.onChanged.removeListener(wrapped);
}
