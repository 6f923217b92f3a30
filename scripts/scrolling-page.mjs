// A Google Images page whose results arrive by scrolling, derived from the real 2024 `udm=2` page
// (test/fixtures/google-real/udm2-2024-08-cat.html), for the "download all" e2e (test/e2e/scrolling-page.ts) and the
// bench (scripts/bench/download-all.mjs). Plain JavaScript so that both can use it (Node 20 runs no TypeScript).
//
// The page: the real page's 100 results, their originals pointed at `{{IMG}}/originals/real-<n>.jpg` in every form the
// page writes them (as test/e2e/real-pages.ts's udm2WithLocalOriginals does), then `extra` more results in chunks of
// 25 when the page's end comes into view — each a clone of a real result's markup (docid, `jsdata` key, source page,
// thumbnail and title changed), each chunk's data an inline script in the real map shape (a real entry with docid,
// thumbnail, original and sizes changed) placed in the page's own async insertion point (`#arc-srp_1`), with
// Google's own spinner shown meanwhile. Assumed, not observed: that later results' data reaches the DOM in the first
// page's shape (docs/decisions/0041).

/** The real page with every original pointed at the local host, and its results in grid order. */
export function withLocalOriginals(raw) {
  let html = raw;
  const byDocid = new Map();
  for (const match of html.matchAll(/"[A-Za-z0-9_-]+":\[1,\[0,"([^"]+)",\["[^"]*",\d+,\d+\],\["([^"]+)",(\d+),(\d+)\]/g)) {
    byDocid.set(match[1], { raw: match[2], original: JSON.parse(`"${match[2]}"`), height: Number(match[3]), width: Number(match[4]) });
  }
  const distinct = [...new Set([...byDocid.values()].map((entry) => entry.original))];
  const localOf = new Map(distinct.map((original, index) => [original, `/originals/real-${index}.jpg`]));
  const escapeHtml = (text) => text.replaceAll('&', '&amp;');
  for (const { raw: written, original } of byDocid.values()) {
    const local = `{{IMG}}${localOf.get(original) ?? ''}`;
    html = html.replaceAll(written, local).replaceAll(escapeHtml(original), local).replaceAll(encodeURIComponent(original), encodeURIComponent(local));
  }
  const grid = [...html.matchAll(/<div jsname="dTDiAc"[^>]*data-docid="([^"]+)"/g)].map((match) => match[1]);
  const results = grid.map((docid) => {
    const entry = byDocid.get(docid);
    return { docid, local: localOf.get(entry?.original ?? '') ?? '', width: entry?.width ?? 0, height: entry?.height ?? 0 };
  });
  return { html, results };
}

/** The real map's entry for one key, as the page writes it (from `[1,` to the entry's end). */
function realEntry(html, key, nextKey) {
  const start = html.indexOf(`"${key}":[1,[0,`);
  const end = html.indexOf(`,"${nextKey}":[1,[0,`, start);
  if (start < 0 || end < 0) throw new Error(`no map entry ${key}`);
  return html.slice(start + key.length + 3, end);
}

/**
 * The kind of the added result `i` in the mixed page: every 25th from the 3rd answers 404, every 25th from the 17th
 * an HTML page, every 20th from the 7th names an earlier real result's original again, every 20th from the 13th holds
 * an earlier real original's bytes under a new address; the others are new originals.
 */
export function mixedKind(i) {
  return i % 25 === 3 ? '404' : i % 25 === 17 ? 'html' : i % 20 === 7 ? 'page-duplicate' : i % 20 === 13 ? 'content-duplicate' : 'new';
}

/**
 * `{ html, results }`: the page and its results in page order (`index`, `docid`, `kind`, `local` path, `width`,
 * `height`). `kindOf(i)`: the added result i's kind (mixedKind; `() => 'new'` for 100 plain new originals).
 * `localOf(i, kind)`: where a new original is served (default `/originals/scroll-<i>.jpg`).
 */
export function scrollingPage(raw, { extra = 100, kindOf = mixedKind, localOf = (i) => `/originals/scroll-${i}.jpg` } = {}) {
  const { html: realHtml, results: real } = withLocalOriginals(raw);
  const template = realEntry(realHtml, 'AZA7BI', 'AZA7BM');
  const templateDocid = 'h89eC_17wa_kEM';
  const templateOriginal = /\["([^"]+)",358,626\]/.exec(template)?.[1] ?? '';
  const templateThumb = /^\[1,\[0,"[^"]+",\["([^"]+)",170,297\]/.exec(template)?.[1] ?? '';
  if (!templateOriginal || !templateThumb) throw new Error('the real entry changed shape');
  const results = real.map((result, index) => ({ index, docid: result.docid, kind: 'real', local: result.local, width: result.width, height: result.height }));
  const chunks = [];
  for (let i = 0; i < extra; i++) {
    const source = results[i % real.length];
    const kind = kindOf(i);
    const local = kind === 'page-duplicate' ? source.local : kind === '404' ? `/fault/404/scroll-${i}.jpg` : kind === 'html' ? `/fault/html/scroll-${i}.jpg` : localOf(i, kind);
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
    const chunk = (chunks[Math.floor(i / 25)] ??= { data: '', results: [] });
    chunk.data += `${chunk.data ? ',' : ''}"${key}":${entry}`;
    chunk.results.push({ docid, key, thumb: thumb.replaceAll('\\u003d', '=').replaceAll('\\u0026', '&'), lpage: `https://example.org/cats/${i}.html`, alt: `Cat picture ${i}`, tw, th });
    results.push({ index: real.length + i, docid, kind, local, ...size, source: source.index });
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
  return { html: realHtml.replace(/<\/body>/i, () => `${script}</body>`), results };
}
