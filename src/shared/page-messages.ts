/** Worker → extension pages, without zod (the popup's bytes): the downloads read model changed (an append, an import, a rebuild, a forget). */
export const DOWNLOADS_CHANGED = 'downloads.changed';

export interface DownloadsChangedMessage {
  type: typeof DOWNLOADS_CHANGED;
}
