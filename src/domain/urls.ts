/** Which image addresses the saga accepts: absolute http(s), no credentials, a real host. */
export function validateSourceUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'The image address is not a valid web address.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Only web images can be saved (not ${url.protocol} addresses).`;
  if (url.username || url.password) return 'The image address contains a user name or password; it is not saved for safety.';
  if (!url.hostname) return 'The image address has no host.';
  return null;
}
