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
  type NewEvent,
  type ReadStreamOptions,
  type Snapshot,
} from './event-store.ts';
import type { SemantestDb } from './database.ts';
import { applyDownloadProjection } from '../projections/downloads.ts';
import { upcast } from '../domain/upcasters.ts';

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

export class DexieEventStore implements EventStore {
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>();
  private pending: PendingAppend[] = [];
  private flushing = false;

  constructor(
    readonly db: SemantestDb,
    private readonly deps: StoreDeps = defaultDeps,
  ) {}

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

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        let outcomes: Outcome[];
        try {
          outcomes = await this.commit(batch, false);
        } catch (error) {
          if (isQuotaError(error)) {
            for (const append of batch) append.reject(new StorageFullError());
            continue;
          }
          // The batch's transaction failed as a whole (another context wrote a version first, quota, …):
          // give each append its own transaction so that each gets its own answer.
          outcomes = [];
          for (const one of batch) {
            outcomes.push(...(await this.commit([one], true).catch((failure: unknown) => [{ ok: false as const, error: isQuotaError(failure) ? new StorageFullError() : failure }])));
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
   * One transaction for the whole batch; per-append checks in arrival order. The fast path does not look the
   * event ids up: the unique `&eventId` index refuses a re-sent one, which aborts the batch, and the slow path
   * (`checkIds`, one append per transaction) then tells a duplicate from a conflict.
   */
  private async commit(batch: PendingAppend[], checkIds: boolean): Promise<Outcome[]> {
    const db = this.db;
    return db.transaction('rw', [db.events, db.streams, db.downloads], async () => {
      const streamIds = [...new Set(batch.map((append) => append.streamId))];
      const streams = await db.streams.bulkGet(streamIds);
      const versions = new Map(streamIds.map((id, i) => [id, streams[i]?.currentVersion ?? 0]));
      const aggregateTypes = new Map(streamIds.map((id, i) => [id, streams[i]?.aggregateType]));
      const allIds = batch.flatMap((append) => append.events.map((event) => event.eventId));
      const known = checkIds ? new Map((await db.events.where('eventId').anyOf(allIds).toArray()).map((event) => [event.eventId, event])) : new Map<string, StoredEvent>();
      const createdAt = this.deps.now();
      const outcomes: Outcome[] = [];
      const rows: Omit<StoredEvent, 'position'>[] = [];
      const owners: number[] = []; // index in `batch` of each row
      const claimed = new Set<string>();
      for (const [index, append] of batch.entries()) {
        const current = versions.get(append.streamId) ?? 0;
        const ids = append.events.map((event) => event.eventId);
        // A version conflict may be a re-sent append: only then are its ids looked up on the fast path.
        if (!checkIds && !expectedVersionMatches(append.options.expectedVersion, current)) {
          for (const event of await db.events.where('eventId').anyOf(ids).toArray()) known.set(event.eventId, event);
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
        if (!aggregateTypes.get(append.streamId)) aggregateTypes.set(append.streamId, append.options.aggregateType ?? 'Download');
        outcomes.push({ ok: true, result: { nextVersion: current + append.events.length, events: [], duplicate: false } });
      }
      if (rows.length === 0) return outcomes;
      let positions: number[];
      try {
        positions = (await db.events.bulkAdd(rows as StoredEvent[], { allKeys: true })) as number[];
      } catch (error) {
        // Another context appended to one of these streams in between: the unique [streamId+version] index caught it.
        // (or an event id is stored already). Alone in its transaction, the append gets its exact answer.
        if (error instanceof Dexie.BulkError || (error instanceof Error && error.name === 'ConstraintError')) {
          if (!checkIds) throw error;
          const first = batch[owners[0] ?? 0];
          throw new ConcurrencyError(first?.streamId ?? '', first?.options.expectedVersion ?? 'any', -1);
        }
        throw error;
      }
      const stored: StoredEvent[] = rows.map((row, i) => ({ ...row, position: positions[i] as number }));
      stored.forEach((event, i) => {
        const outcome = outcomes[owners[i] as number];
        if (outcome?.ok) outcome.result.events.push(event);
      });
      await db.streams.bulkPut(
        [...new Set(rows.map((row) => row.streamId))].map((streamId) => ({
          streamId,
          aggregateType: aggregateTypes.get(streamId) ?? 'Download',
          currentVersion: versions.get(streamId) ?? 0,
          lastUpdated: createdAt,
        })),
      );
      await applyDownloadProjection(db.downloads, stored);
      return outcomes;
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
