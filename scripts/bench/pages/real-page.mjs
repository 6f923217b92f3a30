// Part of the `contentScript` bench area (scripts/bench/content-script.mjs): `mainThreadRatioRealPage`, issue 18.
//
// THE PAGE. The real 2024 `udm=2` page (test/fixtures/google-real/udm2-2024-08-cat.html: 1.7 MB, 100 results, its
// inline scripts and data, the preview open), served offline: Google's external scripts do not run (they were not
// saved), so the page's own script time alone would be too small a base; the base is ALL the main thread's task
// time: parsing 1.7 MB, style, layout, paint, its inline scripts, images decoding.
// Its thumbnails (Google's, and the saved page's lost local copies) are answered with pictures, its originals (the
// open preview's large image) point at a host answered by a route (not 127.0.0.1: without the tests' flags, Chromium's
// local-network checks hold an https page's request to it), anything else fails at once (offline).
//
// WITH AND WITHOUT. One browser with the extension; the same page at www.google.com (the content script runs) and
// at a host it does not match (it never runs). Runs alternate (without, with, without, with, …), each in a new tab:
// navigation → load → the pointer visits 10 results (those the open panel does not cover), 150 ms each, as a user
// looking → 1.5 s of quiet (the extension's idle-time work) → end. The measure is the CPU time (trace `tdur`) of
// every task (`RunTask`) of the renderer's main thread from the navigation's first task to the end.
// mainThreadRatioRealPage = the median of the ratios of consecutive (without, with) pairs;
// mainThreadMsRealPageWith/Without: the medians, for scale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJpeg, makePicture, pictureSeed } from '../../image-host.mjs';
import { routeGooglePages } from '../../chromium.mjs';

const FILE = 'test/fixtures/google-real/udm2-2024-08-cat.html';

/** The page with its originals pointed at `origin` (as test/e2e/real-pages.ts does, in every form they are written). */
function pageWithLocalOriginals(root, origin) {
  let html = readFileSync(join(root, FILE), 'utf8');
  const seen = new Map();
  for (const match of html.matchAll(/"[A-Za-z0-9_-]+":\[1,\[0,"[^"]+",\["[^"]*",\d+,\d+\],\["([^"]+)",\d+,\d+\]/g)) {
    const raw = match[1];
    if (!seen.has(raw)) seen.set(raw, JSON.parse(`"${raw}"`));
  }
  let n = 0;
  for (const [raw, original] of seen) {
    const local = `${origin}/real/${n++}.jpg`;
    html = html.replaceAll(raw, local).replaceAll(original.replaceAll('&', '&amp;'), local).replaceAll(encodeURIComponent(original), encodeURIComponent(local));
  }
  return html;
}

const ORIGINALS = 'https://originals.bench.example';

async function routePage(context, html) {
  // Registered first, asked last: whatever the routes below do not answer fails at once.
  await context.route(/^https?:\/\//, (route) =>
    /^https:\/\/([a-z0-9-]+\.)*(google|gstatic|googleapis)\.[a-z.]+\//.test(route.request().url()) ? route.fallback() : route.abort('internetdisconnected'),
  );
  await routeGooglePages(context, () => html);
  await context.route(`${ORIGINALS}/**`, (route) => route.fulfill({ status: 200, contentType: 'image/jpeg', body: makeJpeg(`bench original ${route.request().url()}`) }));
  // The same page where the content script does not run; its other requests (the saved page's `_files/`, its
  // iframes) answered as Google's host answers them (routeGooglePages: 204).
  await context.route(/^https:\/\/images-bench\.example\//, (route) =>
    route.request().resourceType() === 'document' && new URL(route.request().url()).pathname === '/search'
      ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html })
      : route.fulfill({ status: 204, body: '' }),
  );
  const thumbnails = new Map();
  const picture = (key) => {
    if (!thumbnails.has(key)) thumbnails.set(key, makePicture(pictureSeed(key), 160, 120));
    return thumbnails.get(key);
  };
  await context.route(/^https:\/\/encrypted-tbn\d\.gstatic\.com\/images\?/, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: picture(route.request().url()) }));
  await context.route(/_files\/images(\(\d+\))?$/, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: picture(route.request().url().split('/').pop()) }));
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

/** One run: CPU ms of the page's main-thread tasks from its navigation to the end of the visit. */
async function oneRun(context, url, withExtension) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'] } });
  await page.goto(url, { waitUntil: 'load' });
  if (withExtension) await page.waitForFunction(() => document.querySelectorAll('[data-testid="semantest-download"]').length >= 100, null, { timeout: 60_000 });
  // The first 10 results the open preview panel does not cover.
  const points = await page.evaluate(() => {
    const panel = document.querySelector('#Sva75c')?.getBoundingClientRect();
    const out = [];
    for (const result of document.querySelectorAll('[jsname="dTDiAc"]')) {
      result.scrollIntoView({ block: 'center' });
      const box = result.getBoundingClientRect();
      const x = box.x + box.width / 2;
      if (panel && x > panel.x && x < panel.right) continue;
      out.push({ index: out.length, top: window.scrollY + box.y, x, y: box.height / 2 });
      if (out.length === 10) break;
    }
    window.scrollTo(0, 0);
    return out;
  });
  for (const point of points) {
    await page.evaluate((top) => window.scrollTo(0, Math.max(0, top - 300)), point.top);
    await page.mouse.move(point.x, Math.min(point.top, 300) + point.y, { steps: 4 });
    await page.waitForTimeout(150);
  }
  await page.waitForTimeout(1500);
  await page.evaluate(() => performance.mark('bench:real:end'));
  const events = await readTrace(cdp);
  await cdp.detach().catch(() => undefined);
  await page.close();
  const end = events.find((e) => e.name === 'bench:real:end');
  if (!end) return null;
  const onMain = (e) => e.pid === end.pid && e.tid === end.tid;
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && onMain(e) && e.ts <= end.ts);
  const cpu = tasks.reduce((sum, e) => sum + (typeof e.tdur === 'number' ? e.tdur : e.dur), 0) / 1000;
  const wall = tasks.reduce((sum, e) => sum + e.dur, 0) / 1000;
  return { cpu, wall, points: points.length };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? null : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * @param {{ context: import('playwright-core').BrowserContext, root: string, pairs?: number, log?: (line: string) => void }} options
 */
export async function measureRealPage({ context, root, pairs = Number(process.env.BENCH_REAL_PAIRS ?? 5), log = () => undefined }) {
  {
    const html = pageWithLocalOriginals(root, ORIGINALS);
    await routePage(context, html);
    const query = 'search?q=cat&udm=2';
    const ratios = [];
    const withCpu = [];
    const withoutCpu = [];
    const walls = { with: [], without: [] };
    for (let i = 0; i < pairs; i++) {
      const without = await oneRun(context, `https://images-bench.example/${query}`, false);
      const withExt = await oneRun(context, `https://www.google.com/${query}`, true);
      if (!without || !withExt) continue;
      withoutCpu.push(without.cpu);
      withCpu.push(withExt.cpu);
      walls.without.push(without.wall);
      walls.with.push(withExt.wall);
      ratios.push(withExt.cpu / without.cpu);
      log(`real page pair ${i + 1}: main thread CPU ${withExt.cpu.toFixed(1)} ms with / ${without.cpu.toFixed(1)} ms without = ${(withExt.cpu / without.cpu).toFixed(3)} (wall ${withExt.wall.toFixed(0)} / ${without.wall.toFixed(0)} ms; ${withExt.points} results visited)`);
    }
    return {
      mainThreadRatioRealPage: median(ratios),
      mainThreadMsRealPageWith: median(withCpu),
      mainThreadMsRealPageWithout: median(withoutCpu),
      mainThreadRatioRealPageWall: walls.without.length ? median(walls.with.map((w, i) => w / walls.without[i])) : null,
    };
  }
}
