// Benchmark area `ui` (issue 6), with the BUILT extension in headless Chromium:
// - popupFirstRenderMsWith10k: the popup page opened as a tab, from navigation start (performance.now() = 0) until
//   the first [data-testid="history-item"] is in the DOM, with 10,000 downloads stored; popupRenderRatio10kVsEmpty
//   divides it by the time until the empty state ([data-testid="empty-history"]) is in the DOM with none.
//   Medians of several loads, after one unmeasured load of each. popupFirstPaintMsWith10k: until the first task
//   after the frame that drew that row (what the user sees; no target, to show what layout and paint add).
// - searchMsWith10k: a word typed into the popup's input[type="search"] (one input event) → the list shows only
//   matching rows (the result count changed and every shown row matches); null if the popup has no search input.
// - firstSearchMsWith10k: the same, typed the moment the popup's first row is in the DOM (a fresh popup each time),
//   after the worker's bus has caught up with the seeded log (the search index is a bus projection).
// - popupBundleBytes: minified JS + CSS that the popup's HTML loads (scripts, the script a script names in its
//   data-app, their static imports, stylesheets) or holds inline (<style>, inline <script>).
// - The floor, measured the same way in the same browser, loads interleaved with the popup's (what is Chromium's,
//   not ours): popupFloorBlankMs, a static extension page whose marker is in its HTML; popupFloorScriptMs, a page
//   whose one classic script adds the marker; popupFloorReadMs (with 10k), a classic script that reads the newest 24
//   rows from IndexedDB and adds them as plain divs. These pages are written into a COPY of dist/ that the bench
//   loads (the popup's files are the same bytes).
// BENCH_UI_DIST=/path/to/other/dist measures another build (e.g. main's, for an A/B in the same period).
// The 10,000 downloads are written raw into the `semantest` database from an extension page, after the worker has
// created it: `downloads` rows shaped like DownloadState (src/domain/download.ts), a `streams` row each, and in
// `events` each download's first and last event (its Requested and its Completed/Failed: the popup never reads the
// events, and writing all five, 50,000 rows with six indexes, costs ~40 s on a busy 2-core machine).
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchWithExtension } from '../chromium.mjs';

const DOWNLOADS = 10_000;
const LOADS = 5;
/** Words the rows show (file names): one row, ~1/8 of 10k, ~10 rows. */
const SEARCHES = ['photo-7777', 'fox-photo-1', 'photo-99'];

export const targets = {
  popupFirstRenderMsWith10k: { max: 150 },
  popupRenderRatio10kVsEmpty: { max: 2 },
  searchMsWith10k: { max: 50 },
  firstSearchMsWith10k: { max: 50 },
  popupBundleBytes: { max: 60 * 1024 },
};

/** The popup's JS (with static imports, followed) and CSS, as built in dist/. */
export function popupBundle(distDir) {
  const manifest = JSON.parse(readFileSync(join(distDir, 'manifest.json'), 'utf8'));
  const htmlPath = manifest.action?.default_popup;
  if (!htmlPath) throw new Error('dist/manifest.json has no action.default_popup');
  const html = readFileSync(join(distDir, htmlPath), 'utf8');
  const fromHtml = (ref) => (ref.startsWith('/') ? ref.slice(1) : posix.join(posix.dirname(htmlPath), ref));
  const files = new Set();
  const queue = [];
  for (const [, src] of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) queue.push(fromHtml(src));
  // A script a script loads (the popup's first-screen script loads the app it names in data-app).
  for (const [, src] of html.matchAll(/<script\b[^>]*\bdata-app="([^"]+)"/g)) queue.push(fromHtml(src));
  for (const [tag] of html.matchAll(/<link\b[^>]*>/g)) {
    const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
    if (href && /\brel="(stylesheet|modulepreload)"/.test(tag)) queue.push(fromHtml(href));
  }
  while (queue.length > 0) {
    const file = queue.shift();
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(join(distDir, file), 'utf8');
    // Static imports only (`import … from "x"`, `import "x"`); dynamic import() chunks load later, if at all.
    for (const [, spec] of code.matchAll(/(?:\bfrom|\bimport)\s*["']([^"']+\.(?:js|css))["']/g)) {
      queue.push(spec.startsWith('/') ? spec.slice(1) : posix.join(posix.dirname(file), spec));
    }
  }
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    bytes += statSync(join(distDir, file)).size;
    gzipBytes += gzipSync(readFileSync(join(distDir, file))).length;
  }
  // CSS and JS inlined into the HTML count too (the build may inline the popup's stylesheet).
  for (const [, style, script] of html.matchAll(/<style\b[^>]*>([^]*?)<\/style>|<script\b(?![^>]*\bsrc=)[^>]*>([^]*?)<\/script>/g)) {
    const text = Buffer.from(style ?? script ?? '', 'utf8');
    bytes += text.length;
    gzipBytes += gzipSync(text).length;
  }
  return { htmlPath, files: [...files], bytes, gzipBytes };
}

/** Writes `count` downloads (row + stream + first and last event each) into `semantest`, in the page's own origin. */
export async function seed(page, count) {
  return page.evaluate(async (count) => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open('semantest');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const names = [...db.objectStoreNames];
    for (const store of ['events', 'downloads', 'streams']) if (!names.includes(store)) throw new Error(`no ${store} table in semantest (have ${names})`);
    const animals = ['owl', 'fox', 'hare', 'lynx', 'otter', 'heron', 'badger', 'wren'];
    const day = 86_400_000;
    const base = Date.now() - 90 * day;
    const chunk = 1000;
    for (let from = 0; from < count; from += chunk) {
      const tx = db.transaction(['events', 'downloads', 'streams'], 'readwrite');
      const events = tx.objectStore('events');
      const downloads = tx.objectStore('downloads');
      const streams = tx.objectStore('streams');
      for (let i = from; i < Math.min(count, from + chunk); i++) {
        const streamId = crypto.randomUUID();
        const correlationId = crypto.randomUUID();
        const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
        const host = `images${i % 37}.example-photos.org`;
        const animal = animals[i % animals.length];
        const imageUrl = `https://${host}/uploads/2024/${(i % 12) + 1}/photo-${i}.jpg`;
        const filename = `Semantest/${animal}-photo-${i}.jpg`;
        const requestedAt = base + Math.floor((i / count) * 90 * day);
        const failed = i % 20 === 7;
        const dead = i % 50 === 13;
        const request = {
          imageUrl,
          thumbnailUrl: `https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcQ${i.toString(36)}`,
          sourcePageUrl: `https://${host}/gallery/photo-${i}.html`,
          title: `A photo of an ${animal}, number ${i}`,
          width: 1600,
          height: 1200,
          query: `${animal} photos`,
          pageUrl: `https://www.google.com/search?q=${animal}+photos&udm=2`,
          strategy: 'udm2_inline',
        };
        const types = ['GoogleImageDownloadRequested', 'ImageSourceValidated', 'DownloadInitiated', 'DownloadStarted', failed || dead ? 'GoogleImageDownloadFailed' : 'GoogleImageDownloadCompleted'];
        const data = [
          request,
          { attempt: 1, mimeType: 'image/jpeg', extension: 'jpg', filename, contentLength: 150_000 + i, transfer: 'url' },
          { attempt: 1, filename, url: imageUrl },
          { attempt: 1, chromeDownloadId: i + 1 },
          failed || dead
            ? { imageUrl, error: 'The image server did not answer in time.', code: 'timeout', retryable: !failed, attempt: dead ? 4 : 1, nextAttemptAt: null, deadLettered: dead }
            : { imageUrl, filePath: `/home/user/Downloads/${filename}`, fileSize: 150_000 + i, downloadTime: 300 + (i % 900), mimeType: 'image/jpeg' },
        ];
        [0, 4].forEach((k) =>
          events.add({
            eventId: ids[k],
            streamId,
            version: k === 0 ? 1 : 2,
            type: types[k],
            schemaVersion: 1,
            data: data[k],
            metadata: { correlationId, causationId: k === 0 ? `cmd-${i}` : ids[0], tabId: 7 },
            correlationId,
            causationId: k === 0 ? `cmd-${i}` : ids[0],
            createdAt: requestedAt + k * 100,
          }),
        );
        streams.put({ streamId, aggregateType: 'Download', currentVersion: 2, lastUpdated: requestedAt + 400 });
        downloads.put({
          streamId,
          version: 2,
          phase: dead ? 'dead-lettered' : failed ? 'failed' : 'completed',
          request,
          sourceHost: host,
          requestedAt,
          updatedAt: requestedAt + 400,
          correlationId,
          lastEventId: ids[4],
          tabId: 7,
          attempt: dead ? 4 : 1,
          mimeType: 'image/jpeg',
          transfer: 'url',
          filename,
          filePath: failed || dead ? null : `/home/user/Downloads/${filename}`,
          fileSize: failed || dead ? null : 150_000 + i,
          chromeDownloadId: failed || dead ? null : i + 1,
          initiatedAt: requestedAt + 200,
          startedAt: requestedAt + 300,
          completedAt: failed || dead ? null : requestedAt + 400,
          durationMs: failed || dead ? null : 300 + (i % 900),
          error: failed || dead ? 'The image server did not answer in time.' : null,
          errorCode: failed || dead ? 'timeout' : null,
          retryable: failed || dead ? !failed : null,
          nextAttemptAt: null,
          failures: dead ? 4 : failed ? 1 : 0,
          discarded: false,
        });
      }
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    }
    const counted = await new Promise((resolve) => {
      const request = db.transaction('downloads').objectStore('downloads').count();
      request.onsuccess = () => resolve(request.result);
    });
    db.close();
    return counted;
  }, count);
}

/** Pages of the floor (see the header), written into `dir/bench-floor/`. */
function writeFloorPages(dir) {
  const floor = join(dir, 'bench-floor');
  mkdirSync(floor, { recursive: true });
  const page = (head, body = '') => `<!doctype html><html><head><meta charset="utf-8"><title>floor</title>${head}</head><body>${body}</body></html>`;
  writeFileSync(join(floor, 'blank.html'), page('', '<div data-testid="history-item">floor</div>'));
  writeFileSync(join(floor, 'script.js'), `var d=document.createElement('div');d.setAttribute('data-testid','history-item');d.textContent='floor';document.documentElement.append(d);`);
  writeFileSync(join(floor, 'script.html'), page('<script src="script.js"></script>'));
  writeFileSync(
    join(floor, 'read.js'),
    `(function(){var r=indexedDB.open('semantest');r.onsuccess=function(){var q=r.result.transaction('downloads').objectStore('downloads').index('requestedAt').getAllRecords({count:24,direction:'prev'});` +
      `q.onsuccess=function(){q.result.forEach(function(x){var d=document.createElement('div');d.setAttribute('data-testid','history-item');d.textContent=x.value.filename;document.documentElement.append(d);});};};})();`,
  );
  writeFileSync(join(floor, 'read.html'), page('<script src="read.js"></script>'));
}

/** @param {any} ctx */
export async function run(ctx) {
  const { log, median } = ctx;
  const sourceDir = process.env.BENCH_UI_DIST || ctx.distDir;
  const bundle = popupBundle(sourceDir);
  log(`popup of ${sourceDir} loads ${bundle.files.join(', ')}`);
  const root = ctx.tempDir('semantest-bench-ui-');
  const distDir = join(root, 'extension');
  cpSync(sourceDir, distDir, { recursive: true });
  writeFloorPages(distDir);
  const { context, worker, extensionId, manifest } = await launchWithExtension({
    distDir,
    userDataDir: join(root, 'profile'),
    downloadDir: join(root, 'downloads'),
    headless: true,
  });
  const forget = ctx.onCleanup(() => context.close());
  try {
    // Record, from the very start of each extension page, when the first history row / the empty state appears.
    await context.addInitScript(() => {
      if (location.protocol !== 'chrome-extension:') return;
      const marks = (window.__benchMarks = {});
      const check = () => {
        const at = performance.now();
        if (marks.firstItem === undefined && document.querySelector('[data-testid="history-item"]')) {
          marks.firstItem = at;
          // The row is on screen once the frame after its insertion has been drawn: the first task after that
          // frame's animation callbacks (style, layout and paint run between the two).
          requestAnimationFrame(() => setTimeout(() => (marks.firstItemPainted = performance.now())));
        }
        if (marks.empty === undefined && document.querySelector('[data-testid="empty-history"]')) marks.empty = at;
        // firstSearchMsWith10k: `?benchSearch=WORDS` types WORDS the moment the first row is there.
        const query = new URLSearchParams(location.search).get('benchSearch');
        const input = document.querySelector('input[type="search"]');
        if (query && marks.firstItem !== undefined && marks.searchStart === undefined && input) {
          marks.searchStart = performance.now();
          marks.countBefore = document.querySelector('[data-testid="result-count"]')?.textContent ?? '';
          input.value = query;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }
        if (query && marks.searchStart !== undefined && marks.firstSearch === undefined) {
          const words = query.toLowerCase().split(/\s+/);
          const shown = [...document.querySelectorAll('[data-testid="history-item"]')];
          const count = document.querySelector('[data-testid="result-count"]')?.textContent ?? '';
          const matching = shown.every((el) => words.every((w) => el.textContent.toLowerCase().includes(w) || (el.getAttribute('title') ?? '').toLowerCase().includes(w)));
          if (shown.length > 0 && count !== marks.countBefore && matching) marks.firstSearch = performance.now() - marks.searchStart;
        }
      };
      new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
    });
    const popupUrl = `chrome-extension://${extensionId}/${manifest.action.default_popup}`;
    // The worker opens (creates) the database on start; wait until it is there.
    await worker.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const deadline = Date.now() + 10_000;
          const poll = () =>
            indexedDB.databases().then((list) => {
              if (list.some((db) => db.name === 'semantest')) resolve(true);
              else if (Date.now() > deadline) reject(new Error('the worker did not create the semantest database'));
              else setTimeout(poll, 50);
            });
          poll();
        }),
    );

    const load = async (mark, url = popupUrl) => {
      const page = await context.newPage();
      await page.goto(url);
      const selector = mark === 'firstItem' ? '[data-testid="history-item"]' : '[data-testid="empty-history"]';
      await page.locator(selector).first().waitFor({ state: 'attached', timeout: 30_000 });
      const ms = await page.evaluate((name) => window.__benchMarks[name], mark);
      let paintedMs = null;
      if (mark === 'firstItem') {
        await page.waitForFunction(() => window.__benchMarks.firstItemPainted !== undefined, null, { timeout: 30_000 });
        paintedMs = await page.evaluate(() => window.__benchMarks.firstItemPainted);
      }
      return { page, ms, paintedMs };
    };
    const floorUrl = (name) => `chrome-extension://${extensionId}/bench-floor/${name}.html`;
    /** Popup loads, each followed by one load of each floor page; the first round warms the disk and code caches. */
    const loads = async (mark, floorPages) => {
      const times = [];
      const painted = [];
      const floor = Object.fromEntries(floorPages.map((name) => [name, []]));
      for (let i = 0; i <= LOADS; i++) {
        const { page, ms, paintedMs } = await load(mark);
        await page.close();
        if (i > 0) times.push(ms);
        if (i > 0 && paintedMs !== null) painted.push(paintedMs);
        for (const name of floorPages) {
          const { page, ms } = await load('firstItem', floorUrl(name));
          await page.close();
          if (i > 0) floor[name].push(ms);
        }
      }
      return { times, painted, floor };
    };
    const list = (times) => times.map((ms) => ms.toFixed(0)).join(', ');

    const { times: empty, floor: emptyFloor } = await loads('empty', ['blank', 'script']);
    log(`empty: ${list(empty)} ms; floor: blank page ${list(emptyFloor.blank)} ms, one classic script ${list(emptyFloor.script)} ms`);

    const seeder = await context.newPage();
    await seeder.goto(popupUrl);
    const seedStart = performance.now();
    const rows = await seed(seeder, DOWNLOADS);
    await seeder.close();
    log(`seeded ${rows} downloads in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const { times: full, painted: fullPainted, floor: fullFloor } = await loads('firstItem', ['blank', 'script', 'read']);
    log(`10k: ${list(full)} ms (painted ${list(fullPainted)} ms); floor: blank page ${list(fullFloor.blank)} ms, one classic script ${list(fullFloor.script)} ms, classic script reading 24 rows ${list(fullFloor.read)} ms`);

    // Search: one input event per query, timed in the page until the list shows only matching rows.
    let searchMs = null;
    const { page } = await load('firstItem');
    const hasSearch = (await page.locator('input[type="search"]').count()) > 0;
    if (hasSearch) {
      const times = [];
      for (const query of [...SEARCHES, ...SEARCHES]) {
        const ms = await page.evaluate(
          (query) =>
            new Promise((resolve, reject) => {
              const input = document.querySelector('input[type="search"]');
              const items = () => [...document.querySelectorAll('[data-testid="history-item"]')];
              const count = () => document.querySelector('[data-testid="result-count"]')?.textContent ?? '';
              const words = query.toLowerCase().split(/\s+/);
              const before = count();
              const matches = () => {
                const shown = items();
                return shown.length > 0 && count() !== before && shown.every((el) => words.every((w) => el.textContent.toLowerCase().includes(w) || (el.getAttribute('title') ?? '').toLowerCase().includes(w)));
              };
              const timer = setTimeout(() => reject(new Error(`search "${query}" never showed only matching rows`)), 10_000);
              let start = 0;
              const observer = new MutationObserver(() => {
                if (!matches()) return;
                const at = performance.now();
                observer.disconnect();
                clearTimeout(timer);
                resolve(at - start);
              });
              observer.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
              start = performance.now();
              input.value = query;
              input.dispatchEvent(new Event('input', { bubbles: true }));
            }),
          query,
        );
        times.push(ms);
        // Back to the whole history before the next query.
        await page.evaluate(() => {
          const input = document.querySelector('input[type="search"]');
          input.value = '';
          input.dispatchEvent(new Event('input', { bubbles: true }));
        });
        await page.locator('[data-testid="history-item"]').first().waitFor({ state: 'attached' });
        await page.waitForTimeout(100);
      }
      log(`search: ${times.map((ms) => ms.toFixed(1)).join(', ')} ms`);
      searchMs = median(times);
    } else log('the popup has no input[type="search"]: searchMsWith10k is null');
    await page.close();

    // The search index is the worker's (a bus projection): rows written raw reach it when the bus catches up.
    await worker.evaluate(async () => {
      const { bus } = globalThis.__semantestPorts ?? {};
      if (!bus) return;
      bus.poke();
      await bus.idle();
    });
    // A search typed the moment the first row shows, in a fresh popup each time.
    const firstSearches = [];
    for (const query of [...SEARCHES, ...SEARCHES]) {
      const searchPage = await context.newPage();
      await searchPage.goto(`${popupUrl}?benchSearch=${encodeURIComponent(query)}`);
      await searchPage.waitForFunction(() => window.__benchMarks.firstSearch !== undefined, null, { timeout: 30_000 });
      firstSearches.push(await searchPage.evaluate(() => window.__benchMarks.firstSearch));
      await searchPage.close();
    }
    log(`first search: ${firstSearches.map((ms) => ms.toFixed(1)).join(', ')} ms`);

    const firstRender = median(full);
    const emptyRender = median(empty);
    return {
      popupFirstRenderMsWith10k: firstRender,
      popupRenderRatio10kVsEmpty: firstRender !== null && emptyRender ? firstRender / emptyRender : null,
      searchMsWith10k: searchMs,
      firstSearchMsWith10k: median(firstSearches),
      popupBundleBytes: bundle.bytes,
      popupEmptyRenderMs: emptyRender,
      popupFirstPaintMsWith10k: median(fullPainted),
      popupBundleGzipBytes: bundle.gzipBytes,
      popupFloorBlankMs: median([...emptyFloor.blank, ...fullFloor.blank]),
      popupFloorScriptMs: median([...emptyFloor.script, ...fullFloor.script]),
      popupFloorReadMs: median(fullFloor.read),
    };
  } finally {
    forget();
    await context.close().catch(() => undefined);
  }
}

