/**
 * The saga v2 as the worker assembles it, on the in-memory store (with its downloads read model), the transfer
 * side's and chrome.downloads' fakes and a fake clock: nothing real is waited for.
 */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import { DownloadSaga } from '../../src/background/saga/index.ts';
import type { PictureDeps } from '../../src/background/saga/picture-check.ts';
import { Settings } from '../../src/shared/settings.ts';
import { isSettled, type DownloadState } from '../../src/domain/download.ts';
import type { ImageCandidate, StoredEvent } from '../../src/domain/events.ts';
import { InMemoryEventStore } from '../../src/store/memory-event-store.ts';
import type { DownloadQueries } from '../../src/store/download-queries.ts';
import { FakeClock, flush } from '../fakes/clock.ts';
import { FakeDownloads } from '../fakes/downloads.ts';
import { FakeTransfers } from '../fakes/transfer.ts';

export const EXTENSION_ID = 'semantest-test';

export const image = (name = 'cat.jpg', extra: Partial<ImageCandidate> = {}): ImageCandidate => ({
  imageUrl: `https://images.example/${name}`,
  thumbnailUrl: 'https://encrypted-tbn0.gstatic.com/images?q=tbn:x',
  sourcePageUrl: 'https://www.example.org/page',
  title: 'A cat',
  strategy: 'udm2_inline',
  ...extra,
});

export async function sagaHarness(options: { settings?: Partial<Settings>; recover?: boolean; pictures?: PictureDeps } = {}) {
  const clock = new FakeClock();
  let ids = 0;
  const newId = (): string => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;
  const store = new InMemoryEventStore({ projection: downloadsProjection, now: clock.now, newId });
  const reads = { get: 0, byImageUrl: 0, byImageUrls: 0, byContentHash: 0, byContentHashes: 0, unsettled: 0 };
  const plain = store.downloads;
  const queries: DownloadQueries = {
    ...plain,
    get: (streamId) => (reads.get++, plain.get(streamId)),
    unsettled: () => (reads.unsettled++, plain.unsettled()),
    byImageUrl: (url) => (reads.byImageUrl++, plain.byImageUrl(url)),
    byImageUrls: (urls) => (reads.byImageUrls++, (plain.byImageUrls as NonNullable<DownloadQueries['byImageUrls']>)(urls)),
    byContentHash: (hash) => (reads.byContentHash++, plain.byContentHash(hash)),
    byContentHashes: (hashes) => (reads.byContentHashes++, (plain.byContentHashes as NonNullable<DownloadQueries['byContentHashes']>)(hashes)),
  };
  const transfers = new FakeTransfers(EXTENSION_ID);
  const downloads = new FakeDownloads('/downloads', clock.now, EXTENSION_ID);
  downloads.blobs = (url) => transfers.blobAt(url);
  const sent: { tabId: number; message: unknown }[] = [];
  const broadcasts: unknown[] = [];
  const alarms: { name: string; when: number | null }[] = [];
  const referer = { held: [] as string[], released: [] as string[] };
  let settings = Settings.parse({ baseDelayMs: 100, ...options.settings });
  const deps = {
    store,
    queries,
    transfers,
    downloads,
    alarms: {
      wakeAt: async (name: string, when: number) => void alarms.push({ name, when }),
      clear: async (name: string) => void alarms.push({ name, when: null }),
    },
    tabs: { send: (tabId: number, message: unknown) => void sent.push({ tabId, message }) },
    pages: { broadcast: (message: unknown) => void broadcasts.push(message) },
    referer: {
      hold: async (key: string) => void referer.held.push(key),
      release: async (key: string) => void referer.released.push(key),
    },
    settings: () => settings,
    clock,
    random: () => 0.5,
    newId,
    extensionId: EXTENSION_ID,
    ...(options.pictures ? { pictures: options.pictures } : {}),
  };
  // A stopped worker's JavaScript stops: its timers never fire, its calls on the browser and the store never
  // come back. Each worker gets the ports through a gate that closes when it stops.
  let alive = { open: true };
  const start = async (): Promise<DownloadSaga> => {
    alive = { open: true };
    const next = new DownloadSaga(gated(deps, alive));
    downloads.onChanged((delta) => void next.downloadChanged(delta));
    downloads.onCreated((item) => next.downloadCreated(item));
    if (options.recover !== false) await next.recover();
    return next;
  };
  let saga = await start();
  const t = {
    clock,
    store,
    queries,
    reads,
    transfers,
    downloads,
    sent,
    broadcasts,
    alarms,
    referer,
    get saga() {
      return saga;
    },
    setSettings(change: Partial<Settings>) {
      settings = Settings.parse({ ...settings, ...change });
    },
    events: (): Promise<StoredEvent[]> => store.readAll(0, 1_000_000),
    async streamEvents(streamId: string): Promise<string[]> {
      return (await store.readStream(streamId)).map((event) => event.type);
    },
    row: (streamId: string): Promise<DownloadState | undefined> => plain.get(streamId),
    /** Lets every step that can run now run (no time passes). */
    settle: () => clock.advance(0),
    async phase(streamId: string): Promise<string | undefined> {
      await clock.advance(0);
      return (await plain.get(streamId))?.phase;
    },
    /** Moves time on until the download settles (retries' backoffs included), at most `ms`. */
    async settled(streamId: string, ms = 120_000): Promise<DownloadState> {
      for (let waited = 0; waited <= ms; waited += 50) {
        await clock.advance(waited === 0 ? 0 : 50);
        const row = await plain.get(streamId);
        if (row && isSettled(row)) return row;
      }
      throw new Error(`${streamId} is still ${(await plain.get(streamId))?.phase}`);
    },
    /** The worker stops (it hears nothing more) and a new one starts on the same store, Chrome and transfer side. */
    async restart(): Promise<DownloadSaga> {
      t.stop();
      saga = await start();
      await clock.advance(0);
      return saga;
    },
    /** Another saga on the same store and browser (two recoveries at once must still end a download once). */
    second(): DownloadSaga {
      return new DownloadSaga(gated(deps, alive));
    },
    /** The worker stops and hears nothing until `restart`. */
    stop(): void {
      alive.open = false;
      saga.detach();
      downloads.onChanged(() => undefined);
      downloads.onCreated(() => undefined);
    },
    /** What the tabs were told, as control states. */
    tabStates: (): string[] => sent.map(({ message }) => (message as { update: { state: string } }).update.state),
    request: (name = 'cat.jpg', tabId: number | null = 7, opts: Parameters<DownloadSaga['request']>[3] = {}, extra: Partial<ImageCandidate> = {}) =>
      saga.request(image(name, extra), crypto.randomUUID(), tabId, opts),
  };
  await flush();
  return t;
}

const never = (): Promise<never> => new Promise<never>(() => undefined);

/** The same object, whose methods do nothing (their promises never settle) once `alive.open` is false. */
function gate<T extends object>(target: T, alive: { open: boolean }): T {
  return new Proxy(target, {
    get(object, key) {
      const value = Reflect.get(object, key, object) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (alive.open ? (value as (...a: unknown[]) => unknown).apply(object, args) : never());
    },
  });
}

/** The saga's dependencies as one worker sees them (see `gate`); the clock's time still reads. */
function gated<D extends { clock: FakeClock; store: object; queries: object; transfers: object; downloads: object; alarms: object; tabs: object; pages: object; referer: object }>(deps: D, alive: { open: boolean }): D {
  const clock = deps.clock;
  return {
    ...deps,
    clock: { now: clock.now, setTimeout: (callback: () => void, ms: number) => clock.setTimeout(() => alive.open && callback(), ms), clearTimeout: clock.clearTimeout },
    store: gate(deps.store, alive),
    queries: gate(deps.queries, alive),
    transfers: gate(deps.transfers, alive),
    downloads: gate(deps.downloads, alive),
    alarms: gate(deps.alarms, alive),
    tabs: gate(deps.tabs, alive),
    pages: gate(deps.pages, alive),
    referer: gate(deps.referer, alive),
  } as D;
}

export type Harness = Awaited<ReturnType<typeof sagaHarness>>;
