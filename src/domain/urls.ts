/**
 * Which image addresses the saga accepts: absolute http(s), no credentials, a real host. A `data:image/…` address
 * only when the user explicitly chose Google's thumbnail because the original could not be found
 * (`allowDataImage`, set for `strategy: 'thumbnail'` only).
 */
export function validateSourceUrl(raw: string, options: { allowDataImage?: boolean } = {}): string | null {
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
  if (url.username || url.password) return 'The image address contains a user name or password; it is not saved for safety.';
  if (!url.hostname) return 'The image address has no host.';
  return null;
}
