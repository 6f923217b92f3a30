/** The events of one download as a timeline: grouped by correlation id (one group per user action), with causation links. */
import type { StoredEvent } from '../domain/events.ts';

export interface TimelineEntry {
  event: StoredEvent;
  /** The event this one was caused by, when it is in the same timeline; null for a user's command. */
  causedBy: StoredEvent | null;
  /** Milliseconds since the first event of its group. */
  sinceStart: number;
}

export interface TimelineGroup {
  correlationId: string;
  entries: TimelineEntry[];
}

/** Groups in order of their first event; events in each group by position. */
export function buildTimeline(events: readonly StoredEvent[]): TimelineGroup[] {
  const sorted = [...events].sort((a, b) => a.position - b.position);
  const byId = new Map(sorted.map((event) => [event.eventId, event]));
  const groups = new Map<string, TimelineGroup>();
  for (const event of sorted) {
    let group = groups.get(event.correlationId);
    if (!group) {
      group = { correlationId: event.correlationId, entries: [] };
      groups.set(event.correlationId, group);
    }
    const first = group.entries[0]?.event.createdAt ?? event.createdAt;
    group.entries.push({ event, causedBy: byId.get(event.causationId) ?? null, sinceStart: event.createdAt - first });
  }
  return [...groups.values()];
}

export const shortId = (id: string): string => id.slice(0, 8);
