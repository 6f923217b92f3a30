/**
 * The candidates for an image's original on the page it is on (its "source page"): what the page declares as its
 * picture (`og:image`, `twitter:image`, `link rel=image_src`) and its large `<img>` (with `srcset`, `<picture>`
 * sources and the usual lazy-loading attributes). A service worker has no DOMParser, so the HTML is read by a small
 * scanner that knows only what it needs: tags and their attributes (quoted or not, with character references),
 * comments, and the elements whose text is not markup (`script`, `style`, `textarea`, `title`, `template`'s
 * contents are still markup). It never builds a tree and never runs anything. Pure: no I/O.
 */

export type SourceKind = 'og:image' | 'twitter:image' | 'image_src' | 'img';

export interface SourceCandidate {
  url: string;
  kind: SourceKind;
  /** Width the page declares for it (`og:image:width`, a `w` descriptor, a `width` attribute), if any. */
  declaredWidth?: number;
}

/** Tags past this many are not looked at (the finder reads at most 2 MB of a page: ≥ 20 bytes a tag). */
const MAX_TAGS = 100_000;
const MAX_URL_LENGTH = 8192;

/** Elements whose content is text, not markup: their end tag is searched for, nothing inside is read. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes character references in an attribute value (numeric ones and the few named ones URLs carry). */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,6}));?/g, (match, dec?: string, hex?: string, name?: string) => {
    const code = dec !== undefined ? Number(dec) : hex !== undefined ? parseInt(hex, 16) : undefined;
    if (code !== undefined) return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    return (name !== undefined && NAMED[name.toLowerCase()]) || match;
  });
}

export interface Tag {
  name: string;
  attributes: Map<string, string>;
}

/** The start tags of an HTML text, in order (names and attribute names lower-cased; the first of a repeated attribute wins). */
export function* startTags(html: string): Generator<Tag> {
  let at = 0;
  let count = 0;
  while (at < html.length && count < MAX_TAGS) {
    const open = html.indexOf('<', at);
    if (open < 0) return;
    if (html.startsWith('<!--', open)) {
      const close = html.indexOf('-->', open + 4);
      if (close < 0) return;
      at = close + 3;
      continue;
    }
    const nameMatch = /^<([a-zA-Z][a-zA-Z0-9:-]*)/.exec(html.slice(open, open + 64));
    if (!nameMatch || nameMatch[1] === undefined) {
      // A doctype, an end tag, `<!…>` or a stray `<`: skip to its end.
      at = open + 1;
      continue;
    }
    const name = nameMatch[1].toLowerCase();
    const { attributes, end } = readAttributes(html, open + nameMatch[0].length);
    count += 1;
    yield { name, attributes };
    at = end;
    if (RAW_TEXT.has(name)) {
      const end = new RegExp(`</${name}`, 'ig');
      end.lastIndex = at;
      const close = end.exec(html);
      if (!close) return;
      at = close.index;
    }
  }
}

/** The attributes of a start tag whose name ends at `at`, and where the tag ends. */
function readAttributes(html: string, at: number): { attributes: Map<string, string>; end: number } {
  const attributes = new Map<string, string>();
  let i = at;
  const length = html.length;
  while (i < length) {
    while (i < length && /[\s/]/.test(html[i] as string)) i += 1;
    if (i >= length) break;
    if (html[i] === '>') return { attributes, end: i + 1 };
    const nameStart = i;
    while (i < length && !/[\s/>=]/.test(html[i] as string)) i += 1;
    const attrName = html.slice(nameStart, i).toLowerCase();
    while (i < length && /\s/.test(html[i] as string)) i += 1;
    let value = '';
    if (html[i] === '=') {
      i += 1;
      while (i < length && /\s/.test(html[i] as string)) i += 1;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        const stop = close < 0 ? length : close;
        value = html.slice(i + 1, stop);
        i = stop + 1;
      } else {
        const valueStart = i;
        while (i < length && !/[\s>]/.test(html[i] as string)) i += 1;
        value = html.slice(valueStart, i);
      }
    }
    if (attrName && !attributes.has(attrName)) attributes.set(attrName, decodeEntities(value));
  }
  return { attributes, end: length };
}

/** A `srcset`'s candidates: URL and width (`w` descriptor, or `x` density times `baseWidth`) when known. */
export function parseSrcset(srcset: string, baseWidth?: number): Array<{ url: string; width?: number }> {
  const out: Array<{ url: string; width?: number }> = [];
  let i = 0;
  while (i < srcset.length) {
    while (i < srcset.length && /[\s,]/.test(srcset[i] as string)) i += 1;
    const start = i;
    while (i < srcset.length && !/\s/.test(srcset[i] as string)) i += 1;
    let url = srcset.slice(start, i);
    let descriptor = '';
    if (url.endsWith(',')) url = url.replace(/,+$/, '');
    else {
      const rest = srcset.indexOf(',', i);
      const stop = rest < 0 ? srcset.length : rest;
      descriptor = srcset.slice(i, stop).trim();
      i = stop + 1;
    }
    if (!url) continue;
    const w = /^(\d{1,6})w$/i.exec(descriptor);
    const x = /^(\d+(?:\.\d+)?)x$/i.exec(descriptor);
    const width = w?.[1] ? Number(w[1]) : x?.[1] && baseWidth ? Math.round(Number(x[1]) * baseWidth) : undefined;
    out.push(width === undefined ? { url } : { url, width });
  }
  return out;
}

function pixels(value: string | undefined): number | undefined {
  return value !== undefined && /^\s*\d{1,6}\s*(px)?\s*$/i.test(value) ? parseInt(value, 10) : undefined;
}

/** `value` resolved against `base` as an absolute http(s) URL without credentials, else null. */
function resolve(value: string | undefined, base: string): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > MAX_URL_LENGTH || /^(data|blob|javascript):/i.test(trimmed)) return null;
  try {
    const url = new URL(trimmed, base);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return null;
    return url.href;
  } catch {
    return null;
  }
}

const META_KINDS: Record<string, SourceKind> = {
  'og:image': 'og:image',
  'og:image:url': 'og:image',
  'og:image:secure_url': 'og:image',
  'twitter:image': 'twitter:image',
  'twitter:image:src': 'twitter:image',
};

/** Attributes lazy-loading scripts keep the real address in (the `src` is then a placeholder). */
const LAZY_SRC = ['data-src', 'data-lazy-src', 'data-original', 'data-orig-file', 'data-large-file'];
const LAZY_SRCSET = ['data-srcset', 'data-lazy-srcset'];

/**
 * The candidates of a source page, best first and each once: what the page declares as its picture, then its
 * images, largest declared first (unknown sizes after known ones, in page order). `pageUrl` is the address the
 * page was finally read from (after redirects): relative addresses resolve against it, or against `<base href>`.
 */
export function sourcePageCandidates(html: string, pageUrl: string): SourceCandidate[] {
  let base = pageUrl;
  let baseSeen = false;
  const declared: SourceCandidate[] = [];
  const images: Array<SourceCandidate & { order: number }> = [];
  let lastOg: SourceCandidate | undefined;
  const addImage = (value: string | undefined, width: number | undefined): void => {
    const url = resolve(value, base);
    if (url) images.push({ url, kind: 'img', ...(width ? { declaredWidth: width } : {}), order: images.length });
  };
  for (const { name, attributes } of startTags(html)) {
    if (name === 'base' && !baseSeen) {
      baseSeen = true;
      base = resolve(attributes.get('href'), pageUrl) ?? base;
    } else if (name === 'meta') {
      const key = (attributes.get('property') ?? attributes.get('name') ?? '').trim().toLowerCase();
      const kind = META_KINDS[key];
      if (kind) {
        const url = resolve(attributes.get('content'), base);
        if (url) declared.push((lastOg = { url, kind }));
      } else if (key === 'og:image:width' && lastOg) {
        const width = pixels(attributes.get('content'));
        if (width) lastOg.declaredWidth = width;
      }
    } else if (name === 'link' && /(^|\s)image_src(\s|$)/i.test(attributes.get('rel') ?? '')) {
      const url = resolve(attributes.get('href'), base);
      if (url) declared.push({ url, kind: 'image_src' });
    } else if (name === 'img' || name === 'source') {
      const width = pixels(attributes.get('width'));
      for (const attribute of ['srcset', ...LAZY_SRCSET]) {
        const set = attributes.get(attribute);
        if (set) for (const entry of parseSrcset(set, width)) addImage(entry.url, entry.width);
      }
      if (name === 'img') for (const attribute of [...LAZY_SRC, 'src']) addImage(attributes.get(attribute), width);
    }
  }
  images.sort((a, b) => (b.declaredWidth ?? -1) - (a.declaredWidth ?? -1) || a.order - b.order);
  const seen = new Set<string>();
  const out: SourceCandidate[] = [];
  for (const candidate of [...declared, ...images]) {
    if (seen.has(candidate.url)) continue;
    seen.add(candidate.url);
    out.push(candidate.declaredWidth ? { url: candidate.url, kind: candidate.kind, declaredWidth: candidate.declaredWidth } : { url: candidate.url, kind: candidate.kind });
  }
  return out;
}
