/**
 * The saga's core: each download's triggers are decided in arrival order, as soon as they come, on the state its
 * decided events lead to; the events are appended in that order (what was decided while an append was in flight
 * goes into the next one: steps that happen together are one transaction); each decision's effects are handed to
 * the runners only once its events are stored (intent before action). Effects that need no record first (a slot
 * handed back, progress shown, a read) go at once: no IndexedDB transaction is on a transfer slot's cycle.
 */
import { decide, type Decision, type Effect, type Trigger, type WorkflowContext } from '../../domain/download-workflow.ts';
import type { EffectType, Reply } from '../../domain/download-triggers.ts';
import { evolve, type DownloadState } from '../../domain/download.ts';
import { CURRENT_SCHEMA_VERSION, type StoredEvent } from '../../domain/events.ts';
import { ConcurrencyError, type EventStore, type NewEvent } from '../../store/event-store.ts';
import type { DownloadQueries } from '../../store/download-queries.ts';
import { holdAt } from './test-hooks.ts';
import type { UnsettledCache } from './unsettled-cache.ts';

/** How a runner reports a fact about a download. */
export type Report = (streamId: string, trigger: Trigger) => void;

/** Carries one effect out (the composition root routes each type to its runner); `state` is the one decided on. */
export type EffectHandler = (effect: Effect, streamId: string, state: DownloadState | undefined) => void;

export interface CoreDeps {
  store: EventStore;
  queries: DownloadQueries;
  cache: UnsettledCache;
  context: () => WorkflowContext;
  newId: () => string;
  effects: EffectHandler;
}

/** Effects that need nothing stored first: they change no browser state a restart could not rebuild. */
const EAGER: ReadonlySet<EffectType> = new Set<EffectType>(['release-slot', 'report-progress', 'look-up-duplicate']);

interface Decided {
  trigger: Trigger;
  decision: Decision;
  events: NewEvent[];
  resolve: (reply: Reply | undefined) => void;
  reject: (error: unknown) => void;
}

/** One download's lane: what is stored, what is decided beyond it, what waits for its append. */
interface Lane {
  /** The state as stored (undefined: no stream yet). */
  stored: DownloadState | undefined;
  /** The state the decided events lead to. */
  decided: DownloadState | undefined;
  /** Decisions whose events (or whose place in line) wait for an append. */
  waiting: Decided[];
  appending: boolean;
  /** Triggers are decided one after the other (the first waits for the state to be read). */
  deciding: Promise<void>;
  /** Triggers handed in and not decided yet. */
  pending: number;
}

export class SagaCore {
  private readonly lanes = new Map<string, Lane>();
  private openGate: () => void = () => undefined;
  private gateOpen = false;
  /** Facts and commands wait for the worker's recovery (requests do not: a click is served at once). */
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));

  constructor(private readonly deps: CoreDeps) {}

  /** Called once recovery has decided on every download it found (or failed). */
  recovered(): void {
    this.gateOpen = true;
    this.openGate();
  }

  /** Decides `trigger` for the download; resolves, once its events are stored, with the answer to it. */
  async handle(streamId: string, trigger: Trigger): Promise<Reply | undefined> {
    if (!this.gateOpen && trigger.type !== 'request' && trigger.type !== 'recovered') await this.gate;
    const lane = this.laneOf(streamId);
    lane.pending += 1;
    return new Promise((resolve, reject) => {
      lane.deciding = lane.deciding.then(async () => {
        try {
          const held = holdAt(`trigger:${trigger.type}`, streamId);
          if (held) await held;
          this.decideNow(streamId, lane, trigger, resolve, reject);
        } catch (error) {
          reject(error);
        } finally {
          lane.pending -= 1;
          this.dropIfIdle(streamId, lane);
        }
      });
    });
  }

  /** A lane with nothing to decide or store is let go (the cache keeps the state). */
  private dropIfIdle(streamId: string, lane: Lane): void {
    if (lane.pending === 0 && lane.waiting.length === 0 && !lane.appending && this.lanes.get(streamId) === lane) this.lanes.delete(streamId);
  }

  /** True while any download has a trigger being decided or waiting for its append. */
  working(): boolean {
    return this.lanes.size > 0;
  }

  private laneOf(streamId: string): Lane {
    let lane = this.lanes.get(streamId);
    if (!lane) {
      const created: Lane = { stored: undefined, decided: undefined, waiting: [], appending: false, deciding: Promise.resolve(), pending: 0 };
      created.deciding = this.deps.cache.get(streamId).then(
        (state) => {
          created.stored = state;
          created.decided = state;
        },
        (error: unknown) => console.error('Semantest: a download could not be read', streamId, error),
      );
      this.lanes.set(streamId, created);
      lane = created;
    }
    return lane;
  }

  private decideNow(streamId: string, lane: Lane, trigger: Trigger, resolve: Decided['resolve'], reject: Decided['reject']): void {
    const context = this.deps.context();
    const decision = decide(trigger, lane.decided, context);
    const events = this.withMetadata(lane.decided, decision);
    lane.decided = provisional(lane.decided, events, context.now, streamId);
    for (const effect of decision.effects) if (EAGER.has(effect.type)) this.run(effect, streamId, lane.decided);
    lane.waiting.push({ trigger, decision, events, resolve, reject });
    void this.flush(streamId, lane);
  }

  /** Each event's id, correlation (the decision's own for a user action) and causation (the event before it). */
  private withMetadata(state: DownloadState | undefined, decision: Decision): NewEvent[] {
    let causationId = state?.lastEventId ?? '';
    const cause = decision.cause;
    const tabId = cause?.tabId ?? state?.tabId ?? null;
    return decision.events.map((event, index) => {
      const eventId = this.deps.newId();
      const full = {
        ...event,
        eventId,
        metadata: {
          correlationId: cause?.correlationId ?? state?.correlationId ?? '',
          causationId: index === 0 && cause ? cause.causationId : causationId,
          ...(tabId !== null ? { tabId } : {}),
          ...(cause?.batchSize !== undefined ? { batchSize: cause.batchSize } : {}),
        },
      } as NewEvent;
      causationId = eventId;
      return full;
    });
  }

  /** Appends what waits, in order, then hands each decision's effects to the runners. */
  private async flush(streamId: string, lane: Lane): Promise<void> {
    if (lane.appending) return;
    lane.appending = true;
    try {
      while (lane.waiting.length > 0) {
        const batch = lane.waiting.splice(0);
        let stored: DownloadState | undefined;
        try {
          stored = await this.append(streamId, lane, batch);
        } catch (error) {
          // Nothing of it was stored: what was decided after it stood on it, and goes too.
          for (const item of [...batch, ...lane.waiting.splice(0)]) item.reject(error);
          lane.decided = lane.stored;
          console.error('Semantest: a download step could not be recorded', streamId, error);
          continue;
        }
        for (const { decision, resolve } of batch) {
          resolve(decision.reply);
          for (const effect of decision.effects) {
            if (EAGER.has(effect.type)) continue;
            const held = holdAt(`effect:${effect.type}`, streamId);
            if (held) await held;
            this.run(effect, streamId, stored);
          }
        }
      }
    } finally {
      lane.appending = false;
      this.dropIfIdle(streamId, lane);
    }
  }

  private async append(streamId: string, lane: Lane, batch: Decided[]): Promise<DownloadState | undefined> {
    const events = batch.flatMap((item) => item.events);
    for (const item of batch) if (item.decision.deadLetterDiscarded) await this.recordDiscard(streamId, item.decision);
    if (events.length === 0) return lane.stored;
    try {
      const result = await this.deps.store.appendToStream(streamId, events, { expectedVersion: lane.stored?.version ?? 'no-stream', aggregateType: 'Download' });
      lane.stored = result.duplicate ? await this.deps.queries.get(streamId) : foldStored(lane.stored, result.events);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      // Another context wrote first: what waited is decided again on what is stored now (once).
      lane.stored = await this.deps.queries.get(streamId);
      lane.decided = lane.stored;
      const context = this.deps.context();
      for (const item of batch) {
        item.decision = decide(item.trigger, lane.decided, context);
        item.events = this.withMetadata(lane.decided, item.decision);
        lane.decided = provisional(lane.decided, item.events, context.now, streamId);
      }
      const again = batch.flatMap((item) => item.events);
      if (again.length > 0) {
        const result = await this.deps.store.appendToStream(streamId, again, { expectedVersion: lane.stored?.version ?? 'no-stream', aggregateType: 'Download' });
        lane.stored = foldStored(lane.stored, result.events);
      }
    }
    if (lane.stored) this.deps.cache.set(lane.stored);
    return lane.stored;
  }

  private run(effect: Effect, streamId: string, state: DownloadState | undefined): void {
    try {
      this.deps.effects(effect, streamId, state);
    } catch (error) {
      console.error('Semantest: an effect could not be carried out', effect.type, streamId, error);
    }
  }

  /** The dead-letter queue's own stream records a discard; the download's stream stays as it is. */
  private async recordDiscard(streamId: string, decision: Decision): Promise<void> {
    await this.deps.store.appendToStream(
      'dead-letter-queue',
      [{ type: 'DeadLetterDiscarded', data: { downloadId: streamId }, metadata: { correlationId: decision.cause?.correlationId ?? this.deps.newId(), causationId: decision.cause?.causationId ?? '' } }],
      { expectedVersion: 'any', aggregateType: 'DeadLetterQueue' },
    );
    const row = await this.deps.queries.get(streamId);
    if (row) this.deps.cache.set(row);
  }
}

/** The state after events decided but not stored yet, with their own ids and metadata (positions come later). */
function provisional(state: DownloadState | undefined, events: readonly NewEvent[], now: number, streamId: string): DownloadState | undefined {
  let next = state;
  let version = state?.version ?? 0;
  for (const event of events) {
    version += 1;
    const stored = {
      ...event,
      position: 0,
      eventId: event.eventId ?? '',
      streamId,
      version,
      schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
      correlationId: event.metadata.correlationId,
      causationId: event.metadata.causationId,
      createdAt: now,
    } as StoredEvent;
    next = evolve(next, stored) ?? next;
  }
  return next;
}

function foldStored(state: DownloadState | undefined, events: readonly StoredEvent[]): DownloadState | undefined {
  let next = state;
  for (const event of events) next = evolve(next, event);
  return next;
}
