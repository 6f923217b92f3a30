/**
 * The last Google Images page's markup health (domain/page-health.ts) in chrome.storage.session: memory only,
 * kept across worker stops for the browser session, readable by the extension's pages and not by content scripts
 * (session storage's default access level). Written by the worker only.
 */
import { parsePageHealth, type PageHealthReport } from '../domain/page-health.ts';

const KEY = 'pageHealth';

export async function savePageHealth(report: PageHealthReport): Promise<void> {
  await chrome.storage.session.set({ [KEY]: report });
}

export async function readPageHealth(): Promise<PageHealthReport | null> {
  if (!globalThis.chrome?.storage?.session) return null;
  return parsePageHealth((await chrome.storage.session.get(KEY))[KEY]);
}

/** Calls `listener` with each new report. Returns an unsubscribe. */
export function onPageHealthChanged(listener: (report: PageHealthReport | null) => void): () => void {
  const wrapped = (changes: Record<string, chrome.storage.StorageChange>, area: string): void => {
    const change = changes[KEY];
    if (area === 'session' && change) listener(parsePageHealth(change.newValue));
  };
  chrome.storage.onChanged.addListener(wrapped);
  return () => chrome.storage.onChanged.removeListener(wrapped);
}
