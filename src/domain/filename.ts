/**
 * File names that are safe on every desktop OS and that `chrome.downloads` accepts as a relative path:
 * at most 255 bytes of UTF-8 per segment, none of `<>:"/\|?*` or control characters, not starting with `.` or
 * `~`, not ending with `.` or a space, no Windows reserved device name before the first dot.
 */
import { MAX_SEGMENT_BYTES, RESERVED, byteLength, sanitizeBaseName, truncateUtf8 } from './safe-name.ts';
import { fillTemplate, folderFromTemplate } from './path-template.ts';

export { sanitizeBaseName, truncateUtf8 };

/** A safe folder path relative to the download folder (`Semantest`, `Semantest/cats`); '' for none. Tokens filled. */
export function sanitizeFolder(raw: string, values: Parameters<typeof folderFromTemplate>[1] = {}): string {
  return folderFromTemplate(raw, values);
}

/** The last path segment of a URL without its extension, decoded; '' when there is none. */
export function baseNameFromUrl(url: string): string {
  let path: string;
  try {
    const parsed = new URL(url);
    // A `data:` thumbnail's "path" is its bytes: no name there (the title names the file).
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return '';
    path = parsed.pathname;
  } catch {
    return '';
  }
  const last = path.split('/').filter(Boolean).pop() ?? '';
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // A malformed escape: keep the raw segment.
  }
  return decoded.replace(/\.[A-Za-z0-9]{1,5}$/, '');
}

export interface DownloadPathInput {
  imageUrl: string;
  title?: string | undefined;
  folder: string;
  extension: string;
  /** `{name}` (default), `{title}`, `{site}`, `{date}`, `{query}`, mixed with literal text: `{site}-{name}`. */
  pattern?: string | undefined;
  site?: string | undefined;
  /** The day to put in `{date}` (YYYY-MM-DD); the caller passes it in, the domain reads no clock. */
  date?: string | undefined;
  query?: string | undefined;
  /** The image's place in its batch, 1-based (`{index}`, `{index:03}`). */
  index?: number | undefined;
  width?: number | undefined;
  height?: number | undefined;
}

/** The name the image itself suggests: from its URL, or its title when the URL has no useful name. */
export function naturalBaseName(imageUrl: string, title: string | undefined): string {
  const fromUrl = baseNameFromUrl(imageUrl);
  // Google's thumbnail endpoint (`/images?q=tbn:…`) and the like name nothing: then the title is better.
  const useful = fromUrl && /[A-Za-z0-9\u00c0-\uffff]{2,}/.test(fromUrl) && !/^(images|imgres|search)$/i.test(fromUrl);
  return useful ? fromUrl : title || fromUrl;
}

/** The values of the template tokens for one image (each is made safe on its own when it is put in). */
function templateValues(input: Omit<DownloadPathInput, 'folder' | 'extension' | 'pattern'>) {
  return {
    name: naturalBaseName(input.imageUrl, input.title),
    title: input.title || naturalBaseName(input.imageUrl, undefined),
    site: input.site,
    date: input.date,
    query: input.query,
    index: input.index,
    width: input.width || undefined,
    height: input.height || undefined,
  };
}

/** Fills a file name pattern's tokens; unknown tokens stay as written (and are then sanitised like any text). */
export function applyFileNamePattern(pattern: string, input: Omit<DownloadPathInput, 'folder' | 'extension' | 'pattern'>): string {
  return fillTemplate(pattern, templateValues(input));
}

/**
 * The relative path to pass to `chrome.downloads.download`: the folder template filled, a name from the pattern
 * (by default the image's URL name, or its title when the URL has no useful name), and the real type's extension.
 */
export function buildDownloadPath(input: DownloadPathInput): string {
  const filled = applyFileNamePattern(input.pattern || '{name}', input);
  // A pattern whose tokens are all empty (`{query}` without a query) falls back to the image's own name.
  const base = sanitizeBaseName(filled.replace(/[-_\s.]+/g, '') ? filled : naturalBaseName(input.imageUrl, input.title));
  const extension = input.extension.replace(/[^a-z0-9]/gi, '').slice(0, 5) || 'img';
  const folder = folderFromTemplate(input.folder, templateValues(input));
  const file = `${base}.${extension}`;
  return folder ? `${folder}/${file}` : file;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what must not be there
const FORBIDDEN_ONE = /[<>:"/\\|?*\u0000-\u001f\u007f-\u009f]/;
const MAX_SEGMENTS = 16;

/**
 * Why `path` is not a file name this extension could have asked `chrome.downloads` for (folders, then a name with
 * an extension), by the same rules the sanitiser applies, or null when it is one. For names that come from
 * outside (an imported log): checked, never repaired.
 */
export function safePathProblem(path: string): string | null {
  if (typeof path !== 'string' || path === '') return 'the file name is empty';
  if (path.length > 1024) return 'the file name is longer than 1,024 characters';
  const segments = path.split('/');
  if (segments.length > MAX_SEGMENTS) return `the file name has more than ${MAX_SEGMENTS} folders`;
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') return 'the file name has an empty, "." or ".." folder';
    if (byteLength(segment) > MAX_SEGMENT_BYTES) return 'a part of the file name is longer than 255 bytes';
    if (FORBIDDEN_ONE.test(segment)) return 'the file name holds a control character or one of <>:"\\|?*';
    if (/^[.~\s]/.test(segment) || /[.\s]$/.test(segment)) return 'a part of the file name starts with ".", "~" or a space, or ends with "." or a space';
    if (RESERVED.test((segment.split('.')[0] ?? '').trim())) return `"${segment}" is a name Windows reserves`;
    if (segment.normalize('NFC') !== segment) return 'the file name is not in Unicode normal form C';
  }
  if (!/\.[A-Za-z0-9]{1,5}$/.test(segments[segments.length - 1] as string)) return 'the file name has no extension';
  return null;
}

/** The extension of a file name (after its last dot), lower case; '' when it has none. */
export function extensionOf(path: string): string {
  return /\.([A-Za-z0-9]{1,5})$/.exec(path)?.[1]?.toLowerCase() ?? '';
}
