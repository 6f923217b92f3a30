/**
 * The event store's interface, independent of where events are kept. `DexieEventStore` implements it on
 * IndexedDB; tests run the same contract against it in Node (fake-indexeddb) and in Chromium.
 */
import { CURRENT_SCHEMA_VERSION, type DomainEvent, type EventMetadata, type StoredEvent } from '../domain/events.ts';

/** `no-stream`: the stream must not exist; `exists`: it must; `any`: no check; a number: its current version. */
export type ExpectedVersion = 'no-stream' | 'exists' | 'any' | number;

export type NewEvent = DomainEvent & {
  /** Give one to make a re-send idempotent; a UUID is made otherwise. */
  eventId?: string;
  metadata: EventMetadata;
};

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  aggregateType?: string;
}

export interface AppendResult {
  /** The stream's version after the append. */
  nextVersion: number;
  /** The events as stored (empty when `duplicate`). */
  events: StoredEvent[];
  /** Every event id was stored already: nothing was written (an idempotent re-send). */
  duplicate: boolean;
}

export interface ReadStreamOptions {
  fromVersion?: number;
  direction?: 'forward' | 'backward';
  limit?: number;
}

export interface Snapshot<S = unknown> {
  streamId: string;
  /** The stream version the state includes. */
  version: number;
  /** Version of the reducer that made the state; a snapshot of another reducer version is ignored. */
  stateVersion: number;
  state: S;
  createdAt: number;
}

export interface EventStore {
  appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Events with `position > after`, in position order, at most `limit`. */
  readAll(after: number, limit: number): Promise<StoredEvent[]>;
  /** Called after every committed append, in commit order, in this context only. */
  onAppended(listener: (events: readonly StoredEvent[]) => void): () => void;
  saveSnapshot(snapshot: Omit<Snapshot, 'createdAt'>): Promise<void>;
  /** The newest snapshot of the stream made by reducer version `stateVersion`, if any. */
  loadSnapshot<S>(streamId: string, stateVersion: number): Promise<Snapshot<S> | undefined>;
}

/**
 * An aggregate's state: the newest snapshot of this reducer version (if any) plus the events after it.
 * A snapshot of another reducer version is ignored, so changing `evolve` never serves stale state.
 */
export async function loadAggregate<S>(
  store: EventStore,
  streamId: string,
  reducer: { stateVersion: number; evolve: (state: S | undefined, event: StoredEvent) => S | undefined },
): Promise<{ state: S | undefined; version: number }> {
  const snapshot = await store.loadSnapshot<S>(streamId, reducer.stateVersion);
  let state = snapshot?.state;
  let version = snapshot?.version ?? 0;
  for (const event of await store.readStream(streamId, { fromVersion: version + 1 })) {
    state = reducer.evolve(state, event);
    version = event.version;
  }
  return { state, version };
}

export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`Stream ${streamId} is at version ${actual}, expected ${String(expected)}`);
    this.name = 'ConcurrencyError';
  }
}

export function expectedVersionMatches(expected: ExpectedVersion, actual: number): boolean {
  return expected === 'any' || (expected === 'no-stream' && actual === 0) || (expected === 'exists' && actual > 0) || expected === actual;
}

export function checkExpectedVersion(streamId: string, expected: ExpectedVersion, actual: number): void {
  if (!expectedVersionMatches(expected, actual)) throw new ConcurrencyError(streamId, expected, actual);
}

/** The stored row of an event (the contract's shape), without its position, which the backend assigns. */
export function toStoredRow(
  event: { eventId: string; type: NewEvent['type']; data: NewEvent['data']; metadata: EventMetadata },
  streamId: string,
  version: number,
  createdAt: number,
): Omit<StoredEvent, 'position'> {
  return {
    eventId: event.eventId,
    streamId,
    version,
    type: event.type,
    schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
    data: event.data,
    metadata: event.metadata,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    createdAt,
  } as Omit<StoredEvent, 'position'>;
}

/**
 * A read model folded inside each append (the downloads history): rows keyed by stream id. The composition root
 * hands it to the store (as Emmett's stores take `projections`); the store keeps its rows in step.
 */
export interface InlineProjection<Row> {
  /** The rows an append's events touch (their own streams, and any stream an event names). */
  targets(events: readonly StoredEvent[]): string[];
  /** Folds one event into the rows (the store filled them with what is stored for `targets`). */
  project(rows: Map<string, Row | undefined>, event: StoredEvent): void;
}
