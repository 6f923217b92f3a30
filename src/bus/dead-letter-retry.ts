/** Retrying one subscriber's dead letters of one stream, in order (EventBus.retryDeadLetters). */
import type { StoredEvent } from '../domain/events.ts';
import type { EventStore } from '../store/event-store.ts';
import type { BusStorage, SubscriberDeadLetterRow } from './bus-storage.ts';
import type { HandlerContext, Subscriber } from './subscriber.ts';

/**
 * Hands the stream's dead letters to the subscriber again. Stops at the first that fails again: it and the rest
 * stay parked, with one more attempt counted. A letter whose event is gone from the log (forgotten) is dropped.
 * Returns how many were handled.
 */
export async function retryParkedStream(
  subscriber: Subscriber,
  streamId: string,
  storage: BusStorage,
  store: EventStore,
  context: (event: StoredEvent) => HandlerContext,
): Promise<number> {
  const rows = await storage.deadLetters(subscriber.id, streamId);
  let handled = 0;
  for (const [index, row] of rows.entries()) {
    const [event] = await store.readAll(row.position - 1, 1);
    if (!event || event.eventId !== row.eventId) {
      await storage.deleteDeadLetter(row.id as number);
      continue;
    }
    try {
      await subscriber.handle(event, context(event));
    } catch (error) {
      const [head, ...tail] = rows.slice(index);
      if (head?.id !== undefined) {
        await storage.failedAgain(head.id, error instanceof Error ? error.message : String(error), head.attempts + 1, tail.map((parked) => parked.id as number));
      }
      return handled;
    }
    await storage.deleteDeadLetter(row.id as number);
    handled += 1;
  }
  return handled;
}

/** The (subscriber, stream) pairs that have dead letters, in the order of `rows`. */
export function deadLetterStreams(rows: readonly SubscriberDeadLetterRow[]): { subscriberId: string; streamId: string }[] {
  const seen = new Map<string, { subscriberId: string; streamId: string }>();
  for (const row of rows) seen.set(JSON.stringify([row.subscriberId, row.streamId]), { subscriberId: row.subscriberId, streamId: row.streamId });
  return [...seen.values()];
}
