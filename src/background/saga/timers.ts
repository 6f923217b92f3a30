/**
 * Timers: a retry's due time (persisted as `nextAttemptAt`) as a timer in this worker, and one alarm standing by
 * while anything is unsettled (at the next due time, or within 30 s), so a worker Chrome stopped is woken to
 * finish what it had begun; its start-up recovers every download from the store.
 */
import type { AlarmsPort } from '../../platform/ports.ts';
import type { Clock } from './clock.ts';
import type { Report } from './core.ts';
import type { UnsettledCache } from './unsettled-cache.ts';

export const WAKE_ALARM = 'semantest:saga-wake';
/** Chrome's shortest alarm delay for packed extensions. */
const WATCHDOG_MS = 30_000;

export class Timers {
  /** Due times already set in this worker, per download. */
  private readonly armed = new Map<string, number>();
  /** The alarm this worker set (`none`: cleared; null: unknown, a fresh worker). */
  private alarmAt: number | 'none' | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly alarms: AlarmsPort,
    private readonly cache: UnsettledCache,
    private readonly report: Report,
  ) {}

  arm(streamId: string, at: number): void {
    if (this.armed.get(streamId) === at) return;
    this.armed.set(streamId, at);
    this.clock.setTimeout(() => {
      if (this.armed.get(streamId) === at) this.armed.delete(streamId);
      this.report(streamId, { type: 'timer-fired' });
    }, Math.max(0, at - this.clock.now()));
    this.standBy();
  }

  /** The alarm rang in a running worker: whatever is due goes on (a timer may have been lost to a stop). */
  rang(): void {
    this.alarmAt = null;
    for (const row of this.cache.unsettled()) if (row.phase === 'retry-wait') this.report(row.streamId, { type: 'timer-fired' });
    this.standBy();
  }

  /**
   * Sets the standing alarm only when it is spent or must ring earlier (an alarms call per step was a large part
   * of a bulk download's time), and never waits for its answer.
   */
  standBy(): void {
    const now = this.clock.now();
    const rows = this.cache.unsettled();
    if (rows.length === 0) {
      if (this.alarmAt !== 'none') {
        this.alarmAt = 'none';
        void this.alarms.clear(WAKE_ALARM).catch(() => undefined);
      }
      return;
    }
    const due = Math.min(...rows.filter((row) => row.phase === 'retry-wait' && (row.nextAttemptAt ?? 0) > now).map((row) => row.nextAttemptAt ?? Infinity));
    const wanted = Math.min(due, now + WATCHDOG_MS);
    if (typeof this.alarmAt !== 'number' || this.alarmAt <= now || wanted < this.alarmAt) {
      this.alarmAt = wanted;
      void this.alarms.wakeAt(WAKE_ALARM, wanted).catch(() => undefined);
    }
  }
}
