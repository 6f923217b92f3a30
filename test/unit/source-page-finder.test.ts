/**
 * The worker's source-page finder (background/source-page-finder.ts) over a fake web: pages and images served by
 * a fake `fetch`, pictures "decoded" by a fake fingerprinter that reads what each fake image says it is (a
 * picture's seed and size). The pixel comparison itself is domain/perceptual-hash.ts's (source-page.test.ts);
 * decoding in a real worker is end-to-end (real-pages-basic.spec.ts).
 */
import { describe, expect, it } from 'vitest';
import { findOnSourcePage, SourcePageResolver, DEFAULT_SOURCE_PAGE_LIMITS, type SourcePageDeps } from '../../src/background/source-page-finder.ts';
import { fingerprint, FINGERPRINT_SIZE, type Fingerprint } from '../../src/domain/perceptual-hash.ts';
import { handleMessage, type MessageContext } from '../../src/background/messages.ts';
import type { PageHealthReport } from '../../src/domain/page-health.ts';

/** A PNG's signature and IHDR chunk declaring `width` × `height` (what a header check reads; no pixels follow). */
function pngHead(width: number, height: number): number[] {
  const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...be32(13), 0x49, 0x48, 0x44, 0x52, ...be32(width), ...be32(height), 8, 2, 0, 0, 0, 0, 0, 0, 0];
}
const HEAD_LENGTH = pngHead(1, 1).length;

/** A fake image: a PNG header of its size, then `seed WxH` (what the fake decoder reads back). */
function image(seed: number, width: number, height: number): Uint8Array {
  return new Uint8Array([...pngHead(width, height), ...new TextEncoder().encode(`${seed} ${width}x${height}`)]);
}

/** Pixels of picture `seed` (stripes whose order depends on the seed): same seed, same picture. */
function pixels(seed: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(FINGERPRINT_SIZE * FINGERPRINT_SIZE * 4);
  for (let y = 0; y < FINGERPRINT_SIZE; y += 1) {
    for (let x = 0; x < FINGERPRINT_SIZE; x += 1) {
      const i = (y * FINGERPRINT_SIZE + x) * 4;
      const value = (Math.sin((x * (seed % 7 + 1)) / 9 + seed) * 0.5 + Math.cos((y * ((seed * 3) % 5 + 1)) / 7) * 0.5) * 100 + 128;
      out.fill(value, i, i + 3);
      out[i + 3] = 255;
    }
  }
  return out;
}

async function fakeFingerprint(blob: Blob): Promise<Fingerprint> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const match = /^(\d+) (\d+)x(\d+)$/.exec(new TextDecoder().decode(bytes.subarray(HEAD_LENGTH)));
  if (!match) throw new Error('not decodable');
  return fingerprint(pixels(Number(match[1])), FINGERPRINT_SIZE, Number(match[2]), Number(match[3]));
}

interface Served {
  status?: number;
  type?: string;
  body: string | Uint8Array;
}

function web(routes: Record<string, Served>) {
  const requests: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    requests.push({ url, init });
    const served = routes[url];
    if (!served) throw new TypeError('Failed to fetch');
    const response = new Response(served.body as BodyInit, { status: served.status ?? 200, headers: { 'content-type': served.type ?? 'image/jpeg' } });
    Object.defineProperty(response, 'url', { value: url });
    return response;
  }) as typeof globalThis.fetch;
  let clock = 0;
  const deps: SourcePageDeps = { fetch, fingerprint: fakeFingerprint, now: () => clock };
  return { deps, requests, advance: (ms: number) => (clock += ms) };
}

const PAGE = 'https://www.example.org/dogs/rex.html';
const THUMB = 'https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcRex&s';
const html = (body: string): Served => ({ type: 'text/html; charset=utf-8', body: `<!doctype html><html><head>${body}</head></html>` });

describe('finding the original on the source page', () => {
  it('keeps og:image when it is the thumbnail’s picture, larger; reads everything without credentials', async () => {
    const { deps, requests } = web({
      [THUMB]: { body: image(5, 225, 150) },
      [PAGE]: html('<meta property="og:image" content="/img/rex-full.jpg">'),
      'https://www.example.org/img/rex-full.jpg': { body: image(5, 1800, 1200) },
    });
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, deps)).toMatchObject({
      found: true, imageUrl: 'https://www.example.org/img/rex-full.jpg', width: 1800, height: 1200, kind: 'og:image', checked: 1,
    });
    expect(requests.map((request) => request.init?.credentials)).toEqual(['omit', 'omit', 'omit']);
    expect(requests.every((request) => request.init?.referrerPolicy === 'no-referrer')).toBe(true);
  });

  it('keeps the largest of the same picture when several candidates are, and passes over other pictures', async () => {
    const { deps } = web({
      [THUMB]: { body: image(5, 225, 150) },
      [PAGE]: { type: 'text/html', body: '<img src="/other.jpg" width="3000"><img srcset="/rex-900.jpg 900w, /rex-2400.jpg 2400w">' },
      'https://www.example.org/other.jpg': { body: image(9, 3000, 2000) },
      'https://www.example.org/rex-2400.jpg': { body: image(5, 2400, 1600) },
      'https://www.example.org/rex-900.jpg': { body: image(5, 900, 600) },
    });
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, deps)).toMatchObject({ found: true, imageUrl: 'https://www.example.org/rex-2400.jpg', width: 2400, checked: 3 });
  });

  it('says why in words when nothing there is the picture, or only at the thumbnail’s size', async () => {
    const other = web({
      [THUMB]: { body: image(5, 225, 150) },
      [PAGE]: html('<meta property="og:image" content="https://cdn.example.org/logo.jpg">'),
      'https://cdn.example.org/logo.jpg': { body: image(8, 1200, 800) },
    });
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, other.deps)).toEqual({ found: false, reason: 'No image on its page (www.example.org) is this picture (1 image checked).', checked: 1 });
    const small = web({
      [THUMB]: { body: image(5, 225, 150) },
      [PAGE]: html('<meta property="og:image" content="/rex-small.jpg">'),
      'https://www.example.org/rex-small.jpg': { body: image(5, 200, 133) },
    });
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, small.deps)).toMatchObject({ found: false, reason: expect.stringMatching(/only at Google’s thumbnail size or smaller/) });
  });

  it('does not take a web page, an undecodable file or an oversized one for an image', async () => {
    const { deps } = web({
      [THUMB]: { body: image(5, 225, 150) },
      [PAGE]: { type: 'text/html', body: '<img src="/a.jpg" width="900"><img src="/b.jpg" width="800"><img src="/c.jpg" width="700"><img src="/d.jpg" width="600">' },
      'https://www.example.org/a.jpg': { type: 'text/html', body: '<!doctype html><title>Blocked</title>' },
      'https://www.example.org/b.jpg': { body: new Uint8Array([...pngHead(700, 500), 1, 2, 3]) },
      'https://www.example.org/c.jpg': { body: new Uint8Array(DEFAULT_SOURCE_PAGE_LIMITS.imageBytes + 10).fill(0xff) },
      'https://www.example.org/d.jpg': { body: image(5, 600, 400) },
    });
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, deps)).toMatchObject({ found: true, imageUrl: 'https://www.example.org/d.jpg', checked: 4 });
  });

  it('never decodes an image whose header declares more pixels than the limit, however small the file', async () => {
    const decoded: number[] = [];
    const { deps } = web({
      [THUMB]: { body: image(5, 225, 150) },
      [PAGE]: html('<meta property="og:image" content="/bomb.png"><img src="/rex.jpg" width="600">'),
      'https://www.example.org/bomb.png': { body: image(5, 30_000, 20_000) },
      'https://www.example.org/rex.jpg': { body: image(5, 600, 400) },
    });
    const fingerprint = deps.fingerprint;
    deps.fingerprint = async (blob) => {
      decoded.push(blob.size);
      return fingerprint(blob);
    };
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, deps)).toMatchObject({ found: true, imageUrl: 'https://www.example.org/rex.jpg', checked: 2 });
    expect(decoded).toHaveLength(2);
  });

  it('reads at most the limits: a few candidates, bounded page bytes, bounded time', async () => {
    const many = Array.from({ length: 10 }, (_, i) => `<img src="/x${i}.jpg" width="${2000 - i}">`).join('');
    const { deps, requests } = web({ [THUMB]: { body: image(5, 225, 150) }, [PAGE]: { type: 'text/html', body: many } });
    const answer = await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, deps);
    expect(answer).toMatchObject({ found: false, checked: DEFAULT_SOURCE_PAGE_LIMITS.candidates });
    expect(requests).toHaveLength(2 + DEFAULT_SOURCE_PAGE_LIMITS.candidates);
    // Past the page's byte limit nothing is read: an og:image after it is not seen.
    const late = web({ [THUMB]: { body: image(5, 225, 150) }, [PAGE]: { type: 'text/html', body: `${' '.repeat(100)}<meta property="og:image" content="/late.jpg">` }, 'https://www.example.org/late.jpg': { body: image(5, 900, 600) } });
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, late.deps, { ...DEFAULT_SOURCE_PAGE_LIMITS, pageBytes: 64 })).toMatchObject({ found: false, reason: expect.stringMatching(/shows no image/) });
    // Out of time: no candidate is read after the deadline.
    const slow = web({ [THUMB]: { body: image(5, 225, 150) }, [PAGE]: html('<meta property="og:image" content="/a.jpg">'), 'https://www.example.org/a.jpg': { body: image(5, 900, 600) } });
    const fingerprintSlowly = slow.deps.fingerprint;
    slow.deps.fingerprint = async (blob) => {
      slow.advance(DEFAULT_SOURCE_PAGE_LIMITS.totalMs);
      return fingerprintSlowly(blob);
    };
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }, slow.deps)).toMatchObject({ found: false, checked: 0 });
  });

  it('says what went wrong with the page or the thumbnail, and never throws', async () => {
    const cases: Array<[Record<string, Served>, string, string, RegExp]> = [
      [{ [THUMB]: { body: image(5, 225, 150) }, [PAGE]: { status: 404, type: 'text/html', body: 'gone' } }, PAGE, THUMB, /could not be read: HTTP 404/],
      [{ [THUMB]: { body: image(5, 225, 150) } }, PAGE, THUMB, /could not be read: it could not be reached/],
      [{ [THUMB]: { body: image(5, 225, 150) }, [PAGE]: { type: 'application/pdf', body: '%PDF' } }, PAGE, THUMB, /is not a web page/],
      [{ [THUMB]: { body: image(5, 225, 150) }, [PAGE]: html('<title>no pictures</title>') }, PAGE, THUMB, /shows no image/],
      [{ [PAGE]: html('') }, PAGE, THUMB, /thumbnail could not be read/],
      [{}, 'javascript:alert(1)', THUMB, /cannot be read: Only web images/],
      [{}, 'https://user:pw@www.example.org/', THUMB, /user name or password/],
      [{}, PAGE, 'file:///etc/passwd', /no thumbnail/],
    ];
    for (const [routes, sourcePageUrl, thumbnailUrl, reason] of cases) {
      const answer = await findOnSourcePage({ sourcePageUrl, thumbnailUrl }, web(routes).deps);
      expect(answer.found).toBe(false);
      expect(answer.found ? '' : answer.reason).toMatch(reason);
    }
  });

  it('compares with an inline data: thumbnail too', async () => {
    const data = `data:image/jpeg;base64,${btoa(String.fromCharCode(...image(5, 225, 150)))}`;
    const { deps } = web({ [PAGE]: html('<meta property="og:image" content="/rex.jpg">'), 'https://www.example.org/rex.jpg': { body: image(5, 900, 600) } });
    deps.fetch = ((original) => (async (input: RequestInfo | URL, init?: RequestInit) => (String(input).startsWith('data:') ? globalThis.fetch(input, init) : original(input, init))) as typeof fetch)(deps.fetch);
    expect(await findOnSourcePage({ sourcePageUrl: PAGE, thumbnailUrl: data }, deps)).toMatchObject({ found: true, imageUrl: 'https://www.example.org/rex.jpg' });
  });
});

describe('the resolver the worker keeps', () => {
  it('answers the same question once, and runs at most two searches at a time', async () => {
    const { deps, requests } = web({ [THUMB]: { body: image(5, 225, 150) }, [PAGE]: html('<meta property="og:image" content="/rex.jpg">'), 'https://www.example.org/rex.jpg': { body: image(5, 900, 600) } });
    let running = 0;
    let most = 0;
    const fetch = deps.fetch;
    deps.fetch = (async (input, init) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await fetch(input, init);
      } finally {
        running -= 1;
      }
    }) as typeof globalThis.fetch;
    const resolver = new SourcePageResolver(deps);
    const same = await Promise.all([resolver.resolve({ sourcePageUrl: PAGE, thumbnailUrl: THUMB }), resolver.resolve({ sourcePageUrl: PAGE, thumbnailUrl: THUMB })]);
    expect(same.map((answer) => answer.found)).toEqual([true, true]);
    expect(requests).toHaveLength(3);
    await Promise.all(Array.from({ length: 6 }, (_, i) => resolver.resolve({ sourcePageUrl: `${PAGE}?${i}`, thumbnailUrl: THUMB })));
    expect(most).toBeLessThanOrEqual(2);
    // A search that found nothing is asked again next time (the page may be readable then).
    const before = requests.length;
    await resolver.resolve({ sourcePageUrl: `${PAGE}?0`, thumbnailUrl: THUMB });
    expect(requests.length).toBeGreaterThan(before);
  });
});

describe('the messages', () => {
  const ID = 'abcdefghijklmnopabcdefghijklmnop';
  const google = { id: ID, url: 'https://www.google.com/search?q=dogs&tbm=isch', tabId: 1, frameId: 0, fromContentScript: true };
  const reports: PageHealthReport[] = [];
  const ctx = {
    extensionId: ID,
    extensionOrigin: `chrome-extension://${ID}`,
    newId: () => crypto.randomUUID(),
    sourcePages: { resolve: async ({ sourcePageUrl }: { sourcePageUrl: string }) => (sourcePageUrl === PAGE ? { found: true as const, imageUrl: 'https://www.example.org/rex.jpg', width: 900, height: 600, kind: 'og:image' as const, distance: 3, checked: 1 } : { found: false as const, reason: 'No.', checked: 0 }) },
    pageHealth: { report: async (report: PageHealthReport) => void reports.push(report), now: () => 1234 },
  } as unknown as MessageContext;

  it('lets a Google Images page ask for a source page’s original, and answers in words when there is none', async () => {
    expect(await handleMessage({ type: 'source.resolve', sourcePageUrl: PAGE, thumbnailUrl: THUMB }, google, ctx)).toEqual({ ok: true, original: { imageUrl: 'https://www.example.org/rex.jpg', width: 900, height: 600 } });
    expect(await handleMessage({ type: 'source.resolve', sourcePageUrl: 'https://x.example/', thumbnailUrl: THUMB }, google, ctx)).toEqual({ ok: true, reason: 'No.' });
    expect(await handleMessage({ type: 'source.resolve', sourcePageUrl: 42, thumbnailUrl: THUMB }, google, ctx)).toMatchObject({ ok: false });
    expect(await handleMessage({ type: 'source.resolve', sourcePageUrl: PAGE, thumbnailUrl: THUMB }, { ...google, url: 'https://evil.example/search?tbm=isch' }, ctx)).toMatchObject({ ok: false });
  });

  it('keeps a page’s markup health with the state decided from the counts, and only the host of its address', async () => {
    expect(await handleMessage({ type: 'page.health', results: 200, originals: 0, basic: 0, state: 'ok' }, google, ctx)).toEqual({ ok: true });
    expect(reports.at(-1)).toEqual({ results: 200, originals: 0, basic: 0, state: 'page_changed', host: 'www.google.com', at: 1234 });
    expect(await handleMessage({ type: 'page.health', results: 2, originals: 5, basic: 0 }, google, ctx)).toMatchObject({ ok: false });
    expect(await handleMessage({ type: 'page.health', results: -1, originals: 0, basic: 0 }, google, ctx)).toMatchObject({ ok: false });
    expect(reports).toHaveLength(1);
  });
});
