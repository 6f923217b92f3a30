#!/usr/bin/env node
// The project's one benchmark entry (`npm run bench`, which builds dist/ first).
//
//   node scripts/bench.mjs                 readable table on stdout (progress on stderr)
//   node scripts/bench.mjs --json          ONE JSON object on stdout, nothing else: {"eventStore": {...}, ...}
//   node scripts/bench.mjs --only saga     one area (key or file name; repeatable, or comma-separated)
//
// Areas are the files scripts/bench/<name>.mjs; each exports `async function run(ctx)` that returns an object of
// numbers (null when a metric cannot be measured), and may export `targets` ({ metric: { max } | { min } }).
// The key is the file name in camelCase (content-script.mjs → contentScript). Numbers are measured and printed,
// never asserted: a missed target shows as "no" in the table; the exit code is 1 only if an area crashed.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromiumPath } from './chromium.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AREA_DIR = join(ROOT, 'scripts', 'bench');
/** Areas run in this order (others after them, by name): the cheapest first. */
const ORDER = ['eventStore', 'contentScript', 'saga', 'ui'];
/** Per-area limit, so a hung browser cannot hold the whole run (`saga` takes ≈ 4 min with its rounds). */
const AREA_TIMEOUT_MS = Number(process.env.BENCH_AREA_TIMEOUT_MS ?? 600_000);

/**
 * The targets of the open issues (3: event store, 4: content script, 5: saga, 6: UI). An area module's own
 * `targets` export adds to or overrides these.
 * @type {Record<string, Record<string, { min?: number, max?: number }>>}
 */
export const TARGETS = {
  eventStore: {
    appendEventsPerSec: { min: 5000 },
    batchAppendRatioVsRawIdb: { min: 0.8 },
    replayRatioVsRawCursor: { min: 0.5 },
  },
  contentScript: {
    decorateMsFor1000: { max: 50 },
    maxLongTaskMs: { max: 50 },
    scriptingRatioVsNoExtension: { max: 1.1 },
    bundleBytes: { max: 20480 },
  },
  saga: {
    clickToDownloadStartMsWarm: { max: 50 },
    clickToDownloadStartMsCold: { max: 300 },
    bulk100RatioVsRawDownloads: { max: 1.25 },
  },
  ui: {
    popupFirstRenderMsWith10k: { max: 150 },
    popupRenderRatio10kVsEmpty: { max: 2 },
    searchMsWith10k: { max: 50 },
    popupBundleBytes: { max: 60 * 1024 },
  },
};

/** `content-script` → `contentScript`. */
export const areaKey = (fileName) => basename(fileName, '.mjs').replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

function parseArgs(argv) {
  const options = { json: false, only: /** @type {string[]} */ ([]), help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--only') options.only.push(...String(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--only=')) options.only.push(...arg.slice(7).split(','));
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`Unknown option ${arg} (use --json, --only AREA)`);
  }
  options.only = options.only.filter(Boolean).map((name) => areaKey(name));
  return options;
}

function discoverAreas() {
  const files = readdirSync(AREA_DIR, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.mjs'))
    .map((entry) => ({ key: areaKey(entry.name), file: join(AREA_DIR, entry.name) }));
  const rank = (key) => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length);
  return files.sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
}

/** Median of the finite numbers (null if none). */
export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function chromiumVersion() {
  try {
    return execFileSync(chromiumPath() ?? 'chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown Chromium';
  }
}

function formatNumber(value) {
  if (value === null || value === undefined) return 'n/a';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 1000 || Number.isInteger(value) ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function formatTarget(target) {
  if (!target) return '';
  if (target.min !== undefined) return `≥ ${formatNumber(target.min)}`;
  if (target.max !== undefined) return `≤ ${formatNumber(target.max)}`;
  return '';
}

function verdict(value, target) {
  if (!target) return '';
  if (typeof value !== 'number' || !Number.isFinite(value)) return '?';
  if (target.min !== undefined && value < target.min) return 'no';
  if (target.max !== undefined && value > target.max) return 'no';
  return 'yes';
}

function printTable(results, targets, out) {
  const rows = [['area', 'metric', 'value', 'target', 'ok?']];
  for (const [key, metrics] of Object.entries(results)) {
    if (metrics && typeof metrics === 'object' && 'error' in metrics && typeof metrics.error === 'string') {
      rows.push([key, 'ERROR', metrics.error.split('\n')[0].slice(0, 100), '', '']);
      continue;
    }
    const areaTargets = targets[key] ?? {};
    // Metrics with a target first, in the target's order, then the rest (context numbers).
    const names = [...Object.keys(areaTargets).filter((n) => n in metrics), ...Object.keys(metrics).filter((n) => !(n in areaTargets))];
    for (const name of names) rows.push([key, name, formatNumber(metrics[name]), formatTarget(areaTargets[name]), verdict(metrics[name], areaTargets[name])]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
  const line = (row) => row.map((cell, c) => (c === 2 ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join('  ').trimEnd();
  out.write(`${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of rows.slice(1)) out.write(`${line(row)}\n`);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write('usage: node scripts/bench.mjs [--json] [--only AREA[,AREA]]\n');
    return 0;
  }
  // With --json, stdout carries the JSON object and nothing else: whatever a library logs goes to stderr.
  const stdout = process.stdout;
  if (options.json) {
    console.log = console.error;
    console.info = console.error;
    console.debug = console.error;
  }
  const log = (...args) => console.error('[bench]', ...args);

  const available = discoverAreas();
  const unknown = options.only.filter((key) => !available.some((area) => area.key === key));
  if (unknown.length > 0) throw new Error(`No such area: ${unknown.join(', ')} (have ${available.map((a) => a.key).join(', ')})`);
  const areas = options.only.length > 0 ? available.filter((area) => options.only.includes(area.key)) : available;

  const temps = new Set();
  const cleanups = new Set();
  const cleanAll = async () => {
    for (const fn of [...cleanups].reverse()) await Promise.resolve().then(fn).catch(() => undefined);
    cleanups.clear();
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    temps.clear();
  };
  const onSignal = () => {
    void cleanAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  /** What every area gets. */
  const baseCtx = {
    root: ROOT,
    distDir: join(ROOT, 'dist'),
    json: options.json,
    median,
    /** A temporary directory, removed when the run ends. */
    tempDir(prefix = 'semantest-bench-') {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      temps.add(dir);
      return dir;
    },
    /** Runs `fn` when the run ends (or is interrupted), if the area did not already clean up. */
    onCleanup(fn) {
      cleanups.add(fn);
      return () => cleanups.delete(fn);
    },
  };

  const targets = structuredClone(TARGETS);
  const results = {};
  let crashed = false;
  const started = performance.now();
  log(`${chromiumVersion()}, ${cpus().length} cores, Node ${process.version}; areas: ${areas.map((a) => a.key).join(', ')}`);
  for (const area of areas) {
    const areaStarted = performance.now();
    log(`${area.key}: running ${basename(area.file)}`);
    try {
      const mod = await import(pathToFileURL(area.file).href);
      if (typeof mod.run !== 'function') throw new Error(`${basename(area.file)} exports no run(ctx)`);
      if (mod.targets) targets[area.key] = { ...targets[area.key], ...mod.targets };
      const ctx = { ...baseCtx, log: (...args) => console.error(`[bench ${area.key}]`, ...args) };
      const value = await withTimeout(Promise.resolve(mod.run(ctx)), AREA_TIMEOUT_MS, area.key);
      results[area.key] = value ?? {};
    } catch (error) {
      crashed = true;
      log(`${area.key} failed:`, error);
      results[area.key] = { error: error instanceof Error ? error.message : String(error) };
    } finally {
      await cleanAll();
    }
    log(`${area.key}: ${((performance.now() - areaStarted) / 1000).toFixed(1)} s`);
  }
  log(`all areas: ${((performance.now() - started) / 1000).toFixed(1)} s`);

  if (options.json) stdout.write(`${JSON.stringify(results)}\n`);
  else {
    stdout.write(`\nSemantest benchmark — ${chromiumVersion()} headless, ${cpus().length} cores, Node ${process.version}\n\n`);
    printTable(results, targets, stdout);
    stdout.write('\nMedians of several runs; other work on the machine makes them noisy. ok? = meets the issue\'s target.\n');
  }
  return crashed ? 1 : 0;
}

// Exit explicitly: a lingering handle in an area (a socket, a timer) must not keep the run alive. stdout is a
// pipe or a terminal here, both written synchronously by Node on Linux, so nothing printed is lost.
main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('[bench]', error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
