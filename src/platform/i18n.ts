/**
 * Strings from public/_locales through chrome.i18n. Falls back to the key itself where chrome.i18n is missing
 * (unit tests in Node) or the key is unknown, so a missing string shows as its key, never as nothing.
 */
export function t(key: string, substitutions?: string | string[]): string {
  const i18n = globalThis.chrome?.i18n;
  if (!i18n) return key;
  const message = i18n.getMessage(key, substitutions);
  return message || key;
}
