/**
 * Bigger originals: hosts that serve resized copies under addresses that say so, and the address of their full
 * size. Pure rules, one per host; the saga tries the bigger address first and keeps it only when it is an image,
 * the same picture and larger (docs/decisions/0046-bigger-originals.md).
 */

export const BIGGER_RULES = ['wikimedia', 'wordpress', 'pinterest', 'twitter', 'blogger', 'reddit'] as const;
export type BiggerRule = (typeof BIGGER_RULES)[number];

export interface BiggerAddress {
  rule: BiggerRule;
  url: string;
}

type Rule = (url: URL) => string | null;

/** Files whose Wikimedia thumbnail is a rendering (a PNG of an SVG, a JPEG of a PDF page): the original is no photo. */
const RENDERED = /\.(svg|pdf|djvu|tiff?|webm|ogv|stl)$/i;

const RULES: Record<BiggerRule, Rule> = {
  // upload.wikimedia.org/wikipedia/commons/thumb/a/a7/Name.jpg/320px-Name.jpg → /wikipedia/commons/a/a7/Name.jpg
  wikimedia: (url) => {
    if (url.hostname !== 'upload.wikimedia.org') return null;
    const match = /^(\/[^/]+\/[^/]+)\/thumb\/([0-9a-f]\/[0-9a-f]{2}\/[^/]+)\/(?:lossy-|lossless-)?(?:page\d+-)?\d+px-[^/]+$/.exec(url.pathname);
    if (!match || RENDERED.test(match[2] ?? '')) return null;
    return `${url.origin}${match[1]}/${match[2]}`;
  },
  // any.site/wp-content/uploads/2020/05/photo-1024x683.jpg → …/photo.jpg
  wordpress: (url) => {
    const match = /^(.*\/wp-content\/uploads\/.+?)-\d{2,5}x\d{2,5}(\.(?:jpe?g|png|gif|webp|avif))$/i.exec(url.pathname);
    return match ? `${url.origin}${match[1]}${match[2]}` : null;
  },
  // i.pinimg.com/736x/5b/1a/7e/name.jpg (and /236x/, /474x/, /564x/, /75x75_RS/) → /originals/5b/1a/7e/name.jpg
  pinterest: (url) => {
    if (!/(^|\.)pinimg\.com$/.test(url.hostname)) return null;
    const match = /^\/\d{2,4}x\d{0,4}(?:_RS)?(\/.+)$/.exec(url.pathname);
    return match ? `${url.origin}/originals${match[1]}` : null;
  },
  // pbs.twimg.com/media/ID?format=jpg&name=small, /media/ID.jpg:large → name=orig
  twitter: (url) => {
    if (url.hostname !== 'pbs.twimg.com' || !url.pathname.startsWith('/media/')) return null;
    if (url.searchParams.get('name') === 'orig') return null;
    const path = url.pathname.replace(/:(?:thumb|small|medium|large|orig)$/, '');
    const params = new URLSearchParams(url.search);
    params.set('name', 'orig');
    return `${url.origin}${path}?${params.toString()}`;
  },
  // blogger.googleusercontent.com/img/b/…/s320/photo.jpg, N.bp.blogspot.com/…/s1600/photo.jpg, …=w640-h480 → s0
  blogger: (url) => {
    if (url.hostname !== 'blogger.googleusercontent.com' && !/^\d+\.bp\.blogspot\.com$/.test(url.hostname)) return null;
    const segment = /^(.*\/)(?:s\d{1,5}(?:-[a-z0-9-]+)?|w\d{1,5}-h\d{1,5}(?:-[a-z0-9-]+)?)(\/[^/]+)$/i.exec(url.pathname);
    if (segment) return `${url.origin}${segment[1] ?? '/'}s0${segment[2] ?? ''}`;
    const suffix = /^(.*)=(?:s\d{1,5}|w\d{1,5}(?:-h\d{1,5})?)(?:-[a-z0-9-]+)?$/i.exec(url.pathname);
    return suffix ? `${url.origin}${suffix[1]}=s0` : null;
  },
  // preview.redd.it/abc123.jpg?width=640&…, preview.redd.it/some-title-v0-abc123.png?… → i.redd.it/abc123.jpg
  reddit: (url) => {
    if (url.hostname !== 'preview.redd.it') return null;
    const match = /^\/(?:[^/]*-v0-)?([a-z0-9]{5,20}\.(?:jpe?g|png|gif|webp))$/i.exec(url.pathname);
    return match ? `${url.protocol}//i.redd.it/${match[1]}` : null;
  },
};

/** The bigger address a rule gives for `imageUrl`, or null (no rule, or already the full size). */
export function biggerOriginal(imageUrl: string): BiggerAddress | null {
  let url: URL;
  try {
    url = new URL(imageUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  for (const rule of BIGGER_RULES) {
    const bigger = RULES[rule](url);
    if (bigger && bigger !== imageUrl) return { rule, url: bigger };
  }
  return null;
}

/**
 * Whether a candidate of `candidate` pixels is larger than Google's original (its size from Google's data). Without
 * Google's size nothing says the candidate is larger: Google's original is kept.
 */
export function isLargerThanGoogles(candidate: { width: number; height: number }, google: { width?: number | undefined; height?: number | undefined }): boolean {
  if (!google.width || !google.height) return false;
  return candidate.width * candidate.height > google.width * google.height && candidate.width >= google.width && candidate.height >= google.height;
}
