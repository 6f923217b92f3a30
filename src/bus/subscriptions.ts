/**
 * The bus: durable, catch-up subscriptions over the event log. Each subscriber has a checkpoint (a global
 * position) in IndexedDB and handles events in position order, at least once; handlers are idempotent, which
 * makes it effectively once. The checkpoint moves only after an event was handled (or parked), in the same
 * transaction as the parking, so it never runs ahead of what was handled, however the worker is stopped.
 *
 * A failing handler is retried with exponential backoff and jitter; the due time is stored in the checkpoint row
 * and an alarm is set, so a stopped worker picks the retry up. After the last attempt the event goes to the
 * subscriber's dead letters, and, like Axon's sequenced dead-letter queue, every later event of the same stream
 * for that subscriber is parked behind it, so one stream's order is never broken. Dead letters can be retried
 * (one stream, or all) and discarded.
 */
import type { EventType, StoredEvent } from '../domain/events.ts';
import { retryDelayMs, type RetryPolicy } from '../domain/failure.ts';
import type { EventStore, NewEvent } from '../store/event-store.ts';
import type { CheckpointRow, SemantestDb, SubscriberDeadLetterRow } from '../store/database.ts';

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
  /** Clears the subscriber's read model before a rebuild. */
  reset?(): Promise<void>;
}

export interface BusDeps {
  db: SemantestDb;
  store: EventStore;
  now: () => number;
  random: () => number;
  /** Wakes the worker at `when` (chrome.alarms); the timer below covers the case the worker stays up. */
  wakeAt: (when: number) => Promise<void>;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  policy?: RetryPolicy;
  /** Called with each handled event's latency, and counts of retries and dead letters (monitoring). */
  observe?: (what: 'handled' | 'retried' | 'dead-lettered', latencyMs: number) => void;
}

const PAGE = 500;
const DEFAULT_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 60_000, jitter: 0.2 };

export class EventBus {
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** The due time each subscriber's wake-up is set for, so one retry sets one timer and one alarm. */
  private readonly wakes = new Map<string, number>();
  private readonly policy: RetryPolicy;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;

  constructor(private readonly deps: BusDeps) {
    this.policy = deps.policy ?? DEFAULT_POLICY;
    this.setTimer = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    deps.store.onAppended(() => this.poke());
  }

  subscribe(subscriber: Subscriber): void {
    this.subscribers.set(subscriber.id, subscriber);
    this.poke(subscriber.id);
  }

  /** Asks every (or one) subscriber to catch up; calls made while it runs fold into one more pass. */
  poke(id?: string): void {
    for (const subscriberId of id ? [id] : this.subscribers.keys()) {
      if (this.running.has(subscriberId)) {
        this.again.add(subscriberId);
        continue;
      }
      const run = this.catchUp(subscriberId)
        .catch((error: unknown) => console.error(`Semantest bus: ${subscriberId} stopped`, error))
        .finally(() => {
          this.running.delete(subscriberId);
          if (this.again.delete(subscriberId)) this.poke(subscriberId);
        });
      this.running.set(subscriberId, run);
    }
  }

  /** Resolves when no subscriber has work in flight (tests, the benchmark, and a rebuild wait on it). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  async checkpoint(subscriberId: string): Promise<CheckpointRow | undefined> {
    return this.deps.db.checkpoints.get(subscriberId);
  }

  private async catchUp(subscriberId: string): Promise<void> {
    const subscriber = this.subscribers.get(subscriberId);
    if (!subscriber) return;
    const { db } = this.deps;
    for (;;) {
      const checkpoint = (await db.checkpoints.get(subscriberId)) ?? { subscriberId, position: 0, updatedAt: 0 };
      if (checkpoint.retry && checkpoint.retry.dueAt > this.deps.now()) {
        this.scheduleWake(subscriberId, checkpoint.retry.dueAt);
        return;
      }
      const page = await this.deps.store.readAll(checkpoint.position, PAGE);
      if (page.length === 0) return;
      for (const event of page) {
        const carryOn = await this.deliver(subscriber, event, false);
        if (!carryOn) return;
      }
    }
  }

  /** Handles one event for one subscriber and moves its checkpoint; false when it must wait for a retry. */
  private async deliver(subscriber: Subscriber, event: StoredEvent, replaying: boolean): Promise<boolean> {
    const { db } = this.deps;
    const wanted = !subscriber.types || subscriber.types.includes(event.type);
    const parkedBehind = wanted ? await this.openDeadLetter(subscriber.id, event.streamId) : undefined;
    if (wanted && parkedBehind !== undefined) {
      await db.transaction('rw', db.subscriberDeadLetters, db.checkpoints, async () => {
        await db.subscriberDeadLetters.add(this.deadLetter(subscriber.id, event, 'Waiting behind an earlier event of this stream.', 0, parkedBehind));
        await this.advance(subscriber.id, event.position);
      });
      return true;
    }
    if (wanted) {
      const started = this.deps.now();
      try {
        await subscriber.handle(event, this.context(event, replaying));
        this.deps.observe?.('handled', this.deps.now() - started);
      } catch (error) {
        return this.failed(subscriber.id, event, error);
      }
    }
    await this.advance(subscriber.id, event.position);
    return true;
  }

  private async failed(subscriberId: string, event: StoredEvent, error: unknown): Promise<boolean> {
    const { db } = this.deps;
    const message = error instanceof Error ? error.message : String(error);
    const checkpoint = await db.checkpoints.get(subscriberId);
    const attempts = (checkpoint?.retry?.position === event.position ? checkpoint.retry.attempts : 0) + 1;
    if (attempts <= this.policy.maxRetries) {
      const dueAt = this.deps.now() + retryDelayMs(attempts, this.policy, this.deps.random());
      await db.checkpoints.put({
        subscriberId,
        position: checkpoint?.position ?? event.position - 1,
        updatedAt: this.deps.now(),
        retry: { position: event.position, attempts, dueAt, error: message },
      });
      this.deps.observe?.('retried', 0);
      this.scheduleWake(subscriberId, dueAt);
      return false;
    }
    await db.transaction('rw', db.subscriberDeadLetters, db.checkpoints, async () => {
      await db.subscriberDeadLetters.add(this.deadLetter(subscriberId, event, message, attempts, undefined));
      await this.advance(subscriberId, event.position);
    });
    this.deps.observe?.('dead-lettered', 0);
    return true;
  }

  private async advance(subscriberId: string, position: number): Promise<void> {
    await this.deps.db.checkpoints.put({ subscriberId, position, updatedAt: this.deps.now(), retry: undefined });
  }

  private async openDeadLetter(subscriberId: string, streamId: string): Promise<number | undefined> {
    const first = await this.deps.db.subscriberDeadLetters.where('[subscriberId+streamId]').equals([subscriberId, streamId]).first();
    return first ? (first.parkedBehind ?? first.id) : undefined;
  }

  private deadLetter(subscriberId: string, event: StoredEvent, error: string, attempts: number, parkedBehind: number | undefined): SubscriberDeadLetterRow {
    return { subscriberId, streamId: event.streamId, position: event.position, eventId: event.eventId, type: event.type, error, attempts, parkedBehind, createdAt: this.deps.now() };
  }

  private scheduleWake(subscriberId: string, dueAt: number): void {
    if (this.wakes.get(subscriberId) === dueAt) return;
    this.wakes.set(subscriberId, dueAt);
    // Timers may fire a millisecond early: the entry is cleared when it fires, so a pass that finds the retry
    // not quite due sets a new one instead of waiting forever.
    this.setTimer(() => {
      if (this.wakes.get(subscriberId) === dueAt) this.wakes.delete(subscriberId);
      this.poke(subscriberId);
    }, Math.max(0, dueAt - this.deps.now()) + 1);
    void this.deps.wakeAt(dueAt).catch(() => undefined);
  }

  private context(event: StoredEvent, replaying: boolean): HandlerContext {
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
        await this.deps.store.appendToStream(streamId, withMetadata, { expectedVersion });
      },
    };
  }

  /** Dead letters of a subscriber (the failed ones and those parked behind them), in position order. */
  async deadLetters(subscriberId?: string): Promise<SubscriberDeadLetterRow[]> {
    const rows = subscriberId
      ? await this.deps.db.subscriberDeadLetters.where('subscriberId').equals(subscriberId).toArray()
      : await this.deps.db.subscriberDeadLetters.toArray();
    return rows.sort((a, b) => a.position - b.position);
  }

  /**
   * Hands a stream's dead letters to the subscriber again, in order. Stops at the first that fails again (it and
   * the rest stay parked, with one more attempt counted). Returns how many were handled.
   */
  async retryDeadLetters(subscriberId: string, streamId: string): Promise<number> {
    const subscriber = this.subscribers.get(subscriberId);
    if (!subscriber) throw new Error(`No subscriber ${subscriberId}`);
    const { db } = this.deps;
    const rows = (await db.subscriberDeadLetters.where('[subscriberId+streamId]').equals([subscriberId, streamId]).toArray()).sort((a, b) => a.position - b.position);
    let handled = 0;
    for (const row of rows) {
      const [event] = await this.deps.store.readAll(row.position - 1, 1);
      if (!event || event.eventId !== row.eventId) {
        await db.subscriberDeadLetters.delete(row.id as number);
        continue;
      }
      try {
        await subscriber.handle(event, this.context(event, false));
      } catch (error) {
        const rest = rows.slice(handled);
        const [head, ...tail] = rest;
        if (head?.id !== undefined) {
          await db.transaction('rw', db.subscriberDeadLetters, async () => {
            await db.subscriberDeadLetters.update(head.id as number, { error: error instanceof Error ? error.message : String(error), attempts: head.attempts + 1, parkedBehind: undefined });
            for (const parked of tail) await db.subscriberDeadLetters.update(parked.id as number, { parkedBehind: head.id });
          });
        }
        return handled;
      }
      await db.subscriberDeadLetters.delete(row.id as number);
      handled += 1;
    }
    return handled;
  }

  /** Drops a stream's dead letters for a subscriber: those events are skipped for good. */
  async discardDeadLetters(subscriberId: string, streamId: string): Promise<number> {
    return this.deps.db.subscriberDeadLetters.where('[subscriberId+streamId]').equals([subscriberId, streamId]).delete();
  }

  /**
   * Rebuilds a subscriber's read model from position 0 with side effects off (`replaying: true`): the subscriber
   * resets its model, its checkpoint goes back to 0, and every event is handed to it again in order.
   */
  async replay(subscriberId: string, onProgress?: (position: number) => void): Promise<void> {
    const subscriber = this.subscribers.get(subscriberId);
    if (!subscriber) throw new Error(`No subscriber ${subscriberId}`);
    while (this.running.has(subscriberId)) await this.running.get(subscriberId);
    // Registered as this subscriber's run, so that appends during the rebuild wait for it instead of racing it.
    const run = this.rebuild(subscriber, onProgress).finally(() => {
      this.running.delete(subscriberId);
      if (this.again.delete(subscriberId)) this.poke(subscriberId);
    });
    this.running.set(subscriberId, run.catch(() => undefined));
    await run;
  }

  private async rebuild(subscriber: Subscriber, onProgress?: (position: number) => void): Promise<void> {
    await subscriber.reset?.();
    await this.advance(subscriber.id, 0);
    let after = 0;
    for (;;) {
      const page = await this.deps.store.readAll(after, PAGE);
      if (page.length === 0) break;
      for (const event of page) {
        if (!subscriber.types || subscriber.types.includes(event.type)) await subscriber.handle(event, this.context(event, true));
      }
      after = (page[page.length - 1] as StoredEvent).position;
      await this.advance(subscriber.id, after);
      onProgress?.(after);
    }
  }
}
