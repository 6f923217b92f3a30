/**
 * Desktop notifications, per the user's `notifications` setting: `failures` (the default) tells when a download
 * failed for good (a final GoogleImageDownloadFailed: not retryable, or retries used up); `all` also tells when
 * one was saved; `none` tells nothing. A bus subscriber: nothing is shown while replaying, and an event older than
 * `NOTIFY_WITHIN_MS` is not news (a subscriber catching up on old history must not flood the screen).
 */
import type { Subscriber } from '../bus/subscriptions.ts';
import type { DownloadState } from '../domain/download.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import type { NotificationsPort } from '../platform/ports.ts';
import { fileNameOf } from '../ui/format.ts';
import type { Settings } from './settings.ts';

export const NOTIFY_WITHIN_MS = 10 * 60_000;

export interface NotificationDeps {
  notifications: NotificationsPort;
  settings: () => Settings;
  download: (streamId: string) => Promise<DownloadState | undefined>;
  now: () => number;
}

export interface NotificationText {
  title: string;
  message: string;
  contextMessage: string;
}

const baseName = (url: string): string => {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || url;
  } catch {
    return url;
  }
};

/** What to show for an event, or null when it is nothing to tell (pure; the tests pin the words). */
export function notificationFor(event: StoredEvent, level: Settings['notifications'], row: DownloadState | undefined): NotificationText | null {
  if (level === 'none') return null;
  if (event.type === 'GoogleImageDownloadFailed') {
    const data = event.data as EventData<'GoogleImageDownloadFailed'>;
    // Retries still to come, or the user cancelled it themselves: not a failure to tell about.
    if (data.nextAttemptAt !== null || data.code === 'user_canceled') return null;
    const name = row ? fileNameOf(row) : baseName(data.imageUrl);
    const site = row?.sourceHost ?? '';
    return {
      title: 'Semantest: image not saved',
      message: data.deadLettered ? `${data.error} It waits on the options page for a retry.` : data.error,
      contextMessage: site ? `${name} from ${site}` : name,
    };
  }
  if (event.type === 'GoogleImageDownloadCompleted' && level === 'all') {
    const data = event.data as EventData<'GoogleImageDownloadCompleted'>;
    const name = row ? fileNameOf(row) : baseName(data.filePath);
    return { title: 'Semantest: image saved', message: name, contextMessage: row?.sourceHost ?? '' };
  }
  return null;
}

export function notificationsSubscriber(deps: NotificationDeps): Subscriber {
  return {
    id: 'notifications',
    types: ['GoogleImageDownloadFailed', 'GoogleImageDownloadCompleted'],
    async handle(event, context) {
      if (context.replaying) return;
      if (deps.now() - event.createdAt > NOTIFY_WITHIN_MS) return;
      const level = deps.settings().notifications;
      if (level === 'none') return;
      const text = notificationFor(event, level, await deps.download(event.streamId));
      // The event's id as the notification's: a redelivered event replaces its notification, never adds one.
      if (text) await deps.notifications.show(`semantest:${event.eventId}`, text);
    },
  };
}
