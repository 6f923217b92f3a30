/**
 * Where the bus keeps each subscriber's checkpoint and dead letters: a port, so the bus's rules are tested without
 * IndexedDB (memory-bus-storage.ts) and run in the worker on Dexie (dexie-bus-storage.ts).
 */
import type { CheckpointRow, SubscriberDeadLetterRow } from '../store/database.ts';

export type { CheckpointRow, SubscriberDeadLetterRow };

export interface BusStorage {
  checkpoint(subscriberId: string): Promise<CheckpointRow | undefined>;
  putCheckpoint(row: CheckpointRow): Promise<void>;
  /** Writes each row whose stored checkpoint is behind it (never moves one back, nor rewrites an equal one). */
  advanceCheckpoints(rows: readonly CheckpointRow[]): Promise<void>;
  /** Adds a dead letter and puts the checkpoint onto it, both or neither; returns the dead letter's id. */
  park(letter: SubscriberDeadLetterRow, checkpoint: CheckpointRow): Promise<number>;
  /** Dead letters of one subscriber (or all; of one stream when given), in position order. */
  deadLetters(subscriberId?: string, streamId?: string): Promise<SubscriberDeadLetterRow[]>;
  deleteDeadLetter(id: number): Promise<void>;
  /** A retried dead letter failed again: its error and attempts, and the later ones parked behind it, at once. */
  failedAgain(headId: number, error: string, attempts: number, parkedIds: readonly number[]): Promise<void>;
  /** Drops one subscriber's dead letters of one stream; returns how many. */
  discardStream(subscriberId: string, streamId: string): Promise<number>;
}
