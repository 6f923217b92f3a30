/**
 * The one safe-name rule (shared by the file-name builder and the path templates): names safe on every desktop OS and that `chrome.downloads` accepts as a relative path:
 * at most 255 bytes of UTF-8 per segment, none of `<>:"/\|?*` or control characters, not starting with `.` or
 * `~`, not ending with `.` or a space, no Windows reserved device name before the first dot.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must go
const FORBIDDEN = /[<>:"/\\|?*\u0000-\u001f\u007f-\u009f]/g;
export const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9]|conin\$|conout\$)$/i;
export const MAX_SEGMENT_BYTES = 255;
/** Room left in a 255-byte name for Chrome's ` (12)` when `conflictAction: 'uniquify'` renames. */
const UNIQUIFY_ROOM = 8;

const utf8 = new TextEncoder();
export const byteLength = (text: string): number => utf8.encode(text).length;

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character (or a surrogate pair). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = byteLength(char);
    if (used + size > maxBytes) break;
    out += char;
    used += size;
  }
  return out;
}

/** A safe base name (without extension) from anything; `fallback` when nothing usable is left. */
export function sanitizeBaseName(raw: string, fallback = 'image'): string {
  let name = raw.normalize('NFC').replace(FORBIDDEN, ' ').replace(/\s+/g, ' ').trim();
  name = name.replace(/^[.~\s]+/, '').replace(/[.\s]+$/, '');
  name = truncateUtf8(name, MAX_SEGMENT_BYTES - UNIQUIFY_ROOM - 16).replace(/[.\s]+$/, '');
  if (!name) return fallback;
  const stem = name.split('.')[0] ?? '';
  if (RESERVED.test(stem.trim())) name = `_${name}`;
  return name;
}

