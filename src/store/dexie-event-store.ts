/**
 * The event store on IndexedDB.
 *
 * Group commit: appends that arrive together (the same tick, or while a transaction is in flight) are written in
 * one readwrite transaction, each keeping its own expected-version check; the cost of IndexedDB is the number of
 * transactions, not the bytes (shared/notes/event-store-facts.md). Each transaction writes the events, the stream
 * rows and the inline projections together, so a read model never disagrees with the log, whenever the worker is
 * stopped. Positions come from the `++position` key: gap-free and in commit order.
 */
import { Dexie } from 'dexie';
import { parseEventData, type StoredEvent } from '../domain/events.ts';
import {
  checkExpectedVersion,
  expectedVersionMatches,
  toStoredRow,
  ConcurrencyError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type InlineProjection,
  type NewEvent,
  type ReadStreamOptions,
  type Snapshot,
} from './event-store.ts';
import type { DownloadRow, SemantestDb } from './database.ts';
import { upcast } from '../domain/upcasters.ts';
import { StreamCache, type KnownStream } from './stream-cache.ts';
import { Mutex } from '../shared/mutex.ts';

export interface StoreDeps {
  /** The downloads read model, kept in step inside each append's transaction (projections/downloads.ts). */
  projection: InlineProjection<DownloadRow>;
  now?: () => number;
  newId?: () => string;
}

/** The browser refused to store more (disk or quota full): said in words, nothing was written. */
export class StorageFullError extends Error {
  constructor() {
    super('There is no room left to record this download: free some disk space, or let the options page compact old history.');
    this.name = 'StorageFullError';
  }
}

const isQuotaError = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'QuotaExceededError' || (error as { inner?: { name?: string } }).inner?.name === 'QuotaExceededError');

const defaultClock = { now: () => Date.now(), newId: () => crypto.randomUUID() };

/** Most appends one transaction takes; the rest wait for the next. */
const MAX_BATCH = 500;

interface PreparedEvent {
  eventId: string;
  type: NewEvent['type'];
  data: NewEvent['data'];
  metadata: NewEvent['metadata'];
}

interface PendingAppend {
  streamId: string;
  events: PreparedEvent[];
  options: AppendOptions;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** How a batch is committed: `optimistic` trusts the cache and the unique indexes; `checked` reads everything. */
type CommitMode = 'optimistic' | 'checked';

interface Committed {
  outcomes: Outcome[];
  /** What the transaction wrote, for the cache once it committed. */
  streams: Map<string, KnownStream>;
  otherRows: Map<string, DownloadRow | undefined>;
}

export class DexieEventStore implements EventStore {
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>();
  private pending: PendingAppend[] = [];
  private flushing = false;
  private readonly cache = new StreamCache();

  private readonly deps: Required<StoreDeps>;

  constructor(
    readonly db: SemantestDb,
    deps: StoreDeps,
  ) {
    this.deps = { ...defaultClock, ...deps };
  }

  appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    // Validate before anything is queued: a bad event is refused with its reason and nothing is written.
    let prepared: PreparedEvent[];
    try {
      if (events.length === 0) throw new Error('appendToStream needs at least one event');
      prepared = events.map((event) => ({
        eventId: event.eventId ?? this.deps.newId(),
        type: event.type,
        data: parseEventData(event.type, event.data),
        metadata: event.metadata,
      }));
      const ids = prepared.map((event) => event.eventId);
      if (new Set(ids).size !== ids.length) throw new Error('appendToStream got the same eventId twice');
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ streamId, events: prepared, options, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        queueMicrotask(() => void this.flush());
      }
    });
  }

  /** Forgets what this context knows of the streams (tests; or after the database was changed behind its back). */
  forgetCachedStreams(): void {
    this.cache.clear();
  }

  /** Each group commit, and each piece of work given to `runExclusive`, in turn. */
  private readonly gate = new Mutex();

  /**
   * Runs `work` between two group commits: no append of this store is written while it runs (appends wait, and
   * are then committed together). The worker's maintenance (import, forget, compaction) writes through here, so
   * nothing it does interleaves with the saga's appends; `forgetCache` drops what the store knew of its streams.
   */
  runExclusive<T>(work: () => Promise<T>, options: { forgetCache?: boolean } = {}): Promise<T> {
    return this.gate.run(async () => {
      try {
        return await work();
      } finally {
        if (options.forgetCache) this.cache.clear();
      }
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        await this.runExclusive(() => this.commitBatch());
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Commits the next batch of pending appends and answers each of them. */
  private async commitBatch(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = await this.commitAndRemember(batch, 'optimistic');
    } catch (error) {
      if (isQuotaError(error)) {
        for (const append of batch) append.reject(new StorageFullError());
        return;
      }
      // The optimistic transaction failed as a whole (a version or an event id another write holds already,
      // which the unique indexes refused): do the batch again with everything read from the database.
      try {
        outcomes = await this.commitAndRemember(batch, 'checked');
      } catch (again) {
        if (isQuotaError(again)) {
          for (const append of batch) append.reject(new StorageFullError());
          return;
        }
        // Still failing: give each append its own transaction, so that each gets its own answer.
        outcomes = [];
        for (const one of batch) {
          outcomes.push(...(await this.commitAndRemember([one], 'checked').catch((failure: unknown) => [{ ok: false as const, error: isQuotaError(failure) ? new StorageFullError() : failure }])));
        }
      }
    }
    const committed: StoredEvent[] = [];
    batch.forEach((append, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) {
        committed.push(...outcome.result.events);
        append.resolve(outcome.result);
      } else append.reject(outcome?.error ?? new Error('append lost'));
    });
    if (committed.length > 0) for (const listener of this.listeners) listener(committed);
  }

  /** Commits, and only once the transaction committed, remembers what it wrote. */
  private async commitAndRemember(batch: PendingAppend[], mode: CommitMode): Promise<Outcome[]> {
    const done = await this.commit(batch, mode);
    for (const [streamId, entry] of done.streams) this.cache.set(streamId, entry);
    for (const [streamId, row] of done.otherRows) this.cache.updateRow(streamId, row);
    return done.outcomes;
  }

  /**
   * One transaction for the whole batch; per-append checks in arrival order.
   *
   * `optimistic`: versions and rows come from the cache when it knows the stream, and a `no-stream` append is
   * taken to start its stream; nothing else is read, and event ids are not looked up — the unique indexes refuse
   * a version or an id that is stored already, which aborts the batch (the caller then retries it `checked`).
   * A version that does not match what the append expects is read from the database before it is called a
   * conflict. `checked`: every stream row, downloads row and event id of the batch is read first.
   */
  private async commit(batch: PendingAppend[], mode: CommitMode): Promise<Committed> {
    const db = this.db;
    return db.transaction('rw', [db.events, db.streams, db.downloads], async () => {
      const checked = mode === 'checked';
      const streamIds = [...new Set(batch.map((append) => append.streamId))];
      const versions = new Map<string, number>();
      const aggregateTypes = new Map<string, string | undefined>();
      const rows = new Map<string, DownloadRow | undefined>();
      /** Streams whose version and row were read from the database in this transaction. */
      const verified = new Set<string>();
      const toRead: string[] = [];
      for (const streamId of streamIds) {
        const known = checked ? undefined : this.cache.get(streamId);
        if (known) {
          versions.set(streamId, known.version);
          aggregateTypes.set(streamId, known.aggregateType);
          rows.set(streamId, known.row);
        } else if (!checked && batch.find((append) => append.streamId === streamId)?.options.expectedVersion === 'no-stream') {
          // Taken to be new: if it is not, its version 1 is stored already and the unique index says so.
          versions.set(streamId, 0);
          rows.set(streamId, undefined);
        } else toRead.push(streamId);
      }
      const readStreams = async (ids: string[]) => {
        if (ids.length === 0) return;
        const [streams, current] = await Promise.all([db.streams.bulkGet(ids), db.downloads.bulkGet(ids)]);
        ids.forEach((id, i) => {
          versions.set(id, streams[i]?.currentVersion ?? 0);
          aggregateTypes.set(id, streams[i]?.aggregateType);
          rows.set(id, current[i]);
          verified.add(id);
        });
      };
      await readStreams(toRead);
      const allIds = batch.flatMap((append) => append.events.map((event) => event.eventId));
      const known = checked ? new Map((await db.events.where('eventId').anyOf(allIds).toArray()).map((event) => [event.eventId, event])) : new Map<string, StoredEvent>();
      const createdAt = this.deps.now();
      const outcomes: Outcome[] = [];
      const rows_: Omit<StoredEvent, 'position'>[] = [];
      const owners: number[] = []; // index in `batch` of each row
      const claimed = new Set<string>();
      for (const [index, append] of batch.entries()) {
        let current = versions.get(append.streamId) ?? 0;
        const ids = append.events.map((event) => event.eventId);
        if (!expectedVersionMatches(append.options.expectedVersion, current)) {
          // Never a conflict on the cache's word: read the stream (unless this batch wrote it already), and look
          // the ids up — a version conflict may be a re-sent append.
          if (!verified.has(append.streamId) && !rows_.some((row) => row.streamId === append.streamId)) {
            await readStreams([append.streamId]);
            current = versions.get(append.streamId) ?? 0;
          }
          if (!checked) for (const event of await db.events.where('eventId').anyOf(ids).toArray()) known.set(event.eventId, event);
        }
        const stored = ids.filter((id) => known.has(id) || claimed.has(id));
        if (stored.length === ids.length && ids.every((id) => known.get(id)?.streamId === append.streamId || claimed.has(id))) {
          outcomes.push({ ok: true, result: { nextVersion: current, events: [], duplicate: true } });
          continue;
        }
        if (stored.length > 0) {
          outcomes.push({ ok: false, error: new Error(`Some of these events are stored already: ${stored.join(', ')}`) });
          continue;
        }
        try {
          checkExpectedVersion(append.streamId, append.options.expectedVersion, current);
        } catch (error) {
          outcomes.push({ ok: false, error });
          continue;
        }
        append.events.forEach((event, i) => {
          claimed.add(event.eventId);
          owners.push(index);
          rows_.push(toStoredRow(event, append.streamId, current + i + 1, createdAt));
        });
        versions.set(append.streamId, current + append.events.length);
        if (!aggregateTypes.get(append.streamId)) aggregateTypes.set(append.streamId, append.options.aggregateType ?? 'Download');
        outcomes.push({ ok: true, result: { nextVersion: current + append.events.length, events: [], duplicate: false } });
      }
      const result: Committed = { outcomes, streams: new Map(), otherRows: new Map() };
      // Streams read here are known as of this transaction, whether or not it writes them.
      for (const streamId of verified) {
        const aggregateType = aggregateTypes.get(streamId);
        const version = versions.get(streamId) ?? 0;
        if (aggregateType !== undefined && version > 0) result.streams.set(streamId, { version, aggregateType, row: rows.get(streamId) });
      }
      if (rows_.length === 0) return result;
      const written = [...new Set(rows_.map((row) => row.streamId))];
      // Rows of other streams that an event names (a discard names its download) are always read here.
      const others = this.deps.projection.targets(rows_ as StoredEvent[]).filter((id) => !rows.has(id));
      if (others.length > 0) (await db.downloads.bulkGet(others)).forEach((row, i) => rows.set(others[i] as string, row));
      // The projection is folded before the events are added: it reads no position (the one field a row lacks
      // until IndexedDB gives it), so the three writes can be asked for at once, without waiting for the keys
      // of the first before the other two are sent (one round trip less per transaction).
      const before = new Map(rows);
      for (const row of rows_) this.deps.projection.project(rows, row as StoredEvent);
      const changed = [...rows.entries()].filter(([id, row]) => row !== undefined && row !== before.get(id)).map(([, row]) => row as DownloadRow);
      const adding = db.events.bulkAdd(rows_ as StoredEvent[], { allKeys: true });
      const putting = Promise.all([
        db.streams.bulkPut(
          written.map((streamId) => ({
            streamId,
            aggregateType: aggregateTypes.get(streamId) ?? 'Download',
            currentVersion: versions.get(streamId) ?? 0,
            lastUpdated: createdAt,
          })),
        ),
        changed.length > 0 ? db.downloads.bulkPut(changed) : undefined,
      ]);
      let positions: number[];
      try {
        positions = (await adding) as number[];
      } catch (error) {
        putting.catch(() => undefined); // the transaction aborts: these fail with it, and the add's error is the one that says why
        // A version or an event id is stored already (another context wrote it, or the cache was behind): the
        // unique indexes caught it. Abort; the caller does the batch again, `checked`.
        if (error instanceof Dexie.BulkError || (error instanceof Error && error.name === 'ConstraintError')) {
          if (!checked) throw error;
          const first = batch[owners[0] ?? 0];
          throw new ConcurrencyError(first?.streamId ?? '', first?.options.expectedVersion ?? 'any', -1);
        }
        throw error;
      }
      await putting;
      const stored: StoredEvent[] = rows_.map((row, i) => ({ ...row, position: positions[i] as number }));
      stored.forEach((event, i) => {
        const outcome = outcomes[owners[i] as number];
        if (outcome?.ok) outcome.result.events.push(event);
      });
      for (const streamId of written) {
        result.streams.set(streamId, { version: versions.get(streamId) ?? 0, aggregateType: aggregateTypes.get(streamId) ?? 'Download', row: rows.get(streamId) });
      }
      for (const id of others) result.otherRows.set(id, rows.get(id));
      return result;
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    // Forward: from `fromVersion` up; backward: from `fromVersion` (default the last) down.
    const backward = options.direction === 'backward';
    const lower = backward ? 1 : (options.fromVersion ?? 1);
    const upper = backward && options.fromVersion !== undefined ? options.fromVersion : Dexie.maxKey;
    let collection = this.db.events.where('[streamId+version]').between([streamId, lower], [streamId, upper], true, true);
    if (backward) collection = collection.reverse();
    if (options.limit !== undefined) collection = collection.limit(options.limit);
    return (await collection.toArray()).map(upcast);
  }

  async readAll(after: number, limit: number): Promise<StoredEvent[]> {
    return (await this.db.events.where('position').above(after).limit(limit).toArray()).map(upcast);
  }

  onAppended(listener: (events: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async saveSnapshot(snapshot: Omit<Snapshot, 'createdAt'>): Promise<void> {
    await this.db.snapshots.put({
      snapshotId: `${snapshot.streamId}@${snapshot.stateVersion}`,
      streamId: snapshot.streamId,
      version: snapshot.version,
      stateVersion: snapshot.stateVersion,
      state: snapshot.state,
      createdAt: this.deps.now(),
    });
  }

  async loadSnapshot<S>(streamId: string, stateVersion: number): Promise<Snapshot<S> | undefined> {
    const row = await this.db.snapshots.get(`${streamId}@${stateVersion}`);
    return row && row.stateVersion === stateVersion ? { ...row, state: row.state as S } : undefined;
  }
}
