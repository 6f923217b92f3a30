/**
 * The worker's saga, built as src/background/index.ts builds it, over fakes: a `fetch` that counts every request
 * (and answers with a small PNG), the in-memory chrome.downloads, and a database of its own (fake-indexeddb).
 * Tests that ask "did the worker act?" are written against this factory only, so that when the saga is replaced
 * (wip/saga's decider and runners) only this file changes.
 */
import { openDatabase, type SemantestDb } from '../src/store/database.ts';
import { DexieEventStore } from '../src/store/dexie-event-store.ts';
import { downloadQueries } from '../src/store/download-queries.ts';
import { DownloadSaga } from '../src/background/download-saga.ts';
import { fetchImageBytes, probeImage, type ProbeOptions } from '../src/background/probe.ts';
import { Settings } from '../src/background/settings.ts';
import type { Strategy } from '../src/domain/events.ts';
import { FakeDownloads } from './fakes/downloads.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);

export interface WorkerSaga {
  db: SemantestDb;
  downloads: FakeDownloads;
  /** Every address the worker requested (probe or body), in order, over all its restarts. */
  fetches: string[];
  /** Starts the worker (again): a new store and saga over the same database, as after a stop; recovery done. */
  start(): Promise<void>;
  /** Resolves once the running worker has nothing in flight that could still request or download. */
  settled(): Promise<void>;
}

export function workerSaga(name: string, options: { settings?: Partial<Settings>; downloads?: FakeDownloads } = {}): WorkerSaga {
  const db = openDatabase(name);
  const downloads = options.downloads ?? new FakeDownloads();
  const fetches: string[] = [];
  const settings = Settings.parse(options.settings ?? {});
  const countingFetch = (async (input: RequestInfo | URL) => {
    fetches.push(String(input instanceof Request ? input.url : input));
    return new Response(PNG, { status: 200, headers: { 'content-type': 'image/png', 'content-length': String(PNG.length) } });
  }) as typeof fetch;
  // As src/background/index.ts's probeOptions.
  const probeOptions = (current: Settings, strategy: Strategy): ProbeOptions => ({
    fetch: countingFetch,
    timeoutMs: current.requestTimeoutMs,
    maxBytes: current.maxBytes,
    allowDataImage: strategy === 'thumbnail',
  });
  let saga: DownloadSaga | null = null;
  return {
    db,
    downloads,
    fetches,
    async start() {
      const store = new DexieEventStore(db);
      saga = new DownloadSaga({
        store,
        queries: downloadQueries(db),
        downloads,
        alarms: { wakeAt: async () => undefined, clear: async () => undefined },
        tabs: { send: () => undefined },
        pages: { broadcast: () => undefined },
        referer: { hold: async () => undefined, release: async () => undefined },
        probe: (url, current, strategy) => probeImage(url, probeOptions(current, strategy)),
        fetchBody: (url, current, strategy) => fetchImageBytes(url, probeOptions(current, strategy)),
        settings: () => settings,
        now: () => Date.now(),
        random: () => 0.5,
        newId: () => crypto.randomUUID(),
      });
      const running = saga;
      downloads.onChanged((delta) => void running.onDownloadChanged(delta).catch(() => undefined));
      downloads.onCreated((item) => running.onDownloadCreated(item));
      await running.recover();
    },
    async settled() {
      // The saga's steps chain through IndexedDB (fake-indexeddb answers on later macrotasks): let them run out.
      // Bounded: a saga that took up a download stays busy, and the caller's checks then say what it did.
      for (let i = 0; i < 2; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      for (let i = 0; i < 100; i++) {
        await saga?.idle();
        if (!saga?.busy()) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}
