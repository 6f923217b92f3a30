/**
 * `t` for the content script: chrome.i18n only, without i18n.ts's fallback to the package's English. That fallback
 * works around an empty message bundle seen on extension pages (see messagesReady), never in a content script, and
 * costs every Google Images page ~400 bytes (issue 4's bundle budget). Falls back to the key (unit tests in Node).
 */
export function t(key: string, substitutions?: string | string[]): string {
  return globalThis.chrome?.i18n?.getMessage(key, substitutions) || key;
}
