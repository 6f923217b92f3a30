/** What a desktop notification says, and which events settle a download or raise the failure-rate alert (pure). */
import type { DownloadState } from '../domain/download.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import { isFinalFailure } from '../domain/failure.ts';
import { fileNameOf } from '../domain/search-text.ts';
import type { Settings } from '../shared/settings.ts';

export type NotificationSentData = EventData<'NotificationSent'>;
export type NotificationAction = NotificationSentData['actions'][number];

export interface Outcome {
  streamId: string;
  failed: boolean;
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

/**
 * How an event settles a download, or null when it does not (a retry to come, the user's own cancel, or history
 * imported from another log, which is no news of this browser's downloads).
 */
export function settleOutcome(event: StoredEvent): 'completed' | 'failed' | null {
  if (event.metadata.imported) return null;
  if (event.type === 'GoogleImageDownloadCompleted') return 'completed';
  if (event.type !== 'GoogleImageDownloadFailed') return null;
  const data = event.data as EventData<'GoogleImageDownloadFailed'>;
  if (!isFinalFailure(data) || data.code === 'user_canceled') return null;
  return 'failed';
}

/** What to show for an event, or null when it is nothing to tell (pure; the tests pin the words). */
export function notificationFor(event: StoredEvent, level: Settings['notifications'], row: DownloadState | undefined): NotificationText | null {
  if (level === 'none') return null;
  if (event.type === 'GoogleImageDownloadFailed') {
    const data = event.data as EventData<'GoogleImageDownloadFailed'>;
    // Retries still to come, or the user cancelled it themselves: not a failure to tell about.
    if (!isFinalFailure(data) || data.code === 'user_canceled') return null;
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

/** The summary of a settled batch (pure). */
export function bulkSummary(rows: readonly DownloadState[]): { text: NotificationText; actions: NotificationAction[] } {
  const saved = rows.filter((row) => row.phase === 'completed');
  const failed = rows.filter((row) => row.phase === 'failed' || row.phase === 'dead-lettered');
  const total = rows.length;
  const title = failed.length === 0 ? `Semantest: ${total} images saved` : `Semantest: ${saved.length} of ${total} images saved`;
  const parts = [failed.length > 0 ? `${failed.length} failed.` : 'All saved.'];
  const cancelled = total - saved.length - failed.length;
  if (cancelled > 0) parts.push(`${cancelled} cancelled.`);
  const actions: NotificationAction[] = [];
  if (failed.length > 0) actions.push({ action: 'retry', streamIds: failed.map((row) => row.streamId) });
  const newest = [...saved].sort((a, b) => (b.completedAt ?? 0) - (a.completedAt ?? 0))[0];
  if (newest) actions.push({ action: 'show', streamIds: [newest.streamId] });
  return { text: { title, message: parts.join(' '), contextMessage: saved[0]?.sourceHost ?? '' }, actions };
}

/** Whether the failure rate crosses the threshold: 'raise', 'clear' or nothing (pure). */
export function failureRateStep(outcomes: readonly Outcome[], window: number, thresholdPercent: number, armed: boolean): 'raise' | 'clear' | null {
  if (thresholdPercent <= 0 || outcomes.length < window) return null;
  const failed = outcomes.slice(0, window).filter((outcome) => outcome.failed).length;
  const high = failed * 100 >= thresholdPercent * window;
  if (armed && high) return 'raise';
  if (!armed && !high) return 'clear';
  return null;
}

export const buttonLabel = (action: NotificationAction, inBatch: boolean): string =>
  action.action === 'show' ? 'Show in folder' : inBatch ? 'Retry failed' : 'Retry';
