/** What a download is found by: its file name and the words of its request, as the search compares them. */
import type { DownloadState } from './download.ts';

/** The saved file's base name, or the name it will get. */
export function fileNameOf(row: DownloadState): string {
  const path = row.filePath ?? row.filename ?? '';
  const name = path.split(/[\\/]/).pop();
  if (name) return name;
  try {
    return decodeURIComponent(new URL(row.request.imageUrl).pathname.split('/').pop() ?? '') || row.request.imageUrl;
  } catch {
    return row.request.imageUrl;
  }
}

/** Everything the text search looks in, lower-cased: file name, site, search query, title, image URL, source page. */
export function searchText(row: DownloadState): string {
  const { request } = row;
  return [fileNameOf(row), row.sourceHost, request.query ?? '', request.title ?? '', request.imageUrl, request.sourcePageUrl ?? ''].join('\n').toLowerCase();
}

/** The words of a search box's text: every one must appear in a download's text (in any field). */
export function searchWords(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

export const matchesWords = (text: string, words: readonly string[]): boolean => words.every((word) => text.includes(word));
