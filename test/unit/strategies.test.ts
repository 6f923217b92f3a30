// @vitest-environment happy-dom
/**
 * The extraction strategies on the four fixture pages (as served, `{{IMG}}` replaced) and on hand-made bad input.
 * The DOM is happy-dom's; nothing here relies on layout.
 */
import './strategies-i18n.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageCandidate } from '../../src/domain/events.ts';
import { findPreview, findResults, RESULT_SELECTOR, type FoundResult } from '../../src/content/strategies/index.ts';
import { resultElements } from '../../src/content/strategies/find.ts';

const IMG = 'http://127.0.0.1:8123';
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const ORDER = ['dog.png', 'cat.jpg', 'bird.jpg', 'fish.webp', 'fox.jpg', 'owl.jpg'];
const TITLES = ['A dog on a beach', 'A cat on a sofa', 'A bird on a branch', 'A fish in a reef', 'A fox in the snow', 'An owl at night'];
const SIZES: Array<[number, number]> = [[1600, 1200], [1200, 1600], [2048, 1365], [1000, 1000], [1920, 1080], [800, 1200]];

function parse(html: string): Document {
  return new DOMParser().parseFromString(html, 'text/html');
}

function fixture(name: string): Document {
  const html = readFileSync(join(import.meta.dirname, '../fixtures/google', name), 'utf8');
  return parse(html.replaceAll('{{IMG}}', IMG));
}

function page(body: string): Document {
  return parse(`<!DOCTYPE html><html><head><title>t</title></head><body>${body}</body></html>`);
}

const original = (name: string) => `${IMG}/originals/${name}`;
const thumb = (name: string) => `${IMG}/thumbs/${name}`;
const pageOf = (name: string) => `https://example.org/${name.split('.')[0]}-page.html`;
const urls = (results: FoundResult[]) => results.map((result) => result.candidate?.imageUrl ?? null);

/** A 2024+ result. */
function udm2Result(index: number, src: string | null, options: { alt?: string; width?: number; height?: number; lpage?: string } = {}): string {
  const { alt = `Result ${index}`, width = 300, height = 200, lpage = `https://example.org/r${index}.html` } = options;
  const source = src === null ? '' : ` src="${src}"`;
  return `<div jsname="dTDiAc" class="eA0Zlc" data-lpage="${lpage}" data-ri="${index}"><div jsname="qQjpJ"><h3><a jsname="sTFXNd">` +
    `<g-img><img class="YQ4gaf" width="${width}" height="${height}" alt="${alt}"${source}></g-img></a></h3></div>` +
    `<a href="${lpage}"><img class="YQ4gaf zr758c" width="18" height="18" alt="" src="${PNG}"> example.org</a></div>`;
}

function script(text: string): string {
  return `<script nonce="x">${text}</script>`;
}

describe('udm2 (2024+) fixture', () => {
  const doc = fixture('udm2.html');
  const results = findResults(doc);

  it('finds the seven results in page order, not the site icons, header or related searches', () => {
    expect(results).toHaveLength(7);
    expect(results.map((result) => result.element.getAttribute('data-ri'))).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(results.every((result) => result.element.getAttribute('jsname') === 'dTDiAc')).toBe(true);
  });

  it('matches data: thumbnails by order and http thumbnails by address, to the originals', () => {
    expect(urls(results)).toEqual([...ORDER.map(original), null]);
    expect(results.slice(0, 6).map((result) => result.candidate?.strategy)).toEqual(Array(6).fill('udm2_inline'));
  });

  it('fills source page, title, original size and an addressable thumbnail', () => {
    expect(results[0]?.candidate).toEqual({
      imageUrl: original('dog.png'),
      thumbnailUrl: thumb('dog.png'),
      sourcePageUrl: pageOf('dog.png'),
      title: 'A dog on a beach',
      width: 1600,
      height: 1200,
      strategy: 'udm2_inline',
    });
    results.slice(0, 6).forEach((result, index) => {
      const name = ORDER[index] ?? '';
      expect(result.candidate?.title).toBe(TITLES[index]);
      expect(result.candidate?.sourcePageUrl).toBe(pageOf(name));
      expect([result.candidate?.width, result.candidate?.height]).toEqual(SIZES[index]);
      expect(result.candidate?.thumbnailUrl).toBe(thumb(name));
      expect(ImageCandidate.safeParse({ ...result.candidate, query: 'animals' }).success).toBe(true);
    });
  });

  it('reports the result that has no original with a reason and its thumbnail', () => {
    const hare = results[6];
    expect(hare?.candidate).toBeNull();
    expect(hare?.problem).toMatch(/no original/);
    expect(hare?.thumbnailUrl).toBe(PNG);
  });

  it('finds the open preview of the first result', () => {
    const preview = findPreview(doc);
    expect(preview?.element.getAttribute('jsname')).toBe('figiqf');
    expect(preview?.candidate).toEqual({
      imageUrl: original('dog.png'),
      thumbnailUrl: thumb('dog.png'),
      sourcePageUrl: pageOf('dog.png'),
      title: 'A dog on a beach',
      width: 1600,
      height: 1200,
      strategy: 'preview_panel',
    });
  });

  it('finds the results of a subtree, keeping their place in the whole page', () => {
    const bird = doc.querySelector<HTMLElement>('[data-ri="2"]');
    expect(bird).not.toBeNull();
    const own = findResults(doc, bird ?? undefined);
    expect(own.map((result) => result.element)).toEqual([bird]);
    expect(own[0]?.candidate?.imageUrl).toBe(original('bird.jpg'));
    const inner = bird?.querySelector('h3') ?? undefined;
    expect(findResults(doc, inner)).toEqual([]);
  });

  it('prefers the /imgres link Google sets on mousedown over the page data', () => {
    const copy = fixture('udm2.html');
    copy.querySelector('[data-ri="1"] a[jsname="sTFXNd"]')?.setAttribute(
      'href',
      `/imgres?imgurl=${encodeURIComponent('https://cdn.example.net/cat-full.jpg')}&imgrefurl=${encodeURIComponent('https://example.net/cats')}&w=3000&h=4000`,
    );
    const cat = findResults(copy)[1];
    expect(cat?.candidate).toMatchObject({
      imageUrl: 'https://cdn.example.net/cat-full.jpg', sourcePageUrl: 'https://example.net/cats', width: 3000, height: 4000, strategy: 'imgres_link',
    });
    expect(findResults(copy)).toHaveLength(7);
  });

  it('RESULT_SELECTOR matches every result container', () => {
    for (const result of results) expect(result.element.matches(RESULT_SELECTOR)).toBe(true);
  });
});

describe('isch 2021 (AF_initDataCallback) fixture', () => {
  const doc = fixture('isch2021.html');
  const results = findResults(doc);

  it('matches results to the ds:1 items by TBNID, though the data is in another order', () => {
    expect(urls(results)).toEqual(ORDER.slice(0, 5).map(original));
    expect(results.map((result) => result.element.getAttribute('data-tbnid'))).toEqual(['tbnDog01', 'tbnCat02', 'tbnBird03', 'tbnFish04', 'tbnFox05']);
    expect(results.map((result) => result.candidate?.strategy)).toEqual(Array(5).fill('af_init_data'));
  });

  it('fills source page (outbound link), title, size and thumbnail (incl. a lazy data-src one)', () => {
    results.forEach((result, index) => {
      const name = ORDER[index] ?? '';
      expect(result.candidate).toEqual({
        imageUrl: original(name),
        thumbnailUrl: thumb(name),
        sourcePageUrl: pageOf(name),
        title: TITLES[index],
        width: SIZES[index]?.[0],
        height: SIZES[index]?.[1],
        strategy: 'af_init_data',
      });
    });
  });

  it('finds the visible preview panel, not the hidden one', () => {
    // This panel names no result: its large image counts once it has loaded (as it has here).
    const large = doc.querySelector('.tvh9oe[style*="block"] img.n3VNCb');
    for (const [name, value] of [['complete', true], ['naturalWidth', 1600], ['naturalHeight', 1200]] as const) Object.defineProperty(large, name, { value, configurable: true });
    const preview = findPreview(doc);
    expect(preview?.element.classList.contains('tvh9oe')).toBe(true);
    expect(preview?.element.getAttribute('style')).toContain('block');
    expect(preview?.candidate).toMatchObject({ imageUrl: original('dog.png'), sourcePageUrl: pageOf('dog.png'), width: 1600, height: 1200, strategy: 'preview_panel' });
  });

  it('prefers the TBNID-keyed data over a /imgres link', () => {
    const copy = fixture('isch2021.html');
    copy.querySelector('[data-ri="0"] a[jsname="sTFXNd"]')?.setAttribute('href', '/imgres?imgurl=https%3A%2F%2Fcdn.example.net%2Fother.jpg');
    expect(findResults(copy)[0]?.candidate).toMatchObject({ imageUrl: original('dog.png'), strategy: 'af_init_data' });
  });

  it('falls back to the thumbnail address when the TBNID is not in the data', () => {
    const copy = fixture('isch2021.html');
    const fish = copy.querySelector('[data-ri="3"]');
    fish?.setAttribute('data-id', 'unknown');
    fish?.setAttribute('data-tbnid', 'unknown');
    expect(findResults(copy)[3]?.candidate).toMatchObject({ imageUrl: original('fish.webp'), strategy: 'af_init_data' });
  });
});

describe('isch 2018 (rg_meta) fixture', () => {
  const doc = fixture('isch2018.html');
  const results = findResults(doc);

  it('reads each result’s rg_meta, in page order', () => {
    expect(urls(results)).toEqual(ORDER.slice(0, 5).map(original));
    expect(results.map((result) => result.element.classList.contains('rg_bx'))).toEqual(Array(5).fill(true));
    expect(results[2]?.candidate).toEqual({
      imageUrl: original('bird.jpg'),
      thumbnailUrl: thumb('bird.jpg'),
      sourcePageUrl: 'https://example.org/bird-page.html?lang=en&ref=images',
      title: 'A bird on a branch',
      width: 2048,
      height: 1365,
      strategy: 'rg_meta',
    });
    expect(results.map((result) => result.candidate?.title)).toEqual(TITLES.slice(0, 5));
  });

  it('prefers rg_meta over the /imgres link, and uses the link when rg_meta is unreadable', () => {
    const copy = fixture('isch2018.html');
    for (const link of copy.querySelectorAll('a.rg_l')) link.setAttribute('href', '/imgres?imgurl=https%3A%2F%2Fcdn.example.net%2Flinked.jpg&w=10&h=20');
    const meta = copy.querySelectorAll('.rg_meta')[1];
    if (meta) meta.textContent = '{"ou": "https://broken.example/x.jpg", oops';
    const found = findResults(copy);
    expect(found[0]?.candidate).toMatchObject({ imageUrl: original('dog.png'), strategy: 'rg_meta' });
    expect(found[1]?.candidate).toMatchObject({ imageUrl: 'https://cdn.example.net/linked.jpg', width: 10, height: 20, strategy: 'imgres_link' });
  });
});

describe('bad and unusual input', () => {
  it.each([
    ['javascript:alert(1)', /"javascript:"/],
    ['data:image/png;base64,AAAA', /"data:"/],
    ['file:///etc/passwd', /"file:"/],
    ['chrome://settings', /"chrome:"/],
    ['/images/cat.jpg', /not an absolute/],
    ['//cdn.example.net/cat.jpg', /not an absolute/],
  ])('refuses imgurl %s with a problem and the thumbnail', (imgurl, reason) => {
    const doc = page(`<div><a href="/imgres?imgurl=${encodeURIComponent(imgurl)}&amp;imgrefurl=https%3A%2F%2Fexample.org%2F"><img alt="A cat" width="200" src="${thumb('cat.jpg')}"></a></div>`);
    const [result] = findResults(doc);
    expect(result?.candidate).toBeNull();
    expect(result?.problem).toMatch(reason);
    expect(result?.thumbnailUrl).toBe(thumb('cat.jpg'));
  });

  it('reports an /imgres link without imgurl', () => {
    const [result] = findResults(page(`<div><a href="/imgres?imgrefurl=https%3A%2F%2Fexample.org%2F"><img alt="A cat" src="${thumb('cat.jpg')}"></a></div>`));
    expect(result?.candidate).toBeNull();
    expect(result?.problem).toMatch(/no imgurl/);
  });

  it('resolves a relative /imgres href but ignores unusable imgrefurl', () => {
    const [result] = findResults(page(`<p><a href="/imgres?imgurl=https%3A%2F%2Fcdn.example.net%2Fa.jpg&amp;imgrefurl=javascript%3Aalert(1)&amp;w=x&amp;h=-3"><img alt="A" src="${thumb('a.jpg')}"></a></p>`));
    expect(result?.candidate).toEqual({ imageUrl: 'https://cdn.example.net/a.jpg', thumbnailUrl: thumb('a.jpg'), title: 'A', strategy: 'imgres_link' });
  });

  it('does not take site icons, images without alt, or narrow images for results', () => {
    const doc = page(
      `<div data-ri="0"><img alt="" width="300" src="${PNG}"></div>` +
        `<div data-ri="1"><img width="300" src="${PNG}"></div>` +
        `<div data-ri="2"><img alt="icon" width="46" height="46" src="${PNG}"></div>` +
        `<div data-lpage="https://example.org/"><img alt="  " src="${PNG}"></div>`,
    );
    expect(findResults(doc)).toEqual([]);
  });

  it('takes the first image that is a thumbnail when site icons or narrow images come before it', () => {
    const doc = page(
      `<div data-ri="0"><img alt="" width="300" src="${PNG}"><img alt="icon" width="18" src="${PNG}"><img alt="A fox" width="300" src="${thumb('fox.jpg')}"></div>` +
        `<div data-ri="1"><img width="300" src="${PNG}"></div>`,
    );
    const results = findResults(doc);
    expect(results.map((result) => result.element.getAttribute('data-ri'))).toEqual(['0']);
    expect(results[0]?.thumbnailUrl).toBe(thumb('fox.jpg'));
    expect(resultElements(doc).map((element) => element.getAttribute('data-ri'))).toEqual(['0']);
  });

  it('reports unreadable rg_meta and rg_meta with a javascript: original', () => {
    const doc = page(
      `<div data-ri="0" class="rg_bx"><img alt="A" src="${thumb('a.jpg')}"><div class="rg_meta">{"ou":</div></div>` +
        `<div data-ri="1" class="rg_bx"><img alt="B" src="${thumb('b.jpg')}"><div class="rg_meta">{"ou":"javascript:alert(1)","tu":"x"}</div></div>` +
        `<div data-ri="2" class="rg_bx"><img alt="C" src="${thumb('c.jpg')}"><div class="rg_meta">[1,2]</div></div>`,
    );
    const results = findResults(doc);
    expect(results.map((result) => result.candidate)).toEqual([null, null, null]);
    expect(results.map((result) => result.problem)).toEqual([
      expect.stringMatching(/not readable/),
      expect.stringMatching(/"javascript:"/),
      expect.stringMatching(/not readable/),
    ]);
    expect(results.map((result) => result.thumbnailUrl)).toEqual([thumb('a.jpg'), thumb('b.jpg'), thumb('c.jpg')]);
  });

  it('survives truncated or missing AF_initDataCallback data', () => {
    const grid = `<div data-ri="0" data-id="tbnA" data-tbnid="tbnA"><img alt="A" width="300" src="${PNG}"></div>` +
      `<div data-ri="1" data-id="tbnB" data-tbnid="tbnB"><img alt="B" width="300" src="${PNG}"></div>`;
    const truncated = findResults(page(grid + script(`AF_initDataCallback({key: 'ds:1', data:[[1,[0,"tbnA",["${thumb('a.jpg')}",200,300],["${original('a.jpg')}",1200,18`)));
    expect(truncated.map((result) => result.candidate)).toEqual([null, null]);
    expect(truncated[0]?.problem).toMatch(/not found on this page/);
    expect(truncated[0]?.thumbnailUrl).toBe(PNG);
    const partial = findResults(page(grid + script(
      `AF_initDataCallback({key: 'ds:1', data:[[1,[0,"tbnA",["${thumb('a.jpg')}",200,300],["${original('a.jpg')}",1200,1800]` +
      `,[1,[0,"tbnB",["${thumb('b.jpg')}",200,300],["javascript:alert(1)",1,1]],[1,[0,"tbnC",["${thumb('c.jpg')}",2`,
    )));
    expect(partial[0]?.candidate).toMatchObject({ imageUrl: original('a.jpg'), width: 1800, height: 1200, thumbnailUrl: thumb('a.jpg'), strategy: 'af_init_data' });
    expect(partial[1]?.candidate).toBeNull();
    expect(partial[1]?.problem).toMatch(/"javascript:"/);
  });

  it('decodes \\u003d, \\u0026 and \\/ in inline data and matches Google thumbnails by their tbn token', () => {
    const gstatic = 'https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcQx1&usqp=CAU';
    const doc = page(
      udm2Result(0, gstatic.replaceAll('&', '&amp;')) +
        script(`var d=[["https://encrypted-tbn0.gstatic.com/images?q\\u003dtbn:ANd9GcQx1",200,300],["https:\\/\\/cdn.example.net\\/img?id\\u003d7\\u0026size\\u003dlarge",1365,2048]];`),
    );
    const [result] = findResults(doc);
    expect(result?.candidate).toMatchObject({ imageUrl: 'https://cdn.example.net/img?id=7&size=large', thumbnailUrl: gstatic, width: 2048, height: 1365, strategy: 'udm2_inline' });
  });

  it('lines up data: thumbnails with the page data using the http ones, even after an unrelated pair', () => {
    const pairs = ['x', 'a', 'b', 'c'].map((name, index) => `["${thumb(`${name}.jpg`)}",200,300],["${original(`${name}.jpg`)}",${1000 + index},1500]`);
    const doc = page(udm2Result(0, PNG) + udm2Result(1, PNG) + udm2Result(2, thumb('c.jpg')) + script(`var d=[${pairs.join(',null,')}];`));
    expect(urls(findResults(doc))).toEqual([original('a.jpg'), original('b.jpg'), original('c.jpg')]);
  });

  it('refuses to match by order where the exact matches around a result disagree, and only there', () => {
    // c's result is gone from the grid: b and e disagree on how places line up, so the result between them is refused.
    const pairs = ['a', 'b', 'c', 'd', 'e'].map((name) => `["${thumb(`${name}.jpg`)}",200,300],["${original(`${name}.jpg`)}",1000,1500]`);
    const doc = page(udm2Result(0, PNG) + udm2Result(1, thumb('b.jpg')) + udm2Result(3, PNG) + udm2Result(4, thumb('e.jpg')) + script(`var d=[${pairs.join(',')}];`));
    const results = findResults(doc);
    expect(urls(results)).toEqual([original('a.jpg'), original('b.jpg'), null, original('e.jpg')]);
    expect(results[2]?.problem).toMatch(/line up/);
  });

  it('checks a match by place against Google\'s own result index when results before an exact match were removed', () => {
    // b and c are gone: by place alone, a would be taken for c (e pins places 2 entries up). Google's data-ri
    // (0, 3, 4) disagrees for a, so a is refused; for d, place and index agree on d's pair.
    const pairs = ['a', 'b', 'c', 'd', 'e'].map((name) => `["${thumb(`${name}.jpg`)}",200,300],["${original(`${name}.jpg`)}",1000,1500]`);
    const withIndex = findResults(page(udm2Result(0, PNG) + udm2Result(3, PNG) + udm2Result(4, thumb('e.jpg')) + script(`var d=[${pairs.join(',')}];`)));
    expect(urls(withIndex)).toEqual([null, original('d.jpg'), original('e.jpg')]);
    expect(withIndex[0]?.problem).toMatch(/line up/);
    // Without data-ri the place is all there is: the start and e disagree, so nothing is matched by place.
    const noIndex = (html: string) => html.replace(/ data-ri="\d+"/, '');
    const withoutIndex = findResults(page(noIndex(udm2Result(0, PNG)) + noIndex(udm2Result(3, PNG)) + noIndex(udm2Result(4, thumb('e.jpg'))) + script(`var d=[${pairs.join(',')}];`)));
    expect(urls(withoutIndex)).toEqual([null, null, original('e.jpg')]);
  });

  it('refuses an order match whose thumbnail has another shape', () => {
    const doc = page(udm2Result(0, PNG, { width: 150, height: 300 }) + script(`["${thumb('a.jpg')}",200,300],["${original('a.jpg')}",1000,1500]`));
    const [result] = findResults(doc);
    expect(result?.candidate).toBeNull();
    expect(result?.problem).toMatch(/another image/);
  });

  it('does not match an http thumbnail that is not in the page data by order', () => {
    const doc = page(udm2Result(0, thumb('z.jpg')) + script(`["${thumb('a.jpg')}",200,300],["${original('a.jpg')}",1000,1500]`));
    const [result] = findResults(doc);
    expect(result?.candidate).toBeNull();
    expect(result?.problem).toMatch(/no original/);
    expect(result?.thumbnailUrl).toBe(thumb('z.jpg'));
  });

  it('reports results without page data, without src, and pages with nothing', () => {
    const noData = findResults(page(udm2Result(0, PNG) + udm2Result(1, null)));
    expect(noData.map((result) => result.candidate)).toEqual([null, null]);
    expect(noData[0]?.problem).toMatch(/not found on this page/);
    expect(noData[1]?.thumbnailUrl).toBeUndefined();
    expect(findResults(page('<p>nothing</p>'))).toEqual([]);
    expect(findPreview(page('<p>nothing</p>'))).toBeNull();
    expect(findResults(page(''), page('').createDocumentFragment())).toEqual([]);
  });

  it('reports a preview that still shows a thumbnail, and finds its original in the page data when it can', () => {
    const gstatic = 'https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcZz9';
    const panel = `<div jsname="figiqf"><img jsname="kn3ccd" alt="A" src="${gstatic}"></div>`;
    const bare = findPreview(page(panel));
    expect(bare?.candidate).toBeNull();
    expect(bare?.problem).toMatch(/no original/);
    expect(bare?.thumbnailUrl).toBe(gstatic);
    const known = findPreview(page(panel + script(`["${gstatic}",200,300],["${original('a.jpg')}",1000,1500]`)));
    expect(known?.candidate).toMatchObject({ imageUrl: original('a.jpg'), thumbnailUrl: gstatic, width: 1500, height: 1000 });
    const dataUrl = findPreview(page(`<div jsname="figiqf"><img jsname="kn3ccd" alt="A" src="${PNG}"></div>`));
    expect(dataUrl?.candidate).toBeNull();
    expect(dataUrl?.thumbnailUrl).toBe(PNG);
    expect(findPreview(page(`<div jsname="figiqf" style="display:none"><img jsname="kn3ccd" alt="A" src="${original('a.jpg')}"></div>`))).toBeNull();
    expect(findPreview(page(`<div class="irc_c"><img class="irc_mi" alt="A" src="javascript:alert(1)"></div>`))).toBeNull();
  });
});

describe('a 10,000-result page', () => {
  it('finds every result and its original', () => {
    const count = 10_000;
    const grid: string[] = [];
    const data: string[] = [];
    for (let index = 0; index < count; index += 1) {
      grid.push(udm2Result(index, index < 20 ? PNG : `${IMG}/thumbs/t${index}.jpg`));
      data.push(`["${IMG}/thumbs/t${index}.jpg",200,300],["${IMG}/originals/o${index}.jpg",${1000 + index},1500]`);
    }
    const doc = page(`<div id="grid">${grid.join('')}</div>${script(`var m=[${data.join(',null,')}];var n=[${data.join(',')}];`)}`);
    const started = performance.now();
    const results = findResults(doc);
    console.info(`findResults on ${count} results: ${Math.round(performance.now() - started)} ms`);
    expect(results).toHaveLength(count);
    expect(results[0]?.candidate?.imageUrl).toBe(`${IMG}/originals/o0.jpg`);
    expect(results[19]?.candidate?.imageUrl).toBe(`${IMG}/originals/o19.jpg`);
    expect(results[9999]?.candidate).toMatchObject({ imageUrl: `${IMG}/originals/o9999.jpg`, height: 10_999, strategy: 'udm2_inline' });
    const last = doc.querySelector('#grid')?.lastElementChild ?? undefined;
    expect(findResults(doc, last)[0]?.candidate?.imageUrl).toBe(`${IMG}/originals/o9999.jpg`);
  }, 120_000); // happy-dom parses a 10,000-result page in seconds; the extraction itself takes a fraction of that
});
