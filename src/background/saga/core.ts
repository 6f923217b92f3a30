/**
 * The saga's core: one trigger at a time per download, in arrival order. For each, the download's state (from the
 * cache of the store), `decide`, one append of what was decided (with correlation and causation carried on), and
 * only then the effects, handed to the runners. Triggers that queued up while a download's append was in flight
 * are decided together and appended together: steps that happen together are one transaction.
 */
import { apply, decide, type Decision, type Effect, type Trigger, type WorkflowContext } from '../../domain/download-workflow.ts';
import type { Reply } from '../../domain/download-triggers.ts';
import { evolve, type DownloadState } from '../../domain/download.ts';
import type { StoredEvent } from '../../domain/events.ts';
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

interface Queued {
  trigger: Trigger;
  resolve: (reply: Reply | undefined) => void;
  reject: (error: unknown) => void;
}

export class SagaCore {
  private readonly queues = new Map<string, Queued[]>();
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

  /** Decides `trigger` for the download and resolves with the answer to it (for a user's command). */
  async handle(streamId: string, trigger: Trigger): Promise<Reply | undefined> {
    if (!this.gateOpen && trigger.type !== 'request' && trigger.type !== 'recovered') await this.gate;
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(streamId);
      if (queue) {
        queue.push({ trigger, resolve, reject });
        return;
      }
      this.queues.set(streamId, [{ trigger, resolve, reject }]);
      void this.drain(streamId);
    });
  }

  /** True while any download has a trigger being decided or waiting. */
  working(): boolean {
    return this.queues.size > 0;
  }

  private async drain(streamId: string): Promise<void> {
    const queue = this.queues.get(streamId) ?? [];
    while (queue.length > 0) {
      const batch = queue.splice(0);
      try {
        await this.process(streamId, batch);
      } catch (error) {
        console.error('Semantest: a download step failed', streamId, error);
        for (const item of batch) item.reject(error);
      }
    }
    this.queues.delete(streamId);
  }

  private async process(streamId: string, batch: Queued[]): Promise<void> {
    for (const item of batch) {
      const held = holdAt(`trigger:${item.trigger.type}`, streamId);
      if (held) await held;
    }
    let outcome: Outcome;
    try {
      outcome = await this.decideAndAppend(streamId, await this.deps.cache.get(streamId), batch);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      // Another context wrote first: decided again on what is stored now.
      const stored = await this.deps.queries.get(streamId);
      if (stored) this.deps.cache.set(stored);
      outcome = await this.decideAndAppend(streamId, stored, batch);
    }
    batch.forEach((item, index) => item.resolve(outcome.replies[index]));
    for (const effect of outcome.effects) {
      const held = holdAt(`effect:${effect.type}`, streamId);
      if (held) await held;
      try {
        this.deps.effects(effect, streamId, outcome.state);
      } catch (error) {
        console.error('Semantest: an effect could not be carried out', effect.type, streamId, error);
      }
    }
  }

  private async decideAndAppend(streamId: string, before: DownloadState | undefined, batch: Queued[]): Promise<Outcome> {
    const context = this.deps.context();
    const events: NewEvent[] = [];
    const effects: Effect[] = [];
    const replies: (Reply | undefined)[] = [];
    const discards: Decision[] = [];
    let state = before;
    let causationId = before?.lastEventId ?? '';
    for (const { trigger } of batch) {
      const decision = decide(trigger, state, context);
      replies.push(decision.reply);
      effects.push(...decision.effects);
      if (decision.deadLetterDiscarded) discards.push(decision);
      decision.events.forEach((event, index) => {
        const eventId = this.deps.newId();
        const cause = decision.cause;
        const tabId = cause?.tabId ?? state?.tabId ?? null;
        events.push({
          ...event,
          eventId,
          metadata: {
            correlationId: cause?.correlationId ?? state?.correlationId ?? '',
            causationId: index === 0 && cause ? cause.causationId : causationId,
            ...(tabId !== null ? { tabId } : {}),
            ...(cause?.batchSize !== undefined ? { batchSize: cause.batchSize } : {}),
          },
        } as NewEvent);
        causationId = eventId;
      });
      state = apply(state, decision.events, context.now, streamId);
    }
    let after = before;
    if (events.length > 0) {
      const result = await this.deps.store.appendToStream(streamId, events, { expectedVersion: before?.version ?? 'no-stream', aggregateType: 'Download' });
      // The fold of what was stored, with the store's own ids and times.
      after = result.duplicate ? await this.deps.queries.get(streamId) : foldStored(before, result.events);
      if (after) this.deps.cache.set(after);
    }
    for (const decision of discards) await this.recordDiscard(streamId, decision);
    return { replies, effects, state: after };
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

interface Outcome {
  replies: (Reply | undefined)[];
  effects: Effect[];
  state: DownloadState | undefined;
}

function foldStored(state: DownloadState | undefined, events: readonly StoredEvent[]): DownloadState | undefined {
  let next = state;
  for (const event of events) next = evolve(next, event);
  return next;
}
