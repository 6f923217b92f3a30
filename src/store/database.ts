/**
 * The `semantest` IndexedDB database (the contract's schema). Every version of the schema stays listed here so
 * that Dexie can upgrade any earlier database; never edit a released version, add a new one.
 */
import { Dexie, type EntityTable } from 'dexie';
import type { StoredEvent } from '../domain/events.ts';
import type { DownloadState } from '../domain/download.ts';
import type { StoredBucket } from '../domain/search-bucket.ts';

export const DATABASE_NAME = 'semantest';

export interface StreamRow {
  streamId: string;
  aggregateType: string;
  currentVersion: number;
  lastUpdated: number;
}

export interface SnapshotRow {
  snapshotId: string;
  streamId: string;
  version: number;
  /** Version of the reducer that made `state`: a snapshot of another reducer version is ignored. */
  stateVersion: number;
  state: unknown;
  createdAt: number;
}

/** The history read model: one row per download, the aggregate's state, kept in step inside each append. */
export type DownloadRow = DownloadState;

export interface CheckpointRow {
  subscriberId: string;
  /** Global position of the last event this subscriber handled (or parked): never ahead of what it handled. */
  position: number;
  updatedAt: number;
  /** A failing event waiting for its next attempt: persisted so a stopped worker picks it up again. */
  retry?: { position: number; attempts: number; dueAt: number; error: string } | undefined;
}

/** An event a subscriber could not handle after every attempt, or one parked behind such an event. */
export interface SubscriberDeadLetterRow {
  id?: number;
  subscriberId: string;
  streamId: string;
  position: number;
  eventId: string;
  type: string;
  error: string;
  attempts: number;
  /** The dead letter this event waits behind (its stream's order is kept); undefined for the failed one itself. */
  parkedBehind?: number | undefined;
  createdAt: number;
}

/**
 * One bucket of the search index: the downloads whose stream id hashes to it, each with its search text and
 * requestedAt (domain/search-bucket.ts). Few records, so a page reads the whole index in one request.
 */
export type SearchIndexRow = StoredBucket;

/** Monitoring counters per minute, a projection of the log and of the bus's own work. */
export interface MetricsRow {
  minute: number;
  appended: number;
  handled: number;
  retried: number;
  deadLettered: number;
  byType: Record<string, number>;
  /** Handler latencies (ms) of this minute, for p50/p95. Bounded. */
  latencies: number[];
}

/** The batch report's read model: one row per batch, from its DownloadBatchRequested (domain/batch-report.ts). */
export interface BatchRow {
  batchId: string;
  requestedAt: number;
  size: number;
  streamIds: string[];
  alreadySaved: string[];
  folder: string | null;
  skippedSmaller: number;
}

export type SemantestDb = Dexie & {
  events: EntityTable<StoredEvent, 'position'>;
  streams: EntityTable<StreamRow, 'streamId'>;
  snapshots: EntityTable<SnapshotRow, 'snapshotId'>;
  downloads: EntityTable<DownloadRow, 'streamId'>;
  checkpoints: EntityTable<CheckpointRow, 'subscriberId'>;
  subscriberDeadLetters: EntityTable<SubscriberDeadLetterRow, 'id'>;
  metrics: EntityTable<MetricsRow, 'minute'>;
  searchIndex: EntityTable<SearchIndexRow, 'bucket'>;
  batches: EntityTable<BatchRow, 'batchId'>;
};

export function openDatabase(name = DATABASE_NAME): SemantestDb {
  const db = new Dexie(name) as SemantestDb;
  db.version(1).stores({
    events: '++position, &eventId, streamId, &[streamId+version], type, correlationId, createdAt',
    streams: 'streamId, aggregateType, lastUpdated',
    snapshots: 'snapshotId, streamId, [streamId+version]',
    downloads: 'streamId, phase, requestedAt, chromeDownloadId, request.imageUrl',
    checkpoints: 'subscriberId',
  });
  // v2: the bus's sequenced dead letters per subscriber, and the monitoring counters.
  db.version(2).stores({
    subscriberDeadLetters: '++id, subscriberId, [subscriberId+streamId], position',
    metrics: 'minute',
  });
  // v3: downloads by content hash (duplicates by content): a keyed lookup instead of reading every completed
  // download on the first check after each worker start.
  db.version(3).stores({
    downloads: 'streamId, phase, requestedAt, chromeDownloadId, request.imageUrl, contentHash',
  });
  // v4: the search index read model (projections/search-index.ts), built by the bus from the log.
  db.version(4).stores({
    searchIndex: 'bucket',
  });
  // v5: the batch report's read model, newest first, found by any of its downloads.
  db.version(5).stores({
    batches: 'batchId, requestedAt, *streamIds',
  });
  // When another context (the worker) upgrades the schema, Dexie 4 closes this connection with auto-open kept
  // on, so an open popup reopens on its next query instead of dying.
  return db;
}
