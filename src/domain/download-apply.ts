/**
 * `apply`: the download's state after events not stored yet (the decider's provisional fold). Apart from
 * download.ts so that what reads rows only (the popup) does not load the event schemas (zod) with it.
 */
import { evolve, type DownloadState } from './download.ts';
import { CURRENT_SCHEMA_VERSION, type DomainEvent, type StoredEvent } from './events.ts';

/**
 * The state after `events`, folded as the store will fold them (ids and positions are not known yet). From no
 * state, the first event must be the request that starts the stream `streamId`.
 */
export function apply(state: DownloadState, events: readonly DomainEvent[], now: number): DownloadState;
export function apply(state: DownloadState | undefined, events: readonly DomainEvent[], now: number, streamId: string): DownloadState | undefined;
export function apply(state: DownloadState | undefined, events: readonly DomainEvent[], now: number, streamId = state?.streamId ?? ''): DownloadState | undefined {
  let next = state;
  const version = state?.version ?? 0;
  const correlationId = state?.correlationId ?? '';
  events.forEach((event, index) => {
    const stored = {
      position: 0,
      eventId: '',
      streamId,
      version: version + index + 1,
      type: event.type,
      schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
      data: event.data,
      metadata: { correlationId, causationId: '' },
      correlationId,
      causationId: '',
      createdAt: now,
    } as StoredEvent;
    next = evolve(next, stored) ?? next;
  });
  return next;
}
