/**
 * Where the content script runs. Match patterns cannot test a query string, so the manifest matches every
 * `/search` page of these hosts and `isGoogleImagesUrl` decides whether it shows image results.
 */
export const GOOGLE_SUFFIXES = [
  'com', 'co.uk', 'de', 'fr', 'es', 'it', 'nl', 'pl', 'se', 'ch', 'at', 'be', 'ca', 'com.au',
  'co.in', 'co.jp', 'co.kr', 'com.br', 'com.mx', 'com.tr', 'ru',
] as const;

const HOSTS: readonly string[] = [
  'images.google.com',
  ...GOOGLE_SUFFIXES.flatMap((suffix) => [`google.${suffix}`, `www.google.${suffix}`]),
];
const HOST_SET = new Set(HOSTS);

export const GOOGLE_IMAGES_MATCHES: string[] = /* @__PURE__ */ HOSTS.map((host) => `https://${host}/search*`);

/** True for a Google Images results page: `/search` with `tbm=isch` or `udm=2` on a known Google host. */
export function isGoogleImagesUrl(input: string | URL): boolean {
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : input;
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || !HOST_SET.has(url.hostname) || url.pathname !== '/search') return false;
  return url.searchParams.get('tbm') === 'isch' || url.searchParams.get('udm') === '2';
}
