/**
 * The source-page finder's pure parts: reading a page's candidates without a DOM (domain/source-page.ts) and
 * telling the same picture by pixels (domain/perceptual-hash.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEntities, parseSrcset, sourcePageCandidates, startTags } from '../../src/domain/source-page.ts';
import { comparePictures, fingerprint, FINGERPRINT_SIZE, hashDistance, isLarger, MAX_HASH_DISTANCE } from '../../src/domain/perceptual-hash.ts';

const PAGE = 'https://photos.example.org/gallery/cat.html';
const urls = (html: string, page = PAGE): string[] => sourcePageCandidates(html, page).map((candidate) => candidate.url);

describe('reading a source page without a DOM', () => {
  it('reads quoted, unquoted and bare attributes, with character references, case-insensitively', () => {
    const [tag] = [...startTags(`<IMG SRC=/a.jpg?x=1&amp;y=2 alt='it&#39;s' data-x="&#x3C;b&gt;" hidden width = "800">`)];
    expect(tag?.name).toBe('img');
    expect(Object.fromEntries(tag?.attributes ?? [])).toEqual({ src: '/a.jpg?x=1&y=2', alt: "it's", 'data-x': '<b>', hidden: '', width: '800' });
    expect(decodeEntities('&amp;&lt;&gt;&quot;&apos;&nbsp;&#0;&#xD800;&unknown;')).toBe('&<>"\'\u00a0\ufffd\ufffd&unknown;');
  });

  it('skips comments and what scripts, styles and titles hold, but reads <noscript>', () => {
    const html = `<!-- <img src="/commented.jpg"> --><script>document.write('<img src="/scripted.jpg">')</SCRIPT>` +
      `<style>.a{background:url("<img src='/styled.jpg'>")}</style><title><img src="/title.jpg"></title>` +
      `<noscript><img src="/real.jpg" width="900"></noscript><img src="/after.jpg">`;
    expect(urls(html)).toEqual(['https://photos.example.org/real.jpg', 'https://photos.example.org/after.jpg']);
  });

  it('puts what the page declares first (og:image, twitter:image, image_src), then images, largest declared first', () => {
    const html = `<head><meta name="twitter:image" content="https://cdn.example.net/tw.jpg">` +
      `<meta property="og:image" content="/og.jpg"><meta property="og:image:width" content="1200">` +
      `<link rel="image_src" href="//cdn.example.net/src.jpg"></head><body>` +
      `<img src="/small.jpg" width="120"><img src="/unknown.jpg">` +
      `<img src="/mid.jpg" srcset="/mid.jpg 600w, /large.jpg 1600w, /og.jpg 1200w">` +
      `<picture><source srcset="/pic.webp 2x" ><img src="/pic.jpg" width="500"></picture></body>`;
    const candidates = sourcePageCandidates(html, PAGE);
    expect(candidates.map((candidate) => [candidate.kind, new URL(candidate.url).pathname, candidate.declaredWidth])).toEqual([
      ['twitter:image', '/tw.jpg', undefined],
      ['og:image', '/og.jpg', 1200],
      ['image_src', '/src.jpg', undefined],
      ['img', '/large.jpg', 1600],
      ['img', '/mid.jpg', 600],
      ['img', '/pic.jpg', 500],
      ['img', '/small.jpg', 120],
      ['img', '/unknown.jpg', undefined],
      ['img', '/pic.webp', undefined],
    ]);
  });

  it('takes the real address of lazily loaded images, resolves against <base>, refuses what is not a web image', () => {
    const html = `<base href="https://static.example.com/img/"><img src="data:image/gif;base64,R0lGOD" data-src="lazy.jpg">` +
      `<img data-lazy-srcset="a.jpg 300w, b.jpg 900w"><img src="javascript:alert(1)"><img src="https://user:pw@evil.example/x.jpg">` +
      `<img src="blob:https://x/y"><img src="ftp://files.example/x.jpg"><img src="">`;
    expect(urls(html)).toEqual(['https://static.example.com/img/b.jpg', 'https://static.example.com/img/a.jpg', 'https://static.example.com/img/lazy.jpg']);
  });

  it('reads srcset candidates with commas in their addresses and density descriptors', () => {
    expect(parseSrcset('/a,b.jpg 1x, /c.jpg 2x,/d.jpg', 400)).toEqual([{ url: '/a,b.jpg', width: 400 }, { url: '/c.jpg', width: 800 }, { url: '/d.jpg' }]);
    expect(parseSrcset('x.jpg, y.jpg 640w')).toEqual([{ url: 'x.jpg' }, { url: 'y.jpg', width: 640 }]);
    expect(parseSrcset(' , ,')).toEqual([]);
  });

  it('never throws on any text, and what it gives is an absolute http(s) address without credentials', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.array(fc.constantFrom('<img src=', '<meta property=og:image content=', '"', "'", '>', '<!--', '-->', '<script>', '</script>', 'srcset=', ',', ' 2x', '&#', '//', 'http://a@b/'), { maxLength: 40 }), (text, parts) => {
        for (const candidate of sourcePageCandidates(text + parts.join(''), PAGE)) {
          const url = new URL(candidate.url);
          expect(['http:', 'https:']).toContain(url.protocol);
          expect(url.username + url.password).toBe('');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads a 2 MB page with tens of thousands of tags to its end', () => {
    const html = `<html><head><meta property="og:image" content="/og.jpg"></head><body>${'<div class="x"><a href="/p">text</a><script>var a="<img src=/no.jpg>";</script></div>'.repeat(23_000)}<img src="/last.jpg" width="2000"></body></html>`;
    expect(html.length).toBeGreaterThan(1_900_000);
    expect(urls(html)).toEqual(['https://photos.example.org/og.jpg', 'https://photos.example.org/last.jpg']);
  });
});

/** A smooth scene (a few soft blobs on a gradient) rendered at `size` × `size`, with optional noise and shift. */
function scene(seed: number, size = FINGERPRINT_SIZE, options: { noise?: number; brightness?: number } = {}): Uint8ClampedArray {
  const random = (n: number): number => {
    const x = Math.sin(seed * 9301 + n * 49297) * 233280;
    return x - Math.floor(x);
  };
  const blobs = Array.from({ length: 4 }, (_, i) => ({ x: random(i), y: random(i + 10), r: 0.15 + random(i + 20) * 0.3, c: [random(i + 30) * 255, random(i + 40) * 255, random(i + 50) * 255] }));
  const out = new Uint8ClampedArray(size * size * 4);
  let n = 0;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const u = x / size;
      const v = y / size;
      const rgb = [u * 120 + 40, v * 120 + 40, (1 - u) * 80 + 40];
      for (const blob of blobs) {
        const w = Math.exp(-((u - blob.x) ** 2 + (v - blob.y) ** 2) / (blob.r * blob.r));
        for (let k = 0; k < 3; k += 1) rgb[k] = (rgb[k] as number) * (1 - w) + (blob.c[k] as number) * w;
      }
      const i = (y * size + x) * 4;
      for (let k = 0; k < 3; k += 1) out[i + k] = (rgb[k] as number) + (options.brightness ?? 0) + ((random(1000 + n++) - 0.5) * 2 * (options.noise ?? 0));
      out[i + 3] = 255;
    }
  }
  return out;
}

describe('the same picture, by pixels', () => {
  const thumbnail = fingerprint(scene(1, FINGERPRINT_SIZE, { noise: 6 }), FINGERPRINT_SIZE, 275, 183);
  const original = fingerprint(scene(1, FINGERPRINT_SIZE, { noise: 2 }), FINGERPRINT_SIZE, 1600, 1067);

  it('takes the original of a thumbnail for the same picture, and knows it is larger', () => {
    expect(comparePictures(thumbnail, original)).toMatchObject({ same: true });
    expect(hashDistance(thumbnail, original)).toBeLessThanOrEqual(MAX_HASH_DISTANCE);
    expect(isLarger(thumbnail, original)).toBe(true);
    expect(isLarger(original, thumbnail)).toBe(false);
    expect(isLarger(thumbnail, { width: 275, height: 183 })).toBe(false);
    expect(isLarger(thumbnail, { width: 2000, height: 100 })).toBe(false);
  });

  it('tells other pictures apart, and says why', () => {
    for (let seed = 2; seed < 40; seed += 1) {
      const other = fingerprint(scene(seed, FINGERPRINT_SIZE, { noise: 2 }), FINGERPRINT_SIZE, 1600, 1067);
      expect(comparePictures(thumbnail, other).same, `seed ${seed}`).toBe(false);
    }
    expect(comparePictures(thumbnail, fingerprint(scene(1), FINGERPRINT_SIZE, 1067, 1600))).toMatchObject({ same: false, why: 'shape' });
    expect(comparePictures(thumbnail, fingerprint(scene(1, FINGERPRINT_SIZE, { brightness: 60 }), FINGERPRINT_SIZE, 1600, 1067))).toMatchObject({ same: false, why: 'brightness' });
    // The same shapes in other colours (a site's own tinted or recoloured copy, another label on the same bottle).
    const tinted = scene(1, FINGERPRINT_SIZE, { noise: 2 });
    // Redder and less green by amounts that keep each pixel's brightness (luma) as it was.
    for (let i = 0; i < tinted.length; i += 4) {
      tinted[i] = (tinted[i] as number) + 30;
      tinted[i + 1] = (tinted[i + 1] as number) - (30 * 0.299) / 0.587;
    }
    expect(comparePictures(thumbnail, fingerprint(tinted, FINGERPRINT_SIZE, 1600, 1067))).toMatchObject({ same: false, why: 'colour' });
    const flat = fingerprint(new Uint8ClampedArray(FINGERPRINT_SIZE * FINGERPRINT_SIZE * 4).fill(200), FINGERPRINT_SIZE, 1600, 1067);
    expect(comparePictures(flat, flat)).toMatchObject({ same: false, why: 'flat' });
  });

  it('treats transparent pixels as white, and refuses a short pixel array', () => {
    const clear = new Uint8ClampedArray(FINGERPRINT_SIZE * FINGERPRINT_SIZE * 4);
    expect(fingerprint(clear, FINGERPRINT_SIZE, 10, 10).mean).toBe(255);
    expect(() => fingerprint(new Uint8ClampedArray(12), FINGERPRINT_SIZE, 1, 1)).toThrow(RangeError);
  });
});
