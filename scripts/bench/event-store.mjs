// Benchmark area `eventStore` (issue 3): our DexieEventStore next to raw IndexedDB, in one headless Chromium run.
// scripts/bench/pages/store-bench.ts is bundled with Vite's JS API, served with a blank page from 127.0.0.1 and
// driven through page.evaluate. Only the store's public API is used (group commit may change its internals).
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import { QUIET_FLAGS, chromiumPath } from '../chromium.mjs';

/** Up to this many runs of each measurement, fewer when the area's time budget is spent (one at least). */
const REPEATS = 3;
const BUDGET_MS = 60_000;
/** Single-event appends: 100 concurrent callers, each writing the 5 events of this many downloads, one by one. */
const CALLERS = 100;
const DOWNLOADS_PER_CALLER = 3;
/** Batched appends: this many appendToStream calls of BATCH events each (and the same rows raw). */
const BATCHES = 40;
const BATCH = 100;
/** Replay: 20,000 downloads × 5 events. */
const REPLAY_DOWNLOADS = 20_000;

export const targets = {
  appendEventsPerSec: { min: 5000 },
  batchAppendRatioVsRawIdb: { min: 0.8 },
  replayRatioVsRawCursor: { min: 0.5 },
};

/** Bundles the in-page entry into `outDir/store-bench.js` (an IIFE exposing `StoreBench`). */
export async function bundleStoreBench(root, outDir) {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'chrome120',
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      lib: { entry: join(root, 'scripts/bench/pages/store-bench.ts'), formats: ['iife'], name: 'StoreBench', fileName: () => 'store-bench.js' },
    },
  });
  return join(outDir, 'store-bench.js');
}

/** Serves a blank page that loads the bundle, on 127.0.0.1 (a real origin, so IndexedDB is the real one). */
export async function serveBundle(bundlePath) {
  const script = readFileSync(bundlePath);
  const server = createServer((req, res) => {
    if (req.url === '/store-bench.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return res.end(script);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><meta charset="utf-8"><title>store bench</title><script src="/store-bench.js"></script>');
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const perSec = (r) => (r.events / r.ms) * 1000;

/** @param {{ root: string, tempDir: (p?: string) => string, log: (...a: unknown[]) => void, median: (v: number[]) => number | null, onCleanup: (fn: () => unknown) => () => void }} ctx */
export async function run(ctx) {
  const { log, median } = ctx;
  const areaStart = performance.now();
  const timeLeft = () => BUDGET_MS - (performance.now() - areaStart);
  const bundle = await bundleStoreBench(ctx.root, ctx.tempDir('semantest-bench-store-'));
  const server = await serveBundle(bundle);
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: QUIET_FLAGS });
  const forget = ctx.onCleanup(async () => {
    await browser.close();
    await server.close();
  });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => log('page error:', error.message));
    await page.goto(server.origin);
    await page.waitForFunction(() => 'StoreBench' in window);
    /** @type {(fn: string, ...args: unknown[]) => Promise<any>} */
    const call = (fn, ...args) => page.evaluate(([name, list]) => window.StoreBench[name](...list), [fn, args]);

    // Warm up the code paths (JIT, Dexie, zod) on a small run of each.
    await call('concurrentSingleAppends', 10, 1);
    await call('batchedAppends', 5, BATCH);
    await call('rawBatchedAdds', 5, BATCH);

    const single = [];
    const ours = [];
    const raw = [];
    for (let i = 0; i < REPEATS && (i === 0 || timeLeft() > 45_000); i++) {
      // Alternate ours and raw so that machine noise hits both alike.
      single.push(perSec(await call('concurrentSingleAppends', CALLERS, DOWNLOADS_PER_CALLER)));
      ours.push(perSec(await call('batchedAppends', BATCHES, BATCH)));
      raw.push(perSec(await call('rawBatchedAdds', BATCHES, BATCH)));
      log(`append run ${i + 1}: single ${single.at(-1).toFixed(0)}/s, batched ${ours.at(-1).toFixed(0)}/s, raw ${raw.at(-1).toFixed(0)}/s`);
    }
    const ratios = ours.map((value, i) => value / raw[i]);

    const seeded = await call('seedReplay', REPLAY_DOWNLOADS);
    log(`seeded ${seeded.events} events in ${(seeded.ms / 1000).toFixed(1)} s`);
    const replay = [];
    const cursor = [];
    for (let i = 0; i < REPEATS && (i === 0 || timeLeft() > 0); i++) {
      cursor.push(perSec(await call('replayRawCursor')));
      const rebuilt = await call('replayRebuild');
      if (rebuilt.rows !== REPLAY_DOWNLOADS) throw new Error(`rebuildDownloads made ${rebuilt.rows} rows, expected ${REPLAY_DOWNLOADS}`);
      replay.push(perSec(rebuilt));
      log(`replay run ${i + 1}: rebuildDownloads ${replay.at(-1).toFixed(0)}/s, raw cursor ${cursor.at(-1).toFixed(0)}/s`);
    }
    await call('dropReplay');
    const replayRatios = replay.map((value, i) => value / cursor[i]);
    log(`runs: ${single.length} append, ${replay.length} replay`);

    return {
      appendEventsPerSec: median(single),
      batchAppendRatioVsRawIdb: median(ratios),
      replayEventsPerSec: median(replay),
      replayRatioVsRawCursor: median(replayRatios),
      batchAppendEventsPerSec: median(ours),
      rawIdbBatchAddEventsPerSec: median(raw),
      rawCursorEventsPerSec: median(cursor),
    };
  } finally {
    forget();
    await browser.close();
    await server.close();
  }
}
