// @vitest-environment happy-dom
/**
 * The extraction strategies on the real Google pages (test/fixtures/google-real/, see SOURCES.md there), read as
 * saved, byte for byte. What each page must give is read from the page itself by an independent route (a regex
 * over the raw HTML), so the strategies are checked against Google's own data, not against themselves.
 */
import './strategies-i18n.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPreview, findResults, findResultsWith, resultElements } from '../../src/content/strategies/index.ts';
import { OLD_LAYOUT_STRATEGIES } from '../../src/content/strategies/old-layouts.ts';
import { pageHealthState } from '../../src/domain/page-health.ts';

const DIR = join(import.meta.dirname, '../fixtures/google-real');
const raw = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const parse = (html: string): Document => new DOMParser().parseFromString(html, 'text/html');

/** `docid → original`, from the 2024 page's inline map `"KEY":[1,[0,"DOCID",["THUMB",h,w],["ORIGINAL",h,w]`. */
function originalsByDocid(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of html.matchAll(/"[A-Za-z0-9_-]+":\[1,\[0,"([^"]+)",\["[^"]*",\d+,\d+\],\["([^"]+)",\d+,\d+\]/g)) {
    out.set(match[1] as string, JSON.parse(`"${match[2] as string}"`) as string);
  }
  return out;
}

/** What `findResultsWith` tells the content script's markup health (index.ts, first 100 results). */
function counts(doc: Document) {
  const found = findResultsWith(OLD_LAYOUT_STRATEGIES, doc, doc, undefined, 100) ?? [];
  return { results: found.length, originals: found.filter((result) => result.candidate).length, basic: found.filter((result) => result.basic).length };
}

describe('udm2 2024 (saved by a browser, scripts and inline data kept, preview open)', () => {
  const html = raw('udm2-2024-08-cat.html');
  const doc = parse(html);
  const expected = originalsByDocid(html);
  const results = findResults(doc);

  it('finds the 100 grid results, not the preview panel’s slides or its related strip', () => {
    expect(expected.size).toBe(100);
    expect(results).toHaveLength(100);
    expect(results.every((result) => result.element.getAttribute('jsname') === 'dTDiAc')).toBe(true);
    expect(resultElements(doc)).toHaveLength(100);
  });

  it('gives every result the original Google’s data names for its docid, lazy placeholders included', () => {
    const lazy = results.filter((result) => result.element.querySelector('img')?.getAttribute('src')?.startsWith('data:image/gif'));
    expect(lazy.length).toBeGreaterThan(50);
    for (const result of results) {
      const docid = result.element.getAttribute('data-docid') ?? '';
      expect(result.candidate?.imageUrl, docid).toBe(new URL(expected.get(docid) ?? 'https://missing.invalid/').href);
    }
    expect(counts(doc)).toEqual({ results: 100, originals: 100, basic: 0 });
    expect(pageHealthState(counts(doc))).toBe('ok');
  });

  it('matches each result by its docid, so results a script removes cost the others nothing', () => {
    const thinned = parse(html);
    const grid = [...thinned.querySelectorAll('[jsname="dTDiAc"]')];
    grid.forEach((result, index) => {
      if (index % 3 === 1) result.remove();
    });
    const left = findResults(thinned);
    expect(left).toHaveLength(67);
    for (const result of left) expect(result.candidate?.imageUrl).toBe(new URL(expected.get(result.element.getAttribute('data-docid') ?? '') ?? 'https://missing.invalid/').href);
  });

  it('takes the open preview’s original from the data for the result it shows, not from its large image', () => {
    expect(findPreview(doc)?.candidate).toMatchObject({ imageUrl: new URL(expected.get('I3vw65lJTMwHFM') ?? '').href, strategy: 'preview_panel' });
    // The moment the panel opens on another result, Google has rendered that result's slide (its ids and its
    // thumbnail) but its large image still shows the grid's placeholder.
    const opening = parse(html);
    const slide = opening.querySelector('[jsname="CGzTgf"][data-tbnid="I3vw65lJTMwHFM"]');
    const large = slide?.querySelector('img[jsname="kn3ccd"]');
    const grid = opening.querySelector('[data-docid="0yxTNn5NI9_ciM"] img');
    slide?.setAttribute('data-tbnid', '0yxTNn5NI9_ciM');
    slide?.querySelector('[data-id]')?.setAttribute('data-id', '0yxTNn5NI9_ciM');
    slide?.querySelector('img[jsname="JuXqh"]')?.setAttribute('src', 'https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcQdY38b13sLgNh8HhJoTPS5JsvNBirQ5gzauA&s');
    for (const placeholder of [grid?.getAttribute('src') ?? '', 'https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcQdY38b13sLgNh8HhJoTPS5JsvNBirQ5gzauA&s']) {
      large?.setAttribute('src', placeholder);
      expect(findPreview(opening)?.candidate?.imageUrl).toBe(expected.get('0yxTNn5NI9_ciM'));
    }
  });

  it('never takes a placeholder for the preview’s original when the data does not know the result', () => {
    // A result loaded while scrolling: no inline data, no /imgres link.
    const unknown = parse(html.replace(/<script[^>]*>(?:(?!<\/script>)[\s\S])*?var m=\{[\s\S]*?<\/script>/, '').replaceAll('imgurl=', 'gone='));
    expect(unknown.querySelectorAll('[jsname="dTDiAc"]')).toHaveLength(100);
    const large = unknown.querySelector('[data-tbnid="I3vw65lJTMwHFM"] img[jsname="kn3ccd"]');
    for (const placeholder of ['data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'https://encrypted-tbn0.gstatic.com/images?q=tbn:x&s']) {
      large?.setAttribute('src', placeholder);
      const preview = findPreview(unknown);
      expect(preview?.candidate).toBeNull();
      expect(preview?.sourcePageUrl).toBe('https://www.smithsonianmag.com/smart-news/cats-react-to-baby-talk-from-their-owners-but-not-strangers-180981007/');
    }
    // An address of its own, not loaded yet: not taken; the click path waits for it (`loading`).
    const size = (image: Element | null | undefined, width: number, height: number): void => {
      for (const [name, value] of [['complete', width > 0], ['naturalWidth', width], ['naturalHeight', height]] as const) Object.defineProperty(image, name, { value, configurable: true });
    };
    large?.setAttribute('src', 'https://images.example.net/cat-full.jpg');
    size(large, 0, 0);
    expect(findPreview(unknown)?.candidate).toBeNull();
    expect(findPreview(unknown)?.loading).toBe(large);
    // Loaded, but no larger than the panel's thumbnail: a placeholder too.
    const thumbnail = unknown.querySelector('[data-tbnid="I3vw65lJTMwHFM"] img[jsname="JuXqh"]');
    size(thumbnail, 275, 183);
    size(large, 275, 183);
    expect(findPreview(unknown)?.candidate).toBeNull();
    size(large, 1600, 1067);
    expect(findPreview(unknown)?.candidate).toMatchObject({ imageUrl: 'https://images.example.net/cat-full.jpg', width: 1600, height: 1067 });
  });
});

describe('udm2 2025 (SingleFile: every script stripped, no original anywhere)', () => {
  const doc = parse(raw('udm2-2025-06-chateau-chalon-singlefile.html'));
  const results = findResults(doc);

  it('finds its 200 results, none with an original, each with its source page and thumbnail', () => {
    expect(results).toHaveLength(200);
    expect(results.filter((result) => result.candidate)).toEqual([]);
    for (const result of results) {
      expect(result.sourcePageUrl).toBe(result.element.getAttribute('data-lpage'));
      expect(result.thumbnailUrl).toMatch(/^data:image\/jpeg;base64,/);
    }
  });

  it('is a page whose markup changed: results, and not one original', () => {
    expect(counts(doc)).toEqual({ results: 100, originals: 0, basic: 0 });
    expect(pageHealthState(counts(doc))).toBe('page_changed');
    expect(findPreview(doc)).toBeNull();
  });
});

describe('rg_di 2016 (a scroll-loaded fragment with /imgres links)', () => {
  const html = raw('rgdi-2016-02-test-ja-chunk.html');
  const results = findResults(parse(html));

  it('gives each of the 100 results the imgurl of its own link', () => {
    // A query parameter, form-encoded (`%2520` is `%20`).
    const imgurls = [...html.matchAll(/href="\/imgres\?imgurl=([^&"]+)&amp;/g)].map((match) => new URLSearchParams(`u=${match[1] as string}`).get('u') ?? '');
    expect(imgurls).toHaveLength(100);
    expect(results.map((result) => result.candidate?.imageUrl)).toEqual(imgurls.map((url) => new URL(url).href));
  });
});

describe.each([
  ['basic-2016-02-test-ja.html', /\/url\?q=([^&"]+)&amp;/g],
  ['basic-2022-08-dogs-ru.html', /<a href="\/url\?q=([^&"]+)&amp;[^>]*><div class="NZWO1b">/g],
  ['basic-2026-02-papaya.html', /<a href="\/url\?esrc=s&amp;q=&amp;rct=j&amp;sa=U&amp;url=([^&"]+)&amp;[^>]*><div class="kCmkOe">/g],
])('basic HTML %s (no original in the page)', (name, pageLink) => {
  const html = raw(name);
  const doc = parse(html);
  const results = findResults(doc);

  it('has a result for each of its 20 thumbnails, with its source page and Google’s thumbnail', () => {
    // Google's redirect carries the page form-encoded (`search%3Fk%3Dpapaya` is `search?k=papaya`).
    const pages = [...html.matchAll(pageLink)].map((match) => new URL(new URLSearchParams(`page=${match[1] as string}`).get('page') ?? '').href);
    expect(pages).toHaveLength(20);
    expect(results.map((result) => result.sourcePageUrl)).toEqual(pages);
    for (const result of results) {
      expect(result.candidate).toBeNull();
      expect(result.basic).toBe(true);
      expect(result.problem).toMatch(/basic page/);
      expect(result.thumbnailUrl).toMatch(/^https:\/\/encrypted-tbn\d\.gstatic\.com\/images\?q=tbn:/);
      // The control goes next to the link, not inside it (a click there would follow it).
      expect(result.element.localName).toBe('td');
      expect(result.element.closest('a')).toBeNull();
    }
  });

  it('is a page of source pages, not a changed page', () => {
    expect(pageHealthState(counts(doc))).toBe('source_pages');
    expect(findPreview(doc)).toBeNull();
  });
});

describe('the JavaScript challenge Google serves instead of results', () => {
  const doc = parse(raw('challenge-enablejs-isch.html'));
  it('has no results, no preview, and says so without an error', () => {
    expect(findResults(doc)).toEqual([]);
    expect(findPreview(doc)).toBeNull();
    expect(counts(doc)).toEqual({ results: 0, originals: 0, basic: 0 });
    expect(pageHealthState(counts(doc))).toBe('no_results');
  });
});
