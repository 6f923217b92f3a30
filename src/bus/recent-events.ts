/**
 * The events this context appended lately, in position order, as the store reported them after they committed:
 * a pass reads from here instead of IndexedDB while the positions it needs are here without a gap (a gap is an
 * event appended elsewhere or a position skipped, and then the store is read).
 */
import type { StoredEvent } from '../domain/events.ts';

const RECENT_MAX = 4000;

export class RecentEvents {
  private events: StoredEvent[] = [];

  /** Keeps what was appended; drops the oldest (or all, out of order). */
  keep(appended: readonly StoredEvent[]): void {
    for (const event of appended) {
      const last = this.events[this.events.length - 1];
      // Out of order (should not happen: commit order): start again rather than serve a wrong order.
      if (last && event.position <= last.position) this.events = [];
      this.events.push(event);
    }
    if (this.events.length > RECENT_MAX) this.events = this.events.slice(-RECENT_MAX / 2);
  }

  forget(): void {
    this.events = [];
  }

  /** Events after `after`, at most `limit`, when held from `after + 1` on; `null` when the store must be read. */
  page(after: number, limit: number): StoredEvent[] | null {
    const events = this.events;
    // Caught up with what this context appended: nothing to read. (Events appended elsewhere since come after
    // the next local append, whose gap sends that pass to the store, as the first pass after a start is.)
    if (events.length > 0 && (events[events.length - 1] as StoredEvent).position === after) return [];
    let low = 0;
    let high = events.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const position = (events[middle] as StoredEvent).position;
      if (position === after + 1) {
        const page: StoredEvent[] = [];
        for (let i = middle; i < events.length && page.length < limit; i++) {
          const event = events[i] as StoredEvent;
          if (event.position !== after + 1 + page.length) break;
          page.push(event);
        }
        return page;
      }
      if (position < after + 1) low = middle + 1;
      else high = middle - 1;
    }
    return null;
  }
}
