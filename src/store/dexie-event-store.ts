/**
 * The event store on IndexedDB. One readwrite transaction per append writes the events, the stream row and the
 * inline projections together, so a read model can never disagree with the log, even if the worker is stopped
 * between two appends. Positions come from the `++position` key: gap-free and in commit order (see
 * shared/notes/event-store-facts.md).
 */
import { Dexie } from 'dexie';
import { parseEventData, CURRENT_SCHEMA_VERSION, type StoredEvent } from '../domain/events.ts';
import {
  checkExpectedVersion,
  ConcurrencyError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type ReadStreamOptions,
} from './event-store.ts';
import type { SemantestDb } from './database.ts';
import { applyDownloadProjection } from '../projections/downloads.ts';

export interface StoreDeps {
  now: () => number;
  newId: () => string;
}

const defaultDeps: StoreDeps = { now: () => Date.now(), newId: () => crypto.randomUUID() };

export class DexieEventStore implements EventStore {
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>();

  constructor(
    readonly db: SemantestDb,
    private readonly deps: StoreDeps = defaultDeps,
  ) {}

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    // Validate before opening the transaction: a bad event is refused with its reason and nothing is written.
    const prepared = events.map((event) => ({
      eventId: event.eventId ?? this.deps.newId(),
      type: event.type,
      data: parseEventData(event.type, event.data),
      metadata: event.metadata,
    }));
    const ids = prepared.map((event) => event.eventId);
    if (new Set(ids).size !== ids.length) throw new Error('appendToStream got the same eventId twice');
    const db = this.db;
    const result = await db.transaction('rw', [db.events, db.streams, db.downloads], async (): Promise<AppendResult> => {
      const already = await db.events.where('eventId').anyOf(ids).toArray();
      const stream = await db.streams.get(streamId);
      const current = stream?.currentVersion ?? 0;
      if (already.length === ids.length && already.every((event) => event.streamId === streamId)) {
        return { nextVersion: current, events: [], duplicate: true };
      }
      if (already.length > 0) throw new Error(`Some of these events are stored already: ${already.map((e) => e.eventId).join(', ')}`);
      checkExpectedVersion(streamId, options.expectedVersion, current);
      const createdAt = this.deps.now();
      const rows: Omit<StoredEvent, 'position'>[] = prepared.map((event, index) => ({
        eventId: event.eventId,
        streamId,
        version: current + index + 1,
        type: event.type,
        schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
        data: event.data,
        metadata: event.metadata,
        correlationId: event.metadata.correlationId,
        causationId: event.metadata.causationId,
        createdAt,
      }));
      let positions: number[];
      try {
        positions = (await db.events.bulkAdd(rows as StoredEvent[], { allKeys: true })) as number[];
      } catch (error) {
        // Another context appended to this stream in between: the unique [streamId+version] index caught it.
        if (error instanceof Dexie.BulkError || (error instanceof Error && error.name === 'ConstraintError')) {
          throw new ConcurrencyError(streamId, options.expectedVersion, current);
        }
        throw error;
      }
      const stored = rows.map((row, index) => ({ ...row, position: positions[index] as number }));
      const nextVersion = current + rows.length;
      await db.streams.put({
        streamId,
        aggregateType: stream?.aggregateType ?? options.aggregateType ?? 'Download',
        currentVersion: nextVersion,
        lastUpdated: createdAt,
      });
      await applyDownloadProjection(db.downloads, stored);
      return { nextVersion, events: stored, duplicate: false };
    });
    if (result.events.length > 0) for (const listener of this.listeners) listener(result.events);
    return result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const from = options.fromVersion ?? 1;
    let collection = this.db.events.where('[streamId+version]').between([streamId, from], [streamId, Dexie.maxKey], true, true);
    if (options.direction === 'backward') collection = collection.reverse();
    if (options.limit !== undefined) collection = collection.limit(options.limit);
    return collection.toArray();
  }

  async readAll(after: number, limit: number): Promise<StoredEvent[]> {
    return this.db.events.where('position').above(after).limit(limit).toArray();
  }

  onAppended(listener: (events: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
