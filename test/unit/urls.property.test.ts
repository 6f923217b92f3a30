/**
 * Property tests (fast-check) of the address checks: `validateSourceUrl` (src/domain/urls.ts, what the saga
 * accepts as an image's address) and `isGoogleImagesUrl` (src/shared/google-domains.ts, where the content script
 * acts and which content-script senders the worker listens to).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGoogleImagesUrl, GOOGLE_SUFFIXES } from '../../src/shared/google-domains.ts';
import { isGoogleThumbnailUrl, MAX_SOURCE_URL_LENGTH, validateSourceUrl } from '../../src/domain/urls.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);
// eslint-disable-next-line no-control-regex -- the property is about control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const FORBIDDEN_SCHEMES = ['javascript', 'file', 'chrome', 'chrome-extension', 'data', 'blob', 'about', 'vbscript', 'ftp', 'ws', 'wss', 'filesystem', 'view-source', 'intent', 'mailto'];

/** Upper/lower case mixed, the way filters are dodged. */
const mixedCase = (text: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }).map((flags) => [...text].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));

const controlChar = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f), fc.integer({ min: 0x80, max: 0x9f })).map((code) => String.fromCharCode(code));
const invisibleChar = fc.constantFrom('\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u2069', '\ufeff', '\u00ad', '\u2060');

/** Plain, valid web addresses without user info. */
const webUrl = fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true });

function insertAt(text: string, at: number, insert: string): string {
  const index = at % (text.length + 1);
  return text.slice(0, index) + insert + text.slice(index);
}

describe('validateSourceUrl', () => {
  it('never throws, and whatever it accepts is an absolute http(s) URL with a host, no credentials, no control characters, within the limit', () => {
    const anything = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      webUrl,
      fc.webUrl({ withQueryParameters: true, withFragments: true, authoritySettings: { withUserInfo: true, withIPv4: true, withIPv6: true, withPort: true } }),
      fc.tuple(webUrl, fc.nat(), fc.string({ unit: 'binary', maxLength: 8 })).map(([url, at, insert]) => insertAt(url, at, insert)),
    );
    fc.assert(
      fc.property(anything, fc.boolean(), (raw, allowDataImage) => {
        const verdict = validateSourceUrl(raw, { allowDataImage });
        expect(verdict === null || (typeof verdict === 'string' && verdict.length > 0)).toBe(true);
        if (verdict !== null) return;
        const url = new URL(raw);
        if (url.protocol === 'data:') {
          expect(allowDataImage).toBe(true);
          expect(raw).toMatch(/^data:image\//i);
          return;
        }
        expect(['http:', 'https:']).toContain(url.protocol);
        expect(url.hostname).not.toBe('');
        expect(url.username + url.password).toBe('');
        expect(CONTROL.test(raw)).toBe(false);
        expect(raw.length).toBeLessThanOrEqual(MAX_SOURCE_URL_LENGTH);
        expect(raw.trim()).toBe(raw);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts ordinary http(s) image addresses (IPv4, IPv6, ports, queries, fragments)', () => {
    const plain = fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true, authoritySettings: { withIPv4: true, withIPv6: true, withPort: true } });
    fc.assert(
      fc.property(plain, (raw) => {
        expect(validateSourceUrl(raw), raw).toBeNull();
      }),
      { numRuns: RUNS },
    );
    for (const ok of ['http://127.0.0.1:8080/a.jpg', 'https://[::1]/x.png', 'https://bücher.example/ä.jpg', 'https://xn--bcher-kva.example/a.jpg', 'https://example.org/a%20b.jpg?x=1#y']) {
      expect(validateSourceUrl(ok), ok).toBeNull();
    }
  });

  it('refuses every non-web scheme, in any case, with any body — data: too unless the thumbnail was chosen explicitly', () => {
    const schemed = fc
      .tuple(fc.constantFrom(...FORBIDDEN_SCHEMES), fc.oneof(fc.constantFrom('', '//', '///'), fc.constant('')), fc.string({ maxLength: 60 }))
      .chain(([scheme, slashes, body]) => mixedCase(scheme).map((cased) => `${cased}:${slashes}${body}`));
    fc.assert(
      fc.property(schemed, (raw) => {
        expect(validateSourceUrl(raw), raw).not.toBeNull();
        if (!/^data:image\//i.test(raw)) expect(validateSourceUrl(raw, { allowDataImage: true }), raw).not.toBeNull();
      }),
      { numRuns: RUNS },
    );
    for (const bad of [
      'javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'file:///etc/passwd', 'file://host/share/x.jpg', 'chrome://settings/', 'chrome-extension://abc/popup.html',
      'data:image/png;base64,AAAA', 'data:text/html,<script>alert(1)</script>', 'blob:https://example.org/uuid', 'about:blank',
    ]) {
      expect(validateSourceUrl(bad), bad).not.toBeNull();
    }
    expect(validateSourceUrl('data:image/png;base64,AAAA', { allowDataImage: true })).toBeNull();
    expect(validateSourceUrl('data:text/html;base64,AAAA', { allowDataImage: true })).not.toBeNull();
    expect(validateSourceUrl('data:image/svg+xml,<svg/>', { allowDataImage: false })).not.toBeNull();
  });

  it('refuses credentials in any form (decision: refuse, not strip)', () => {
    const withUser = fc
      .tuple(webUrl, fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/), fc.option(fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/)))
      .map(([url, user, pass]) => url.replace(/^(https?:\/\/)/, `$1${user}${pass === null ? '' : `:${pass}`}@`));
    fc.assert(
      fc.property(withUser, (raw) => {
        expect(validateSourceUrl(raw), raw).toMatch(/user name or password/);
      }),
      { numRuns: RUNS },
    );
    for (const bad of ['http://user:pass@host/x.jpg', 'https://user@host/x.jpg', 'https://:pass@host/x.jpg', 'https://@host/x.jpg', 'http://www.google.com@evil.example/x.jpg']) {
      expect(validateSourceUrl(bad), bad).toMatch(/user name or password/);
    }
  });

  it('refuses control and invisible characters anywhere, even where URL parsing would drop them (java\\tscript:)', () => {
    fc.assert(
      fc.property(webUrl, fc.nat(), fc.oneof(controlChar, invisibleChar), (url, at, char) => {
        const raw = insertAt(url, at, char);
        expect(validateSourceUrl(raw), JSON.stringify(raw)).not.toBeNull();
      }),
      { numRuns: RUNS },
    );
    for (const bad of ['java\tscript:alert(1)', 'https://example.org/a\n.jpg', '\u0000https://example.org/a.jpg', 'https://exa\u200bmple.org/a.jpg', 'https://example.org/\u202egpj.exe', ' https://example.org/a.jpg', 'https://example.org/a.jpg ']) {
      expect(validateSourceUrl(bad), JSON.stringify(bad)).not.toBeNull();
    }
  });

  it('refuses addresses longer than the schema allows, and takes them up to it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40_000 }), (length) => {
        const head = 'https://example.org/';
        const raw = `${head}${'a'.repeat(Math.max(0, length - head.length))}`;
        expect(validateSourceUrl(raw) === null).toBe(raw.length <= MAX_SOURCE_URL_LENGTH);
      }),
      { numRuns: 200 },
    );
    expect(validateSourceUrl(`https://example.org/${'a'.repeat(5_000_000)}`)).toMatch(/too long/);
  });

  it('refuses addresses without a usable host', () => {
    for (const bad of ['http://', 'https:///x.jpg', 'http:x.jpg', '//example.org/x.jpg', '/x.jpg', 'x.jpg', 'https://exa mple.org/', 'https://[::1/', 'http://%zz/']) {
      expect(validateSourceUrl(bad), bad).not.toBeNull();
    }
  });
});

describe('isGoogleThumbnailUrl', () => {
  it('knows Google\'s thumbnail hosts in any case, and nothing that merely looks like them', () => {
    for (const yes of ['https://encrypted-tbn0.gstatic.com/images?q=tbn:A', 'https://ENCRYPTED-TBN3.GSTATIC.COM/images?q=tbn:A', 'https://tbn1.gstatic.com/x', 'https://encrypted-tbn0.gstatic.com./x']) {
      expect(isGoogleThumbnailUrl(yes), yes).toBe(true);
    }
    for (const no of ['https://encrypted-tbn0.gstatic.com.evil.example/x', 'https://evil.example/encrypted-tbn0.gstatic.com/', 'https://example.org/?q=tbn:A', 'not a url', 'https://fonts.gstatic.com/x']) {
      expect(isGoogleThumbnailUrl(no), no).toBe(false);
    }
  });
});

describe('isGoogleImagesUrl against look-alike hosts', () => {
  const REAL = ['images.google.com', ...GOOGLE_SUFFIXES.flatMap((suffix) => [`google.${suffix}`, `www.google.${suffix}`])];
  /** Characters that look like the letters of "google" in other scripts (Cyrillic, Greek, Latin extensions, digits). */
  const LOOKALIKE: Record<string, string[]> = {
    g: ['ɡ', 'ǵ', 'ğ', 'ġ', '9', 'q'],
    o: ['о', 'ο', 'օ', '0', 'ö', 'ø', 'ọ', 'ᴏ'],
    l: ['1', 'I', 'ӏ', 'ł', 'ḷ', 'ⅼ'],
    e: ['е', 'ė', 'ę', 'ē', 'ё', '3'],
  };
  const lookalikeGoogle = fc
    .tuple(fc.constantFrom(...REAL), fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }))
    .map(([host, swaps]) => {
      const start = host.indexOf('google');
      const letters = [...host];
      for (const [at, pick] of swaps) {
        const index = start + (at % 6);
        const options = LOOKALIKE[letters[index] ?? ''] ?? [];
        if (options.length > 0) letters[index] = options[pick % options.length] ?? '';
      }
      return letters.join('');
    })
    .filter((host) => !REAL.includes(new URL(`https://${host}/`).hostname));

  it('the real hosts are Google Images on /search with tbm=isch or udm=2, over https only', () => {
    for (const host of REAL) {
      expect(isGoogleImagesUrl(`https://${host}/search?q=x&tbm=isch`), host).toBe(true);
      expect(isGoogleImagesUrl(`https://${host.toUpperCase()}/search?q=x&udm=2`), host).toBe(true);
      expect(isGoogleImagesUrl(`http://${host}/search?q=x&udm=2`), host).toBe(false);
      expect(isGoogleImagesUrl(`https://${host}/search?q=x`), host).toBe(false);
      expect(isGoogleImagesUrl(`https://${host}/imgres?tbm=isch`), host).toBe(false);
    }
  });

  it('a homograph of a Google host (punycode after WHATWG parsing) is never Google', () => {
    fc.assert(
      fc.property(lookalikeGoogle, (host) => {
        const parsed = new URL(`https://${host}/search?q=x&udm=2`);
        // WHATWG URL maps the host to ASCII: punycode (xn--) or, for compatibility characters (ⅼ), their NFKC form.
        expect(parsed.hostname).toMatch(/^[\x21-\x7e]+$/);
        expect(isGoogleImagesUrl(parsed.href), `${host} -> ${parsed.hostname}`).toBe(false);
        expect(isGoogleImagesUrl(`https://${host}/search?q=x&udm=2`), host).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('suffix, prefix, user-info, path and port tricks are not Google', () => {
    const tricky = fc.tuple(fc.constantFrom(...REAL), fc.domain()).chain(([real, evil]) =>
      fc.constantFrom(
        `https://${real}.${evil}/search?udm=2`,
        `https://${real}-${evil}/search?udm=2`,
        `https://${evil}/${real}/search?udm=2`,
        `https://${real}@${evil}/search?udm=2`,
        `https://${evil}/search?udm=2&host=${real}`,
        `https://${evil}#${real}/search?udm=2`,
        `https://x${real}/search?udm=2`,
        `https://${real.replace('google', 'goog1e')}/search?udm=2`,
        `https://${real.replace(/\./g, '-')}/search?udm=2`,
        `https://xn--${real}/search?udm=2`,
      ),
    );
    fc.assert(
      fc.property(tricky, (raw) => {
        let host: string;
        try {
          host = new URL(raw).hostname;
        } catch {
          return;
        }
        if (REAL.includes(host)) return; // fc.domain() made a real host by chance
        expect(isGoogleImagesUrl(raw), raw).toBe(false);
      }),
      { numRuns: RUNS },
    );
    for (const bad of ['https://www.google.com.evil.example/search?udm=2', 'https://www.google.co/search?udm=2', 'https://wwwgoogle.com/search?udm=2', 'https://www.google.cn/search?udm=2', 'https://www.google.com./search?udm=2', 'javascript:https://www.google.com/search?udm=2', 'not a url']) {
      expect(isGoogleImagesUrl(bad), bad).toBe(false);
    }
  });
});
