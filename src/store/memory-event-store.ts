/**
 * The event store in memory: the same contract as `DexieEventStore` (one test suite runs against both), with the
 * downloads read model kept in step inside each append, as the Dexie store does, so tests of the saga need no
 * IndexedDB.
 */
import type { DownloadState } from '../domain/download.ts';
import { parseEventData, type StoredEvent } from '../domain/events.ts';
import { memoryDownloadQueries, type DownloadQueries } from './download-queries.ts';
import { upcast } from '../domain/upcasters.ts';
import { checkExpectedVersion, toStoredRow, type Snapshot, type AppendOptions, type AppendResult, type EventStore, type NewEvent, type ReadStreamOptions } from './event-store.ts';
import type { StoreDeps } from './dexie-event-store.ts';

export class InMemoryEventStore implements EventStore {
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly byId = new Map<string, StoredEvent>();
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly rows = new Map<string, DownloadState>();
  /** The downloads read model, folded inline (the queries the saga and the UI use). */
  readonly downloads: DownloadQueries = memoryDownloadQueries(this.rows);

  private readonly deps: Required<StoreDeps>;

  constructor(deps: StoreDeps) {
    this.deps = { now: () => Date.now(), newId: () => crypto.randomUUID(), ...deps };
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    const prepared = events.map((event) => ({ ...event, eventId: event.eventId ?? this.deps.newId(), data: parseEventData(event.type, event.data) }));
    const ids = prepared.map((event) => event.eventId);
    if (new Set(ids).size !== ids.length) throw new Error('appendToStream got the same eventId twice');
    const stream = this.streams.get(streamId) ?? [];
    const known = ids.filter((id) => this.byId.has(id));
    if (known.length === ids.length && known.every((id) => this.byId.get(id)?.streamId === streamId)) {
      return { nextVersion: stream.length, events: [], duplicate: true };
    }
    if (known.length > 0) throw new Error(`Some of these events are stored already: ${known.join(', ')}`);
    checkExpectedVersion(streamId, options.expectedVersion, stream.length);
    const createdAt = this.deps.now();
    const stored = prepared.map(
      (event, index) => ({ ...toStoredRow(event, streamId, stream.length + index + 1, createdAt), position: this.log.length + index + 1 }) as StoredEvent,
    );
    this.log.push(...stored);
    this.streams.set(streamId, [...stream, ...stored]);
    for (const event of stored) this.byId.set(event.eventId, event);
    const touched = new Map<string, DownloadState | undefined>(this.deps.projection.targets(stored).map((id) => [id, this.rows.get(id)]));
    for (const event of stored) this.deps.projection.project(touched, event);
    for (const [id, row] of touched) if (row) this.rows.set(id, row);
    for (const listener of this.listeners) listener(stored);
    return { nextVersion: stream.length + stored.length, events: stored, duplicate: false };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const stream = this.streams.get(streamId) ?? [];
    const backward = options.direction === 'backward';
    const from = options.fromVersion ?? (backward ? stream.length : 1);
    const picked = backward ? stream.filter((e) => e.version <= from).reverse() : stream.filter((e) => e.version >= from);
    return picked.slice(0, options.limit ?? picked.length).map(upcast);
  }

  async readAll(after: number, limit: number): Promise<StoredEvent[]> {
    return this.log.filter((event) => event.position > after).slice(0, limit).map(upcast);
  }

  onAppended(listener: (events: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async saveSnapshot(snapshot: Omit<Snapshot, 'createdAt'>): Promise<void> {
    this.snapshots.set(`${snapshot.streamId}@${snapshot.stateVersion}`, { ...structuredClone(snapshot), createdAt: this.deps.now() });
  }

  async loadSnapshot<S>(streamId: string, stateVersion: number): Promise<Snapshot<S> | undefined> {
    const snapshot = this.snapshots.get(`${streamId}@${stateVersion}`);
    return snapshot ? ({ ...structuredClone(snapshot) } as Snapshot<S>) : undefined;
  }
}
