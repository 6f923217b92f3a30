/**
 * The slot scheduler: at most `concurrency` transfers talk to image hosts at once; the rest wait in the order
 * they were asked for. A slot covers the network transfer only (saving a Blob is local). What it holds is a cache
 * of the store's state: a worker start refills it from recovery (`claim`) before any slot is handed out (`open`).
 */
import type { Report } from './core.ts';

export class TransferSlots {
  private readonly holders = new Set<string>();
  private readonly waiting = new Map<string, number>();
  private opened = false;

  constructor(
    private readonly concurrency: () => number,
    private readonly report: Report,
  ) {}

  /** Wants a slot, in `requestedAt` order; a download that holds or waits for one already is not queued twice. */
  request(streamId: string, requestedAt: number): void {
    if (this.holders.has(streamId)) return;
    this.waiting.set(streamId, requestedAt);
    this.grant();
  }

  /** A transfer found running at a worker start holds its slot again, whatever the limit. */
  claim(streamId: string): void {
    this.waiting.delete(streamId);
    this.holders.add(streamId);
  }

  release(streamId: string): void {
    this.waiting.delete(streamId);
    if (this.holders.delete(streamId)) this.grant();
  }

  /** Recovery has claimed what runs: slots may be handed out. */
  open(): void {
    this.opened = true;
    this.grant();
  }

  held(): number {
    return this.holders.size;
  }

  private grant(): void {
    if (!this.opened) return;
    while (this.holders.size < this.concurrency() && this.waiting.size > 0) {
      let next: string | undefined;
      let first = Infinity;
      for (const [streamId, at] of this.waiting) {
        if (at < first) {
          first = at;
          next = streamId;
        }
      }
      if (next === undefined) return;
      this.waiting.delete(next);
      this.holders.add(next);
      this.report(next, { type: 'slot-granted' });
    }
  }
}
