/**
 * The slot scheduler: at most `concurrency` transfers talk to image hosts at once; the rest wait in the order
 * they were asked for. A slot covers the network transfer only (saving a Blob is local). What it holds is a cache
 * of the store's state: a worker start refills it from recovery (`claim`) before any slot is handed out (`open`).
 *
 * Up to `ahead()` slots more are granted than hosts may be asked at once: those transfers wait in line on the
 * transfer side, which keeps the `concurrency` limit in its lanes and starts the next the moment one ends, without
 * a round trip through the worker (docs/decisions/0067-transfer-lanes.md). Never ahead under a host pace: a grant
 * is when the pace counts a start.
 */
import { nextStartAt, recentStarts } from '../../domain/host-pace.ts';
import type { Clock } from './clock.ts';
import type { Report } from './core.ts';

/** The per-host pace: at most `perSecond()` slots granted per host in any second (0: no pace). */
export interface HostPace {
  perSecond: () => number;
  clock: Clock;
}

export class TransferSlots {
  private readonly holders = new Set<string>();
  private readonly waiting = new Map<string, { at: number; host: string }>();
  /** Recent grants per host (a cache: lost with the worker, which only lets the next second start afresh). */
  private readonly started = new Map<string, number[]>();
  private wake: { at: number; handle: unknown } | null = null;
  private opened = false;

  constructor(
    private readonly concurrency: () => number,
    private readonly report: Report,
    private readonly pace?: HostPace,
    private readonly ahead: () => number = () => 0,
  ) {}

  /**
   * Wants a slot, in `requestedAt` order, towards `host` (paced); a download that holds or waits for one already is
   * not queued twice.
   */
  request(streamId: string, requestedAt: number, host = ''): void {
    if (this.holders.has(streamId)) return;
    this.waiting.set(streamId, { at: requestedAt, host });
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
    const perSecond = this.pace?.perSecond() ?? 0;
    const now = this.pace?.clock.now() ?? 0;
    const limit = this.concurrency() + (perSecond > 0 ? 0 : this.ahead());
    let soonest = Infinity;
    while (this.holders.size < limit && this.waiting.size > 0) {
      let next: string | undefined;
      let first = Infinity;
      for (const [streamId, { at, host }] of this.waiting) {
        if (at >= first) continue;
        // A host that had its share of this second waits; the next download of another host may go first.
        const allowedAt = perSecond > 0 && host ? nextStartAt(this.started.get(host) ?? [], now, perSecond) : now;
        if (allowedAt > now) {
          soonest = Math.min(soonest, allowedAt);
          continue;
        }
        first = at;
        next = streamId;
      }
      if (next === undefined) break;
      const host = this.waiting.get(next)?.host ?? '';
      this.waiting.delete(next);
      this.holders.add(next);
      if (perSecond > 0 && host) this.started.set(host, [...recentStarts(this.started.get(host) ?? [], now), now]);
      this.report(next, { type: 'slot-granted' });
    }
    if (soonest < Infinity && this.holders.size < limit) this.wakeAt(soonest);
  }

  /** One timer for the earliest paced download: the grant runs again then. */
  private wakeAt(at: number): void {
    const pace = this.pace;
    if (!pace || (this.wake && this.wake.at <= at)) return;
    if (this.wake) pace.clock.clearTimeout(this.wake.handle);
    const handle = pace.clock.setTimeout(() => {
      this.wake = null;
      this.grant();
    }, Math.max(0, at - pace.clock.now()));
    this.wake = { at, handle };
  }
}
