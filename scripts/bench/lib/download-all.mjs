// Part of the benchmark area `saga` (issue 19; scripts/bench/saga.mjs runs it last): "Download all" on a page whose results arrive by scrolling, with the BUILT
// extension in headless Chromium.
//
// THE PAGE. scripts/scrolling-page.mjs: the real 2024 `udm=2` page's 100 results, then 100 more in four chunks of 25
// that the page adds 300 ms after its end comes into view (Google's infinite scroll, as the e2e fixture does it), all
// plain originals here (no failures, no duplicates, no size filter): 200 files to save. Every original is a JPEG of
// its own of 50-550 KB from scripts/image-host.mjs in realistic mode (80 ms before the first byte, one 40 MB/s line
// shared by every connection).
//
// - downloadAll200Ms: from the click on "Download all" to the last of the 200 files complete on disk, the page's own
//   loading of more results included (the bar was opened before, by a Shift-click: the bulk module is loaded).
// - downloadAll200RawMs: the same 200 originals' sizes (other names, so no cache answers) through bare
//   `chrome.downloads.download` calls in the worker, in a sliding pool of 3 (the saga's default concurrency), until
//   the 200 files are on disk.
// - downloadAll200RatioVsRaw = downloadAll200Ms / downloadAll200RawMs (target ≤ 1.15). The saga's run includes the
//   scrolling (≈ 4 × 300 ms of the page's own loading plus our polls): the raw run has no page to wait for.
// ROUNDS rounds of the two, side by side, each on names of its own; every value is the median over the rounds (the
// ratio: of the rounds' own ratios).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GOOGLE_PAGE, launchWithExtension, routeGooglePages } from '../../chromium.mjs';
import { makePng, sizedJpeg, startImageHost } from '../../image-host.mjs';
import { scrollingPage } from '../../scrolling-page.mjs';
import { bareDownloadsInWorker } from './bare-downloads.mjs';

export const targets = {
  downloadAll200RatioVsRaw: { max: 1.15 },
};

const CONTROL = '[data-testid="semantest-download"]';
/** Rounds of (saga, bare pool), each on names of its own; the median of the rounds' ratios is kept. */
const ROUNDS = 3;

/** Requests at the host: the first's start, the last's end, how many were open on average between, the median one's time. */
function edges(spans) {
  const first = Math.min(...spans.map((span) => span.from));
  const last = Math.max(...spans.map((span) => span.to).filter(Number.isFinite));
  const times = spans.map((span) => span.to - span.from).sort((a, b) => a - b);
  const open = times.reduce((sum, ms) => sum + ms, 0) / (last - first);
  return { first: first + performance.timeOrigin, last: last + performance.timeOrigin, open, median: times[Math.floor(times.length / 2)] ?? 0 };
}
/** Original i's size: 50-550 KB, spread evenly, the same every run. */
const sizeOf = (i) => 50_000 + ((i * 37) % 200) * 2_500;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Complete files (not .crdownload, not the empty placeholder) under `dir`. */
function completeFiles(dir) {
  const out = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.endsWith('.crdownload') && statSync(full, { throwIfNoEntry: false })?.size) out.push(full);
    }
  };
  walk(dir);
  return out;
}

async function waitForFiles(dir, count, timeoutMs) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const found = completeFiles(dir).length;
    if (found >= count) return now();
    if (now() > deadline) throw new Error(`only ${found} of ${count} files in ${dir} after ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

export async function run(ctx) {
  const { log } = ctx;
  const root = ctx.tempDir('semantest-bench-download-all-');
  const downloadDir = join(root, 'downloads');
  const host = await startImageHost({ realistic: true });
  const raw = readFileSync(join(ctx.root, 'test/fixtures/google-real/udm2-2024-08-cat.html'), 'utf8');
  const { html, results } = scrollingPage(raw, { kindOf: () => 'new', localOf: (i) => `/sized/${sizeOf(100 + i)}/scroll-${i}.jpg` });
  // The real results' originals (`/originals/real-<n>.jpg`): a JPEG of its own, of its place's size.
  results.forEach((result, index) => {
    if (result.kind !== 'real') return;
    const name = result.local.replace('/originals/', '');
    host.images.set(name, { original: sizedJpeg(name, sizeOf(index)), thumb: sizedJpeg(`thumb ${name}`, 2000), contentType: 'image/jpeg' });
  });
  const distinct = new Set(results.map((result) => result.local)).size;
  const { context, worker } = await launchWithExtension({ distDir: ctx.distDir, userDataDir: join(root, 'profile'), downloadDir, headless: true, localHosts: true });
  const forget = ctx.onCleanup(async () => {
    await context.close().catch(() => undefined);
    await host.close();
  });
  try {
    // Offline: Google's thumbnails answered here, every other host but the image host and the search page refused.
    const thumbnail = makePng(4, 3, 7);
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => {
      const url = route.request().url();
      if (GOOGLE_PAGE.test(url)) return route.fallback();
      if (/^https:\/\/encrypted-tbn\d\.gstatic\.com\//.test(url)) return route.fulfill({ status: 200, contentType: 'image/png', body: thumbnail });
      return route.abort('internetdisconnected');
    });
    // Each round's page names its originals anew (`r<round>real-…`, `scroll<round>-…`): nothing is joined to, or
    // found saved by, an earlier round.
    const roundHtml = (round) =>
      html
        .replaceAll('{{IMG}}/originals/real-', `{{IMG}}/originals/r${round}real-`)
        .replaceAll(encodeURIComponent('{{IMG}}/originals/real-'), encodeURIComponent(`{{IMG}}/originals/r${round}real-`))
        .replaceAll('/scroll-', `/scroll${round}-`)
        .replaceAll(encodeURIComponent('/scroll-'), encodeURIComponent(`/scroll${round}-`))
        .replaceAll('{{IMG}}', host.origin);
    let current = '';
    await routeGooglePages(context, () => current);
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Bytes of their own too (a round's copy of another's bytes would be a duplicate by content, not saved).
      results.forEach((result, index) => {
        if (result.kind !== 'real') return;
        const name = `r${round}${result.local.replace('/originals/', '')}`;
        host.images.set(name, { original: sizedJpeg(name, sizeOf(index)), thumb: sizedJpeg(`thumb ${name}`, 2000), contentType: 'image/jpeg' });
      });
      current = roundHtml(round);
      rounds.push(await oneRound(round));
    }
    const of = (pick) => [...rounds.map(pick)].sort((a, b) => a - b)[Math.floor(rounds.length / 2)];
    log(`download all: saga / raw by round ${rounds.map((r) => (r.sagaMs / r.rawMs).toFixed(2)).join(', ')}`);
    return {
      downloadAll200Ms: rounds.every((r) => r.files === 200) ? of((r) => r.sagaMs) : null,
      downloadAll200RawMs: of((r) => r.rawMs),
      downloadAll200RatioVsRaw: of((r) => r.sagaMs / r.rawMs),
      downloadAllClickToFirstRequestMs: of((r) => r.firstRequestMs),
      downloadAllLastByteToDiskMs: of((r) => r.lastByteToDiskMs),
      downloadAllRawLastByteToDiskMs: of((r) => r.rawLastByteToDiskMs),
      downloadAllFiles: distinct,
    };

    /** One round: "Download all" on a fresh page, then the same sizes through the bare pool. */
    async function oneRound(round) {
      const folder = join(downloadDir, 'Semantest');
      const before = completeFiles(folder).length;
      const page = await context.newPage();
      await page.goto('https://www.google.com/search?q=cat&udm=2');
      await page.locator(`[jsname="dTDiAc"] > ${CONTROL}`).nth(99).waitFor({ state: 'attached', timeout: 60_000 });
      await page.locator(`[jsname="dTDiAc"] > ${CONTROL}`).first().click({ modifiers: ['Shift'] });
      const start$ = page.locator('[data-testid="semantest-download-all"]');
      await start$.waitFor({ timeout: 30_000 });
      const start = now();
      await start$.click();
      // When the batch was sent (the bar then says "Saving"): the part of the time that is the page's loading and lookups.
      const sending = page.locator('[data-testid="semantest-bulk-status"]', { hasText: 'Sending' }).waitFor({ timeout: 120_000 }).then(now, () => null);
      const sent = page.locator('[data-testid="semantest-bulk-status"]', { hasText: 'Saving' }).waitFor({ timeout: 120_000 }).then(now, () => null);
      const end = await waitForFiles(folder, before + distinct, 120_000);
      const sentAt = await sent;
      const sendingAt = await sending;
      if (sendingAt) log(`download all ${round + 1}: results loaded and looked up ${(sendingAt - start).toFixed(0)} ms after the click`);
      if (sentAt) log(`download all ${round + 1}: the worker took the batch ${(sentAt - start).toFixed(0)} ms after the click`);
      const sagaMs = end - start;
      // Where the time goes (0065): the click to the host's first request, and the last response's end to the last file
      // complete on disk (Chrome's own writing and rename, plus, for the saga, its save step after the bytes came).
      // Requests at the host: how many were open on average over their stretch, and each one's median time.
      // The originals' requests since the click (the page may have asked for a result's image before).
      const saga = edges(host.spansOf('/').filter((span) => span.from + performance.timeOrigin >= start && (span.path.startsWith(`/originals/r${round}real-`) || span.path.includes(`/scroll${round}-`))));
      log(`download all ${round + 1}: first request ${(saga.first - start).toFixed(0)} ms after the click; last byte sent ${(saga.last - start).toFixed(0)} ms, last file on disk ${(end - saga.last).toFixed(0)} ms after it; ${saga.open.toFixed(2)} requests open on average, each ${saga.median.toFixed(0)} ms (median)`);
      log(`download all ${round + 1}: ${distinct} files in ${sagaMs.toFixed(0)} ms; bar: ${await page.locator('[data-testid="semantest-bulk-status"]').textContent()}`);
      await page.close();

      // The same sizes through bare downloads.download, a sliding pool of 3.
      const rawFolder = `bench-raw/r${round}`;
      const urls = results.map((result, index) => `${host.origin}/sized/${sizeOf(index)}/raw${round}-${index}.jpg`).slice(0, distinct);
      const rawStart = now();
      const done = worker.evaluate(bareDownloadsInWorker, { urls, names: urls.map((_, i) => `${rawFolder}/raw-${i}.jpg`) });
      const rawEnd = await waitForFiles(join(downloadDir, rawFolder), urls.length, 120_000);
      await done;
      const rawMs = rawEnd - rawStart;
      const raw = edges(host.spansOf('/sized/').filter((span) => span.path.includes(`/raw${round}-`)));
      log(`raw pool of 3 (${round + 1}): ${urls.length} files in ${rawMs.toFixed(0)} ms; first request ${(raw.first - rawStart).toFixed(0)} ms after the start, last file on disk ${(rawEnd - raw.last).toFixed(0)} ms after the last byte; ${raw.open.toFixed(2)} requests open on average, each ${raw.median.toFixed(0)} ms (median)`);
      return { sagaMs, rawMs, files: completeFiles(folder).length - before, firstRequestMs: saga.first - start, lastByteToDiskMs: end - saga.last, rawLastByteToDiskMs: rawEnd - raw.last };
    }
  } finally {
    forget();
    await context.close().catch(() => undefined);
    await host.close();
  }
}
