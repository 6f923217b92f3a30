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
/** The submenu of the recent folders: `<id>:<index>` saves into `recentFolders[index]`. */
export const FOLDERS_MENU_ID = 'semantest-save-in';
export const FOLDERS_MENU_TITLE = 'Save image with Semantest in';

export interface ContextMenuDeps {
  saga: Pick<DownloadSaga, 'request'>;
  newId: () => string;
  /** Where a refusal is told in words (the worker's console). */
  warn: (message: string) => void;
  /** The recent folders the submenu was made from (settings.recentFolders). */
  folders?: () => readonly string[];
}

export type ContextMenuOutcome = { ok: true; result: RequestResult } | { ok: false; reason: string };

const isWebPage = (url: string | undefined): url is string => url !== undefined && /^https?:\/\//i.test(url);

export async function handleContextMenuClick(click: ContextMenuClick, tabId: number | null, deps: ContextMenuDeps): Promise<ContextMenuOutcome> {
  const inFolder = new RegExp(`^${FOLDERS_MENU_ID}:(\\d{1,2})$`).exec(click.menuItemId);
  if (click.menuItemId !== CONTEXT_MENU_ID && !inFolder) return { ok: false, reason: `Not a Semantest menu entry (${click.menuItemId}).` };
  // A folder entry names a recent folder by its place: the folder itself comes from the settings, never the click.
  const folder = inFolder ? deps.folders?.()[Number(inFolder[1])] : undefined;
  const refuse = (reason: string): ContextMenuOutcome => {
    deps.warn(`Semantest: "${CONTEXT_MENU_TITLE}" refused: ${reason}`);
    return { ok: false, reason };
  };
  if (inFolder && folder === undefined) return refuse('That folder is no longer among the recent folders.');
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
  const result = await deps.saga.request(candidate.data, deps.newId(), tabId, folder !== undefined ? { folder } : {});
  return { ok: true, result };
}
