/**
 * A Google Images page whose results arrive by scrolling (issue 19 "download all"), derived from the real 2024
 * `udm=2` page (test/fixtures/google-real/udm2-2024-08-cat.html), not invented: its first 100 results are the real
 * page's, served as real-pages.ts serves them; 100 more arrive in four chunks of 25 when the page's end comes into
 * view, each result a clone of a real result's markup (its docid, `jsdata` key, source page, thumbnail and title
 * changed), each chunk's data an inline script in the real page's map shape (`"KEY":[1,[0,"DOCID",["THUMB",h,w],
 * ["ORIGINAL",h,w],…]`, a real entry with those fields changed), placed in the page's own async insertion point
 * (`#arc-srp_1`, `data-graft-type="insert"`), with Google's own loading spinner shown meanwhile.
 * What is assumed: real Google fetches the next results (XHR) and we have no saved response; that the data of
 * later results is in the DOM in the first page's shape is this fixture's assumption (the content script reads
 * any inline script), written down in docs/decisions/0041.
 *
 * The 100 added results: sizes are the real results' sizes in the same order (so some are too small, as on the
 * real page); every 20th from the 7th names an earlier real result's original again (a duplicate on the page),
 * every 20th from the 13th holds an earlier real original's bytes under a new address (a duplicate by content);
 * every 25th from the 3rd answers 404, every 25th from the 17th an HTML page (both fail for good, with reasons).
 */
import type { Extension } from './fixtures.ts';
import { makeJpeg } from '../../scripts/image-host.mjs';
import { offline, originalBytes, realPage, routeThumbnails, UDM2_2024, udm2WithLocalOriginals } from './real-pages.ts';

export type ScrollKind = 'real' | 'new' | 'page-duplicate' | 'content-duplicate' | '404' | 'html';

export interface ScrollResult {
  index: number;
  docid: string;
  kind: ScrollKind;
  /** The original's address on the image host (a path). */
  local: string;
  width: number;
  height: number;
  /** The bytes served there (none for the failing ones). */
  bytes: Buffer | null;
}

/** The real map's entry for one key, as the page writes it (from `[1,` to the entry's end). */
function realEntry(html: string, key: string, nextKey: string): string {
  const start = html.indexOf(`"${key}":[1,[0,`);
  const end = html.indexOf(`,"${nextKey}":[1,[0,`, start);
  if (start < 0 || end < 0) throw new Error(`no map entry ${key}`);
  return html.slice(start + key.length + 3, end);
}

/** `{html, results}`: the page to serve and its 200 results in page order. */
export function scrollingUdm2(): { html: string; results: ScrollResult[] } {
  const { html: realHtml, results: real } = udm2WithLocalOriginals();
  const raw = realPage(UDM2_2024);
  // The real sizes, by docid (`["ORIGINAL",h,w]`), and a real entry to derive the new ones from.
  const sizes = new Map<string, { width: number; height: number }>();
  for (const match of raw.matchAll(/"[A-Za-z0-9_-]+":\[1,\[0,"([^"]+)",\["[^"]*",\d+,\d+\],\["[^"]+",(\d+),(\d+)\]/g)) {
    sizes.set(match[1] as string, { height: Number(match[2]), width: Number(match[3]) });
  }
  const template = realEntry(realHtml, 'AZA7BI', 'AZA7BM');
  const templateDocid = 'h89eC_17wa_kEM';
  const templateOriginal = /\["([^"]+)",358,626\]/.exec(template)?.[1] ?? '';
  const templateThumb = /^\[1,\[0,"[^"]+",\["([^"]+)",170,297\]/.exec(template)?.[1] ?? '';
  if (!templateOriginal || !templateThumb) throw new Error('the real entry changed shape');

  const results: ScrollResult[] = real.map((result, index) => ({ index, docid: result.docid, kind: 'real', local: result.local, ...(sizes.get(result.docid) ?? { width: 0, height: 0 }), bytes: null }));
  const chunks: Array<{ data: string; results: Array<{ docid: string; key: string; thumb: string; lpage: string; alt: string; tw: number; th: number }> }> = [];
  for (let i = 0; i < 100; i++) {
    const source = results[i] as ScrollResult;
    const kind: ScrollKind = i % 25 === 3 ? '404' : i % 25 === 17 ? 'html' : i % 20 === 7 ? 'page-duplicate' : i % 20 === 13 ? 'content-duplicate' : 'new';
    const local = kind === 'page-duplicate' ? source.local : kind === '404' ? `/fault/404/scroll-${i}.jpg` : kind === 'html' ? `/fault/html/scroll-${i}.jpg` : `/originals/scroll-${i}.jpg`;
    // The failing ones are large, so that the size filter keeps them and they fail at the host.
    const size = kind === '404' || kind === 'html' ? { width: 1600, height: 1200 } : { width: source.width, height: source.height };
    const docid = `scrl${String(i).padStart(3, '0')}Dc1d_x`;
    const key = `SCR${String(i).padStart(3, '0')}`;
    const thumb = `https://encrypted-tbn0.gstatic.com/images?q\\u003dtbn:ANd9GcScroll${i}\\u0026s`;
    const th = 180;
    const tw = Math.max(60, Math.round((180 * size.width) / size.height));
    const entry = template
      .replaceAll(templateDocid, docid)
      .replace(`["${templateThumb}",170,297]`, `["${thumb}",${th},${tw}]`)
      .replace(`["${templateOriginal}",358,626]`, `["{{IMG}}${local}",${size.height},${size.width}]`);
    const chunk = Math.floor(i / 25);
    chunks[chunk] ??= { data: '', results: [] };
    const current = chunks[chunk];
    current.data += `${current.data ? ',' : ''}"${key}":${entry}`;
    current.results.push({ docid, key, thumb: thumb.replaceAll('\\u003d', '=').replaceAll('\\u0026', '&'), lpage: `https://example.org/cats/${i}.html`, alt: `Cat picture ${i}`, tw, th });
    results.push({ index: 100 + i, docid, kind, local, ...size, bytes: null });
  }
  for (const chunk of chunks) chunk.data = `(function(){var m={${chunk.data}};})();`;
  const script = `<script>(function(){
  var chunks = ${JSON.stringify(chunks).replaceAll('</', '<\\/')};
  var grid = document.querySelectorAll('[jsname="dTDiAc"]');
  var template = grid[50].cloneNode(true);
  var parent = grid[grid.length - 1].parentElement;
  var next = 0, loading = false;
  function more() {
    if (loading || next >= chunks.length) return;
    var root = document.scrollingElement || document.documentElement;
    if (root.scrollTop + innerHeight < root.scrollHeight - 600) return;
    loading = true;
    var spinner = document.querySelector('[jsname="b6rISd"]');
    if (spinner) spinner.style.display = 'block';
    setTimeout(function () {
      var chunk = chunks[next++];
      var data = document.createElement('script');
      data.textContent = chunk.data;
      (document.getElementById('arc-srp_1') || document.body).append(data);
      chunk.results.forEach(function (r, n) {
        var el = template.cloneNode(true);
        el.setAttribute('data-docid', r.docid);
        el.setAttribute('data-lpage', r.lpage);
        el.querySelectorAll('[jsdata^="j0Opre;"]').forEach(function (x) { x.setAttribute('jsdata', 'j0Opre;' + r.docid + ';' + r.key); });
        el.setAttribute('jsdata', 'j0Opre;' + r.docid + ';' + r.key);
        var img = el.querySelector('img.YQ4gaf:not(.zr758c)');
        img.id = 'dimg_scroll_' + next + '_' + n;
        img.src = r.thumb;
        img.alt = r.alt;
        img.width = r.tw;
        img.height = r.th;
        el.querySelectorAll('a[href]').forEach(function (a) { a.href = r.lpage; });
        parent.append(el);
      });
      if (spinner) spinner.style.display = 'none';
      loading = false;
      more();
    }, 300);
  }
  addEventListener('scroll', more, { passive: true });
})();</script>`;
  const html = realHtml.replace(/<\/body>/i, () => `${script}</body>`);
  return { html, results };
}

/** Serves the scrolling page offline, with every original's bytes on the image host. */
export async function serveScrolling(ext: Extension): Promise<ScrollResult[]> {
  const { html, results } = scrollingUdm2();
  // The real results' originals as serveUdm2 makes them (the result's own inline JPEG thumbnail, or a JPEG of its own).
  const realHtml = udm2WithLocalOriginals().html;
  const inline = new Map([...realHtml.matchAll(/<div jsname="dTDiAc"[^>]*data-docid="([^"]+)"(?:(?!<div jsname="dTDiAc")[\s\S])*?<img[^>]*?src="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]));
  const used = new Set<string>();
  for (const result of results.filter((each) => each.kind === 'real')) {
    const name = result.local.replace('/originals/', '');
    if (ext.images.images.has(name)) continue;
    const thumbnail = /^data:image\/jpeg;base64,/.test(inline.get(result.docid) ?? '') ? (inline.get(result.docid) ?? '').replace(/^data:image\/jpeg;base64,/, '') : null;
    const original = thumbnail && !used.has(thumbnail) ? Buffer.from(thumbnail, 'base64') : makeJpeg(`real page original ${name}`, 2000);
    if (thumbnail) used.add(thumbnail);
    ext.images.images.set(name, { original, thumb: original, contentType: 'image/jpeg' });
  }
  for (const result of results) {
    if (result.kind === '404' || result.kind === 'html') continue;
    if (result.kind === 'new') ext.images.images.set(result.local.replace('/originals/', ''), { original: makeJpeg(`scrolled original ${result.index}`, 3000), thumb: makeJpeg(`thumb ${result.index}`), contentType: 'image/jpeg' });
    if (result.kind === 'content-duplicate') {
      const same = originalBytes(ext, (results[result.index - 100] as ScrollResult).local);
      ext.images.images.set(result.local.replace('/originals/', ''), { original: same, thumb: same, contentType: 'image/jpeg' });
    }
    result.bytes = originalBytes(ext, result.local);
  }
  await offline(ext.context);
  await routeThumbnails(ext);
  ext.serveRealPage(UDM2_2024, () => html);
  return results;
}
