/**
 * One stored setting, read without the zod schema, for the popup (whose bundle stays free of zod). The options
 * page and the worker read settings validated through settings-store.ts; here an unexpected value is ignored.
 */
export async function peekSetting(key: string): Promise<unknown> {
  if (!globalThis.chrome?.storage?.local) return undefined;
  const stored = (await chrome.storage.local.get('settings'))['settings'] as { settings?: Record<string, unknown> } | undefined;
  return stored?.settings?.[key];
}
