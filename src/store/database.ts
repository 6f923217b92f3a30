/**
 * The `semantest` IndexedDB database (the contract's schema). Every version of the schema stays listed here so
 * that Dexie can upgrade any earlier database; never edit a released version, add a new one.
 */
import { Dexie, type EntityTable } from 'dexie';
import type { StoredEvent } from '../domain/events.ts';
import type { DownloadState } from '../domain/download.ts';

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
  position: number;
  updatedAt: number;
}

export type SemantestDb = Dexie & {
  events: EntityTable<StoredEvent, 'position'>;
  streams: EntityTable<StreamRow, 'streamId'>;
  snapshots: EntityTable<SnapshotRow, 'snapshotId'>;
  downloads: EntityTable<DownloadRow, 'streamId'>;
  checkpoints: EntityTable<CheckpointRow, 'subscriberId'>;
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
  // When another context (the worker) upgrades the schema, Dexie 4 closes this connection with auto-open kept
  // on, so an open popup reopens on its next query instead of dying.
  return db;
}
