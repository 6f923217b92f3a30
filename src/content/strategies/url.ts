/**
 * Small pure helpers for the addresses and numbers found in Google's markup and inline data.
 * Everything here returns null (never throws) on input it does not trust.
 */
import { t } from '../../platform/content-i18n.ts';

/** The schema's limits (see `ImageCandidate` in domain/events.ts). */
export const MAX_URL_LENGTH = 8192;
export const MAX_THUMBNAIL_LENGTH = 2_000_000;
export const MAX_TITLE_LENGTH = 2000;

// eslint-disable-next-line no-control-regex -- control characters are exactly what this must find
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * `value` as an absolute http(s) URL, or null. No base: a relative address, `//host/...`, `javascript:`,
 * `data:`, `file:`, `chrome:` and the like are all refused.
 */
export function toHttpUrl(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (!/^https?:\/\//i.test(trimmed) || CONTROL_CHARS.test(trimmed)) return null;
  try {
    const url = new URL(trimmed);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
    return url.href.length <= MAX_URL_LENGTH ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * `value` as the address of an ORIGINAL image, or null: an absolute http(s) URL that is not Google's own
 * thumbnail or static server (page data that names one as the original must not turn it into a silent thumbnail).
 */
export function toOriginalUrl(value: string | null | undefined): string | null {
  const url = toHttpUrl(value);
  return url === null || isGoogleThumbnail(url) || isGoogleStatic(url) || hasCredentials(url) ? null : url;
}

function hasCredentials(url: string): boolean {
  const parsed = new URL(url);
  return parsed.username !== '' || parsed.password !== '';
}

function isGoogleStatic(url: string): boolean {
  return /(^|\.)gstatic\.com$/i.test(new URL(url).hostname);
}

/** Why `value` is not usable as an original's address, for a problem message. */
export function describeBadUrl(value: string): string {
  const http = toHttpUrl(value);
  if (http !== null && (isGoogleThumbnail(http) || isGoogleStatic(http))) return t('cUrlThumbnail');
  if (http !== null && hasCredentials(http)) return t('cUrlCredentials');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value.trim());
  if (scheme?.[1] && !/^https?$/i.test(scheme[1])) return t('cUrlScheme', scheme[1].toLowerCase());
  if (value.trim() === '') return t('cUrlEmpty');
  if (value.length > MAX_URL_LENGTH) return t('cUrlLong');
  return t('cUrlRelative');
}

/** A thumbnail address we can hand to the UI: http(s) or an inline `data:image/...`. */
export function toThumbnailUrl(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (/^data:image\//i.test(trimmed)) return trimmed.length <= MAX_THUMBNAIL_LENGTH ? trimmed : null;
  return toHttpUrl(trimmed);
}

/** True for Google's own thumbnail server (`encrypted-tbn0.gstatic.com/images?q=tbn:...`). */
export function isGoogleThumbnail(url: string): boolean {
  return /^https?:\/\/encrypted-tbn\d*\.gstatic\.com\//i.test(url) || /[?&]q=tbn:/i.test(url);
}

/** True for google.TLD hosts: their links are Google's own navigation, never the image's source page. */
export function isGoogleHost(url: string): boolean {
  try {
    return /(^|\.)google\.[a-z.]+$/i.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * The key a thumbnail is matched by. Google's thumbnails are identified by their `tbn:` token (the page may add
 * `&usqp=CAU` or similar to the one in its data); any other thumbnail by its whole address.
 */
export function thumbnailKey(url: string): string {
  const token = /[?&]q=(tbn:[A-Za-z0-9_-]+)/.exec(url);
  return token?.[1] ?? url;
}

/** Decodes the escapes of a JSON / JavaScript string literal's body (`\u003d`, `\u0026`, `\/`, `\x3d`). */
export function decodeJsString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    const value: unknown = JSON.parse(`"${raw}"`);
    if (typeof value === 'string') return value;
  } catch {
    // Not strict JSON (e.g. `\x3d`, a raw newline): fall back to the escapes that matter in URLs.
  }
  return raw.replace(/\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([\s\S]))/g, (_match, u?: string, x?: string, other?: string) => {
    if (u) return String.fromCharCode(parseInt(u, 16));
    if (x) return String.fromCharCode(parseInt(x, 16));
    return other ?? '';
  });
}

/** A non-negative whole number of pixels from an attribute, JSON value or query parameter; else undefined. */
export function toPixels(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 1_000_000 ? value : undefined;
  if (typeof value !== 'string' || !/^\s*\d{1,7}\s*$/.test(value)) return undefined;
  const number = Number(value);
  return number <= 1_000_000 ? number : undefined;
}

/** A title: whitespace collapsed, empty = undefined, cut to the schema's limit. */
export function toTitle(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text.slice(0, MAX_TITLE_LENGTH);
}
