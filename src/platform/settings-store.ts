/**
 * Settings in storage.local, under one key, with the version of their shape. Reads are validated
 * (`migrateSettings`), writes are validated before anything is stored, and every context hears changes.
 */
import browser, { type Storage } from 'webextension-polyfill';
import { DEFAULT_SETTINGS, SETTINGS_VERSION, Settings, migrateSettings, type StoredSettings } from '../shared/settings.ts';

export const SETTINGS_KEY = 'settings';

export async function loadSettings(): Promise<Settings> {
  if (!browser.storage?.local) return DEFAULT_SETTINGS;
  const stored = await browser.storage.local.get(SETTINGS_KEY);
  return migrateSettings(stored[SETTINGS_KEY]);
}

/** Validates and stores; throws the zod error (with every field's reason) when `settings` is not valid. */
export async function saveSettings(settings: unknown): Promise<Settings> {
  const valid = Settings.parse(settings);
  const value: StoredSettings = { version: SETTINGS_VERSION, settings: valid };
  await browser.storage.local.set({ [SETTINGS_KEY]: value });
  return valid;
}

/** Calls `listener` with the new settings whenever any context saves them. Returns an unsubscribe. */
export function onSettingsChanged(listener: (settings: Settings) => void): () => void {
  const wrapped = (changes: Record<string, Storage.StorageChange>, area: string): void => {
    const change = changes[SETTINGS_KEY];
    if (area === 'local' && change) listener(migrateSettings(change.newValue));
  };
  browser.storage.onChanged.addListener(wrapped);
  return () => browser.storage.onChanged.removeListener(wrapped);
}
