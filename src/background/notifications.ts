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
import type { Settings } from '../shared/settings.ts';
import { FAILURE_RATE_STREAM, nameUuid, type NotificationLog } from './notification-log.ts';
import { bulkSummary, buttonLabel, failureRateStep, notificationFor, settleOutcome, type NotificationAction, type NotificationSentData, type NotificationText, type Outcome } from './notification-wording.ts';

// Split by job (wording, log queries, the button); the tests import them from here too.
export * from './notification-wording.ts';
export * from './notification-log.ts';
export * from './notification-button.ts';

export const NOTIFY_WITHIN_MS = 10 * 60_000;
/** An event dated further ahead of the clock than this is not news but a forgery (appends are stamped before they commit). */
const CLOCK_SLACK_MS = 5_000;
/** Outcomes the notifications handler keeps in memory for the failure-rate alert, and how long it trusts them. */
const OUTCOMES_KEPT = 200;
const OUTCOMES_FRESH_MS = 5_000;
/** Batches whose settled downloads are counted in memory at once (the oldest is forgotten: read again if needed). */
const BATCHES_FOLLOWED = 50;
export const NOTIFICATIONS_STREAM = 'notifications';
/** Who is told, and how: the person at this browser, by a desktop notification. */
export const RECIPIENT = 'local-user';
export const CHANNEL = 'desktop';

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

  /**
   * Per batch, the downloads seen settled since its rows were last read: a cache, so that a batch of N is read
   * twice (when its last request is in, and when the count says all settled), not on each of its N outcomes. A
   * worker start empties it: the next outcome reads the rows again. The rows decide; the count only spares reads.
   */
  const settledIn = new Map<string, Set<string>>();
  const bulk = async (event: StoredEvent, context: HandlerContext, batch: { streamIds: readonly string[]; expected: number }): Promise<void> => {
    // A batch's requests are appended one by one: its first downloads may settle before its last is requested.
    if (batch.streamIds.length < batch.expected) return;
    const seen = settledIn.get(event.correlationId);
    seen?.add(event.streamId);
    if (seen && seen.size < new Set(batch.streamIds).size) return;
    const rows = await Promise.all(batch.streamIds.map((id) => deps.download(id)));
    settledIn.delete(event.correlationId);
    settledIn.set(event.correlationId, new Set(rows.filter((row) => row !== undefined && isSettled(row)).map((row) => (row as DownloadState).streamId)));
    if (settledIn.size > BATCHES_FOLLOWED) settledIn.delete(settledIn.keys().next().value as string);
    if (rows.some((row) => !row || !isSettled(row))) return;
    settledIn.delete(event.correlationId);
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
