/**
 * The event store on IndexedDB.
 *
 * Group commit: appends that arrive together (the same tick, or while a transaction is in flight) are written in
 * one readwrite transaction, each keeping its own expected-version check; the cost of IndexedDB is the number of
 * transactions and of row writes, not the bytes (shared/notes/event-store-facts.md). The append transaction
 * writes the events only: the unique `[streamId+version]` and `eventId` indexes are the concurrency and
 * idempotency guard, and a stream's version is its highest `[streamId+version]` key. The `streams` and
 * `downloads` rows are written behind, by the projector (downloads-projector.ts), in a later transaction asked
 * for before the appends resolve, so a read made after an append resolved sees it; after a stop its checkpoint
 * lets the next start fold what was committed but not projected. Positions come from the `++position` key:
 * gap-free and in commit order.
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
  type NewEvent,
  type ReadStreamOptions,
  type Snapshot,
} from './event-store.ts';
import type { SemantestDb } from './database.ts';
import { upcast } from '../domain/upcasters.ts';
import { DownloadsProjector } from './downloads-projector.ts';

export interface StoreDeps {
  now: () => number;
  newId: () => string;
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

const defaultDeps: StoreDeps = { now: () => Date.now(), newId: () => crypto.randomUUID() };

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

/** How many stream versions the cache remembers (the least recently used go first). */
const CACHE_LIMIT = 5000;

/**
 * A write-through cache of the versions of the streams this context wrote, so that the hot path reads nothing
 * before it writes.
 *
 * Only `DexieEventStore` appends (in the worker); the options page may import events (versions only grow), and
 * compaction removes events but never a stream's last one. So an entry can only be behind the database, never
 * ahead, and being behind is caught before anything is decided on it: a version that does not match the
 * caller's expectation is read again inside the transaction before a conflict is reported, and a write at a
 * version another context already wrote fails on the unique `[streamId+version]` index, which aborts the batch;
 * the batch is then done again with every version and id read from the database.
 * Entries are only set after a transaction committed, from what it wrote; a failed one changes nothing.
 */
class StreamCache {
  private readonly entries = new Map<string, number>();

  get(streamId: string): number | undefined {
    const version = this.entries.get(streamId);
    if (version !== undefined) {
      this.entries.delete(streamId);
      this.entries.set(streamId, version);
    }
    return version;
  }

  set(streamId: string, version: number): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, version);
    if (this.entries.size > CACHE_LIMIT) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** How a batch is committed: `optimistic` trusts the cache and the unique indexes; `checked` reads everything. */
type CommitMode = 'optimistic' | 'checked';

interface Committed {
  outcomes: Outcome[];
  /** Stream versions as of this transaction, for the cache once it committed. */
  versions: Map<string, number>;
  /** The events it wrote, in position order, and the aggregate types their appends named. */
  stored: StoredEvent[];
  aggregateTypes: Map<string, string>;
}

/** One projector per database connection: every store on it hands its commits to the same one, in commit order. */
const projectors = new WeakMap<SemantestDb, DownloadsProjector>();

export function projectorOf(db: SemantestDb): DownloadsProjector {
  let projector = projectors.get(db);
  if (!projector) {
    projector = new DownloadsProjector(db);
    projectors.set(db, projector);
  }
  return projector;
}

export class DexieEventStore implements EventStore {
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>();
  private pending: PendingAppend[] = [];
  private flushing = false;
  private readonly cache = new StreamCache();
  /** Writes the `streams` and `downloads` rows behind the appends (shared by every store on this `db`). */
  readonly projector: DownloadsProjector;

  constructor(
    readonly db: SemantestDb,
    private readonly deps: StoreDeps = defaultDeps,
  ) {
    this.projector = projectorOf(db);
  }

  /**
   * Folds into the read models whatever the log holds beyond the projector's checkpoint (a worker stopped
   * between an append and its projection). The worker calls it at start, before anything reads the read models;
   * the first append waits for it too.
   */
  catchUp(): Promise<void> {
    return this.projector.catchUp();
  }

  /** Resolves once every append that resolved so far is in the `streams` and `downloads` rows on disk. */
  whenProjected(): Promise<void> {
    return this.projector.whenProjected();
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

  private async flush(): Promise<void> {
    try {
      // The read models first catch up with the log (once per context), so that the projector folds in order.
      if (!this.projector.isCaughtUp) await this.projector.catchUp();
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        let outcomes: Outcome[];
        try {
          outcomes = await this.commitAndRemember(batch, 'optimistic');
        } catch (error) {
          if (isQuotaError(error)) {
            for (const append of batch) append.reject(new StorageFullError());
            continue;
          }
          // The optimistic transaction failed as a whole (a version or an event id another write holds already,
          // which the unique indexes refused): do the batch again with everything read from the database.
          try {
            outcomes = await this.commitAndRemember(batch, 'checked');
          } catch (again) {
            if (isQuotaError(again)) {
              for (const append of batch) append.reject(new StorageFullError());
              continue;
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
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Commits; once the transaction committed, remembers the versions and hands the events to the projector —
   * before any append of the batch resolves, so that the projector's transaction is asked for first.
   */
  private async commitAndRemember(batch: PendingAppend[], mode: CommitMode): Promise<Outcome[]> {
    this.projector.appendStarted();
    let done: Committed;
    try {
      done = await this.commit(batch, mode);
    } finally {
      this.projector.appendEnded();
    }
    for (const [streamId, version] of done.versions) this.cache.set(streamId, version);
    this.projector.enqueue(done.stored, done.aggregateTypes);
    return done.outcomes;
  }

  /** A stream's version as the log has it: its highest `[streamId+version]` key (0: no such stream). */
  private async versionInLog(streamId: string): Promise<number> {
    const key = await this.db.events.where('[streamId+version]').between([streamId, Dexie.minKey], [streamId, Dexie.maxKey]).lastKey();
    return Array.isArray(key) ? Number(key[1]) : 0;
  }

  /**
   * One transaction for the whole batch, on the `events` table only; per-append checks in arrival order.
   *
   * `optimistic`: versions come from the cache when it knows the stream, and a `no-stream` append is taken to
   * start its stream; nothing else is read, and event ids are not looked up — the unique indexes refuse a version
   * or an id that is stored already, which aborts the batch (the caller then retries it `checked`). A version
   * that does not match what the append expects is read from the log before it is called a conflict.
   * `checked`: every stream version and event id of the batch is read first.
   */
  private async commit(batch: PendingAppend[], mode: CommitMode): Promise<Committed> {
    const db = this.db;
    return db.transaction('rw', db.events, async () => {
      const checked = mode === 'checked';
      const streamIds = [...new Set(batch.map((append) => append.streamId))];
      const versions = new Map<string, number>();
      /** Streams whose version was read from the log in this transaction. */
      const verified = new Set<string>();
      const toRead: string[] = [];
      for (const streamId of streamIds) {
        const known = checked ? undefined : this.cache.get(streamId);
        if (known !== undefined) versions.set(streamId, known);
        else if (!checked && batch.find((append) => append.streamId === streamId)?.options.expectedVersion === 'no-stream') {
          // Taken to be new: if it is not, its version 1 is stored already and the unique index says so.
          versions.set(streamId, 0);
        } else toRead.push(streamId);
      }
      const readVersions = async (ids: string[]) => {
        const found = await Promise.all(ids.map((id) => this.versionInLog(id)));
        ids.forEach((id, i) => {
          versions.set(id, found[i] ?? 0);
          verified.add(id);
        });
      };
      if (toRead.length > 0) await readVersions(toRead);
      const allIds = batch.flatMap((append) => append.events.map((event) => event.eventId));
      const known = checked ? new Map((await db.events.where('eventId').anyOf(allIds).toArray()).map((event) => [event.eventId, event])) : new Map<string, StoredEvent>();
      const createdAt = this.deps.now();
      const outcomes: Outcome[] = [];
      const rows: Omit<StoredEvent, 'position'>[] = [];
      const owners: number[] = []; // index in `batch` of each row
      const claimed = new Set<string>();
      const aggregateTypes = new Map<string, string>();
      for (const [index, append] of batch.entries()) {
        let current = versions.get(append.streamId) ?? 0;
        const ids = append.events.map((event) => event.eventId);
        if (!expectedVersionMatches(append.options.expectedVersion, current)) {
          // Never a conflict on the cache's word: read the stream (unless this batch wrote it already), and look
          // the ids up — a version conflict may be a re-sent append.
          if (!verified.has(append.streamId) && !rows.some((row) => row.streamId === append.streamId)) {
            await readVersions([append.streamId]);
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
          rows.push(toStoredRow(event, append.streamId, current + i + 1, createdAt));
        });
        versions.set(append.streamId, current + append.events.length);
        if (append.options.aggregateType && !aggregateTypes.has(append.streamId)) aggregateTypes.set(append.streamId, append.options.aggregateType);
        outcomes.push({ ok: true, result: { nextVersion: current + append.events.length, events: [], duplicate: false } });
      }
      // Streams read here, or written, are known as of this transaction.
      const result: Committed = { outcomes, versions: new Map(), stored: [], aggregateTypes };
      for (const streamId of verified) {
        const version = versions.get(streamId) ?? 0;
        if (version > 0) result.versions.set(streamId, version);
      }
      if (rows.length === 0) return result;
      let positions: number[];
      try {
        positions = (await db.events.bulkAdd(rows as StoredEvent[], { allKeys: true })) as number[];
      } catch (error) {
        // A version or an event id is stored already (another context wrote it, or the cache was behind): the
        // unique indexes caught it. Abort; the caller does the batch again, `checked`.
        if (error instanceof Dexie.BulkError || (error instanceof Error && error.name === 'ConstraintError')) {
          if (!checked) throw error;
          const first = batch[owners[0] ?? 0];
          throw new ConcurrencyError(first?.streamId ?? '', first?.options.expectedVersion ?? 'any', -1);
        }
        throw error;
      }
      result.stored = rows.map((row, i) => ({ ...row, position: positions[i] as number }));
      result.stored.forEach((event, i) => {
        const outcome = outcomes[owners[i] as number];
        if (outcome?.ok) outcome.result.events.push(event);
      });
      for (const row of rows) result.versions.set(row.streamId, versions.get(row.streamId) ?? 0);
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
