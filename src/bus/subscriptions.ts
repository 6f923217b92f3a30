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

const PAGE = 500;
const DEFAULT_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 60_000, jitter: 0.2 };
const DEFAULT_BATCH_DELAY_MS = 25;
const DEFAULT_BUSY_BATCH_DELAY_MS = 1000;
/** A pass that ended this recently makes the next one wait the busy delay. */
const BUSY_WINDOW_MS = 1000;
const RECENT_MAX = 4000;
const DEFAULT_CHECKPOINT_DELAY_MS = 250;

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
  /**
   * Each subscriber's checkpoint row as this bus last read or wrote it. Only this bus writes its subscribers'
   * rows, so after the first read (per worker) no pass needs to read it again.
   */
  private readonly checkpoints = new Map<string, CheckpointRow>();
  /** Per subscriber: streams with an open dead letter → the id their later events are parked behind. */
  private readonly parked = new Map<string, Map<string, number>>();
  /** An append's catch-up waiting for the batch delay. */
  private delayed = false;
  /** When the last pass of any subscriber ended (for the busy delay). */
  private lastPassAt = -Infinity;
  /**
   * The events this context appended lately, in position order, as the store reported them after they
   * committed: a pass reads from here instead of IndexedDB while the positions it needs are here without a gap
   * (a gap is an event appended elsewhere or a position skipped, and then the store is read).
   */
  private recent: StoredEvent[] = [];
  /** Subscribers whose checkpoint moved in memory and is not written yet; the pending write. */
  private readonly dirty = new Set<string>();
  private flushing: Promise<void> | null = null;

  constructor(private readonly deps: BusDeps) {
    this.policy = deps.policy ?? DEFAULT_POLICY;
    this.setTimer = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    deps.store.onAppended((events) => {
      this.remember(events);
      this.pokeSoon();
    });
  }

  private remember(events: readonly StoredEvent[]): void {
    for (const event of events) {
      const last = this.recent[this.recent.length - 1];
      // Out of order (should not happen: commit order): start again rather than serve a wrong order.
      if (last && event.position <= last.position) this.recent = [];
      this.recent.push(event);
    }
    if (this.recent.length > RECENT_MAX) this.recent = this.recent.slice(-RECENT_MAX / 2);
  }

  /** Events after `after`, at most `limit`: from the recent ones when they hold `after + 1` on, else the store. */
  private async readPage(after: number, limit: number): Promise<StoredEvent[]> {
    // Caught up with what this context appended: nothing to read. (Events appended elsewhere since come after
    // the next local append, whose gap sends that pass to the store, as the first pass after a start is.)
    if (this.recent.length > 0 && (this.recent[this.recent.length - 1] as StoredEvent).position === after) return [];
    // Binary search for position after + 1.
    let low = 0;
    let high = this.recent.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const position = (this.recent[middle] as StoredEvent).position;
      if (position === after + 1) {
        const page: StoredEvent[] = [];
        for (let i = middle; i < this.recent.length && page.length < limit; i++) {
          const event = this.recent[i] as StoredEvent;
          if (event.position !== after + 1 + page.length) break;
          page.push(event);
        }
        return page;
      }
      if (position < after + 1) low = middle + 1;
      else high = middle - 1;
    }
    return this.deps.store.readAll(after, limit);
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
    const busy = this.deps.busy?.() === true || performance.now() - this.lastPassAt < BUSY_WINDOW_MS;
    const delay = busy ? (this.deps.busyBatchDelayMs ?? DEFAULT_BUSY_BATCH_DELAY_MS) : (this.deps.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS);
    // A real timer, not the injectable one: tests that drive retry timers by hand must not have to drive this.
    setTimeout(() => this.flushDelayed(), delay);
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
        this.recent = [];
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
          this.checkpoints.delete(subscriberId);
          this.parked.delete(subscriberId);
          console.error(`Semantest bus: ${subscriberId} stopped`, error);
        })
        .finally(() => {
          this.lastPassAt = performance.now();
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
    while (this.flushing) await this.flushing;
  }

  async checkpoint(subscriberId: string): Promise<CheckpointRow | undefined> {
    return this.deps.db.checkpoints.get(subscriberId);
  }

  private async loadCheckpoint(subscriberId: string): Promise<CheckpointRow> {
    const known = this.checkpoints.get(subscriberId);
    if (known) return known;
    const row = (await this.deps.db.checkpoints.get(subscriberId)) ?? { subscriberId, position: 0, updatedAt: 0 };
    this.checkpoints.set(subscriberId, row);
    return row;
  }

  private async loadParked(subscriberId: string): Promise<Map<string, number>> {
    const known = this.parked.get(subscriberId);
    if (known) return known;
    const rows = await this.deps.db.subscriberDeadLetters.where('subscriberId').equals(subscriberId).toArray();
    const map = new Map<string, number>();
    for (const row of rows.sort((a, b) => a.position - b.position)) {
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
      const checkpoint = await this.loadCheckpoint(subscriberId);
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
    if (done > (this.checkpoints.get(subscriber.id)?.position ?? 0)) this.advanceLater(subscriber.id, done);
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
    const checkpoint = await this.loadCheckpoint(subscriberId);
    const attempts = (checkpoint.retry?.position === event.position ? checkpoint.retry.attempts : 0) + 1;
    if (attempts <= this.policy.maxRetries) {
      const dueAt = this.deps.now() + retryDelayMs(attempts, this.policy, this.deps.random());
      await this.write({ subscriberId, position: Math.max(checkpoint.position, handled), updatedAt: this.deps.now(), retry: { position: event.position, attempts, dueAt, error: message } });
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
    await this.write({ subscriberId, position, updatedAt: this.deps.now(), retry: undefined });
  }

  /**
   * Moves the checkpoint in memory now (the next pass reads on from it) and in IndexedDB within
   * CHECKPOINT_FLUSH_MS, for every subscriber moved meanwhile in one transaction. The stored position is the one
   * in memory at that time, which only moves once events were handled, so it never runs ahead of them; a worker
   * stopped before the write hands those events again (at least once; handlers are idempotent).
   */
  private advanceLater(subscriberId: string, position: number): void {
    this.checkpoints.set(subscriberId, { subscriberId, position, updatedAt: this.deps.now(), retry: undefined });
    this.dirty.add(subscriberId);
    if (!this.flushing) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushing = new Promise<void>((resolve) => {
      setTimeout(() => {
        this.flushCheckpoints()
          .catch((error: unknown) => console.error('Semantest bus: checkpoints not written', error))
          .finally(() => {
            this.flushing = null;
            // Moved while this write was in flight: written by the next one (idle() waits for it too).
            if (this.dirty.size > 0) this.scheduleFlush();
            resolve();
          });
      }, this.deps.checkpointDelayMs ?? DEFAULT_CHECKPOINT_DELAY_MS);
    });
  }

  private async flushCheckpoints(): Promise<void> {
    const rows = [...this.dirty].map((id) => this.checkpoints.get(id)).filter((row): row is CheckpointRow => row !== undefined);
    this.dirty.clear();
    if (rows.length === 0) return;
    const { db } = this.deps;
    // A parking or a retry may have written a row since (immediately, in its own transaction): never move a
    // stored checkpoint back, nor overwrite one at the same position.
    await db.transaction('rw', db.checkpoints, async () => {
      const stored = await db.checkpoints.bulkGet(rows.map((row) => row.subscriberId));
      const newer = rows.filter((row, i) => (stored[i]?.position ?? -1) < row.position);
      if (newer.length > 0) await db.checkpoints.bulkPut(newer);
    });
  }

  /** Stores a checkpoint row (on its own), then remembers it. */
  private async write(row: CheckpointRow): Promise<void> {
    this.dirty.delete(row.subscriberId);
    await this.deps.db.checkpoints.put(row);
    this.checkpoints.set(row.subscriberId, row);
  }

  /** Stores `event` as a dead letter and moves the checkpoint onto it, in one transaction; returns its id. */
  private async park(subscriberId: string, event: StoredEvent, error: string, attempts: number, parkedBehind: number | undefined): Promise<number> {
    const { db } = this.deps;
    const checkpoint: CheckpointRow = { subscriberId, position: event.position, updatedAt: this.deps.now(), retry: undefined };
    let id = 0;
    await db.transaction('rw', db.subscriberDeadLetters, db.checkpoints, async () => {
      id = (await db.subscriberDeadLetters.add(this.deadLetter(subscriberId, event, error, attempts, parkedBehind))) as number;
      await db.checkpoints.put(checkpoint);
    });
    // Only once the transaction committed.
    this.dirty.delete(subscriberId);
    this.checkpoints.set(subscriberId, checkpoint);
    return id;
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
    return this.exclusive(subscriberId, () => this.retryStream(subscriber, streamId));
  }

  private async retryStream(subscriber: Subscriber, streamId: string): Promise<number> {
    const subscriberId = subscriber.id;
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
    return this.exclusive(subscriberId, () => this.deps.db.subscriberDeadLetters.where('[subscriberId+streamId]').equals([subscriberId, streamId]).delete());
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
