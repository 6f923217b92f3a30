/**
 * Strings from public/_locales through chrome.i18n. Falls back to the key itself where chrome.i18n is missing
 * (unit tests in Node) or the key is unknown, so a missing string shows as its key, never as nothing.
 */
type MessageTable = Record<string, { message: string } | undefined>;

/** English read from the package, used only when chrome.i18n answers nothing (see messagesReady). */
let fallback: MessageTable | undefined;

/** A key every build has: if chrome.i18n answers '' for it, it is answering '' for every key. */
const PROBE_KEY = 'cLabel';

export function t(key: string, substitutions?: string | string[]): string {
  const i18n = globalThis.chrome?.i18n;
  if (!i18n) return key;
  const message = i18n.getMessage(key, substitutions);
  if (message) return message;
  const english = fallback?.[key]?.message;
  return english === undefined ? key : substitute(english, substitutions);
}

/** Chrome's own rule for messages without named placeholders: `$1`…`$9` are the substitutions, `$$` is `$`. */
export function substitute(message: string, substitutions?: string | string[]): string {
  const values = substitutions === undefined ? [] : Array.isArray(substitutions) ? substitutions : [substitutions];
  return message.replace(/\$(\$|[1-9])/g, (_, which: string) => (which === '$' ? '$' : (values[Number(which) - 1] ?? '')));
}

/**
 * Resolves once t() can answer in words. Chromium's extension pages now and then get an empty message bundle
 * (getMessage answers '' for every key: seen in our CI on the options page, in 1 of ~4 full runs, no bug on
 * record we could find); then the package's English is read once, so the page never shows keys. Costs one
 * getMessage call when the bundle is there.
 */
export async function messagesReady(): Promise<void> {
  const chromeApi = globalThis.chrome;
  if (!chromeApi?.i18n || fallback || chromeApi.i18n.getMessage(PROBE_KEY)) return;
  try {
    // Relative to the page: only extension pages call this, and their origin is the extension's.
    const response = await fetch('/_locales/en/messages.json');
    fallback = (await response.json()) as MessageTable;
  } catch {
    // Keys it is, then: still words a reader can act on, and never a blank page.
  }
}
