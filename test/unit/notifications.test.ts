/**
 * Notifications with buttons, recorded as NotificationSent; batch summaries; the failure-rate alert. Against the
 * real store and bus (fake-indexeddb), with a fake notifications port.
 */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { downloadQueries } from '../../src/store/download-queries.ts';
import { dexieBusStorage } from '../../src/bus/dexie-bus-storage.ts';
import { EventBus } from '../../src/bus/subscriptions.ts';
import {
  bulkSummary, failureRateStep, type NotificationLog, FAILURE_RATE_STREAM, handleNotificationButton, nameUuid, notificationLog, notificationsSubscriber, NOTIFICATIONS_STREAM, type Outcome,
} from '../../src/background/notifications.ts';
import { Settings } from '../../src/shared/settings.ts';
import type { EventData, StoredEvent } from '../../src/domain/events.ts';
import type { NewEvent } from '../../src/store/event-store.ts';

let n = 0;
const requested = (url: string, correlationId: string): NewEvent => ({
  type: 'GoogleImageDownloadRequested',
  data: { imageUrl: url, sourcePageUrl: 'https://photos.example/page', strategy: 'udm2_inline' },
  metadata: { correlationId, causationId: 'click' },
});
const failedForGood = (url: string, correlationId: string): NewEvent => ({
  type: 'GoogleImageDownloadFailed',
  data: { imageUrl: url, error: 'The original image is no longer on its server (HTTP 404).', code: 'http_client_error', retryable: false, attempt: 1, nextAttemptAt: null, deadLettered: false },
  metadata: { correlationId, causationId: 'x' },
});
const completed = (url: string, correlationId: string): NewEvent => ({
  type: 'GoogleImageDownloadCompleted',
  data: { imageUrl: url, filePath: `/home/u/Downloads/Semantest/${url.split('/').pop() ?? 'x'}`, fileSize: 10, downloadTime: 5, mimeType: 'image/jpeg' },
  metadata: { correlationId, causationId: 'x' },
});

/**
 * Settles downloads in one burst of concurrent appends: `k…` streams were requested before (their outcome is their
 * version 2), the others are requested and settled in one append.
 */
async function settleAtOnce(store: DexieEventStore, plan: readonly (readonly [id: string, outcome: 'ok' | 'fail', correlationId: string])[]): Promise<void> {
  await Promise.all(
    plan.map(([id, outcome, correlation]) => {
      const url = `https://img.example/${id}.jpg`;
      const event = outcome === 'ok' ? completed(url, correlation) : failedForGood(url, correlation);
      return id.startsWith('k') ? store.appendToStream(id, [event], { expectedVersion: 1 }) : store.appendToStream(id, [requested(url, correlation), event], { expectedVersion: 'no-stream' });
    }),
  );
}

type Shown = { id: string; title: string; message: string; contextMessage?: string; buttons?: string[] };

function setup(settings: Partial<Settings> = {}) {
  const db = openDatabase(`notifications-test-${++n}`);
  const store = new DexieEventStore(db, { projection: downloadsProjection });
  const queries = downloadQueries(db);
  // checkpointDelayMs 0: the checkpoint batching is bus.test.ts's; here it would only make idle() wait.
  const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, setTimeout: (fn, ms) => setTimeout(fn, ms), now: () => Date.now(), random: () => 0.5, wakeAt: async () => undefined, policy: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 10, jitter: 0 } });
  const shown: Shown[] = [];
  const current = Settings.parse(settings);
  const log = notificationLog(db);
  const subscriber = notificationsSubscriber({
    notifications: { show: async (id, text) => void shown.push({ id, ...text }) },
    settings: () => current,
    download: (id) => queries.get(id),
    now: () => Date.now(),
    log,
  });
  bus.subscribe(subscriber);
  const download = async (streamId: string, outcome: 'ok' | 'fail', correlationId = `c-${streamId}`): Promise<void> => {
    const url = `https://img.example/${streamId}.jpg`;
    await store.appendToStream(streamId, [requested(url, correlationId)], { expectedVersion: 'no-stream' });
    await store.appendToStream(streamId, [outcome === 'ok' ? completed(url, correlationId) : failedForGood(url, correlationId)], { expectedVersion: 1 });
    await bus.idle();
  };
  const sent = async (): Promise<StoredEvent[]> => (await db.events.toArray()).filter((event) => event.type === 'NotificationSent');
  return { db, store, queries, bus, shown, current, log, subscriber, download, sent };
}

describe('notification buttons and the record', () => {
  it('a failure for good shows "Retry", is recorded as NotificationSent (recipient, channel), and is shown once', async () => {
    const t = setup();
    await t.download('a', 'fail');
    expect(t.shown).toHaveLength(1);
    const failure = (await t.store.readStream('a'))[1] as StoredEvent;
    expect(t.shown[0]).toMatchObject({ id: `semantest:${failure.eventId}`, title: 'Semantest: image not saved', buttons: ['Retry'] });
    const [record] = await t.sent();
    expect(record?.streamId).toBe(NOTIFICATIONS_STREAM);
    expect(record?.eventId).toBe(await nameUuid(`semantest:${failure.eventId}`));
    expect(record?.causationId).toBe(failure.eventId);
    expect(record?.correlationId).toBe(failure.correlationId);
    expect(record?.data).toMatchObject({ recipient: 'local-user', channel: 'desktop', kind: 'download-failed', subject: 'a', actions: [{ action: 'retry', streamIds: ['a'] }] });

    // Redelivered (the checkpoint lost, as after a stop at the wrong moment): nothing shown twice, nothing recorded twice.
    await t.db.checkpoints.delete('notifications');
    t.bus.poke('notifications');
    await t.bus.idle();
    expect(t.shown).toHaveLength(1);
    expect(await t.sent()).toHaveLength(1);
  });

  it('with "all", a saved image offers "Show in folder"', async () => {
    const t = setup({ notifications: 'all' });
    await t.download('b', 'ok');
    expect(t.shown).toEqual([expect.objectContaining({ title: 'Semantest: image saved', buttons: ['Show in folder'] })]);
  });

  it('a click on a button does what the record says: Retry continues the stream, Show opens the folder', async () => {
    const t = setup({ notifications: 'all' });
    await t.download('a', 'fail');
    await t.download('b', 'ok');
    const retried: string[] = [];
    const showed: string[] = [];
    const deps = {
      log: t.log,
      retry: async (id: string) => retried.push(id) > 0,
      show: async (id: string) => showed.push(id) > 0,
      newId: () => 'cmd',
    };
    const [failure, saved] = t.shown;
    expect(await handleNotificationButton(failure?.id ?? '', 0, deps)).toBe('retried 1');
    expect(retried).toEqual(['a']);
    expect(await handleNotificationButton(saved?.id ?? '', 0, deps)).toBe('shown');
    expect(showed).toEqual(['b']);
    // Unknown notification or button: nothing.
    expect(await handleNotificationButton('semantest:unknown', 0, deps)).toBe('nothing');
    expect(await handleNotificationButton(failure?.id ?? '', 1, deps)).toBe('nothing');
    expect(retried).toEqual(['a']);
  });
});

describe('batch summaries', () => {
  it('a batch (one correlation id, 3 downloads) is told once, when all have settled, with Retry failed and Show in folder', async () => {
    const t = setup({ failureAlertPercent: 0 });
    // The batch is requested first (bulk select: one correlation id), then its downloads settle one by one.
    for (const id of ['x1', 'x2', 'x3']) await t.store.appendToStream(id, [requested(`https://img.example/${id}.jpg`, 'batch-1')], { expectedVersion: 'no-stream' });
    const settle = async (id: string, outcome: 'ok' | 'fail') => {
      const url = `https://img.example/${id}.jpg`;
      await t.store.appendToStream(id, [outcome === 'ok' ? completed(url, 'batch-1') : failedForGood(url, 'batch-1')], { expectedVersion: 1 });
      await t.bus.idle();
    };
    await settle('x1', 'ok');
    await settle('x2', 'fail');
    expect(t.shown).toEqual([]); // not one by one, and not before the batch has settled
    await settle('x3', 'ok');
    expect(t.shown).toHaveLength(1);
    expect(t.shown[0]).toMatchObject({ id: 'semantest:bulk:batch-1', title: 'Semantest: 2 of 3 images saved', message: '1 failed.', buttons: ['Retry failed', 'Show in folder'] });
    const [record] = await t.sent();
    expect(record?.data).toMatchObject({ kind: 'bulk-finished', subject: 'batch-1', actions: [{ action: 'retry', streamIds: ['x2'] }, { action: 'show', streamIds: [expect.stringMatching(/x[13]/)] }] });
    // A single download still gets its own notification.
    await t.download('solo', 'fail');
    expect(t.shown.map((shown) => shown.title)).toEqual(['Semantest: 2 of 3 images saved', 'Semantest: image not saved']);
  });

  it('a batch whose first download settles before its last is requested waits for the announced batch size', async () => {
    const t = setup({ failureAlertPercent: 0 });
    const ask = (id: string) => ({ ...requested(`https://img.example/${id}.jpg`, 'batch-3'), metadata: { correlationId: 'batch-3', causationId: 'click', batchSize: 3 } });
    const settle = async (id: string) => {
      await t.store.appendToStream(id, [completed(`https://img.example/${id}.jpg`, 'batch-3')], { expectedVersion: 1 });
      await t.bus.idle();
    };
    for (const id of ['z1', 'z2']) await t.store.appendToStream(id, [ask(id)], { expectedVersion: 'no-stream' });
    await settle('z1');
    await settle('z2');
    expect(t.shown).toEqual([]); // every download requested so far has settled, but one more is coming
    await t.store.appendToStream('z3', [ask('z3')], { expectedVersion: 'no-stream' });
    await settle('z3');
    expect(t.shown.map((shown) => shown.title)).toEqual(['Semantest: 3 images saved']);
  });

  it('a batch of 40 reads its rows twice (its last request in, all settled), not on each of its outcomes', async () => {
    const t = setup({ failureAlertPercent: 0 });
    let reads = 0;
    const get = t.queries.get;
    t.queries.get = (id) => (reads++, get(id));
    const url = (id: string): string => `https://img.example/${id}.jpg`;
    const ids = Array.from({ length: 40 }, (_, i) => `b${i}`);
    for (const id of ids) await t.store.appendToStream(id, [requested(url(id), 'batch-40')], { expectedVersion: 'no-stream' });
    for (const id of ids) {
      await t.store.appendToStream(id, [completed(url(id), 'batch-40')], { expectedVersion: 1 });
      await t.bus.idle();
    }
    expect(t.shown.map((shown) => shown.title)).toEqual(['Semantest: 40 images saved']);
    expect(reads).toBe(80);
  });

  it('a download of a batch retried after it failed is waited for again: one summary, once it has settled anew', async () => {
    const t = setup({ failureAlertPercent: 0 });
    const url = (id: string): string => `https://img.example/${id}.jpg`;
    const settle = async (id: string, event: NewEvent, version: number): Promise<void> => {
      await t.store.appendToStream(id, [event], { expectedVersion: version });
      await t.bus.idle();
    };
    for (const id of ['r1', 'r2', 'r3']) await t.store.appendToStream(id, [requested(url(id), 'batch-r')], { expectedVersion: 'no-stream' });
    await settle('r1', failedForGood(url('r1'), 'batch-r'), 1);
    await settle('r1', { type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: { correlationId: 'batch-r', causationId: 'retry' } }, 2);
    await settle('r2', completed(url('r2'), 'batch-r'), 1);
    await settle('r3', completed(url('r3'), 'batch-r'), 1);
    expect(t.shown).toEqual([]); // r1 runs again
    await settle('r1', completed(url('r1'), 'batch-r'), 3);
    expect(t.shown.map((shown) => shown.title)).toEqual(['Semantest: 3 images saved']);
  });

  it('with batch summaries off, each download of a batch is told on its own', async () => {
    const t = setup({ notifyBulk: false, failureAlertPercent: 0 });
    for (const id of ['y1', 'y2']) await t.store.appendToStream(id, [requested(`https://img.example/${id}.jpg`, 'batch-2')], { expectedVersion: 'no-stream' });
    for (const id of ['y1', 'y2']) await t.store.appendToStream(id, [failedForGood(`https://img.example/${id}.jpg`, 'batch-2')], { expectedVersion: 1 });
    await t.bus.idle();
    expect(t.shown.map((shown) => shown.title)).toEqual(['Semantest: image not saved', 'Semantest: image not saved']);
  });

  it('a bus pass reads the batches of all its events at once, and tells the same as event by event', async () => {
    const db = openDatabase(`notifications-test-${++n}`);
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    const queries = downloadQueries(db);
    const log = notificationLog(db);
    const reads = { one: 0, many: 0 };
    const counting: NotificationLog = {
      ...log,
      batchOf: (id) => (reads.one++, log.batchOf(id)),
      batchesOf: (ids) => (reads.many++, (log.batchesOf as NonNullable<NotificationLog['batchesOf']>)(ids)),
    };
    const current = Settings.parse({ failureAlertPercent: 0 });
    const shown: string[] = [];
    const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, setTimeout: (fn, ms) => setTimeout(fn, ms), now: () => Date.now(), random: () => 0.5, wakeAt: async () => undefined });
    bus.subscribe(notificationsSubscriber({ notifications: { show: async (id, text) => void shown.push(`${id} ${text.title}`) }, settings: () => current, download: (id) => queries.get(id), now: () => Date.now(), log: counting }));
    await bus.idle();
    // A batch of 3 (two saved, one failed) and 3 single downloads (one failed), all settling in one burst.
    for (const id of ['k1', 'k2', 'k3']) await store.appendToStream(id, [requested(`https://img.example/${id}.jpg`, 'batch-k')], { expectedVersion: 'no-stream' });
    await settleAtOnce(store, [['k1', 'ok', 'batch-k'], ['s1', 'ok', 'c-s1'], ['k2', 'fail', 'batch-k'], ['s2', 'fail', 'c-s2'], ['k3', 'ok', 'batch-k'], ['s3', 'ok', 'c-s3']]);
    await bus.idle();
    expect(shown).toHaveLength(2);
    expect(shown).toEqual(expect.arrayContaining(['semantest:bulk:batch-k Semantest: 2 of 3 images saved', expect.stringMatching(/Semantest: image not saved$/)]));
    expect(reads.one).toBe(0);
    expect(reads.many).toBeLessThanOrEqual(2);
  });

  it('given single downloads the worker knows as such, when they settle, then no batch is read for them, and a batch is still summed up', async () => {
    const db = openDatabase(`notifications-test-${++n}`);
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    const queries = downloadQueries(db);
    const log = notificationLog(db);
    const reads: string[][] = [];
    const counting: NotificationLog = {
      ...log,
      batchOf: (id) => (reads.push([id]), log.batchOf(id)),
      batchesOf: (ids) => (reads.push([...ids]), (log.batchesOf as NonNullable<NotificationLog['batchesOf']>)(ids)),
    };
    const current = Settings.parse({ failureAlertPercent: 0 });
    const shown: string[] = [];
    const singles = new Set(['c-s1', 'c-s2', 'c-s3']);
    const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, setTimeout: (fn, ms) => setTimeout(fn, ms), now: () => Date.now(), random: () => 0.5, wakeAt: async () => undefined });
    bus.subscribe(
      notificationsSubscriber({
        notifications: { show: async (id, text) => void shown.push(`${id} ${text.title}`) },
        settings: () => current,
        download: (id) => queries.get(id),
        now: () => Date.now(),
        log: counting,
        knownSingle: (id) => singles.has(id),
      }),
    );
    await bus.idle();
    for (const id of ['k1', 'k2']) await store.appendToStream(id, [requested(`https://img.example/${id}.jpg`, 'batch-k')], { expectedVersion: 'no-stream' });
    await settleAtOnce(store, [['s1', 'ok', 'c-s1'], ['k1', 'ok', 'batch-k'], ['s2', 'fail', 'c-s2'], ['k2', 'ok', 'batch-k'], ['s3', 'ok', 'c-s3']]);
    await bus.idle();
    // The batch's summary and the single failure, as without the hint.
    expect(shown).toHaveLength(2);
    expect(shown).toEqual(expect.arrayContaining(['semantest:bulk:batch-k Semantest: 2 images saved', expect.stringMatching(/Semantest: image not saved$/)]));
    // Only the batch's correlation id was ever read.
    expect(reads.length).toBeGreaterThan(0);
    expect(new Set(reads.flat())).toEqual(new Set(['batch-k']));
  });

  it('bulkSummary words an all-saved batch', () => {
    const row = (streamId: string, phase: 'completed' | 'failed') => ({ streamId, phase, completedAt: 1, sourceHost: 'photos.example' }) as Parameters<typeof bulkSummary>[0][number];
    expect(bulkSummary([row('a', 'completed'), row('b', 'completed')])).toMatchObject({ text: { title: 'Semantest: 2 images saved', message: 'All saved.' }, actions: [{ action: 'show' }] });
  });
});

describe('failure-rate alert', () => {
  const outcomes = (pattern: string): Outcome[] => [...pattern].map((c, i) => ({ streamId: `s${i}`, failed: c === 'x' }));

  it('failureRateStep: raises when armed and at or over the threshold, clears when under it, needs a full window', () => {
    expect(failureRateStep(outcomes('xx'), 4, 50, true)).toBeNull();
    expect(failureRateStep(outcomes('xx..'), 4, 50, true)).toBe('raise');
    expect(failureRateStep(outcomes('xx..'), 4, 50, false)).toBeNull();
    expect(failureRateStep(outcomes('x...'), 4, 50, false)).toBe('clear');
    expect(failureRateStep(outcomes('x...'), 4, 50, true)).toBeNull();
    expect(failureRateStep(outcomes('xxxx'), 4, 0, true)).toBeNull();
  });

  it('one notification while the rate stays high, another only after it came down and went up again', async () => {
    const t = setup({ failureAlertPercent: 50, failureAlertWindow: 4, notifications: 'failures' });
    let i = 0;
    const run = async (pattern: string) => {
      for (const c of pattern) await t.download(`r${++i}`, c === 'x' ? 'fail' : 'ok');
    };
    const alerts = () => t.shown.filter((shown) => shown.id.startsWith('semantest:failure-rate:'));
    await run('..x');
    expect(alerts()).toHaveLength(0); // 1 of 3: the window is not full yet
    await run('x'); // 2 of the last 4
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]).toMatchObject({ title: 'Semantest: many downloads fail', message: expect.stringMatching(/^2 of the last 4 downloads failed/), buttons: ['Retry failed'] });
    await run('xxx');
    expect(alerts()).toHaveLength(1); // still high: not told again
    await run('...');
    expect(alerts()).toHaveLength(1); // 1 of 4: cleared (re-armed), nothing to tell
    await run('x');
    expect(alerts()).toHaveLength(1); // 1 of 4
    await run('x');
    expect(alerts()).toHaveLength(2); // 2 of 4 again
    const stream = await t.store.readStream(FAILURE_RATE_STREAM);
    expect(stream.map((event) => event.type)).toEqual(['FailureRateAlertRaised', 'FailureRateAlertCleared', 'FailureRateAlertRaised']);
    expect(stream[0]?.data).toEqual({ failed: 2, settled: 4, thresholdPercent: 50 });
    // Its Retry button retries the downloads of the window that are still failed.
    const record = (await t.sent()).find((event) => (event.data as EventData<'NotificationSent'>).kind === 'failure-rate');
    expect((record?.data as EventData<'NotificationSent'>).actions[0]?.streamIds.sort()).toEqual(['r3', 'r4']);
  });

  it('keeps the recent outcomes itself: one backwards scan of the log for a burst, the same alerts as step by step', async () => {
    const db = openDatabase(`notifications-test-${++n}`);
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    const queries = downloadQueries(db);
    const current = Settings.parse({ failureAlertPercent: 50, failureAlertWindow: 4, notifications: 'failures' });
    const log = notificationLog(db);
    let scans = 0;
    const counting: NotificationLog = { ...log, recentOutcomes: (position, count) => (scans++, log.recentOutcomes(position, count)) };
    const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, setTimeout: (fn, ms) => setTimeout(fn, ms), now: () => Date.now(), random: () => 0.5, wakeAt: async () => undefined });
    const shown: string[] = [];
    bus.subscribe(notificationsSubscriber({ notifications: { show: async (id) => void shown.push(id) }, settings: () => current, download: (id) => queries.get(id), now: () => Date.now(), log: counting }));
    let i = 0;
    // ..xx → raised (2 of 4); x.x. stays high; .... → cleared.
    for (const c of '..xxx.x.....') {
      const id = `b${++i}`;
      const url = `https://img.example/${id}.jpg`;
      await store.appendToStream(id, [requested(url, `c-${id}`), c === 'x' ? failedForGood(url, `c-${id}`) : completed(url, `c-${id}`)], { expectedVersion: 'no-stream' });
    }
    await bus.idle();
    const stream = await store.readStream(FAILURE_RATE_STREAM);
    expect(stream.map((event) => event.type)).toEqual(['FailureRateAlertRaised', 'FailureRateAlertCleared']);
    expect(shown.filter((id) => id.startsWith('semantest:failure-rate:'))).toHaveLength(1);
    expect(scans).toBeLessThanOrEqual(2);
  });

  it('a download retried until it worked counts once, by its newest outcome; off at 0 %', async () => {
    const t = setup({ failureAlertPercent: 50, failureAlertWindow: 2 });
    await t.download('p1', 'fail');
    await t.store.appendToStream('p1', [{ type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: { correlationId: 'retry', causationId: 'cmd' } }], { expectedVersion: 2 });
    await t.store.appendToStream('p1', [completed('https://img.example/p1.jpg', 'retry')], { expectedVersion: 3 });
    await t.bus.idle();
    const last = (await t.db.events.toArray()).at(-1) as StoredEvent;
    expect(await t.log.recentOutcomes(last.position, 10)).toEqual([{ streamId: 'p1', failed: false }]);
    // The handler's own list agrees: one download, the window of 2 is not full, no alert.
    expect(await t.store.readStream(FAILURE_RATE_STREAM)).toEqual([]);

    const off = setup({ failureAlertPercent: 0, failureAlertWindow: 2 });
    await off.download('q1', 'fail');
    await off.download('q2', 'fail');
    expect(off.shown.filter((shown) => shown.id.startsWith('semantest:failure-rate:'))).toEqual([]);
  });

  it('tells nothing at all when notifications are off', async () => {
    const t = setup({ notifications: 'none', failureAlertPercent: 50, failureAlertWindow: 2 });
    await t.download('z1', 'fail', 'b');
    await t.download('z2', 'fail', 'b');
    expect(t.shown).toEqual([]);
    expect(await t.sent()).toEqual([]);
  });
});
