/**
 * Desktop notifications, per the user's settings. `notifications`: `failures` (the default) tells when a download
 * failed for good (a final GoogleImageDownloadFailed: not retryable, or retries used up); `all` also tells when
 * one was saved; `none` tells nothing at all. `notifyBulk`: one summary when a batch (one correlation id, more
 * than one download) has settled, instead of one notification per download of it. `failureAlertPercent` /
 * `failureAlertWindow`: one alert when that share of the last settled downloads failed, armed again only once the
 * rate has fallen below the threshold.
 *
 * A bus subscriber: nothing is shown while replaying, and an event older than `NOTIFY_WITHIN_MS` is not news (a
 * subscriber catching up on old history must not flood the screen). Every notification shown is recorded as a
 * `NotificationSent` event (the seed's NotificationEvent: recipient, channel) whose eventId is derived from the
 * notification's id: a redelivered event finds it and shows nothing twice, and a click on a button is answered
 * from it (`actions`), so the buttons work after the worker was stopped.
 */
import type { HandlerContext, Subscriber } from '../bus/subscriptions.ts';
import { isSettled, type DownloadState } from '../domain/download.ts';
import type { EventData, StoredEvent } from '../domain/events.ts';
import { isFinalFailure } from '../domain/failure.ts';
import { upcast } from '../domain/upcasters.ts';
import type { NotificationsPort } from '../platform/ports.ts';
import type { SemantestDb } from '../store/database.ts';
import { fileNameOf } from '../domain/search-text.ts';
import type { Settings } from './settings.ts';

export const NOTIFY_WITHIN_MS = 10 * 60_000;
/** An event dated further ahead of the clock than this is not news but a forgery (appends are stamped before they commit). */
const CLOCK_SLACK_MS = 5_000;
/** Outcomes the notifications handler keeps in memory for the failure-rate alert, and how long it trusts them. */
const OUTCOMES_KEPT = 200;
const OUTCOMES_FRESH_MS = 5_000;
export const NOTIFICATIONS_STREAM = 'notifications';
export const FAILURE_RATE_STREAM = 'failure-rate-alert';
/** Who is told, and how: the person at this browser, by a desktop notification. */
export const RECIPIENT = 'local-user';
export const CHANNEL = 'desktop';

export type NotificationSentData = EventData<'NotificationSent'>;
export type NotificationAction = NotificationSentData['actions'][number];

/** What the worker needs from the log beyond the bus, for batches, the failure rate and the record. */
export interface NotificationLog {
  /** The recorded notification with this id, if it was shown. */
  sent(notificationId: string): Promise<NotificationSentData | undefined>;
  /**
   * The downloads (stream ids) requested under this correlation id so far, and how many the batch announced
   * (`batchSize` in its requests' metadata; 0 when none did): a batch when more than one.
   */
  batchOf(correlationId: string): Promise<{ streamIds: string[]; expected: number }>;
  /** `batchOf` for several correlation ids at once (one read for a bus pass); `batchOf` one by one without it. */
  batchesOf?(correlationIds: readonly string[]): Promise<Map<string, { streamIds: string[]; expected: number }>>;
  /** The newest outcomes of distinct downloads at or before `position`, newest first, at most `count`. */
  recentOutcomes(position: number, count: number): Promise<Outcome[]>;
  /** The newest event of the failure-rate alert's stream, and the stream's version. */
  alertState(): Promise<{ version: number; last: StoredEvent | undefined }>;
}

export interface Outcome {
  streamId: string;
  failed: boolean;
}

export interface NotificationDeps {
  notifications: NotificationsPort;
  settings: () => Settings;
  download: (streamId: string) => Promise<DownloadState | undefined>;
  now: () => number;
  /** Without it: single-download notifications only, not recorded (no batches, no alert, no buttons). */
  log?: NotificationLog;
  /**
   * True when this correlation id is known (to the worker that made it) to belong to one download outside any
   * batch: its batch membership needs no read. Unknown ids (after a restart, say) are read as before.
   */
  knownSingle?: (correlationId: string) => boolean;
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

/**
 * A deterministic UUID (version 8, RFC 9562) for a name: the NotificationSent of one notification id always has
 * the same eventId, so recording it twice is an idempotent no-op and a click can find it.
 */
export async function nameUuid(name: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`semantest:${name}`)));
  const bytes = digest.slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function notificationsSubscriber(deps: NotificationDeps): Subscriber {
  /** Shows a notification once: nothing when it is recorded already; records it after showing it. */
  const tell = async (
    context: HandlerContext,
    id: string,
    kind: NotificationSentData['kind'],
    subject: string,
    text: NotificationText,
    actions: NotificationAction[],
    inBatch = false,
  ): Promise<void> => {
    const { log } = deps;
    if (log && (await log.sent(id))) return;
    const buttons = log ? actions.map((action) => buttonLabel(action, inBatch)) : [];
    await deps.notifications.show(id, { ...text, ...(buttons.length > 0 ? { buttons } : {}) });
    if (!log) return;
    const data: NotificationSentData = { recipient: RECIPIENT, channel: CHANNEL, kind, notificationId: id, subject, title: text.title, message: text.message, actions };
    await context.append(NOTIFICATIONS_STREAM, [{ type: 'NotificationSent', data, eventId: await nameUuid(id) }]);
  };

  const single = async (event: StoredEvent, context: HandlerContext, settings: Settings): Promise<void> => {
    const row = await deps.download(event.streamId);
    const text = notificationFor(event, settings.notifications, row);
    if (!text) return;
    const failed = event.type === 'GoogleImageDownloadFailed';
    const action: NotificationAction = { action: failed ? 'retry' : 'show', streamIds: [event.streamId] };
    // The event's id as the notification's: a redelivered event replaces its notification, never adds one.
    await tell(context, `semantest:${event.eventId}`, failed ? 'download-failed' : 'download-saved', event.streamId, text, [action]);
  };

  const bulk = async (event: StoredEvent, context: HandlerContext, batch: { streamIds: readonly string[]; expected: number }): Promise<void> => {
    // A batch's requests are appended one by one: its first downloads may settle before its last is requested.
    if (batch.streamIds.length < batch.expected) return;
    const rows = await Promise.all(batch.streamIds.map((id) => deps.download(id)));
    if (rows.some((row) => !row || !isSettled(row))) return;
    const { text, actions } = bulkSummary(rows as DownloadState[]);
    await tell(context, `semantest:bulk:${event.correlationId}`, 'bulk-finished', event.correlationId, text, actions, true);
  };

  /**
   * The recent outcomes and the alert's state as this handler last read or made them. Every outcome event
   * reaches this handler in position order (its types), so it keeps the list itself instead of scanning the log
   * backwards on each one. The list is read again after any failure of the handler, when an event comes out of
   * order (a retried dead letter), and at least every OUTCOMES_FRESH_MS (events parked behind a dead letter of
   * this subscriber never reach it).
   */
  let recent: { position: number; outcomes: Outcome[]; complete: boolean; readAt: number } | null = null;
  let alert: { version: number; last: StoredEvent | undefined } | null = null;
  const follow = (event: StoredEvent): void => {
    if (!recent) return;
    if (event.position === recent.position) return; // the same event again (a retry): already counted
    if (event.position < recent.position || deps.now() - recent.readAt > OUTCOMES_FRESH_MS) {
      recent = null;
      return;
    }
    const outcome = settleOutcome(upcast(event));
    recent.position = event.position;
    if (outcome === null) return;
    recent.outcomes = [{ streamId: event.streamId, failed: outcome === 'failed' }, ...recent.outcomes.filter((known) => known.streamId !== event.streamId)];
    if (recent.outcomes.length > OUTCOMES_KEPT) {
      recent.outcomes.length = OUTCOMES_KEPT;
      recent.complete = false;
    }
  };
  const outcomesAt = async (event: StoredEvent, count: number, log: NotificationLog): Promise<Outcome[]> => {
    if (!recent || recent.position !== event.position || (recent.outcomes.length < count && !recent.complete)) {
      const outcomes = await log.recentOutcomes(event.position, Math.max(count, OUTCOMES_KEPT));
      recent = { position: event.position, outcomes, complete: outcomes.length < Math.max(count, OUTCOMES_KEPT), readAt: deps.now() };
    }
    return recent.outcomes.slice(0, count);
  };
  const alertAppend = async (context: HandlerContext, type: 'FailureRateAlertRaised' | 'FailureRateAlertCleared', data: EventData<'FailureRateAlertCleared'>, version: number, eventId?: string): Promise<void> => {
    alert = null;
    await context.append(FAILURE_RATE_STREAM, [{ type, data, ...(eventId ? { eventId } : {}) }], version);
  };

  const failureRate = async (event: StoredEvent, context: HandlerContext, settings: Settings, log: NotificationLog): Promise<void> => {
    const window = settings.failureAlertWindow;
    const outcomes = await outcomesAt(event, window, log);
    alert ??= await log.alertState();
    const { version, last } = alert;
    // A redelivered event that raised the alert before the worker stopped: finish telling it.
    const raisedByThis = last?.type === 'FailureRateAlertRaised' && last.causationId === event.eventId;
    const armed = last?.type !== 'FailureRateAlertRaised';
    const step = raisedByThis ? 'raise' : failureRateStep(outcomes, window, settings.failureAlertPercent, armed);
    if (step === null) return;
    const failed = outcomes.slice(0, window).filter((outcome) => outcome.failed);
    const data = { failed: failed.length, settled: Math.min(window, outcomes.length), thresholdPercent: settings.failureAlertPercent };
    if (step === 'clear') {
      await alertAppend(context, 'FailureRateAlertCleared', data, version);
      return;
    }
    const raisedId = raisedByThis ? (last as StoredEvent).eventId : await nameUuid(`failure-rate:${event.eventId}`);
    if (!raisedByThis) await alertAppend(context, 'FailureRateAlertRaised', data, version, raisedId);
    const stillFailed: string[] = [];
    for (const outcome of failed) {
      const row = await deps.download(outcome.streamId);
      if (row && (row.phase === 'failed' || row.phase === 'dead-lettered')) stillFailed.push(outcome.streamId);
    }
    const text: NotificationText = {
      title: 'Semantest: many downloads fail',
      message: `${data.failed} of the last ${data.settled} downloads failed (alert at ${data.thresholdPercent} %). The image servers may be refusing or down.`,
      contextMessage: 'You are told again only after the rate has come down.',
    };
    await tell(context, `semantest:failure-rate:${raisedId}`, 'failure-rate', FAILURE_RATE_STREAM, text, stillFailed.length > 0 ? [{ action: 'retry', streamIds: stillFailed }] : [], true);
  };

  /**
   * Whether `handleOne` has anything to do for this event (no reads): news of this browser (not imported, not
   * dated ahead of the clock, not older than the window), and a level that tells something.
   */
  const relevant = (event: StoredEvent, replaying: boolean): boolean => {
    if (replaying || event.metadata.imported || deps.settings().notifications === 'none') return false;
    const age = deps.now() - event.createdAt;
    return age <= NOTIFY_WITHIN_MS && age >= -CLOCK_SLACK_MS;
  };

  return {
    id: 'notifications',
    types: ['GoogleImageDownloadFailed', 'GoogleImageDownloadCompleted'],
    async handle(event, context) {
      follow(event);
      try {
        await handleOne(event, context);
      } catch (error) {
        recent = null;
        alert = null;
        throw error;
      }
    },
    /**
     * A bus pass's run: the batches of all its events are read at once (one transaction instead of one per
     * event), then each event is handled in order as by `handle`. The batches read here hold every request
     * stored before the run's events (a download is requested before it settles), which is all `bulk` needs;
     * whether a batch has settled is still decided on the rows as they are when each event is handled.
     */
    async handleBatch(events, replaying, contextOf) {
      const { log } = deps;
      const wanted = events.filter((event) => relevant(event, replaying));
      let batches: Map<string, { streamIds: string[]; expected: number }> | undefined;
      if (log?.batchesOf && deps.settings().notifyBulk && wanted.length > 0) {
        const unknown = [...new Set(wanted.map((event) => event.correlationId))].filter((id) => !deps.knownSingle?.(id));
        batches = unknown.length > 0 ? await log.batchesOf(unknown) : new Map();
      }
      for (const event of events) {
        follow(event);
        try {
          await handleOne(event, contextOf(event), batches);
        } catch (error) {
          recent = null;
          alert = null;
          throw error;
        }
      }
    },
  };

  async function handleOne(event: StoredEvent, context: HandlerContext, batches?: ReadonlyMap<string, { streamIds: string[]; expected: number }>): Promise<void> {
    if (!relevant(event, context.replaying)) return;
    const settings = deps.settings();
    const outcome = settleOutcome(event);
    const { log } = deps;
    // Without `notifyBulk` nothing is told per batch: its membership is not needed.
    const batch =
      log && settings.notifyBulk
        ? deps.knownSingle?.(event.correlationId)
          ? { streamIds: [event.streamId], expected: 0 }
          : (batches?.get(event.correlationId) ?? (await log.batchOf(event.correlationId)))
        : { streamIds: [], expected: 0 };
    const inBatch = settings.notifyBulk && Math.max(batch.expected, batch.streamIds.length) > 1;
    // A download of a batch is told in the batch's summary, not one by one. The row (a read) only words the
    // text: an event with nothing to tell at this level is passed over without it.
    if (!inBatch && notificationFor(event, settings.notifications, undefined) !== null) await single(event, context, settings);
    // A cancelled download settles its batch too (the summary counts it), but is no failure of the servers.
    const settles = event.type === 'GoogleImageDownloadCompleted' || (event.type === 'GoogleImageDownloadFailed' && isFinalFailure(event.data as EventData<'GoogleImageDownloadFailed'>));
    if (inBatch && settles) await bulk(event, context, batch);
    if (log && outcome !== null && settings.failureAlertPercent > 0) await failureRate(event, context, settings, log);
  }
}

/** The NotificationLog on the Dexie database. */
export function notificationLog(db: SemantestDb): NotificationLog {
  const batchesOf = async (correlationIds: readonly string[]): Promise<Map<string, { streamIds: string[]; expected: number }>> => {
    const rows = await db.events
      .where('correlationId')
      .anyOf([...correlationIds])
      .filter((row) => row.type === 'GoogleImageDownloadRequested')
      .toArray();
    const batches = new Map<string, { streamIds: string[]; expected: number }>(correlationIds.map((id) => [id, { streamIds: [], expected: 0 }]));
    for (const row of rows) {
      const batch = batches.get(row.correlationId);
      if (!batch) continue;
      if (!batch.streamIds.includes(row.streamId)) batch.streamIds.push(row.streamId);
      batch.expected = Math.max(batch.expected, (row.metadata as { batchSize?: number }).batchSize ?? 0);
    }
    return batches;
  };
  return {
    async sent(notificationId) {
      const row = await db.events.where('eventId').equals(await nameUuid(notificationId)).first();
      return row?.type === 'NotificationSent' ? (row.data as NotificationSentData) : undefined;
    },
    async batchOf(correlationId) {
      return (await batchesOf([correlationId])).get(correlationId) ?? { streamIds: [], expected: 0 };
    },
    batchesOf,
    async recentOutcomes(position, count) {
      const seen = new Set<string>();
      const outcomes: Outcome[] = [];
      let upper = position;
      let scanned = 0;
      // About six events per download: the first page usually holds the window. Backwards from `position`, pages
      // growing, bounded so a long history without downloads costs little.
      let size = Math.max(32, count * 8);
      while (outcomes.length < count && upper > 0 && scanned < 20_000) {
        const page = await db.events.where('position').belowOrEqual(upper).reverse().limit(size).toArray();
        size = Math.min(size * 2, 2000);
        if (page.length === 0) break;
        for (const stored of page) {
          const outcome = settleOutcome(upcast(stored));
          if (outcome === null || seen.has(stored.streamId)) continue;
          seen.add(stored.streamId);
          outcomes.push({ streamId: stored.streamId, failed: outcome === 'failed' });
          if (outcomes.length >= count) break;
        }
        scanned += page.length;
        upper = (page[page.length - 1] as StoredEvent).position - 1;
      }
      return outcomes;
    },
    async alertState() {
      const last = await db.events.where('[streamId+version]').between([FAILURE_RATE_STREAM, 0], [FAILURE_RATE_STREAM, Number.MAX_SAFE_INTEGER]).last();
      return { version: last?.version ?? 0, last: last ? upcast(last) : undefined };
    },
  };
}

export interface NotificationButtonDeps {
  log: Pick<NotificationLog, 'sent'>;
  retry(streamId: string, commandId: string): Promise<boolean>;
  show(streamId: string): Promise<boolean>;
  newId: () => string;
}

/**
 * A click on a notification's button: the action recorded with it. "Retry" continues the same stream (a new
 * user action with its own correlation id, like the options page's retry); "Show in folder" opens the folder.
 * Returns what was done, for the tests and the log.
 */
export async function handleNotificationButton(notificationId: string, buttonIndex: number, deps: NotificationButtonDeps): Promise<string> {
  const sent = await deps.log.sent(notificationId);
  const action = sent?.actions[buttonIndex];
  if (!action) return 'nothing';
  if (action.action === 'show') {
    for (const id of action.streamIds) if (await deps.show(id)) return 'shown';
    return 'nothing';
  }
  // One command id (the causation) for the click; each retried download gets its own correlation id, as on the
  // options page.
  const commandId = deps.newId();
  let count = 0;
  for (const id of action.streamIds) if (await deps.retry(id, commandId)) count += 1;
  return `retried ${count}`;
}
