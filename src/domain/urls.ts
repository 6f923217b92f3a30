/**
 * Which image addresses the saga accepts: absolute http(s), no credentials, a real host, no control or invisible
 * formatting characters, at most MAX_SOURCE_URL_LENGTH characters. A `data:image/…` address only when the user
 * explicitly chose Google's thumbnail because the original could not be found (`allowDataImage`, set for
 * `strategy: 'thumbnail'` only).
 *
 * Decisions (see the README's "Reliability and security"):
 * - Credentials (`http://user:pass@host/`) are REFUSED, not stripped: a page that hands us a URL with a password
 *   in it is either leaking one or trying to make us send one; saving "the same image without the password" would
 *   be guessing what the page meant.
 * - Control characters (C0, DEL, C1) and invisible formatting characters (zero-width, bidi overrides, BOM) are
 *   refused anywhere in the address, even where WHATWG URL parsing would silently drop them (`java\tscript:`):
 *   they only ever serve to make an address look like something else.
 * - Leading/trailing spaces are refused too (the content script sends normalised `URL.href`s; anything else is
 *   not ours).
 * - Host names go through WHATWG URL (IDN → punycode); nothing here decides whether a host is Google's.
 */

/** The schema's limit for an original's address (`ImageCandidate.imageUrl`). */
export const MAX_SOURCE_URL_LENGTH = 8192;
/** The schema's limit for a thumbnail, which may be an inline `data:image/…`. */
export const MAX_DATA_IMAGE_LENGTH = 2_000_000;

// eslint-disable-next-line no-control-regex -- control characters are exactly what this must find
const CONTROL_OR_INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0]/;

export function validateSourceUrl(raw: string, options: { allowDataImage?: boolean } = {}): string | null {
  if (typeof raw !== 'string' || raw === '') return 'The image address is empty.';
  const isData = /^data:/i.test(raw);
  if (raw.length > (isData && options.allowDataImage ? MAX_DATA_IMAGE_LENGTH : MAX_SOURCE_URL_LENGTH)) return 'The image address is too long.';
  if (CONTROL_OR_INVISIBLE.test(raw)) return 'The image address contains control or invisible characters; it is not saved for safety.';
  if (raw.trim() !== raw) return 'The image address starts or ends with spaces.';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'The image address is not a valid web address.';
  }
  if (url.protocol === 'data:' && options.allowDataImage) {
    return /^data:image\/[a-z0-9.+-]+[;,]/i.test(raw) ? null : 'Only an image can be saved from a data: address.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Only web images can be saved (not ${url.protocol} addresses).`;
  // WHATWG parsing forgives `http:x.jpg`, `https:///x.jpg` and `http:\\x.jpg` (all become http(s)://x.jpg/).
  if (!/^https?:\/\/[^/\\]/i.test(raw)) return 'The image address is not an absolute http(s) address.';
  if (url.username || url.password || /^[a-z]+:\/*[^/?#]*@/i.test(raw)) return 'The image address contains a user name or password; it is not saved for safety.';
  if (!url.hostname) return 'The image address has no host.';
  if (url.href.length > MAX_SOURCE_URL_LENGTH) return 'The image address is too long.';
  return null;
}

/**
 * True for Google's own thumbnail server (`encrypted-tbn0.gstatic.com`, `tbn0.gstatic.com`): an address there is a
 * thumbnail, never an original. Host-based, after WHATWG parsing (so `ENCRYPTED-TBN0.GSTATIC.COM.` and
 * percent-tricks do not escape it, and `gstatic.com.evil.example` is not taken for it).
 */
export function isGoogleThumbnailUrl(raw: string): boolean {
  try {
    const host = new URL(raw).hostname.replace(/\.$/, '');
    return /^(encrypted-)?tbn\d*\.gstatic\.com$/i.test(host);
  } catch {
    return false;
  }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why `url` may not receive the event log, or null when it may: https anywhere, plain http only to this machine
 * (the log holds the user's browsing, it must not cross a network in the clear), no user name or password in the
 * address (it would sit in the settings in plain text), and nothing but http(s).
 */
export function outboxUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'This is not a web address.';
  }
  if (parsed.username || parsed.password) return 'The address must not hold a user name or password.';
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:') return LOCAL_HOSTS.has(parsed.hostname) ? null : 'Plain http is only allowed to this computer (localhost, 127.0.0.1); use https.';
  return 'Only https addresses (or http to localhost) can receive events.';
}
