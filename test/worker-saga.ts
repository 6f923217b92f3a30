/**
 * The worker's saga, built as src/background/index.ts builds it, over fakes: the transfer side's fake (it counts
 * every request it makes to a host, and answers with a small PNG), the in-memory chrome.downloads, and a database
 * of its own (fake-indexeddb). Tests that ask "did the worker act?" are written against this factory only, so
 * that when the saga is replaced only this file changes.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { downloadsProjection } from '../src/projections/downloads.ts';
import { openDatabase, type SemantestDb } from '../src/store/database.ts';
import { DexieEventStore } from '../src/store/dexie-event-store.ts';
import { downloadQueries } from '../src/store/download-queries.ts';
import { DownloadSaga } from '../src/background/saga/index.ts';
import { systemClock } from '../src/background/saga/clock.ts';
import { Settings } from '../src/shared/settings.ts';
import { FakeDownloads } from './fakes/downloads.ts';
import { FakeTransfers } from './fakes/transfer.ts';

/** A broken saga requests within the turn its recovery ends; 20 quiet turns leave room for chains of many requests. */
const QUIET_TURNS = 20;
const MAX_TURNS = 5000;

export interface WorkerSaga {
  db: SemantestDb;
  downloads: FakeDownloads;
  /** Every address the worker requested (through the transfer side), in order, over all its restarts. */
  fetches: string[];
  /** Starts the worker (again): a new store and saga over the same database, as after a stop; recovery done. */
  start(): Promise<void>;
  /** Resolves once the running worker has nothing in flight that could still request or download. */
  settled(): Promise<void>;
}

export function workerSaga(name: string, options: { settings?: Partial<Settings>; downloads?: FakeDownloads } = {}): WorkerSaga {
  const db = openDatabase(name);
  const downloads = options.downloads ?? new FakeDownloads();
  const transfers = new FakeTransfers(downloads.extensionId);
  downloads.blobs = (url) => transfers.blobAt(url);
  const fetches: string[] = [];
  const start = transfers.start.bind(transfers);
  transfers.start = (request) => {
    fetches.push(request.url);
    return start(request);
  };
  const settings = Settings.parse(options.settings ?? {});
  let saga: DownloadSaga | null = null;
  return {
    db,
    downloads,
    fetches,
    async start() {
      saga?.detach();
      saga = new DownloadSaga({
        store: new DexieEventStore(db, { projection: downloadsProjection }),
        queries: downloadQueries(db),
        transfers,
        downloads,
        alarms: { wakeAt: async () => undefined, clear: async () => undefined },
        tabs: { send: () => undefined },
        pages: { broadcast: () => undefined },
        referer: { hold: async () => undefined, release: async () => undefined },
        settings: () => settings,
        clock: systemClock,
        random: () => 0.5,
        newId: () => crypto.randomUUID(),
        extensionId: downloads.extensionId,
      });
      const running = saga;
      downloads.onChanged((delta) => void running.downloadChanged(delta).catch(() => undefined));
      downloads.onCreated((item) => running.downloadCreated(item));
      await running.recover();
    },
    async settled() {
      // The saga's steps chain through IndexedDB, and fake-indexeddb answers each request on a later turn of the
      // event loop (setImmediate): wait until the saga is idle and QUIET_TURNS turns have passed with nothing new.
      // Counted in turns, not milliseconds: as strict on a loaded machine, and no timer to wait for. Bounded: a saga
      // that took up a download stays busy, and the caller's checks then say what it did.
      let quiet = 0;
      for (let turn = 0; turn < MAX_TURNS && quiet < QUIET_TURNS; turn++) {
        const before = fetches.length + downloads.calls.length;
        await nextTurn();
        quiet = saga?.busy() || fetches.length + downloads.calls.length !== before ? 0 : quiet + 1;
      }
    },
  };
}
