/**
 * The toolbar badge: how many downloads wait in the dead-letter queue (dead-lettered, not discarded); empty at 0.
 * Counted from the downloads read model, which each append updates in its own transaction, so the count is
 * right whichever event arrives and however often it is redelivered (idempotent). No badge while replaying.
 */
import type { Subscriber } from '../bus/subscriptions.ts';
import type { EventType } from '../domain/events.ts';
import type { BadgePort } from '../platform/ports.ts';

export const BADGE_COLOR = '#c5221f';

/** The events that can change the number of downloads waiting in the dead-letter queue. */
const BADGE_EVENTS: readonly EventType[] = ['GoogleImageDownloadFailed', 'GoogleImageDownloadRetryRequested', 'DeadLetterDiscarded'];

export const badgeText = (waiting: number): string => (waiting <= 0 ? '' : waiting > 999 ? '999+' : String(waiting));

export interface BadgeDeps {
  /** Downloads dead-lettered and not discarded (`DownloadQueries.deadLettered`). */
  deadLettered: () => Promise<readonly unknown[]>;
  badge: BadgePort;
}

export function badgeSubscriber(deps: BadgeDeps): Subscriber & { refresh(): Promise<void> } {
  const refresh = async (): Promise<void> => {
    const waiting = (await deps.deadLettered()).length;
    await deps.badge.show(badgeText(waiting), BADGE_COLOR);
  };
  return {
    id: 'badge',
    types: BADGE_EVENTS,
    async handle(event, context) {
      // Imported history never waits in this browser's dead-letter queue.
      if (context.replaying || event.metadata.imported) return;
      await refresh();
    },
    refresh,
  };
}
