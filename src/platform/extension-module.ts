/**
 * Loads one of the extension's own ES modules into the calling script (the content script's code that is rarely
 * needed: bulk select, the old layouts' strategies, the worker's push parser). Our own loader, not a bundler
 * `import()`: Vite wraps those in a preload helper that would cost the content script more bytes up front than
 * the split saves (vitejs/vite#18551). The file must be web-accessible to the page (manifest.config.ts).
 */
export function importExtensionModule<T>(path: string): Promise<T> {
  return import(/* @vite-ignore */ chrome.runtime.getURL(path)) as Promise<T>;
}
