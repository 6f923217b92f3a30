/**
 * Our stored events as CloudEvents 1.0 (JSON event format, structured mode), and the batch the outbox POSTs
 * (`application/cloudevents-batch+json`: a JSON array of events). Pure: no chrome, no clock.
 *
 * Mapping: `id` = eventId (receivers dedupe on source + id: the outbox delivers at least once), `type` =
 * `dev.semantest.<EventType>`, `source` = the extension's origin, `subject` = the stream, `time` = createdAt, and
 * the extension attributes `correlationid`, `causationid`, `schemaversion`, `position` (the global order, so a
 * receiver can check it got everything in order). Extension names are lowercase a-z/0-9, as the spec requires.
 */
import type { StoredEvent } from '../domain/events.ts';

export const CLOUDEVENTS_BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';
export const CLOUDEVENT_TYPE_PREFIX = 'dev.semantest.';

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: unknown;
  correlationid: string;
  causationid: string;
  schemaversion: number;
  position: number;
}

/** `chrome-extension://<id>/`, the `source` of every event this installation sends. */
export const cloudEventSource = (extensionId: string): string => `chrome-extension://${extensionId}/`;

export function toCloudEvent(event: StoredEvent, source: string): CloudEvent {
  return {
    specversion: '1.0',
    id: event.eventId,
    source,
    type: `${CLOUDEVENT_TYPE_PREFIX}${event.type}`,
    subject: event.streamId,
    time: new Date(event.createdAt).toISOString(),
    datacontenttype: 'application/json',
    data: event.data,
    correlationid: event.correlationId,
    causationid: event.causationId,
    schemaversion: event.schemaVersion,
    position: event.position,
  };
}

/**
 * The events that go in one POST: at most `maxEvents`, and at most about `maxBytes` of JSON (but always at least
 * one event, so one big event cannot block the outbox). Returns the events and the body.
 */
export function batchBody(events: readonly StoredEvent[], source: string, maxEvents: number, maxBytes: number): { events: StoredEvent[]; body: string } {
  const taken: StoredEvent[] = [];
  const parts: string[] = [];
  let bytes = 2;
  for (const event of events.slice(0, Math.max(1, maxEvents))) {
    const json = JSON.stringify(toCloudEvent(event, source));
    if (taken.length > 0 && bytes + json.length + 1 > maxBytes) break;
    taken.push(event);
    parts.push(json);
    bytes += json.length + 1;
  }
  return { events: taken, body: `[${parts.join(',')}]` };
}

export { outboxUrlProblem } from '../domain/urls.ts';

/** The match pattern of the URL's origin, as chrome.permissions wants it (`https://host:port/*`). */
export function originPattern(url: string): string {
  const parsed = new URL(url);
  // Match patterns take no port; a pattern for the host covers every port.
  return `${parsed.protocol}//${parsed.hostname}/*`;
}
