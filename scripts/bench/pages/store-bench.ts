/**
 * In-page entry of the event-store benchmark (bundled by scripts/bench/event-store.mjs, run in headless Chromium).
 * It drives the real store code (`DexieEventStore`, `rebuildDownloads`) only through its public API and puts raw
 * IndexedDB next to it, on the same rows and the same indexes. Each function returns milliseconds and counts.
 */
import { openDatabase, type SemantestDb } from '../../../src/store/database.ts';
import { DexieEventStore } from '../../../src/store/dexie-event-store.ts';
import { toStoredRow, type NewEvent } from '../../../src/store/event-store.ts';
import { downloadsProjection, rebuildDownloads } from '../../../src/projections/downloads.ts';

type Draft = NewEvent & { eventId: string };

/** The 5 events of one successful download (valid payloads, ≈300 bytes each as stored). */
export function downloadEvents(i: number, causation = `cmd-${i}`): Draft[] {
  const correlationId = crypto.randomUUID();
  const host = `images${i % 37}.example-photos.org`;
  const imageUrl = `https://${host}/uploads/2024/${(i % 12) + 1}/original-photo-${i}.jpg`;
  const filename = `Semantest/original-photo-${i}.jpg`;
  const ids = [0, 1, 2, 3, 4].map(() => crypto.randomUUID());
  const meta = (k: number) => ({ correlationId, causationId: k === 0 ? causation : (ids[k - 1] as string), tabId: 7 });
  return [
    {
      eventId: ids[0] as string,
      type: 'GoogleImageDownloadRequested',
      data: {
        imageUrl,
        thumbnailUrl: `https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcQ${i.toString(36)}x7Kp`,
        sourcePageUrl: `https://${host}/gallery/photo-${i}.html`,
        title: `A photo of an animal, number ${i}`,
        width: 1600,
        height: 1200,
        query: 'animals',
        pageUrl: 'https://www.google.com/search?q=animals&udm=2',
        strategy: 'udm2_inline',
      },
      metadata: meta(0),
    },
    {
      eventId: ids[1] as string,
      type: 'ImageSourceValidated',
      data: { attempt: 1, mimeType: 'image/jpeg', extension: 'jpg', filename, contentLength: 180_000 + i, transfer: 'url' },
      metadata: meta(1),
    },
    { eventId: ids[2] as string, type: 'DownloadInitiated', data: { attempt: 1, filename, url: imageUrl }, metadata: meta(2) },
    { eventId: ids[3] as string, type: 'DownloadStarted', data: { attempt: 1, chromeDownloadId: i }, metadata: meta(3) },
    {
      eventId: ids[4] as string,
      type: 'GoogleImageDownloadCompleted',
      data: { imageUrl, filePath: `/home/user/Downloads/${filename}`, fileSize: 180_000 + i, downloadTime: 420 + (i % 300), mimeType: 'image/jpeg' },
      metadata: meta(4),
    },
  ];
}

/** The row the store would write for a draft (the contract's shape, minus the auto-increment position). */
function storedRow(streamId: string, version: number, event: Draft, createdAt: number) {
  return toStoredRow(event, streamId, version, createdAt);
}

async function freshDb(name: string): Promise<SemantestDb> {
  await deleteDatabase(name);
  const db = openDatabase(name);
  await db.open();
  return db;
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => resolve();
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/**
 * `callers` concurrent callers, each appending the 5 events of `downloadsPerCaller` downloads one event per call
 * (expected version = the version it saw), each download its own stream: what many sagas do at once.
 */
export async function concurrentSingleAppends(callers = 100, downloadsPerCaller = 3): Promise<{ events: number; ms: number; transactions: number }> {
  const name = `bench-single-${Date.now()}`;
  const db = await freshDb(name);
  const store = new DexieEventStore(db, { projection: downloadsProjection });
  const work = singleAppendWork(callers, downloadsPerCaller);
  // One committed transaction (group) = one call of the listeners: how well the appends were grouped.
  let transactions = 0;
  store.onAppended(() => transactions++);
  const started = performance.now();
  await Promise.all(
    work.map(async (downloads, c) => {
      for (const [d, events] of downloads.entries()) {
        const streamId = `download-${c}-${d}`;
        let version: number | 'no-stream' = 'no-stream';
        for (const event of events) {
          const result = await store.appendToStream(streamId, [event], { expectedVersion: version, aggregateType: 'Download' });
          version = result.nextVersion;
        }
      }
    }),
  );
  const ms = performance.now() - started;
  db.close();
  await deleteDatabase(name);
  return { events: callers * downloadsPerCaller * 5, ms, transactions };
}

/** The streams of `concurrentSingleAppends`: caller c's downloads are `download-${c}-${d}`, 5 events each. */
function singleAppendWork(callers: number, downloadsPerCaller: number): Draft[][][] {
  return Array.from({ length: callers }, (_, c) => Array.from({ length: downloadsPerCaller }, (_, d) => downloadEvents(c * downloadsPerCaller + d)));
}

/**
 * Raw IndexedDB doing exactly the writes a perfect group commit of `concurrentSingleAppends` must do, on a database
 * with our schema (same keys, same indexes): one readwrite transaction per round, a round being the next event of
 * every caller (`callers` events), and per event its event row (`add`), its stream's row and its download's
 * read-model row (`put`). The rows are made before the clock starts (the read-model rows by our own `evolve`), so
 * this is IndexedDB alone: the ceiling for single appends on this machine. `tables` 'events' writes the event
 * rows only (same rounds). The transactions are counted beside (`transactions`).
 */
export async function rawSingleAppendWrites(callers = 100, downloadsPerCaller = 3, tables: 'events' | 'all' = 'all'): Promise<{ events: number; ms: number; transactions: number }> {
  const { evolve } = await import('../../../src/domain/download.ts');
  const name = `bench-raw-single-${Date.now()}`;
  const db = await freshDb(name);
  const idb = db.backendDB();
  const work = singleAppendWork(callers, downloadsPerCaller);
  const createdAt = Date.now();
  type Round = { event: ReturnType<typeof storedRow>; stream: { streamId: string; aggregateType: string; currentVersion: number; lastUpdated: number }; row: unknown }[];
  const rounds: Round[] = [];
  for (let d = 0; d < downloadsPerCaller; d++) {
    const states = work.map(() => undefined as ReturnType<typeof evolve>);
    for (let k = 0; k < 5; k++) {
      rounds.push(
        work.map((downloads, c) => {
          const streamId = `download-${c}-${d}`;
          const event = storedRow(streamId, k + 1, downloads[d]![k]!, createdAt);
          states[c] = evolve(states[c], event as never);
          return { event, stream: { streamId, aggregateType: 'Download', currentVersion: k + 1, lastUpdated: createdAt }, row: states[c] };
        }),
      );
    }
  }
  const stores = tables === 'all' ? ['events', 'streams', 'downloads'] : ['events'];
  const started = performance.now();
  for (const round of rounds) {
    const tx = idb.transaction(stores, 'readwrite');
    const events = tx.objectStore('events');
    if (tables === 'all') {
      const streams = tx.objectStore('streams');
      const downloads = tx.objectStore('downloads');
      for (const { event, stream, row } of round) {
        events.add(event);
        streams.put(stream);
        downloads.put(row);
      }
    } else for (const { event } of round) events.add(event);
    await done(tx);
  }
  const ms = performance.now() - started;
  db.close();
  await deleteDatabase(name);
  return { events: callers * downloadsPerCaller * 5, ms, transactions: rounds.length };
}

/** Streams of `batchSize` events (download sequences back to back), one append per stream. */
function batches(count: number, batchSize: number): { streamId: string; events: Draft[] }[] {
  const perDownload = 5;
  let n = 0;
  return Array.from({ length: count }, (_, b) => {
    const events: Draft[] = [];
    while (events.length < batchSize) events.push(...downloadEvents(n++).slice(0, Math.min(perDownload, batchSize - events.length)));
    return { streamId: `batch-${b}`, events };
  });
}

/** Our store: `batchCount` sequential appendToStream calls of `batchSize` events each. */
export async function batchedAppends(batchCount = 100, batchSize = 100): Promise<{ events: number; ms: number }> {
  const name = `bench-batch-${Date.now()}`;
  const db = await freshDb(name);
  const store = new DexieEventStore(db, { projection: downloadsProjection });
  const work = batches(batchCount, batchSize);
  const started = performance.now();
  for (const { streamId, events } of work) await store.appendToStream(streamId, events, { expectedVersion: 'no-stream', aggregateType: 'Download' });
  const ms = performance.now() - started;
  db.close();
  await deleteDatabase(name);
  return { events: batchCount * batchSize, ms };
}

/** Raw IndexedDB: the same rows, an `events` store with the same key and indexes, one transaction per batch. */
export async function rawBatchedAdds(batchCount = 100, batchSize = 100, oneTransaction = false): Promise<{ events: number; ms: number }> {
  const name = `bench-raw-${Date.now()}`;
  await deleteDatabase(name);
  const idb = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      const events = request.result.createObjectStore('events', { keyPath: 'position', autoIncrement: true });
      events.createIndex('eventId', 'eventId', { unique: true });
      events.createIndex('streamId', 'streamId');
      events.createIndex('[streamId+version]', ['streamId', 'version'], { unique: true });
      events.createIndex('type', 'type');
      events.createIndex('correlationId', 'correlationId');
      events.createIndex('createdAt', 'createdAt');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const work = batches(batchCount, batchSize);
  const started = performance.now();
  if (oneTransaction) {
    const tx = idb.transaction('events', 'readwrite');
    const store = tx.objectStore('events');
    const createdAt = Date.now();
    for (const { streamId, events } of work) events.forEach((event, k) => store.add(storedRow(streamId, k + 1, event, createdAt)));
    await done(tx);
  } else {
    for (const { streamId, events } of work) {
      const tx = idb.transaction('events', 'readwrite');
      const store = tx.objectStore('events');
      const createdAt = Date.now();
      events.forEach((event, k) => store.add(storedRow(streamId, k + 1, event, createdAt)));
      await done(tx);
    }
  }
  const ms = performance.now() - started;
  idb.close();
  await deleteDatabase(name);
  return { events: batchCount * batchSize, ms };
}

const REPLAY_DB = 'bench-replay';
let replayDb: SemantestDb | null = null;

/** Writes `downloads` × 5 stored-event rows (raw, fast) into a database with our schema, for the replay runs. */
export async function seedReplay(downloads = 20_000): Promise<{ events: number; ms: number }> {
  const db = await freshDb(REPLAY_DB);
  replayDb = db;
  const idb = db.backendDB();
  const started = performance.now();
  const chunk = 2000;
  for (let from = 0; from < downloads; from += chunk) {
    const tx = idb.transaction('events', 'readwrite');
    const store = tx.objectStore('events');
    const createdAt = Date.now();
    for (let i = from; i < Math.min(downloads, from + chunk); i++) {
      downloadEvents(i).forEach((event, k) => store.add(storedRow(`download-${i}`, k + 1, event, createdAt + k)));
    }
    await done(tx);
  }
  return { events: downloads * 5, ms: performance.now() - started };
}

/**
 * Our replay: `rebuildDownloads` (pages of events, the projection, the downloads table written). `fromEmpty`: the
 * read model is cleared first (before the clock), so the rebuild must write all its rows — the headline case;
 * otherwise it finds the rows of the run before and writes only what differs (nothing).
 */
export async function replayRebuild(fromEmpty = false): Promise<{ events: number; rows: number; ms: number }> {
  const db = replayDb;
  if (!db) throw new Error('seedReplay first');
  if (fromEmpty) await clearTable(db.backendDB(), 'downloads');
  const started = performance.now();
  const events = await rebuildDownloads(db);
  const ms = performance.now() - started;
  return { events, rows: await db.downloads.count(), ms };
}

/** Raw IndexedDB: one cursor over the same rows, by position, touching each value. */
export async function replayRawCursor(): Promise<{ events: number; ms: number }> {
  const db = replayDb;
  if (!db) throw new Error('seedReplay first');
  const idb = db.backendDB();
  const started = performance.now();
  let events = 0;
  let checksum = 0;
  await new Promise<void>((resolve, reject) => {
    const request = idb.transaction('events', 'readonly').objectStore('events').openCursor();
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor) return resolve();
      events++;
      checksum += (cursor.value as { version: number }).version;
      cursor.continue();
    };
  });
  const ms = performance.now() - started;
  if (checksum === 0 && events > 0) throw new Error('unreachable');
  return { events, ms };
}

/** The read-model rows a rebuild of the replay log writes, taken from the table after one of ours (for the raw side). */
let replayRows: unknown[] | null = null;

async function clearTable(idb: IDBDatabase, table: string): Promise<void> {
  const tx = idb.transaction(table, 'readwrite');
  tx.objectStore(table).clear();
  await done(tx);
}

/**
 * Raw IndexedDB doing what any rebuild from an empty read model must do: a cursor over the same 100k event rows
 * (touching each value, as `replayRawCursor`) and `add` of the same 20,000 read-model rows into the cleared
 * downloads table (same key, same indexes), the rows made before the clock (taken from the table after one of our
 * rebuilds). The two run at once, in two transactions (their scopes do not overlap, so IndexedDB runs them side by
 * side): the machine's ceiling for a rebuild that must write.
 */
export async function replayRawRebuild(): Promise<{ events: number; rows: number; ms: number }> {
  const db = replayDb;
  if (!db) throw new Error('seedReplay first');
  const idb = db.backendDB();
  if (!replayRows) {
    replayRows = await new Promise<unknown[]>((resolve, reject) => {
      const request = idb.transaction('downloads', 'readonly').objectStore('downloads').getAll();
      request.onsuccess = () => resolve(request.result as unknown[]);
      request.onerror = () => reject(request.error);
    });
  }
  const rows = replayRows;
  await clearTable(idb, 'downloads');
  const started = performance.now();
  const write = async () => {
    const tx = idb.transaction('downloads', 'readwrite');
    const store = tx.objectStore('downloads');
    for (const row of rows) store.add(row);
    await done(tx);
  };
  const [read] = await Promise.all([replayRawCursor(), write()]);
  const ms = performance.now() - started;
  return { events: read.events, rows: rows.length, ms };
}

export async function dropReplay(): Promise<void> {
  replayDb?.close();
  replayDb = null;
  replayRows = null;
  await deleteDatabase(REPLAY_DB);
}

/** Diagnostics for the replay: where `rebuildDownloads`' time goes (read pages / fold / write rows). */
export async function replayBreakdown(pageSize = 2000): Promise<Record<string, number>> {
  const db = replayDb;
  if (!db) throw new Error('seedReplay first');
  const { projectDownload } = await import('../../../src/projections/downloads.ts');
  let t = performance.now();
  const pages = [];
  let after = 0;
  for (;;) {
    const page = await db.events.where('position').above(after).limit(pageSize).toArray();
    if (page.length === 0) break;
    pages.push(page);
    after = (page[page.length - 1] as { position: number }).position;
  }
  const readMs = performance.now() - t;
  t = performance.now();
  const rows = new Map();
  for (const page of pages) for (const event of page) projectDownload(rows, event);
  const foldMs = performance.now() - t;
  t = performance.now();
  await db.transaction('rw', db.downloads, async () => {
    await db.downloads.clear();
    await db.downloads.bulkPut([...rows.values()]);
  });
  const writeMs = performance.now() - t;
  t = performance.now();
  const all = await db.events.toArray();
  const toArrayMs = performance.now() - t;
  t = performance.now();
  const raw = await new Promise<number>((resolve, reject) => {
    const request = db.backendDB().transaction('events', 'readonly').objectStore('events').getAll();
    request.onsuccess = () => resolve((request.result as unknown[]).length);
    request.onerror = () => reject(request.error);
  });
  const rawGetAllMs = performance.now() - t;
  return { readMs, foldMs, writeMs, toArrayMs, rawGetAllMs, n: all.length + raw };
}

/**
 * The floor under `concurrentSingleAppends`: raw IndexedDB writing what its transactions write (one event on
 * each of `perTx` streams per transaction, `rounds` transactions one after the other), with the events only,
 * with their `streams` rows too, and with their `downloads` rows too (events/s of each).
 */
export async function probeSingleFloor(rounds = 15, perTx = 100, only = -1): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const { evolve } = await import('../../../src/domain/download.ts');
  for (const [k, tables] of ([['events'], ['events', 'streams'], ['events', 'streams', 'downloads']] as const).entries()) {
    if (only >= 0 && k !== only) continue;
    const name = `bench-floor-${Date.now()}`;
    const db = await freshDb(name);
    const idb = db.backendDB();
    const work = Array.from({ length: Math.ceil(rounds / 5) * perTx }, (_, s) => downloadEvents(s));
    const states = new Map<string, ReturnType<typeof evolve>>();
    const started = performance.now();
    let n = 0;
    for (let r = 0; r < rounds; r++) {
      const tx = idb.transaction([...tables], 'readwrite');
      const createdAt = Date.now();
      const events = tx.objectStore('events');
      for (let s = 0; s < perTx; s++) {
        const streamId = `s-${s}-${Math.floor(r / 5)}`;
        const row = storedRow(streamId, (r % 5) + 1, work[Math.floor(r / 5) * perTx + s]![r % 5]!, createdAt);
        events.add(row);
        n++;
        if (tables.length > 1) tx.objectStore('streams').put({ streamId, aggregateType: 'Download', currentVersion: (r % 5) + 1, lastUpdated: createdAt });
        if (tables.length > 2) {
          const next = evolve(states.get(streamId), row as never);
          states.set(streamId, next);
          tx.objectStore('downloads').put(next);
        }
      }
      await done(tx);
    }
    out[tables.join('+')] = (n / (performance.now() - started)) * 1000;
    db.close();
    await deleteDatabase(name);
  }
  return out;
}

/** Diagnostics: ways to read the replay's log and rows, each timed alone (ms), then one rebuild. */
export async function probeReplayReads(): Promise<Record<string, number>> {
  const db = replayDb;
  if (!db) throw new Error('seedReplay first');
  const idb = db.backendDB();
  const out: Record<string, number> = {};
  const time = async (label: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    out[label] = performance.now() - t;
  };
  const req = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  await time('cursor', () => replayRawCursor());
  for (const size of [1000, 5000, 20000]) {
    await time(`getAll${size}`, () => readEventPages(idb, size, 'page'));
  }
  await time('getAll5000oneTx', () => readEventPages(idb, 5000, 'one'));
  await time('getAll5000parallel', async () => {
    const store = idb.transaction('events', 'readonly').objectStore('events');
    const last = ((await req(store.openCursor(null, 'prev'))) as IDBCursorWithValue | null)?.key as number;
    const pages = [];
    for (let from = 0; from < last; from += 5000) pages.push(req(store.getAll(IDBKeyRange.bound(from, from + 5000, true, false))));
    await Promise.all(pages);
  });
  await time('rowsCursor', () => new Promise<void>((resolve, reject) => {
    const r = idb.transaction('downloads', 'readonly').objectStore('downloads').openCursor();
    r.onsuccess = () => (r.result ? r.result.continue() : resolve());
    r.onerror = () => reject(r.error);
  }));
  await time('rowsGetAll', () => req(idb.transaction('downloads', 'readonly').objectStore('downloads').getAll()));
  await time('rebuild', () => rebuildDownloads(db));
  return out;
}

/** Diagnostics: one way of reading the replay's log (0 cursor, 1/2 getAll pages of 1000/5000) or rows (3 cursor, 4 getAll). */
export async function probeRead(kind: number): Promise<number> {
  const db = replayDb;
  if (!db) throw new Error('seedReplay first');
  const idb = db.backendDB();
  const req = <T>(r: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const started = performance.now();
  if (kind === 0) await replayRawCursor();
  if (kind === 1 || kind === 2) {
    await readEventPages(idb, kind === 1 ? 1000 : 5000, 'page');
  }
  if (kind === 3)
    await new Promise<void>((resolve, reject) => {
      const r = idb.transaction('downloads', 'readonly').objectStore('downloads').openCursor();
      r.onsuccess = () => (r.result ? r.result.continue() : resolve());
      r.onerror = () => reject(r.error);
    });
  if (kind === 4) await req(idb.transaction('downloads', 'readonly').objectStore('downloads').getAll());
  return performance.now() - started;
}

/** Diagnostics: reads the whole log with getAll in pages of `size`, a transaction per page or one for all. */
async function readEventPages(idb: IDBDatabase, size: number, transactions: 'page' | 'one'): Promise<void> {
  const one = transactions === 'one' ? idb.transaction('events', 'readonly').objectStore('events') : null;
  let after = 0;
  for (;;) {
    const store = one ?? idb.transaction('events', 'readonly').objectStore('events');
    const request = store.getAll(IDBKeyRange.lowerBound(after, true), size);
    const page = await new Promise<{ position: number }[]>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result as { position: number }[]);
      request.onerror = () => reject(request.error);
    });
    if (page.length === 0) break;
    after = page[page.length - 1]!.position;
    if (page.length < size) break;
  }
}
