// Benchmark area `contentScript` (issue 4), with the BUILT extension in headless Chromium.
//
// THE FIXTURE, AND WHY. A generated udm2-style Google Images page (routed, offline). The page's own scripts do
// the work Google's results code does for each batch, so that "what the extension adds" is measured against a
// page that behaves like the real one, not against an empty page (the old fixture did almost nothing: any
// extension looked 10-20x as expensive as the page, which said nothing about what a user feels). Per batch, each
// step in a task of its own, as Google's code splits its work (so the page's own long tasks are the page's):
//   1. decode the batch's response (JSON.parse of a batchexecute-like payload, ~1.5 KB per result; Google's
//      real responses are larger);
//   2. render: build the results' HTML and insert it with ONE append (what the content script sees);
//   3. hydrate: parse each result's `jsaction` into a handler map, watch each thumbnail with an
//      IntersectionObserver (lazy loading);
//   4. lay out a justified grid: row breaks from the declared sizes, a width/height written per result, one
//      forced layout read;
//   5. log impressions: a ved-like string per result.
// The page first renders 1,000 results, then 10 infinite-scroll batches of 100. Google's real page does far
// more (its ~1 MB of JavaScript is compiled and run at load): this page is, if anything, lighter than Google's,
// so the ratio below is, if anything, unfavourable to the extension.
//
// WITH AND WITHOUT, IN ONE RUN. One browser with the extension loaded; the same page is served twice: once at
// www.google.com (the content script runs) and once at a host the content script does not match (it never runs:
// the page without the extension). Same browser, same moment, same page code.
//
// ATTRIBUTION BY SCRIPT. A Chromium trace (devtools.timeline) of each page names the script of every function
// call, script evaluation and callback; the extension's work is every outermost one whose script is
// chrome-extension://. Hence:
// - decorateMsFor1000: the extension's main-thread script time from the start of the 1,000-result insert until
//   every one of those results has its control (the page polls for the controls and marks the end).
// - maxLongTaskMs: the most extension script time inside any one task of the page's main thread (so a page
//   task that is long by itself is not blamed on the extension, and the extension's share of any task counts).
//   maxLongTaskMsNoExtension: the page's own longest task without the extension ('longtask' observer), for scale.
// - scriptingRatioVsNoExtension: (the page's scripting without the extension + the extension's own script time
//   in the same stretch) / the page's scripting without the extension, from the first insert to after the last
//   batch (+1 s). BOTH terms are CPU time of the outermost script slices of the renderer's main thread, from a
//   trace of each page with the same categories (the page without the extension is traced too, so both carry the
//   same tracing overhead). Until 2026-11-27 the denominator was CDP ScriptDuration, which is WALL time: on a
//   loaded machine it grows with the load (487 to 1,440 ms for the same page in two runs ten minutes apart) while
//   the numerator (CPU time) does not, so the ratio came out better the busier the machine was.
//   scriptingRatioSamePage: the same with the denominator taken from the page WITH the extension (the page's own
//   slices, the extension's subtracted): no second page's noise; it should agree with the ratio.
//   scriptingRatioTwoPages is the plain ScriptDuration(with) / ScriptDuration(without) of the two pages: what the
//   issue literally asks, but two pages' scripting differs by ±20 % on a loaded machine with no extension at all
//   (0.91 was seen), so it cannot resolve a 10 % budget; the attributed ratio cannot come out below 1 by luck.
//   pageScriptCpuMs: the denominator, for scale.
//   extensionScriptMs: the extension's own script time over the whole page's life (from the trace), for scale.
//   styleLayoutMsWith / styleLayoutMsWithout: the main thread's style, layout and parsing CPU in the same stretch,
//   with and without the extension: a cheaper script must not just move its cost into style recalculation (these
//   swing by hundreds of ms on a loaded machine: compare them over several runs only).
// - mainThreadRatioRealPage (issue 18), mainThreadMsRealPageWith/Without, mainThreadRatioRealPageWall: the real 2024
//   page, all main-thread task time with the extension / without, median of alternated runs: how each is measured
//   is written at the top of scripts/bench/pages/real-page.mjs.
// - bundleBytes: bytes of the content script as every Google Images page loads it: the manifest's loader, every
//   chunk it imports statically or through chrome.runtime.getURL, and any content-script CSS. lazyBundleBytes: the
//   chunks reached only through a dynamic import() or our own on-demand loader (src/platform/extension-module.ts;
//   the click path, bulk select, the old layouts' strategies, the preview's), counted apart; 0 when there are none. A lazy chunk
//   the bench page loaded anyway (it watches the page's requests) is counted in bundleBytes instead, and named.
// The extension's times are CPU time (the trace's thread time): on the shared 2-core machine these numbers come
// from (load average ~20), a slice's WALL time is mostly time the OS gave other processes — a slice that checks
// its 8 ms budget every 25 controls was seen lasting 320 ms of wall time. maxLongTaskMsWallClock reports the
// same measure in wall time, for comparison. On an idle machine the two agree.
// Numbers are noisy: other work inflates all of them; compare ratios measured in one run.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { launchWithExtension, routeGooglePages } from '../chromium.mjs';
import { measureRealPage } from './pages/real-page.mjs';
import { fileURLToPath } from 'node:url';

const FIRST = 1000;
const BATCHES = 10;
const BATCH = 100;
const CONTROL = '[data-testid="semantest-download"]';

export const targets = {
  decorateMsFor1000: { max: 50 },
  maxLongTaskMs: { max: 50 },
  scriptingRatioVsNoExtension: { max: 1.1 },
  bundleBytes: { max: 20480 },
  mainThreadRatioRealPage: { max: 1.03 },
};

const DATA_GIF = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const thumb = (i) => `https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcBench${i}`;
const original = (i) => `https://images.example.org/photos/animal-${i}.jpg`;

/** A udm2-style page: inline data for the first 100 results, and Google-like "app" code that renders results. */
export function benchPage() {
  const pairs = [];
  for (let i = 0; i < 100; i++) pairs.push(`[null,["${thumb(i)}",200,300],["${original(i)}",1200,1800],null,0,"rgb(1,2,3)"]`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>animals - Google Search</title>
<style>#grid{width:1200px}.eA0Zlc{display:inline-block;vertical-align:top;overflow:hidden}</style>
<script>window.__longest = 0; try { new PerformanceObserver(function (list) { for (var e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask', buffered: true }); } catch (e) {}</script></head><body>
<div id="search"><div class="wH6SXe" id="grid"></div></div>
<script>(function(){var s=[${pairs.join(',')}];window.google={sgi:s};})();</script>
<script>
(function () {
  var next = 0;
  var handlers = new WeakMap();
  var lazy = new IntersectionObserver(function (entries) { for (var e of entries) if (e.isIntersecting) lazy.unobserve(e.target); });
  var impressions = [];
  function task(work) { return new Promise(function (done) { setTimeout(function () { work(); done(); }, 0); }); }
  // 1. What a batchexecute-like response holds per result (Google's are bigger).
  function payload(from, count) {
    var items = [];
    for (var i = from; i < from + count; i++) {
      var w = 200 + (i * 37) % 200, h = 150 + (i * 53) % 150;
      items.push([null, 'd' + i, ['${thumb('')}'.replace(/Bench$/, 'Bench' + i), h, w], ['${original('')}'.replace(/-\\.jpg$/, '-' + i + '.jpg'), h * 6, w * 6],
        null, 0, 'rgb(' + (i % 255) + ',2,3)', null, 0, { 2003: [null, 'tbn' + i, 'https://site' + (i % 50) + '.example/page-' + i + '.html', 'Animal ' + i + ' - a picture of an animal from site ' + (i % 50), null, null, null, 'site' + (i % 50) + '.example', null, 'Site ' + (i % 50)],
        2000: [null, 'site' + (i % 50) + '.example', String(12000 + i * 7)], 183836587: ['site' + (i % 50) + '.example'], 2008: [null, 'Animal ' + i], 9999: ['x'.repeat(400)] }]);
    }
    return JSON.stringify(items);
  }
  function result(item, i) {
    var src = i < 20 ? '${DATA_GIF}' : item[2][0];
    var meta = item[9][2003];
    return '<div jsname="dTDiAc" class="eA0Zlc WghbWd FnEtTd mkpRId" data-docid="' + item[1] + '" data-lpage="' + meta[2] + '" data-ri="' + i + '" jsaction="mousedown:npT2md;click:J9iaEb;contextmenu:Xhgvid;focus:kvVbVb">' +
      '<div jsname="qQjpJ" class="czzyk XOEbc"><h3 class="ob5Hkd"><a class="EZAeBe" jsname="sTFXNd" tabindex="0" role="button" jsaction="J9iaEb;focus:kvVbVb">' +
      '<div class="H8Rx8c"><g-img class="mNsIhb"><img class="YQ4gaf" width="' + item[2][2] + '" height="' + item[2][1] + '" alt="Animal ' + i + '" src="' + src + '"></g-img></div></a></h3></div>' +
      '<div class="toI8Rb OSrXXb"><a class="EZAeBe" href="' + meta[2] + '"><div class="guK3rf"><g-img class="PYtNxe"><img class="YQ4gaf zr758c" width="18" height="18" alt="" src="${DATA_GIF}"></g-img><span>' + meta[7] + '</span></div>' +
      '<div class="toI8Rb OSrXXb">' + meta[3] + '</div></a></div></div>';
  }
  // Renders count more results the way Google's code does (see the header), then waits for the controls.
  window.benchInsert = function (count, expected) {
    var grid = document.getElementById('grid');
    var from = next, items, added;
    var text = payload(from, count);
    var buttons = document.getElementsByTagName('button');
    var before = buttons.length;
    next += count;
    performance.mark('bench:insert:' + from);
    return task(function () { items = JSON.parse(text); })
      .then(function () { return task(function () {
        var html = '';
        for (var k = 0; k < items.length; k++) html += result(items[k], from + k);
        var template = document.createElement('template');
        template.innerHTML = html;
        added = Array.prototype.slice.call(template.content.children);
        grid.append(template.content);
      }); })
      .then(function () { return task(function () {
        for (var el of added) {
          for (var node of [el].concat(Array.prototype.slice.call(el.querySelectorAll('[jsaction]')))) {
            var map = {};
            for (var part of node.getAttribute('jsaction').split(';')) { var kv = part.split(':'); map[kv.length > 1 ? kv[0] : 'click'] = kv[kv.length - 1]; }
            handlers.set(node, map);
          }
          var img = el.querySelector('img');
          if (img) lazy.observe(img);
        }
      }); })
      .then(function () { return task(function () {
        var row = [], rowWidth = 0, target = 1200, height = 180;
        function flush(last) {
          var scale = last ? 1 : target / rowWidth;
          for (var r of row) { r.el.style.width = Math.floor(r.w * scale) + 'px'; r.el.style.height = Math.floor(height * scale) + 'px'; }
          row = []; rowWidth = 0;
        }
        for (var k = 0; k < added.length; k++) {
          var w = items[k][2][2] * height / items[k][2][1];
          row.push({ el: added[k], w: w }); rowWidth += w;
          if (rowWidth >= target) flush(false);
        }
        flush(true);
        return grid.offsetHeight;
      }); })
      .then(function () { return task(function () {
        for (var k = 0; k < added.length; k++) impressions.push('0ahUKEw' + btoa(String(from + k) + ':' + items[k][1] + ':' + added[k].style.width).replace(/=/g, ''));
      }); })
      .then(function () { return new Promise(function (done) {
        // Waits for the controls cheaply (the page has no buttons of its own; a live collection's length is
        // cached): a poll that queried every result every 10 ms was most of the page's scripting, and starved the
        // extension's tasks, on the loaded machine.
        (function poll() {
          if (buttons.length - before >= expected) { performance.mark('bench:decorated:' + from); done(buttons.length - before); }
          else setTimeout(poll, 20);
        })();
      }); });
  };
})();
</script>
</body></html>`;
}

/**
 * Bytes of the content script as shipped, following its imports through dist/. `bytes`: what every Google Images
 * page loads (the manifest's loader, every chunk it or they import statically or through chrome.runtime.getURL,
 * any content-script CSS). `lazyBytes`: chunks only reached through a dynamic `import()` or named by their path
 * for our own loader (`importExtensionModule`: loaded on a user action or when the page needs them, e.g. bulk
 * select, the old layouts' strategies), with what they import that the eager part does not; 0 when there are none.
 * The run checks that no such chunk was loaded on the bench page (else it counts as eager: `lazyLoadedInRun`).
 */
export function contentScriptBytes(distDir) {
  const manifest = JSON.parse(readFileSync(join(distDir, 'manifest.json'), 'utf8'));
  const eager = new Set();
  const lazy = new Set();
  const lazyRoots = [];
  const visit = (relative, seen) => {
    const file = normalize(join(distDir, relative));
    if (eager.has(file) || seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    if (!file.endsWith('.js')) return;
    const text = readFileSync(file, 'utf8');
    const here = dirname(file).slice(normalize(distDir).length);
    for (const [, path] of text.matchAll(/getURL\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) visit(path, seen);
    // Static imports (`import x from "./a.js"`, `import "./a.js"`) load with the chunk; `import("./a.js")` (any
    // quote: the minifier writes backticks) loads when that code runs.
    for (const [, path] of text.matchAll(/(?:\bfrom|\bimport)\s*["'`](\.{1,2}\/[^"'`]+)["'`]/g)) visit(join(here, path), seen);
    for (const [, path] of text.matchAll(/\bimport\s*\(\s*(?:\/\*[^*]*\*\/\s*)?["'`](\.{1,2}\/[^"'`]+)["'`]\s*\)/g)) lazyRoots.push(join(here, path));
    // A chunk named by its path in a string (not in a getURL("...") call: those are the loader's) is loaded on demand
    // by our own loader (src/platform/extension-module.ts: import(chrome.runtime.getURL(path))).
    for (const [, path] of text.matchAll(/(?<!getURL\(\s*)["'`](assets\/[\w.-]+\.js)["'`]/g)) lazyRoots.push(path);
  };
  for (const script of manifest.content_scripts ?? []) for (const path of [...(script.js ?? []), ...(script.css ?? [])]) visit(path, eager);
  for (const root of lazyRoots) visit(root, lazy);
  const size = (files) => [...files].reduce((sum, file) => sum + statSync(file).size, 0);
  const names = (files) => [...files].map((file) => file.slice(normalize(distDir).length + 1));
  return { bytes: size(eager), files: names(eager), lazyBytes: size(lazy), lazyFiles: names(lazy) };
}

const EXTENSION_SCRIPT = /^chrome-extension:\/\//;
/**
 * Work that is not scripting although a script caused it (DevTools' Performance panel counts it as Rendering or
 * Loading, not Scripting): taken out of the script slices it is nested in, for the page's and the extension's alike.
 */
const NOT_SCRIPT = new Set(['Layout', 'UpdateLayoutTree', 'RecalculateStyles', 'ParseHTML', 'ParseAuthorStyleSheet', 'HitTest']);
const SCRIPT_EVENTS = new Set(['FunctionCall', 'EvaluateScript', 'v8.evaluateModule', 'v8.compileModule', 'v8.compile', 'v8.run', 'TimerFire', 'FireIdleCallback', 'EventDispatch']);

function scriptUrlOf(event) {
  const data = event.args?.data ?? event.args ?? {};
  return data.url ?? data.scriptName ?? data.fileName ?? (typeof data.stackTrace?.[0]?.url === 'string' ? data.stackTrace[0].url : '') ?? '';
}

async function readTrace(cdp) {
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  const { stream } = await done;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
}

/** The extension's outermost script slices, the main thread's tasks, and the bench's marks, from a trace. */
function analyse(events) {
  const slices = events.filter((e) => e.ph === 'X' && SCRIPT_EVENTS.has(e.name) && EXTENSION_SCRIPT.test(scriptUrlOf(e)));
  // The renderer main thread: where the page's marks are.
  const marks = events.filter((e) => e.name.startsWith('bench:'));
  const main = marks[0] ? { pid: marks[0].pid, tid: marks[0].tid } : null;
  const onMain = (e) => main && e.pid === main.pid && e.tid === main.tid;
  const outermost = (list) => {
    const kept = [];
    for (const slice of list.filter(onMain).sort((a, b) => a.ts - b.ts)) {
      const last = kept.at(-1);
      if (last && slice.ts < last.ts + last.dur) continue;
      kept.push(slice);
    }
    return kept;
  };
  const outer = outermost(slices);
  // Rendering and parsing nested in a script slice (see NOT_SCRIPT), outermost first, sorted by start.
  const rendering = outermost(events.filter((e) => e.ph === 'X' && NOT_SCRIPT.has(e.name)));
  const renderingIn = (slice) => {
    let sum = 0;
    // Binary search for the first rendering event at or after the slice's start.
    let lo = 0;
    let hi = rendering.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rendering[mid].ts < slice.ts) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < rendering.length && rendering[i].ts < slice.ts + slice.dur; i++) {
      const e = rendering[i];
      sum += typeof e.tdur === 'number' && typeof slice.tdur === 'number' ? e.tdur : e.dur;
    }
    return sum;
  };
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && onMain(e));
  const markTs = new Map(marks.map((e) => [e.name, e.ts]));
  // CPU time (the trace's thread time, `tdur`) where the trace has it, else wall time: with ~10 runnable threads per
  // core here, a slice's wall time is mostly the time the OS gave other processes (see the header).
  const cpu = (s) => (s.scriptCpu ??= Math.max(0, (typeof s.tdur === 'number' ? s.tdur : s.dur) - renderingIn(s)));
  const within = (list) => (from, to, cost = cpu) =>
    list.reduce((sum, s) => sum + (s.ts < to && s.ts + s.dur > from ? cost(s) * Math.min(1, (Math.min(s.ts + s.dur, to) - Math.max(s.ts, from)) / Math.max(1, s.dur)) : 0), 0) / 1000;
  const extensionMs = within(outer);
  // Every script's outermost slices (the page's and the extension's): the main thread's scripting.
  const all = outermost(events.filter((e) => e.ph === 'X' && SCRIPT_EVENTS.has(e.name)));
  const scriptingMs = within(all);
  /** The page's own scripting: all of it but the extension's (its slices are outermost or nested in the page's). */
  const pageMs = (from, to) => scriptingMs(from, to) - extensionMs(from, to);
  const renderingMs = (from, to) => within(all)(from, to, renderingIn);
  /** All style, layout and parsing work of the main thread (nested in scripts or not): where a cheaper script could push cost. */
  const styleLayoutMs = (from, to) => within(rendering)(from, to, (s) => (typeof s.tdur === 'number' ? s.tdur : s.dur));
  return { outer, tasks, markTs, extensionMs, pageMs, renderingMs, styleLayoutMs, renderingIn, cpu };
}

async function measure(page, url, withExtension, log) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  // Both pages are traced alike: the ratio's two terms are read from their traces (see the header).
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: { includedCategories: (process.env.BENCH_TRACE_CATEGORIES ?? 'devtools.timeline,disabled-by-default-devtools.timeline,blink.user_timing').split(',') },
  });
  // The extension's files this page loads (a chunk counted as lazy must not be among them).
  const loaded = new Set();
  page.on('request', (request) => {
    const match = /^chrome-extension:\/\/[^/]+\/(.+)$/.exec(request.url());
    if (match) loaded.add(match[1]);
  });
  await page.goto(url);
  if (withExtension) {
    // The content script has started once its style sheet is in the page.
    await page.waitForFunction(() => [...document.querySelectorAll('style')].some((style) => (style.textContent ?? '').includes('semantest-ctl')), null, { timeout: 60_000 });
  }
  await page.waitForTimeout(300);
  // BENCH_PROFILE=1: a sampling CPU profile of the extension's functions (self time), to see where its time goes.
  // Samples are wall-clock: only meaningful on an idle machine.
  const profiling = withExtension && process.env.BENCH_PROFILE;
  if (profiling) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp.send('Profiler.start');
  }
  const scriptSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ScriptDuration')?.value ?? 0;
  const before = await scriptSeconds();
  const placed = [];
  placed.push(await page.evaluate(([count, expected]) => window.benchInsert(count, expected), [FIRST, withExtension ? FIRST : 0]));
  for (let i = 0; i < BATCHES; i++) {
    // Let the page settle between batches, as scrolling does.
    await page.waitForTimeout(50);
    placed.push(await page.evaluate(([count, expected]) => window.benchInsert(count, expected), [BATCH, withExtension ? BATCH : 0]));
  }
  // Let the idle-time work finish.
  await page.waitForTimeout(1000);
  await page.evaluate(() => performance.mark('bench:end'));
  const scriptMs = ((await scriptSeconds()) - before) * 1000;
  log(`${withExtension ? 'with' : 'without'} the extension: batches done`);
  const controls = await page.locator(CONTROL).count();
  const longestTaskMs = await page.evaluate(() => window.__longest);
  const events = await readTrace(cdp);
  if (profiling) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const gaps = profile.timeDeltas ?? [];
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      const frame = node.callFrame;
      if (!EXTENSION_SCRIPT.test(frame.url) && !['(garbage collector)'].includes(frame.functionName)) return;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + (gaps[i + 1] ?? 0) / 1000);
    });
    for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`profile self ${round(ms)} ms ${key}`);
    // Samples per source line of the extension's functions (most useful with an unminified build: vite build --minify false).
    const lines = new Map();
    for (const node of profile.nodes) {
      if (!EXTENSION_SCRIPT.test(node.callFrame.url)) continue;
      for (const { line, ticks } of node.positionTicks ?? []) {
        const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop()}:${line}`;
        lines.set(key, (lines.get(key) ?? 0) + ticks);
      }
    }
    for (const [key, ticks] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`profile line ${ticks} samples ${key}`);
  }
  const trace = analyse(events);
  if (process.env.BENCH_DEBUG && withExtension) {
    const names = new Map();
    for (const e of events) names.set(e.name, (names.get(e.name) ?? 0) + 1);
    log(`trace: ${events.length} events; ${[...names].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, c]) => `${n}:${c}`).join(' ')}`);
    const byPlace = new Map();
    for (const s of trace.outer) {
      const key = `${s.name} ${s.args?.data?.functionName ?? ''} ${scriptUrlOf(s).split('/').pop()}:${s.args?.data?.columnNumber ?? ''}`;
      const [n, ms] = byPlace.get(key) ?? [0, 0];
      byPlace.set(key, [n + 1, ms + trace.cpu(s) / 1000]);
    }
    for (const [key, [n, ms]] of [...byPlace].sort((a, b) => b[1][1] - a[1][1]).slice(0, 10)) log(`cpu ${round(ms)} ms in ${n} slices: ${key}`);
    for (const s of [...trace.outer].sort((a, b) => b.dur - a.dur).slice(0, 8)) log(`slice ${round(s.dur / 1000)} ms ${s.name} ${s.args?.data?.functionName ?? ''} ${scriptUrlOf(s)}:${s.args?.data?.lineNumber ?? ''}:${s.args?.data?.columnNumber ?? ''}`);
  }
  await cdp.detach().catch(() => undefined);
  return { scriptMs, controls, placed, trace, longestTaskMs, loaded };
}

const round = (value) => (value === null || value === undefined || Number.isNaN(value) ? null : Math.round(value * 100) / 100);

export async function run({ distDir, log = () => undefined }) {
  // BENCH_CONTENT_DIST=/path/to/other/dist measures another build (e.g. main's, for an A/B in the same period).
  distDir = process.env.BENCH_CONTENT_DIST || distDir;
  const root = mkdtempSync(join(tmpdir(), 'semantest-bench-content-'));
  try {
    let { bytes, files, lazyBytes, lazyFiles } = contentScriptBytes(distDir);
    log(`content script: ${bytes} bytes in ${files.join(', ')}; loaded on demand: ${lazyBytes} bytes in ${lazyFiles.join(', ') || 'none'}`);

    const { context } = await launchWithExtension({ distDir, userDataDir: join(root, 'profile'), downloadDir: join(root, 'downloads'), headless: true });
    let withExt;
    let without;
    let realPage = {};
    try {
      await routeGooglePages(context, () => benchPage());
      // The same page where the content script does not run.
      await context.route(/^https:\/\/images-bench\.example\//, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: benchPage() }));
      const page = await context.newPage();
      without = await measure(page, 'https://images-bench.example/search?q=animals&udm=2', false, log);
      await page.close();
      const page2 = await context.newPage();
      withExt = await measure(page2, 'https://www.google.com/search?q=animals&udm=2', true, log);
      await page2.close();
      await context.unrouteAll({ behavior: 'ignoreErrors' });
      // Issue 18: the real 2024 page, all main-thread task time with / without (scripts/bench/pages/real-page.mjs).
      realPage = await measureRealPage({ context, root: join(dirname(fileURLToPath(import.meta.url)), '../..'), log });
    } finally {
      await context.close().catch(() => undefined);
    }

    // Honesty: a "lazy" chunk the bench page loaded without any user action counts as loaded up front.
    const lazyLoadedInRun = lazyFiles.filter((file) => withExt.loaded.has(file));
    for (const file of lazyLoadedInRun) {
      const size = statSync(join(distDir, file)).size;
      bytes += size;
      lazyBytes -= size;
    }
    if (lazyLoadedInRun.length > 0) log(`loaded on the bench page although counted as lazy (now counted up front): ${lazyLoadedInRun.join(', ')}`);
    const expectedControls = FIRST + BATCHES * BATCH;
    if (withExt.controls < expectedControls) log(`only ${withExt.controls} of ${expectedControls} results got a control`);
    if (without.controls !== 0) log(`the page without the extension has ${without.controls} controls: the comparison is wrong`);
    const { markTs, extensionMs, tasks, outer, cpu } = withExt.trace;
    const ownFrom = without.trace.markTs.get('bench:insert:0');
    const ownEnd = without.trace.markTs.get('bench:end');
    const pageCpu = ownFrom !== undefined && ownEnd !== undefined ? without.trace.pageMs(ownFrom, ownEnd) : 0;
    const from = markTs.get('bench:insert:0');
    const to = markTs.get('bench:decorated:0');
    const end = markTs.get('bench:end');
    const shareOf = (task) => extensionMs(task.ts, task.ts + task.dur);
    const shares = tasks.map(shareOf);
    const maxShare = Math.max(0, ...shares);
    const longestOwn = without.longestTaskMs;
    const extensionTotal = outer.reduce((sum, s) => sum + cpu(s), 0) / 1000;
    const maxShareWall = Math.max(0, ...tasks.map((task) => extensionMs(task.ts, task.ts + task.dur, (s) => s.dur)));
    const withCpu = outer.filter((s) => typeof s.tdur === 'number').length;
    const batchMs = [];
    for (let i = 0; i < BATCHES; i++) {
      const key = FIRST + i * BATCH;
      const a = markTs.get(`bench:insert:${key}`);
      const b = markTs.get(`bench:decorated:${key}`);
      if (a !== undefined && b !== undefined) batchMs.push(extensionMs(a, b));
    }
    const result = {
      ...realPage,
      decorateMsFor1000: from !== undefined && to !== undefined ? round(extensionMs(from, to)) : null,
      maxLongTaskMs: round(maxShare),
      scriptingRatioVsNoExtension: pageCpu > 0 && from !== undefined && end !== undefined ? round(1 + extensionMs(from, end) / pageCpu) : null,
      scriptingRatioSamePage: from !== undefined && end !== undefined && withExt.trace.pageMs(from, end) > 0 ? round(1 + extensionMs(from, end) / withExt.trace.pageMs(from, end)) : null,
      scriptingRatioTwoPages: without.scriptMs > 0 ? round(withExt.scriptMs / without.scriptMs) : null,
      bundleBytes: bytes,
      lazyBundleBytes: lazyBytes,
      lazyLoadedInRun: lazyLoadedInRun.length,
      decorateMsMaxBatch100: batchMs.length ? round(Math.max(...batchMs)) : null,
      extensionScriptMs: round(extensionTotal),
      pageScriptCpuMs: round(pageCpu),
      maxLongTaskMsNoExtension: round(longestOwn),
      maxLongTaskMsWallClock: round(maxShareWall),
      // Style, layout and parsing CPU of the page's main thread (not scripting; for scale and to see that the
      // extension's scripting did not move into rendering): with and without the extension.
      styleLayoutMsWith: from !== undefined && end !== undefined ? round(withExt.trace.styleLayoutMs(from, end)) : null,
      styleLayoutMsWithout: ownFrom !== undefined && ownEnd !== undefined ? round(without.trace.styleLayoutMs(ownFrom, ownEnd)) : null,
    };
    log(`${withCpu} of ${outer.length} extension slices carry CPU time (tdur); the rest count wall time`);
    log(
      `page script (ScriptDuration, wall) ${round(withExt.scriptMs)} ms with the extension vs ${round(without.scriptMs)} ms without; page's own script CPU ${round(pageCpu)} ms without, ` +
        `${from !== undefined && end !== undefined ? round(withExt.trace.pageMs(from, end)) : '?'} ms with; rendering/parsing taken out of the script slices: ` +
        `${ownFrom !== undefined && ownEnd !== undefined ? round(without.trace.renderingMs(ownFrom, ownEnd)) : '?'} ms without, ${from !== undefined && end !== undefined ? round(withExt.trace.renderingMs(from, end)) : '?'} ms with, ` +
        `${round(outer.reduce((sum, s) => sum + withExt.trace.renderingIn(s), 0) / 1000)} ms of it in the extension's; extension slices ${outer.length} ` +
        `(longest ${round(Math.max(0, ...outer.map((s) => s.dur / 1000)))} ms); tasks with extension work over 50 ms in total: ` +
        `${tasks.filter((task, i) => shares[i] > 0 && task.dur > 50_000).map((task) => `${round(task.dur / 1000)}`).join(', ') || 'none'}; wall time to 1000 controls ${from !== undefined && to !== undefined ? round((to - from) / 1000) : '?'} ms`,
    );
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
