/**
 * Each subscriber's checkpoint row as this bus last read or wrote it. Only the bus writes its subscribers' rows,
 * so after the first read (per worker) no pass reads it again. Moves after a handled page are written later,
 * every subscriber's together (see moveLater); retries and parkings are written at once.
 */
import type { BusStorage, CheckpointRow, SubscriberDeadLetterRow } from './bus-storage.ts';

export class Checkpoints {
  private readonly rows = new Map<string, CheckpointRow>();
  /** Subscribers whose checkpoint moved in memory and is not written yet; the pending write. */
  private readonly dirty = new Set<string>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly storage: BusStorage,
    private readonly now: () => number,
    private readonly setTimer: (fn: () => void, ms: number) => unknown,
    private readonly delayMs: number,
  ) {}

  known(subscriberId: string): CheckpointRow | undefined {
    return this.rows.get(subscriberId);
  }

  async load(subscriberId: string): Promise<CheckpointRow> {
    const known = this.rows.get(subscriberId);
    if (known) return known;
    const row = (await this.storage.checkpoint(subscriberId)) ?? { subscriberId, position: 0, updatedAt: 0 };
    this.rows.set(subscriberId, row);
    return row;
  }

  /** Whatever failed: the next pass starts from what is stored. */
  forget(subscriberId: string): void {
    this.rows.delete(subscriberId);
  }

  /** Stores a row (on its own), then remembers it. */
  async write(row: CheckpointRow): Promise<void> {
    this.dirty.delete(row.subscriberId);
    await this.storage.putCheckpoint(row);
    this.rows.set(row.subscriberId, row);
  }

  /** Stores `letter` and moves the checkpoint onto its event, in one transaction; returns the letter's id. */
  async park(letter: SubscriberDeadLetterRow): Promise<number> {
    const checkpoint: CheckpointRow = { subscriberId: letter.subscriberId, position: letter.position, updatedAt: this.now(), retry: undefined };
    const id = await this.storage.park(letter, checkpoint);
    // Only once the transaction committed.
    this.dirty.delete(letter.subscriberId);
    this.rows.set(letter.subscriberId, checkpoint);
    return id;
  }

  /**
   * Moves the checkpoint in memory now (the next pass reads on from it) and in storage within `delayMs`, for
   * every subscriber moved meanwhile in one transaction. The stored position is the one in memory at that time,
   * which only moves once events were handled, so it never runs ahead of them; a worker stopped before the write
   * hands those events again (at least once; handlers are idempotent).
   */
  moveLater(subscriberId: string, position: number): void {
    this.rows.set(subscriberId, { subscriberId, position, updatedAt: this.now(), retry: undefined });
    this.dirty.add(subscriberId);
    if (!this.flushing) this.scheduleFlush();
  }

  /** Resolves once no moved checkpoint waits to be written. */
  async written(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private scheduleFlush(): void {
    this.flushing = new Promise<void>((resolve) => {
      this.setTimer(() => {
        this.flush()
          .catch((error: unknown) => console.error('Semantest bus: checkpoints not written', error))
          .finally(() => {
            this.flushing = null;
            // Moved while this write was in flight: written by the next one (written() waits for it too).
            if (this.dirty.size > 0) this.scheduleFlush();
            resolve();
          });
      }, this.delayMs);
    });
  }

  private async flush(): Promise<void> {
    const rows = [...this.dirty].map((id) => this.rows.get(id)).filter((row): row is CheckpointRow => row !== undefined);
    this.dirty.clear();
    if (rows.length === 0) return;
    // A parking or a retry may have written a row since (at once, in its own transaction): the storage never
    // moves a stored checkpoint back, nor overwrites one at the same position.
    await this.storage.advanceCheckpoints(rows);
  }
}
