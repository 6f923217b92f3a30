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
import type { StoredEvent } from '../domain/events.ts';
import { retryDelayMs, type RetryPolicy } from '../domain/failure.ts';
import type { CheckpointRow, SubscriberDeadLetterRow } from './bus-storage.ts';
import { Checkpoints } from './checkpoints.ts';
import { RecentEvents } from './recent-events.ts';
import { deadLetterStreams, retryParkedStream } from './dead-letter-retry.ts';
import {
  BUSY_WINDOW_MS, DEFAULT_BATCH_DELAY_MS, DEFAULT_BUSY_BATCH_DELAY_MS, DEFAULT_CHECKPOINT_DELAY_MS, DEFAULT_POLICY, PAGE,
  handlerContext, type BusDeps, type HandlerContext, type Subscriber,
} from './subscriber.ts';

export type { BusDeps, HandlerContext, Subscriber };

/** Why a pass stopped: the page is done, or a failing event waits for its retry. */
type Outcome = 'go-on' | 'wait';

export class EventBus {
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** The due time each subscriber's wake-up is set for, so one retry sets one timer and one alarm. */
  private readonly wakes = new Map<string, number>();
  private readonly policy: RetryPolicy;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly checkpoints: Checkpoints;
  /** Per subscriber: streams with an open dead letter → the id their later events are parked behind. */
  private readonly parked = new Map<string, Map<string, number>>();
  /** An append's catch-up waiting for the batch delay. */
  private delayed = false;
  /** When the last pass of any subscriber ended (for the busy delay). */
  private lastPassAt = -Infinity;
  private readonly recent = new RecentEvents();

  constructor(private readonly deps: BusDeps) {
    this.policy = deps.policy ?? DEFAULT_POLICY;
    this.setTimer = deps.setTimeout;
    this.checkpoints = new Checkpoints(deps.storage, deps.now, deps.setTimeout, deps.checkpointDelayMs ?? DEFAULT_CHECKPOINT_DELAY_MS);
    deps.store.onAppended((events) => {
      this.recent.keep(events);
      this.pokeSoon();
    });
  }

  /** Events after `after`, at most `limit`: from the recent ones when they hold `after + 1` on, else the store. */
  private async readPage(after: number, limit: number): Promise<StoredEvent[]> {
    return this.recent.page(after, limit) ?? this.deps.store.readAll(after, limit);
  }

  /** Whether a subscriber of this id is registered. */
  has(subscriberId: string): boolean {
    return this.subscribers.has(subscriberId);
  }

  subscribe(subscriber: Subscriber): void {
    this.subscribers.set(subscriber.id, subscriber);
    this.poke(subscriber.id);
  }

  /** After an append: every subscriber catches up once the batch delay is over (one timer for many appends). */
  private pokeSoon(): void {
    if (this.delayed) return;
    this.delayed = true;
    const busy = this.deps.busy?.() === true || this.deps.now() - this.lastPassAt < BUSY_WINDOW_MS;
    const delay = busy ? (this.deps.busyBatchDelayMs ?? DEFAULT_BUSY_BATCH_DELAY_MS) : (this.deps.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS);
    this.setTimer(() => this.flushDelayed(), delay);
  }

  private flushDelayed(): void {
    if (!this.delayed) return;
    this.delayed = false;
    this.poke();
  }

  /** Set while `whileQuiet` runs: no pass starts, pokes wait for its end. */
  private quiet: Promise<unknown> | null = null;
  private pokedWhileQuiet = false;

  /**
   * Runs `work` while no subscriber is in a pass (those running are waited for; none starts until it is done),
   * then forgets the events kept in memory and lets every subscriber catch up from the store. For work that
   * deletes events (forgetting downloads): no handler sees them after it, from memory or from a page read before.
   */
  async whileQuiet<T>(work: () => Promise<T>): Promise<T> {
    while (this.quiet) await this.quiet.catch(() => undefined);
    const run = (async () => {
      while (this.running.size > 0) await Promise.all(this.running.values());
      try {
        return await work();
      } finally {
        this.recent.forget();
      }
    })();
    this.quiet = run;
    try {
      return await run;
    } finally {
      this.quiet = null;
      if (this.pokedWhileQuiet) {
        this.pokedWhileQuiet = false;
        this.poke();
      }
    }
  }

  /** Asks every (or one) subscriber to catch up; calls made while it runs fold into one more pass. */
  poke(id?: string): void {
    if (this.quiet) {
      this.pokedWhileQuiet = true;
      return;
    }
    for (const subscriberId of id ? [id] : this.subscribers.keys()) {
      if (this.running.has(subscriberId)) {
        this.again.add(subscriberId);
        continue;
      }
      const run = this.catchUp(subscriberId)
        .catch((error: unknown) => {
          // Whatever failed, the next pass starts from what is stored.
          this.checkpoints.forget(subscriberId);
          this.parked.delete(subscriberId);
          console.error(`Semantest bus: ${subscriberId} stopped`, error);
        })
        .finally(() => {
          this.lastPassAt = this.deps.now();
          this.running.delete(subscriberId);
          if (this.again.delete(subscriberId)) this.poke(subscriberId);
        });
      this.running.set(subscriberId, run);
    }
  }

  /** Resolves when no subscriber has work in flight or waiting (tests, the benchmark, and a rebuild wait on it). */
  async idle(): Promise<void> {
    this.flushDelayed();
    while (this.running.size > 0) {
      await Promise.all(this.running.values());
      this.flushDelayed();
    }
    await this.checkpoints.written();
  }

  async checkpoint(subscriberId: string): Promise<CheckpointRow | undefined> {
    return this.deps.storage.checkpoint(subscriberId);
  }

  private async loadParked(subscriberId: string): Promise<Map<string, number>> {
    const known = this.parked.get(subscriberId);
    if (known) return known;
    const rows = await this.deps.storage.deadLetters(subscriberId);
    const map = new Map<string, number>();
    for (const row of rows) {
      if (!map.has(row.streamId)) map.set(row.streamId, row.parkedBehind ?? (row.id as number));
    }
    this.parked.set(subscriberId, map);
    return map;
  }

  /**
   * One pass: every event after the checkpoint, page by page. Handlers run in position order (a batch handler
   * on the runs of wanted events between parked ones); the checkpoint is written once a page is handled (and
   * with each parking, in its transaction), always at the last position whose events, and all before them, were
   * handled, passed over or parked.
   */
  private async catchUp(subscriberId: string): Promise<void> {
    const subscriber = this.subscribers.get(subscriberId);
    if (!subscriber) return;
    for (;;) {
      const checkpoint = await this.checkpoints.load(subscriberId);
      if (checkpoint.retry && checkpoint.retry.dueAt > this.deps.now()) {
        this.scheduleWake(subscriberId, checkpoint.retry.dueAt);
        return;
      }
      const page = await this.readPage(checkpoint.position, PAGE);
      if (page.length === 0) return;
      const outcome = await this.deliverPage(subscriber, page, checkpoint.position);
      if (outcome === 'wait') return;
      // While the saga works, what was appended during this page waits for the next pass (each append set one,
      // after the busy delay): one pass per delay instead of one page after another, each with its own writes.
      if (page.length < PAGE && this.deps.busy?.() === true) return;
    }
  }

  private async deliverPage(subscriber: Subscriber, page: readonly StoredEvent[], from: number): Promise<Outcome> {
    /** Everything up to here was handled, passed over or parked. */
    let done = from;
    /** Wanted events not handled yet (a batch subscriber's run). */
    let run: StoredEvent[] = [];
    /** The last event seen: `done` once the run is handled. */
    let seen = from;
    const flush = async (): Promise<Outcome> => {
      if (run.length > 0) {
        const events = run;
        run = [];
        const result = await this.handleRun(subscriber, events, done);
        if (result.outcome === 'wait') return 'wait';
      }
      done = seen;
      return 'go-on';
    };
    const wanted = (event: StoredEvent): boolean => !subscriber.types || subscriber.types.includes(event.type);
    const parked = page.some(wanted) ? await this.loadParked(subscriber.id) : undefined;
    for (const event of page) {
      if (!wanted(event)) {
        seen = event.position;
        if (run.length === 0) done = seen;
        continue;
      }
      const behind = parked?.get(event.streamId);
      if (behind !== undefined) {
        if ((await flush()) === 'wait') return 'wait';
        await this.park(subscriber.id, event, 'Waiting behind an earlier event of this stream.', 0, behind);
        seen = done = event.position;
        continue;
      }
      run.push(event);
      seen = event.position;
      if (!subscriber.handleBatch) {
        if ((await flush()) === 'wait') return 'wait';
      }
    }
    if ((await flush()) === 'wait') return 'wait';
    if (done > (this.checkpoints.known(subscriber.id)?.position ?? 0)) this.checkpoints.moveLater(subscriber.id, done);
    return 'go-on';
  }

  /**
   * Handles a run of wanted events (after `done`, everything before them handled): in one batch when the
   * subscriber can, else (or when the batch failed) one by one, each failure retried or dead-lettered.
   */
  private async handleRun(subscriber: Subscriber, events: readonly StoredEvent[], done: number): Promise<{ outcome: Outcome }> {
    if (subscriber.handleBatch && events.length > 1) {
      const started = this.deps.now();
      try {
        await subscriber.handleBatch(events, false, (event) => this.context(event, false));
        const latency = (this.deps.now() - started) / events.length;
        for (let i = 0; i < events.length; i++) this.deps.observe?.('handled', latency);
        return { outcome: 'go-on' };
      } catch {
        // Found below, one by one.
      }
    }
    let handled = done;
    for (const event of events) {
      const started = this.deps.now();
      try {
        if (subscriber.handleBatch) await subscriber.handleBatch([event], false, (one) => this.context(one, false));
        else await subscriber.handle(event, this.context(event, false));
        this.deps.observe?.('handled', this.deps.now() - started);
      } catch (error) {
        const carryOn = await this.failed(subscriber.id, event, error, handled);
        if (!carryOn) return { outcome: 'wait' };
      }
      handled = event.position;
    }
    return { outcome: 'go-on' };
  }

  /**
   * A handler failed on `event`; everything up to `handled` was handled. Schedules a retry (the checkpoint stays
   * at `handled`), or after the last attempt dead-letters the event and parks its stream's later events.
   */
  private async failed(subscriberId: string, event: StoredEvent, error: unknown, handled: number): Promise<boolean> {
    const message = error instanceof Error ? error.message : String(error);
    const checkpoint = await this.checkpoints.load(subscriberId);
    const attempts = (checkpoint.retry?.position === event.position ? checkpoint.retry.attempts : 0) + 1;
    if (attempts <= this.policy.maxRetries) {
      const dueAt = this.deps.now() + retryDelayMs(attempts, this.policy, this.deps.random());
      await this.checkpoints.write({ subscriberId, position: Math.max(checkpoint.position, handled), updatedAt: this.deps.now(), retry: { position: event.position, attempts, dueAt, error: message } });
      this.deps.observe?.('retried', 0);
      this.scheduleWake(subscriberId, dueAt);
      return false;
    }
    const id = await this.park(subscriberId, event, message, attempts, undefined);
    this.parked.get(subscriberId)?.set(event.streamId, id);
    this.deps.observe?.('dead-lettered', 0);
    return true;
  }

  private async advance(subscriberId: string, position: number): Promise<void> {
    await this.checkpoints.write({ subscriberId, position, updatedAt: this.deps.now(), retry: undefined });
  }

  /** Stores `event` as a dead letter and moves the checkpoint onto it, in one transaction; returns its id. */
  private park(subscriberId: string, event: StoredEvent, error: string, attempts: number, parkedBehind: number | undefined): Promise<number> {
    return this.checkpoints.park({ subscriberId, streamId: event.streamId, position: event.position, eventId: event.eventId, type: event.type, error, attempts, parkedBehind, createdAt: this.deps.now() });
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
    return handlerContext(this.deps.store, event, replaying);
  }

  /** Dead letters of a subscriber (the failed ones and those parked behind them), in position order. */
  async deadLetters(subscriberId?: string): Promise<SubscriberDeadLetterRow[]> {
    return this.deps.storage.deadLetters(subscriberId);
  }

  /**
   * Hands a stream's dead letters to the subscriber again, in order. Stops at the first that fails again (it and
   * the rest stay parked, with one more attempt counted). Returns how many were handled.
   */
  async retryDeadLetters(subscriberId: string, streamId: string): Promise<number> {
    const subscriber = this.subscribers.get(subscriberId);
    if (!subscriber) throw new Error(`No subscriber ${subscriberId}`);
    return this.exclusive(subscriberId, () => retryParkedStream(subscriber, streamId, this.deps.storage, this.deps.store, (event) => this.context(event, false)));
  }

  /** Drops a stream's dead letters for a subscriber: those events are skipped for good. */
  async discardDeadLetters(subscriberId: string, streamId: string): Promise<number> {
    return this.exclusive(subscriberId, () => this.deps.storage.discardStream(subscriberId, streamId));
  }

  /**
   * Retries every stream's dead letters of every subscriber this bus knows (those of a subscriber no longer
   * registered stay). Returns how many events were handled.
   */
  async retryAllDeadLetters(): Promise<number> {
    let handled = 0;
    for (const { subscriberId, streamId } of deadLetterStreams(await this.deadLetters())) {
      if (this.subscribers.has(subscriberId)) handled += await this.retryDeadLetters(subscriberId, streamId);
    }
    return handled;
  }

  /** Drops every dead letter of every subscriber; returns how many. */
  async discardAllDeadLetters(): Promise<number> {
    let dropped = 0;
    for (const { subscriberId, streamId } of deadLetterStreams(await this.deadLetters())) dropped += await this.discardDeadLetters(subscriberId, streamId);
    return dropped;
  }

  /**
   * Runs `work` as the subscriber's run (after the pass in flight; passes asked for meanwhile wait for it), and
   * then forgets the dead letters this bus knew for it: the next pass reads them again.
   */
  private async exclusive<T>(subscriberId: string, work: () => Promise<T>): Promise<T> {
    while (this.running.has(subscriberId)) await this.running.get(subscriberId);
    const run = work().finally(() => {
      this.parked.delete(subscriberId);
      this.running.delete(subscriberId);
      if (this.again.delete(subscriberId)) this.poke(subscriberId);
    });
    this.running.set(subscriberId, run.then(() => undefined, () => undefined));
    return run;
  }

  /**
   * Rebuilds a subscriber's read model from position 0 with side effects off (`replaying: true`): the subscriber
   * resets its model, its checkpoint goes back to 0, and every event is handed to it again in order.
   */
  async replay(subscriberId: string, onProgress?: (position: number) => void): Promise<void> {
    const subscriber = this.subscribers.get(subscriberId);
    if (!subscriber) throw new Error(`No subscriber ${subscriberId}`);
    // Registered as this subscriber's run, so that appends during the rebuild wait for it instead of racing it.
    await this.exclusive(subscriberId, () => this.rebuild(subscriber, onProgress));
  }

  private async rebuild(subscriber: Subscriber, onProgress?: (position: number) => void): Promise<void> {
    await subscriber.reset?.();
    await this.advance(subscriber.id, 0);
    let after = 0;
    for (;;) {
      const page = await this.deps.store.readAll(after, PAGE);
      if (page.length === 0) break;
      const wanted = page.filter((event) => !subscriber.types || subscriber.types.includes(event.type));
      if (subscriber.handleBatch) {
        if (wanted.length > 0) await subscriber.handleBatch(wanted, true, (event) => this.context(event, true));
      } else {
        for (const event of wanted) await subscriber.handle(event, this.context(event, true));
      }
      after = (page[page.length - 1] as StoredEvent).position;
      await this.advance(subscriber.id, after);
      onProgress?.(after);
    }
  }
}
