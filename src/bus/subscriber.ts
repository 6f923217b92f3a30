/**
 * What the bus and its subscribers agree on: a subscriber's handlers, the context a handler appends through,
 * and what the bus is given (subscriptions.ts).
 */
import type { StoredEvent, EventType } from '../domain/events.ts';
import type { RetryPolicy } from '../domain/failure.ts';
import type { EventStore, NewEvent } from '../store/event-store.ts';
import type { BusStorage } from './bus-storage.ts';

/** The bus's defaults (BusDeps says what each is for) and its page size. */
export const PAGE = 500;
export const DEFAULT_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 60_000, jitter: 0.2 };
export const DEFAULT_BATCH_DELAY_MS = 25;
export const DEFAULT_BUSY_BATCH_DELAY_MS = 1000;
/** A pass that ended this recently makes the next one wait the busy delay. */
export const BUSY_WINDOW_MS = 1000;
export const DEFAULT_CHECKPOINT_DELAY_MS = 250;

export interface HandlerContext {
  /** True while a projection is rebuilt from history: no side effects (no downloads, no notifications, no POSTs). */
  replaying: boolean;
  /** Appends to a stream with correlation and causation taken from the event being handled. */
  append(streamId: string, events: Omit<NewEvent, 'metadata'>[], expectedVersion?: number | 'any' | 'no-stream'): Promise<void>;
}

export interface Subscriber {
  id: string;
  /** Only these types reach `handle` (all when omitted); the checkpoint passes over the others. */
  types?: readonly EventType[];
  handle(event: StoredEvent, context: HandlerContext): Promise<void>;
  /**
   * Optional: handles a run of wanted events, in position order, as one unit (one transaction). It must be
   * idempotent like `handle`. When it throws, the bus hands the same events to `handle` one by one, so that the
   * failing one is found and retried or dead-lettered on its own.
   */
  handleBatch?(events: readonly StoredEvent[], replaying: boolean, context: (event: StoredEvent) => HandlerContext): Promise<void>;
  /** Clears the subscriber's read model before a rebuild. */
  reset?(): Promise<void>;
}

export interface BusDeps {
  /** Checkpoints and dead letters (dexie-bus-storage.ts in the worker, memory-bus-storage.ts in tests). */
  storage: BusStorage;
  store: EventStore;
  /** The bus's clock: due times, the busy window, latencies (Date.now in the worker, a fake clock in tests). */
  now: () => number;
  random: () => number;
  /** Wakes the worker at `when` (chrome.alarms); the timer below covers the case the worker stays up. */
  wakeAt: (when: number) => Promise<void>;
  /** Runs the bus's timers (batch delays, retries, checkpoint writes) on the clock of `now`. */
  setTimeout: (fn: () => void, ms: number) => unknown;
  policy?: RetryPolicy;
  /** Called with each handled event's latency, and counts of retries and dead letters (monitoring). */
  observe?: (what: 'handled' | 'retried' | 'dead-lettered', latencyMs: number) => void;
  /**
   * How long after an append the subscribers catch up (default 25 ms): appends that come meanwhile (a bulk
   * download writes several a second) are handled in the same pass, with one checkpoint write per subscriber,
   * and the pass runs after the saga's own work instead of between its steps.
   */
  batchDelayMs?: number;
  /**
   * The longer delay used while the worker is busy (default 1000 ms): a pass ended less than BUSY_WINDOW_MS ago,
   * or `busy()` says so (the saga has downloads in flight). The bus's work (monitoring counters, the badge,
   * desktop notifications) then yields to the saga's own steps, and one pass covers many of its appends.
   */
  busyBatchDelayMs?: number;
  /** True while the worker has more important work in flight (the saga's downloads). */
  busy?: () => boolean;
  /** How long a moved checkpoint may wait in memory before it is written (default 250 ms; see advanceLater). */
  checkpointDelayMs?: number;
}

/** A handler's context for `event`: what it appends is correlated to it and caused by it (then by each other). */
export function handlerContext(store: EventStore, event: StoredEvent, replaying: boolean): HandlerContext {
  return {
    replaying,
    append: async (streamId, events, expectedVersion = 'any') => {
      let causationId = event.eventId;
      const withMetadata = events.map((next) => {
        const eventId = next.eventId ?? crypto.randomUUID();
        const full = { ...next, eventId, metadata: { correlationId: event.correlationId, causationId } } as NewEvent;
        causationId = eventId;
        return full;
      });
      await store.appendToStream(streamId, withMetadata, { expectedVersion });
    },
  };
}
