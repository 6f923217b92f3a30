// @vitest-environment happy-dom
/**
 * Property tests of the Google extraction strategies over MUTATED fixture pages (fast-check): result nodes and
 * inline data deleted, duplicated, their attributes set to hostile values, their text corrupted. Properties:
 * - findResults / findPreview never throw and always return well-formed results;
 * - every original returned is an absolute http(s) URL that passes the saga's own validateSourceUrl and the
 *   ImageCandidate schema;
 * - an original is never Google's thumbnail (encrypted-tbn*.gstatic.com, `q=tbn:`) unless it is labelled
 *   `strategy: 'thumbnail'`;
 * - results the mutations did not touch are still found, with the same original (mutations limited to other
 *   results), and never with a WRONG original (any mutation, inline data spared).
 * The fixture thumbnails are rewritten to Google's thumbnail host first, as on the real pages.
 */
import { readFileSync } from 'node:fs';
import { setImmediate as nextTask } from 'node:timers/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageCandidate } from '../../src/domain/events.ts';
import { validateSourceUrl } from '../../src/domain/urls.ts';
import { findPreview, findResults, type FoundResult } from '../../src/content/strategies/index.ts';

const IMG = 'https://images.example.net';
/**
 * Hand-written pages of layouts no real page was found for (test/fixtures/google/), and a real basic page
 * (test/fixtures/google-real/, as saved; it holds no original: its robustness is checked). The real pages of 100
 * results and more are left to strategies-real.test.ts: hundreds of their mutated copies exhaust happy-dom's memory.
 */
const FIXTURES = ['udm2.html', 'isch2021.html', 'isch2018.html', 'real:basic-2022-08-dogs-ru.html'] as const;
// 40 runs a property: 480 mutated pages with ≈ 2,300 mutations, as the README's table says; PROPERTY_RUNS raises it.
const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
// Each run first yields to the event loop: happy-dom's caches hold nodes through WeakRefs, which V8 keeps alive until
// the current task ends, so one synchronous fc.assert kept every mutated page of the test on the heap.
/** Counts what the properties tried, for the README's table (printed at the end). */
const tried = { pages: 0, mutations: 0, positional: 0 };
afterAll(() => console.log(`STRATEGIES ${JSON.stringify(tried)}`));

/** Google's thumbnail host, as the real pages have it: `encrypted-tbn0.gstatic.com/images?q=tbn:<token>`. */
const gstatic = (name: string): string => `https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9Gc${name.replace(/\W/g, '')}`;

function source(name: string): string {
  if (name.startsWith('real:')) return readFileSync(join(import.meta.dirname, '../fixtures/google-real', name.slice('real:'.length)), 'utf8');
  const html = readFileSync(join(import.meta.dirname, '../fixtures/google', name), 'utf8');
  // Thumbnails on Google's host in every form the page holds them (plain, JSON-escaped, URL-encoded).
  return html
    .replace(/\{\{IMG\}\}\/thumbs\/([a-z]+)\.[a-z]+/g, (_m, base: string) => gstatic(base))
    .replace(/\{\{IMG\}\}\\\/thumbs\\\/([a-z]+)\.[a-z]+/g, (_m, base: string) => gstatic(base).replaceAll('/', '\\/'))
    .replaceAll('{{IMG}}', IMG)
    .replaceAll(encodeURIComponent('{{IMG}}'), encodeURIComponent(IMG));
}

const SOURCES = new Map<string, string>(FIXTURES.map((name) => [name, source(name)]));

function parse(name: string): Document {
  return new DOMParser().parseFromString(SOURCES.get(name) ?? '', 'text/html');
}

/** Values a hostile page may put anywhere an address or a number is read. */
const HOSTILE = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(document.domain)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'data:image/png;base64,iVBORw0KGgo=',
  'file:///etc/passwd',
  'chrome://settings',
  'chrome-extension://abcdefghijklmnopabcdefghijklmnop/popup.html',
  'about:blank',
  'blob:https://www.google.com/1234',
  'vbscript:msgbox(1)',
  '//evil.example/x.jpg',
  '/relative/x.jpg',
  'http://user:pass@evil.example/x.jpg',
  'https://evil.example/x.jpg\u0000.png',
  'https://evil.example/\r\nSet-Cookie: a=b',
  'http://',
  'https://',
  'http:///x.jpg',
  `https://example.net/${'a'.repeat(9000)}.jpg`,
  gstatic('dog'),
  'https://encrypted-tbn3.gstatic.com/images?q=tbn:ANd9GcQxyz&usqp=CAU',
  'https://www.google.com/imgres?imgurl=javascript:alert(1)',
  '/imgres?imgurl=javascript%3Aalert(1)&imgrefurl=x',
  '/imgres?imgurl=' + encodeURIComponent(gstatic('cat')),
  '/imgres?imgurl=' + encodeURIComponent('https://evil.example/ok.jpg'),
  'https://xn--ggle-0nda.com/x.jpg',
  '-1',
  '99999999999',
  'NaN',
  '',
  '"]]],[0,"x",["',
  '{"ou":"javascript:alert(1)","ity":"jpg"}',
];

type Mutation =
  | { kind: 'delete'; pick: number }
  | { kind: 'duplicate'; pick: number }
  | { kind: 'attribute'; pick: number; name: string; value: string }
  | { kind: 'removeAttribute'; pick: number; name: string }
  | { kind: 'text'; pick: number; at: number; cut: number; insert: string }
  | { kind: 'script'; pick: number; at: number; cut: number; insert: string };

const ATTRIBUTES = ['src', 'data-src', 'data-iurl', 'href', 'alt', 'width', 'height', 'data-lpage', 'data-ri', 'data-tbnid', 'data-id', 'jsname', 'class', 'data-docid', 'id', 'style', 'hidden', 'aria-hidden'];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 40 }), fc.webUrl());

const mutation = (withScripts: boolean): fc.Arbitrary<Mutation> => {
  const pick = fc.nat();
  const options: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('delete' as const), pick }),
    fc.record({ kind: fc.constant('duplicate' as const), pick }),
    fc.record({ kind: fc.constant('attribute' as const), pick, name: fc.constantFrom(...ATTRIBUTES), value: hostileString }),
    fc.record({ kind: fc.constant('removeAttribute' as const), pick, name: fc.constantFrom(...ATTRIBUTES) }),
    fc.record({ kind: fc.constant('text' as const), pick, at: fc.nat(), cut: fc.nat({ max: 50 }), insert: hostileString }),
  ];
  if (withScripts) options.push(fc.record({ kind: fc.constant('script' as const), pick, at: fc.nat(), cut: fc.nat({ max: 200 }), insert: hostileString }));
  return fc.oneof(...options);
};

const RESULT_MARK = 'data-prop-result';
const CLONE_MARK = 'data-prop-clone';
const TOUCHED_MARK = 'data-prop-touched';

const POSITIONAL_MARK = 'data-prop-positional';

/**
 * Marks every result of the page with its index in the unmutated page, and returns the originals found then.
 * A 2024+ result whose thumbnail is inline (`data:`) can only be matched to the page data by its position; those
 * are marked too, because a change to OTHER results may make that match ambiguous, and then the strategy rightly
 * refuses (no original) rather than guess.
 */
function markBaseline(doc: Document): Array<string | null> {
  const results = findResults(doc);
  results.forEach((result, index) => {
    result.element.setAttribute(RESULT_MARK, String(index));
    if (result.candidate?.strategy === 'udm2_inline' && result.element.querySelector('img[alt]:not([alt=""])[src^="data:"]')) result.element.setAttribute(POSITIONAL_MARK, '');
  });
  return results.map((result) => result.candidate?.imageUrl ?? null);
}

/** Every marked result at or above `node` is "touched". */
function touch(node: Node | null): void {
  for (let element = node instanceof Element ? node : node?.parentElement ?? null; element; element = element.parentElement) {
    if (element.hasAttribute(RESULT_MARK)) element.setAttribute(TOUCHED_MARK, '');
  }
}

function applyMutation(doc: Document, pool: () => Element[], m: Mutation): void {
  tried.mutations += 1;
  if (m.kind === 'script') {
    const scripts = [...doc.querySelectorAll('script')];
    const script = scripts[m.pick % Math.max(1, scripts.length)];
    if (!script) return;
    const text = script.textContent ?? '';
    const at = m.at % (text.length + 1);
    script.textContent = text.slice(0, at) + m.insert + text.slice(at + m.cut);
    return;
  }
  const elements = pool();
  const target = elements[m.pick % Math.max(1, elements.length)];
  if (!target || target === doc.documentElement || target === doc.body) return;
  switch (m.kind) {
    case 'delete':
      touch(target.parentElement);
      target.remove();
      return;
    case 'duplicate': {
      // A wrapper of a real page's whole grid (100 results), duplicated a dozen times, would hold 400,000: no more
      // than 20 results are duplicated at once (the hand-written pages have at most 7).
      if (target.querySelectorAll(`[${RESULT_MARK}]`).length > 20) return;
      touch(target);
      const clone = target.cloneNode(true) as Element;
      clone.setAttribute(CLONE_MARK, '');
      for (const marked of clone.querySelectorAll(`[${RESULT_MARK}]`)) marked.setAttribute(CLONE_MARK, '');
      target.after(clone);
      return;
    }
    case 'attribute':
      touch(target);
      target.setAttribute(m.name, m.value);
      return;
    case 'removeAttribute':
      touch(target);
      target.removeAttribute(m.name);
      return;
    case 'text': {
      touch(target);
      const text = target.textContent ?? '';
      const at = m.at % (text.length + 1);
      if (target.children.length === 0) target.textContent = text.slice(0, at) + m.insert + text.slice(at + m.cut);
      else target.append(doc.createTextNode(m.insert));
      return;
    }
  }
}

/** Elements inside results (and the results themselves) — not scripts, not the page around them. */
function resultNodes(doc: Document): Element[] {
  return [...doc.querySelectorAll(`[${RESULT_MARK}], [${RESULT_MARK}] *`)].filter((element) => !INERT.has(element.tagName));
}

/** happy-dom would try to load a `src` set on these (and refuse loudly): the strategies never read them. */
const INERT = new Set(['SCRIPT', 'LINK', 'IFRAME', 'STYLE', 'META', 'OBJECT', 'EMBED', 'AUDIO', 'VIDEO', 'SOURCE', 'FRAME']);

function allNodes(doc: Document): Element[] {
  return [...doc.body.querySelectorAll('*')].filter((element) => !INERT.has(element.tagName));
}

function checkWellFormed(result: FoundResult): void {
  expect(result.element).toBeDefined();
  const candidate = result.candidate;
  if (!candidate) {
    expect(typeof result.problem).toBe('string');
    return;
  }
  const url = candidate.imageUrl;
  expect(url, 'absolute http(s)').toMatch(/^https?:\/\/[^/]/);
  expect(new URL(url).href).toBe(url);
  expect(validateSourceUrl(url), `validateSourceUrl(${url.slice(0, 120)})`).toBeNull();
  expect(ImageCandidate.safeParse({ ...candidate, query: 'q' }).success).toBe(true);
  if (candidate.strategy !== 'thumbnail') {
    expect(/(^|\.)gstatic\.com$/i.test(new URL(url).hostname), `Google thumbnail as original: ${url}`).toBe(false);
  }
  if (candidate.sourcePageUrl !== undefined) expect(candidate.sourcePageUrl).toMatch(/^https?:\/\//);
}

describe('page data that names Google\'s thumbnail as the original', () => {
  // Page data that names an `encrypted-tbn*.gstatic.com` address (or a hostile one) as the original must not give
  // a silent thumbnail: every strategy refuses it through `toOriginalUrl` and the control offers the thumbnail
  // explicitly. (The worker cannot refuse it on its own: a right-click save of a Google thumbnail is legitimate.)
  it.each(FIXTURES)('%s: the thumbnail is never returned as the original', async (name) => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('dog.png', 'cat.jpg', 'bird.jpg', 'fish.webp', 'fox.jpg', 'owl.jpg'), fc.constantFrom(...HOSTILE), async (image, hostile) => {
        await nextTask();
        tried.pages += 1;
        const original = `${IMG}/originals/${image}`;
        for (const replacement of [gstatic(image.split('.')[0] ?? ''), hostile]) {
          const html = (SOURCES.get(name) ?? '')
            .replaceAll(original, replacement)
            .replaceAll(original.replaceAll('/', '\\/'), replacement.replaceAll('/', '\\/'))
            .replaceAll(encodeURIComponent(original), encodeURIComponent(replacement));
          const doc = new DOMParser().parseFromString(html, 'text/html');
          for (const result of findResults(doc)) checkWellFormed(result);
          const preview = findPreview(doc);
          if (preview) checkWellFormed(preview);
        }
      }),
      { numRuns: Math.min(RUNS, 60) },
    );
  }, 300_000);
});

describe.each(FIXTURES)('%s, mutated', (name) => {
  it('the unmutated page (thumbnails on gstatic) still gives originals, none of them a thumbnail', () => {
    const doc = parse(name);
    const originals = markBaseline(doc);
    expect(originals.filter((url) => url !== null).length).toBeGreaterThanOrEqual(name.startsWith('real:basic') ? 0 : 4);
    expect(originals.length).toBeGreaterThanOrEqual(5);
    for (const result of findResults(doc)) checkWellFormed(result);
  });

  it('anywhere (results, page, inline data): never throws, every original valid, never a Google thumbnail', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(true), { minLength: 1, maxLength: 12 }), async (mutations) => {
        await nextTask();
        tried.pages += 1;
        const doc = parse(name);
        markBaseline(doc);
        for (const m of mutations) applyMutation(doc, () => allNodes(doc), m);
        const results = findResults(doc);
        expect(Array.isArray(results)).toBe(true);
        for (const result of results) checkWellFormed(result);
        const preview = findPreview(doc);
        if (preview) checkWellFormed(preview);
        // A subtree call (what the MutationObserver does) behaves the same.
        const roots = [...doc.querySelectorAll(`[${RESULT_MARK}]`)].slice(0, 3);
        for (const result of findResults(doc, roots)) checkWellFormed(result);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('results and their markup mutated, inline data spared: an untouched result never gets a wrong original', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(false), { minLength: 1, maxLength: 8 }), async (mutations) => {
        await nextTask();
        tried.pages += 1;
        const doc = parse(name);
        const baseline = markBaseline(doc);
        for (const m of mutations) applyMutation(doc, () => allNodes(doc), m);
        // Also a 2024+ result matched by its place (a `data:` thumbnail): deleting, duplicating or changing OTHER
        // results must make the strategy refuse, never hand it a neighbour's original.
        for (const result of findResults(doc)) {
          checkWellFormed(result);
          const mark = result.element.getAttribute(RESULT_MARK);
          if (mark === null || result.element.hasAttribute(TOUCHED_MARK) || result.element.hasAttribute(CLONE_MARK)) continue;
          if (result.candidate?.strategy === 'udm2_inline' && !/^https?:/i.test(result.thumbnailUrl ?? '')) tried.positional += 1;
          const expected = baseline[Number(mark)] ?? null;
          const found = result.candidate?.imageUrl ?? null;
          if (found !== null) expect(found, `result ${mark}`).toBe(expected);
        }
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('other results deleted, duplicated or corrupted: every untouched result is still found, with its original', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(false), { minLength: 1, maxLength: 8 }), async (mutations) => {
        await nextTask();
        tried.pages += 1;
        const doc = parse(name);
        const baseline = markBaseline(doc);
        for (const m of mutations) applyMutation(doc, () => resultNodes(doc), m);
        const found = new Map<number, string | null>();
        for (const result of findResults(doc)) {
          checkWellFormed(result);
          const mark = result.element.getAttribute(RESULT_MARK);
          if (mark === null || result.element.hasAttribute(TOUCHED_MARK) || result.element.hasAttribute(CLONE_MARK)) continue;
          found.set(Number(mark), result.candidate?.imageUrl ?? null);
        }
        for (const element of doc.querySelectorAll(`[${RESULT_MARK}]:not([${TOUCHED_MARK}]):not([${CLONE_MARK}])`)) {
          const index = Number(element.getAttribute(RESULT_MARK));
          expect(found.has(index), `untouched result ${index} is still a result`).toBe(true);
          // One matched by its place may be refused when the others moved, but never given a neighbour's original.
          if (element.hasAttribute(POSITIONAL_MARK) && found.get(index) === null) continue;
          expect(found.get(index), `untouched result ${index}`).toBe(baseline[index] ?? null);
        }
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
