/**
 * "Save image with Semantest" in the context menu of any page's image: the same saga as a click on Google Images
 * (its own stream and correlation id, history, retries), with `strategy: 'context_menu'`.
 */
import { ImageCandidate } from '../domain/events.ts';
import { validateSourceUrl } from '../domain/urls.ts';
import type { ContextMenuClick } from '../platform/ports.ts';
import type { DownloadSaga, RequestResult } from './saga/index.ts';

export const CONTEXT_MENU_ID = 'semantest-save-image';
export const CONTEXT_MENU_TITLE = 'Save image with Semantest';

export interface ContextMenuDeps {
  saga: Pick<DownloadSaga, 'request'>;
  newId: () => string;
  /** Where a refusal is told in words (the worker's console). */
  warn: (message: string) => void;
}

export type ContextMenuOutcome = { ok: true; result: RequestResult } | { ok: false; reason: string };

const isWebPage = (url: string | undefined): url is string => url !== undefined && /^https?:\/\//i.test(url);

export async function handleContextMenuClick(click: ContextMenuClick, tabId: number | null, deps: ContextMenuDeps): Promise<ContextMenuOutcome> {
  if (click.menuItemId !== CONTEXT_MENU_ID) return { ok: false, reason: `Not a Semantest menu entry (${click.menuItemId}).` };
  const refuse = (reason: string): ContextMenuOutcome => {
    deps.warn(`Semantest: "${CONTEXT_MENU_TITLE}" refused: ${reason}`);
    return { ok: false, reason };
  };
  if (!click.srcUrl) return refuse('The browser gave no address for this image.');
  // Only http(s): a data:, blob: or file: image has no original on a server to check and save.
  const invalid = validateSourceUrl(click.srcUrl);
  if (invalid) return refuse(invalid);
  // The image's own document (a frame, if it is in one) is its source page: the Referer for hotlink protection.
  const sourcePage = isWebPage(click.frameUrl) ? click.frameUrl : isWebPage(click.pageUrl) ? click.pageUrl : undefined;
  const candidate = ImageCandidate.safeParse({
    imageUrl: click.srcUrl,
    strategy: 'context_menu',
    ...(sourcePage ? { sourcePageUrl: sourcePage } : {}),
    ...(isWebPage(click.pageUrl) ? { pageUrl: click.pageUrl } : {}),
  });
  if (!candidate.success) return refuse('The image address is too long to be an original on a server.');
  const result = await deps.saga.request(candidate.data, deps.newId(), tabId);
  return { ok: true, result };
}
