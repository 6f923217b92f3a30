/**
 * A clock the test moves: `setTimeout` callbacks run when `advance` passes their time, in order, with every
 * promise chain they start settled in between. No real time passes.
 */
import type { Clock } from '../../src/background/saga/clock.ts';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/** Lets every pending promise chain run to its end (they settle in microtasks; one macrotask turn drains them). */
export const flush = async (turns = 3): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

export class FakeClock implements Clock {
  time: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(start = Date.UTC(2026, 11, 7, 12, 0, 0)) {
    this.time = start;
  }

  now = (): number => this.time;

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ id, at: this.time + Math.max(0, ms), callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  };

  /** Moves time on by `ms`, running each timer due on the way at its own time. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flush();
    for (;;) {
      const next = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.time = Math.max(this.time, next.at);
      next.callback();
      await flush();
    }
    this.time = end;
    await flush();
  }

  pending(): number {
    return this.timers.length;
  }
}

/** The timers of a clock nobody moves: for code whose timeouts must not fire in a test. */
export function stoppedTimers(): Pick<FakeClock, 'setTimeout' | 'clearTimeout'> {
  const clock = new FakeClock();
  return { setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout };
}
