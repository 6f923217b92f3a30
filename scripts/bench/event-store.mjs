// Benchmark area `eventStore` (issue 3): our DexieEventStore next to raw IndexedDB, in one headless Chromium run.
// scripts/bench/pages/store-bench.ts is bundled with Vite's JS API, served with a blank page from 127.0.0.1 and
// driven through page.evaluate. Only the store's public API is used (group commit may change its internals).
import { createServer } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import { QUIET_FLAGS, chromiumPath } from '../chromium.mjs';

/** Up to this many runs of each measurement, fewer when the area's time budget is spent (one at least). */
const REPEATS = Number(process.env.STORE_BENCH_REPEATS ?? 3);
/** STORE_BENCH_BUDGET_MS raises it (an A/B under load, where one run of each would fit otherwise). */
const BUDGET_MS = Number(process.env.STORE_BENCH_BUDGET_MS ?? 60_000);
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

/**
 * Bundles the in-page entry into `outDir/store-bench.js` (an IIFE exposing `StoreBench`). With `srcRoot`, the
 * entry's imports of `src/` come from that tree instead (the same bench page over another tree's store).
 */
export async function bundleStoreBench(root, outDir, srcRoot = root) {
  await build({
    configFile: false,
    root,
    resolve: srcRoot === root ? {} : { alias: [{ find: /^(\.\.\/)+src\//, replacement: `${join(srcRoot, 'src')}/` }] },
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

/**
 * CPU time (ms, user + system) used so far by the browser whose command line holds `marker`, and by every process
 * under it (renderers, the storage service): a count that the other load on the machine moves far less than
 * wall-clock time. Linux only (/proc); null elsewhere.
 */
function browserCpuMs(marker) {
  try {
    const procs = new Map();
    let root = null;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        procs.set(Number(pid), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
        if (root === null) {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (cmd.includes(marker) && !cmd.includes('--type=')) root = Number(pid);
        }
      } catch {
        // the process ended meanwhile
      }
    }
    if (root === null) return null;
    const mine = new Set([root]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, { ppid }] of procs) {
        if (mine.has(pid) || !mine.has(ppid)) continue;
        mine.add(pid);
        grew = true;
      }
    }
    let ticks = 0;
    for (const pid of mine) ticks += procs.get(pid)?.ticks ?? 0;
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * One side of the comparison: a bundle of `root`'s in-page entry, served on its own origin (so its own IndexedDB),
 * in its own page of the shared browser.
 */
async function openSide(ctx, browser, srcRoot, label) {
  const bundle = await bundleStoreBench(ctx.root, ctx.tempDir(`semantest-bench-store-${label}-`), srcRoot);
  const server = await serveBundle(bundle);
  const page = await browser.newPage();
  page.on('pageerror', (error) => ctx.log(`page error (${label}):`, error.message));
  await page.goto(server.origin);
  await page.waitForFunction(() => 'StoreBench' in window);
  /** @type {(fn: string, ...args: unknown[]) => Promise<any>} */
  const call = (fn, ...args) => page.evaluate(([name, list]) => window.StoreBench[name](...list), [fn, args]);
  const has = (fn) => page.evaluate((name) => typeof window.StoreBench[name] === 'function', fn);
  return { label, call, has, close: () => server.close() };
}

/** The runs of one side (rates per run; the replay breakdowns when profiling). */
function emptyRuns() {
  return {
    single: [], singleTx: [], rawSame: [], rawSameCpu: [], rawEventsOnly: [], ours: [], raw: [], replay: [], cursor: [], profile: [], floor: null,
    singleCpu: [], replayCpu: [], cursorCpu: [], replayPresent: [], replayPresentCpu: [], rawRebuild: [], rawRebuildCpu: [],
  };
}

/** @param {{ root: string, tempDir: (p?: string) => string, log: (...a: unknown[]) => void, median: (v: number[]) => number | null, onCleanup: (fn: () => unknown) => () => void }} ctx */
export async function run(ctx) {
  const { log, median } = ctx;
  // STORE_BENCH_BASE=/path/to/other/source/tree (e.g. `git archive main` with node_modules linked) measures that
  // tree's store (its src/, driven by this tree's bench page) beside this one in the same browser, alternating run
  // by run: an A/B in the same period. Its
  // numbers come out as `base*` keys. STORE_BENCH_PROFILE=1 adds where the replay's time goes (`replay*Ms`).
  const base = process.env.STORE_BENCH_BASE || null;
  const profile = process.env.STORE_BENCH_PROFILE === '1';
  const areaStart = performance.now();
  const timeLeft = () => BUDGET_MS * (base ? 2 : 1) - (performance.now() - areaStart);
  const marker = `--semantest-store-bench=${process.pid}`;
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...QUIET_FLAGS, marker] });
  /** Runs `fn` and adds the browser's CPU time (ms) for it to `into` (nothing when it cannot be read). */
  const cpu = async (into, fn) => {
    const before = browserCpuMs(marker);
    const result = await fn();
    const after = browserCpuMs(marker);
    if (before !== null && after !== null) into.push(after - before);
    return result;
  };
  const sides = [];
  const forget = ctx.onCleanup(async () => {
    await browser.close();
    for (const side of sides) await side.close();
  });
  try {
    sides.push(await openSide({ ...ctx, log }, browser, ctx.root, 'this'));
    if (base) sides.push(await openSide({ ...ctx, log }, browser, base, 'base'));
    const runs = new Map(sides.map((side) => [side, emptyRuns()]));

    // Warm up the code paths (JIT, Dexie, zod) on a small run of each.
    for (const { call } of sides) {
      await call('concurrentSingleAppends', 10, 1);
      await call('rawSingleAppendWrites', 10, 1, 'all');
      await call('batchedAppends', 5, BATCH);
      await call('rawBatchedAdds', 5, BATCH);
    }

    for (let i = 0; i < REPEATS && (i === 0 || timeLeft() > 45_000 * sides.length); i++) {
      // Alternate ours and raw (and the two sides) so that machine noise hits all alike.
      for (const side of i % 2 ? [...sides].reverse() : sides) {
        const r = runs.get(side);
        // Ours and its raw comparator (the same writes, grouped as a perfect group commit), in alternating order.
        const ours = async () => {
          const single = await cpu(r.singleCpu, () => side.call('concurrentSingleAppends', CALLERS, DOWNLOADS_PER_CALLER));
          r.single.push(perSec(single));
          r.singleTx.push(single.transactions);
        };
        const raw = async () => r.rawSame.push(perSec(await cpu(r.rawSameCpu, () => side.call('rawSingleAppendWrites', CALLERS, DOWNLOADS_PER_CALLER, 'all'))));
        for (const step of i % 2 ? [raw, ours] : [ours, raw]) await step();
        r.rawEventsOnly.push(perSec(await side.call('rawSingleAppendWrites', CALLERS, DOWNLOADS_PER_CALLER, 'events')));
        r.ours.push(perSec(await side.call('batchedAppends', BATCHES, BATCH)));
        r.raw.push(perSec(await side.call('rawBatchedAdds', BATCHES, BATCH)));
        log(
          `${side.label} append run ${i + 1}: single ${r.single.at(-1).toFixed(0)}/s (cpu ${r.singleCpu.at(-1)} ms, ${r.singleTx.at(-1)} transactions), ` +
            `raw same writes ${r.rawSame.at(-1).toFixed(0)}/s (cpu ${r.rawSameCpu.at(-1)} ms), raw event rows only ${r.rawEventsOnly.at(-1).toFixed(0)}/s`,
        );
        log(`${side.label} append run ${i + 1}: batched ${r.ours.at(-1).toFixed(0)}/s, raw ${r.raw.at(-1).toFixed(0)}/s`);
      }
    }

    for (const side of sides) {
      const seeded = await side.call('seedReplay', REPLAY_DOWNLOADS);
      log(`${side.label} seeded ${seeded.events} events in ${(seeded.ms / 1000).toFixed(1)} s`);
    }
    // Each run: the raw cursor; our rebuild from an emptied read model (must write all 20,000 rows: the headline);
    // our rebuild again, finding those rows (writes nothing); raw IndexedDB doing the reads and writes any rebuild
    // from empty must do. Odd runs do the raw ones first.
    for (let i = 0; i < REPEATS && (i === 0 || timeLeft() > 0); i++) {
      for (const side of i % 2 ? [...sides].reverse() : sides) {
        const r = runs.get(side);
        const rebuild = async (fromEmpty, rates, cpus) => {
          const rebuilt = await cpu(cpus, () => side.call('replayRebuild', fromEmpty));
          if (rebuilt.rows !== REPLAY_DOWNLOADS) throw new Error(`rebuildDownloads made ${rebuilt.rows} rows, expected ${REPLAY_DOWNLOADS}`);
          rates.push(perSec(rebuilt));
        };
        const ours = async () => {
          await rebuild(true, r.replay, r.replayCpu);
          await rebuild(false, r.replayPresent, r.replayPresentCpu);
        };
        const raw = async () => {
          r.cursor.push(perSec(await cpu(r.cursorCpu, () => side.call('replayRawCursor'))));
          if (r.replay.length === 0) return; // the raw rebuild writes the rows one of ours made
          const rawRebuilt = await cpu(r.rawRebuildCpu, () => side.call('replayRawRebuild'));
          if (rawRebuilt.rows !== REPLAY_DOWNLOADS) throw new Error(`the raw rebuild wrote ${rawRebuilt.rows} rows, expected ${REPLAY_DOWNLOADS}`);
          r.rawRebuild.push(perSec(rawRebuilt));
        };
        for (const step of i % 2 && r.replay.length > 0 ? [raw, ours] : [ours, raw]) await step();
        log(
          `${side.label} replay run ${i + 1}: rebuildDownloads from empty ${r.replay.at(-1).toFixed(0)}/s (cpu ${r.replayCpu.at(-1)} ms), ` +
            `rows present ${r.replayPresent.at(-1).toFixed(0)}/s (cpu ${r.replayPresentCpu.at(-1)} ms), raw cursor ${r.cursor.at(-1).toFixed(0)}/s (cpu ${r.cursorCpu.at(-1)} ms), ` +
            `raw rebuild ${r.rawRebuild.at(-1)?.toFixed(0)}/s (cpu ${r.rawRebuildCpu.at(-1)} ms)`,
        );
      }
    }
    if (profile) {
      for (const side of sides) {
        if (!(await side.has('probeSingleFloor'))) continue;
        const floor = await side.call('probeSingleFloor', 15, CALLERS);
        runs.get(side).floor = floor;
        log(`${side.label} raw floor of the single-append write set (events/s): ${JSON.stringify(Object.fromEntries(Object.entries(floor).map(([k, v]) => [k, Math.round(v)])))}`);
      }
      for (const side of sides) {
        if (!(await side.has('replayBreakdown'))) continue;
        const breakdown = await side.call('replayBreakdown');
        runs.get(side).profile.push(breakdown);
        log(`${side.label} replay breakdown: ${JSON.stringify(Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, Math.round(v)])))}`);
      }
    }
    for (const side of sides) await side.call('dropReplay');

    const summary = (r) => ({
      appendEventsPerSec: median(r.single),
      // Raw IndexedDB doing the writes a group commit of that load must do (event + stream row + read-model row
      // per event, one transaction per round of the 100 callers), and its event rows alone, same rounds.
      rawIdbSameWritesEventsPerSec: median(r.rawSame),
      appendRatioVsRawSameWrites: median(r.single.map((value, i) => value / r.rawSame[i])),
      rawIdbEventRowsOnlyEventsPerSec: median(r.rawEventsOnly),
      appendTransactions: median(r.singleTx),
      batchAppendRatioVsRawIdb: median(r.ours.map((value, i) => value / r.raw[i])),
      // The headline replay is a rebuild from an emptied read model (it writes all 20,000 rows), every run.
      replayEventsPerSec: median(r.replay),
      replayRatioVsRawCursor: median(r.replay.map((value, i) => value / r.cursor[i])),
      // The same rebuild when the rows are there already (it writes nothing).
      replayEventsPerSecRowsPresent: median(r.replayPresent),
      replayRatioVsRawCursorRowsPresent: median(r.replayPresent.map((value, i) => value / r.cursor[i])),
      // Raw IndexedDB reading the same events and writing the same rows (cursor and writes side by side): the
      // ceiling of any rebuild that must write, and so of replayRatioVsRawCursor (rawRebuildRatioVsRawCursor).
      rawRebuildEventsPerSec: median(r.rawRebuild),
      rawRebuildRatioVsRawCursor: median(r.rawRebuild.map((value, i) => value / r.cursor[i])),
      replayRatioVsRawRebuild: median(r.rawRebuild.map((value, i) => r.replay[i] / value)),
      batchAppendEventsPerSec: median(r.ours),
      rawIdbBatchAddEventsPerSec: median(r.raw),
      rawCursorEventsPerSec: median(r.cursor),
      // The same comparisons in the browser's CPU time instead of wall-clock time (null where /proc is missing).
      appendCpuMsPerEvent: r.singleCpu.length ? median(r.singleCpu) / (CALLERS * DOWNLOADS_PER_CALLER * 5) : null,
      rawIdbSameWritesCpuMsPerEvent: r.rawSameCpu.length ? median(r.rawSameCpu) / (CALLERS * DOWNLOADS_PER_CALLER * 5) : null,
      replayCpuRatioVsRawCursor: r.replayCpu.length === r.cursorCpu.length && r.replayCpu.length ? median(r.replayCpu.map((value, i) => r.cursorCpu[i] / value)) : null,
      rawRebuildCpuRatioVsRawCursor: r.rawRebuildCpu.length === r.rawRebuild.length && r.rawRebuild.length ? median(r.rawRebuildCpu.map((value, i) => r.cursorCpu[i] / value)) : null,
    });
    const [own, other] = sides.map((side) => runs.get(side));
    log(`runs: ${own.single.length} append, ${own.replay.length} replay`);
    const result = summary(own);
    if (profile && own.profile[0]) for (const [k, v] of Object.entries(own.profile[0])) result[`replay${k[0].toUpperCase()}${k.slice(1)}`] = v;
    if (profile && own.floor) {
      result.rawFloorEventsOnlyPerSec = own.floor.events;
      result.rawFloorWithStreamsAndDownloadsPerSec = own.floor['events+streams+downloads'];
    }
    if (other) {
      for (const [k, v] of Object.entries(summary(other))) result[`base${k[0].toUpperCase()}${k.slice(1)}`] = v;
      const range = (values) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;
      for (const [label, r] of [['this', own], ['base', other]]) {
        log(`${label}: single ${r.single.map((v) => v.toFixed(0)).join(', ')}; batched ratio ${range(r.ours.map((v, i) => v / r.raw[i]))}; replay ratio ${range(r.replay.map((v, i) => v / r.cursor[i]))}`);
      }
    }
    return result;
  } finally {
    forget();
    await browser.close();
    for (const side of sides) await side.close();
  }
}
