/** Context menu, toolbar badge and notifications: the worker side, against the real store and bus (fake-indexeddb). */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { downloadQueries } from '../../src/store/download-queries.ts';
import { dexieBusStorage } from '../../src/bus/dexie-bus-storage.ts';
import { EventBus } from '../../src/bus/subscriptions.ts';
import { badgeSubscriber, badgeText } from '../../src/projections/badge.ts';
import { notificationsSubscriber, NOTIFY_WITHIN_MS } from '../../src/background/notifications.ts';
import { CONTEXT_MENU_ID, handleContextMenuClick } from '../../src/background/context-menu.ts';
import { Settings } from '../../src/shared/settings.ts';
import type { FailureCode, ImageCandidate } from '../../src/domain/events.ts';
import type { NewEvent } from '../../src/store/event-store.ts';
import { exportNdjson } from '../../src/store/event-log-io.ts';
import { importNdjson } from '../../src/store/import-log.ts';
import { metricsSubscriber, type MetricsRowV2 } from '../../src/projections/metrics.ts';

let n = 0;
const meta = { correlationId: 'corr', causationId: 'cause' };
const requested = (url: string): NewEvent => ({ type: 'GoogleImageDownloadRequested', data: { imageUrl: url, sourcePageUrl: 'https://photos.example/page', strategy: 'context_menu' }, metadata: meta });
const failed = (url: string, final: { deadLettered?: boolean; nextAttemptAt?: number | null; code?: FailureCode; retryable?: boolean; error?: string } = {}): NewEvent => ({
  type: 'GoogleImageDownloadFailed',
  data: {
    imageUrl: url,
    error: final.error ?? 'The image server had an error (HTTP 503).',
    code: final.code ?? 'http_server_error',
    retryable: final.retryable ?? true,
    attempt: 1,
    nextAttemptAt: final.nextAttemptAt === undefined ? null : final.nextAttemptAt,
    deadLettered: final.deadLettered ?? false,
  },
  metadata: meta,
});
const retryRequested: NewEvent = { type: 'GoogleImageDownloadRetryRequested', data: {}, metadata: meta };
const completed = (url: string): NewEvent => ({
  type: 'GoogleImageDownloadCompleted',
  data: { imageUrl: url, filePath: '/home/u/Downloads/Semantest/cat.jpg', fileSize: 10, downloadTime: 5, mimeType: 'image/jpeg' },
  metadata: meta,
});

function setup(settings: Partial<Settings> = {}, clock: { now: number } = { now: Date.now() }) {
  const db = openDatabase(`beyond-test-${++n}`);
  const store = new DexieEventStore(db, { projection: downloadsProjection });
  const queries = downloadQueries(db);
  // checkpointDelayMs 0: the checkpoint batching is bus.test.ts's; here it would only make idle() wait. The clock
  // stands still, so every pass would look recent to the bus: busyBatchDelayMs 0 keeps its passes prompt.
  const bus = new EventBus({ storage: dexieBusStorage(db), store, checkpointDelayMs: 0, setTimeout: (fn, ms) => setTimeout(fn, ms), busyBatchDelayMs: 0, now: () => clock.now, random: () => 0.5, wakeAt: async () => undefined, policy: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 10, jitter: 0 } });
  const badges: string[] = [];
  const shown: { id: string; title: string; message: string; contextMessage?: string }[] = [];
  const current = Settings.parse(settings);
  const badge = badgeSubscriber({ deadLettered: () => queries.deadLettered(), badge: { show: async (text) => void badges.push(text) } });
  const notifications = notificationsSubscriber({
    notifications: { show: async (id, text) => void shown.push({ id, ...text }) },
    settings: () => current,
    download: (id) => queries.get(id),
    now: () => clock.now,
  });
  return { db, store, bus, badge, notifications, badges, shown, current };
}

describe('context menu', () => {
  const run = async (click: Parameters<typeof handleContextMenuClick>[0], tabId: number | null = 7) => {
    const requests: { image: ImageCandidate; commandId: string; tabId: number | null }[] = [];
    const warnings: string[] = [];
    const outcome = await handleContextMenuClick(click, tabId, {
      saga: { request: async (image, commandId, tab) => (requests.push({ image, commandId, tabId: tab }), { streamId: 's1', joined: false }) },
      newId: () => 'command-1',
      warn: (message) => void warnings.push(message),
    });
    return { outcome, requests, warnings };
  };

  it('asks the saga for the clicked image, strategy context_menu, with its page and tab', async () => {
    const { outcome, requests } = await run({ menuItemId: CONTEXT_MENU_ID, srcUrl: 'https://cdn.example/a/cat.jpg', pageUrl: 'https://blog.example/post', mediaType: 'image' });
    expect(outcome.ok).toBe(true);
    expect(requests).toEqual([
      { image: { imageUrl: 'https://cdn.example/a/cat.jpg', strategy: 'context_menu', sourcePageUrl: 'https://blog.example/post', pageUrl: 'https://blog.example/post' }, commandId: 'command-1', tabId: 7 },
    ]);
  });

  it('takes the frame the image is in as its source page, and leaves out pages that are not on the web', async () => {
    const inFrame = await run({ menuItemId: CONTEXT_MENU_ID, srcUrl: 'http://img.example/x.png', pageUrl: 'https://top.example/', frameUrl: 'https://frame.example/gallery' }, null);
    expect(inFrame.requests[0]).toMatchObject({ image: { sourcePageUrl: 'https://frame.example/gallery', pageUrl: 'https://top.example/' }, tabId: null });
    const local = await run({ menuItemId: CONTEXT_MENU_ID, srcUrl: 'http://img.example/x.png', pageUrl: 'file:///home/u/page.html' });
    expect(local.requests[0]?.image).toEqual({ imageUrl: 'http://img.example/x.png', strategy: 'context_menu' });
  });

  it.each([
    ['data:image/png;base64,iVBORw0KGgo=', /not data: addresses/],
    ['blob:https://a.example/1234', /not blob: addresses/],
    ['file:///home/u/cat.jpg', /not file: addresses/],
    ['https://user:pw@a.example/cat.jpg', /user name or password/],
    [undefined, /no address/],
  ])('refuses %s in words and requests nothing', async (srcUrl, words) => {
    const { outcome, requests, warnings } = await run({ menuItemId: CONTEXT_MENU_ID, ...(srcUrl !== undefined ? { srcUrl } : {}), pageUrl: 'https://a.example/' });
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(words) });
    expect(requests).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(words);
  });

  it('ignores a click on an entry that is not ours', async () => {
    const { outcome, requests, warnings } = await run({ menuItemId: 'someone-else', srcUrl: 'https://a.example/cat.jpg' });
    expect(outcome.ok).toBe(false);
    expect(requests).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe('badge', () => {
  it('counts dead-lettered, not discarded downloads; empty at 0', async () => {
    expect([0, 1, 12, 1000].map(badgeText)).toEqual(['', '1', '12', '999+']);
    const t = setup();
    t.bus.subscribe(t.badge);
    await t.store.appendToStream('a', [requested('https://i.example/a.jpg'), failed('https://i.example/a.jpg', { nextAttemptAt: Date.now() + 1000 })], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    expect(t.badges.at(-1)).toBe('');
    await t.store.appendToStream('a', [failed('https://i.example/a.jpg', { deadLettered: true })], { expectedVersion: 2 });
    await t.store.appendToStream('b', [requested('https://i.example/b.jpg'), failed('https://i.example/b.jpg', { deadLettered: true })], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    expect(t.badges.at(-1)).toBe('2');
    await t.store.appendToStream('a', [retryRequested], { expectedVersion: 3 });
    await t.bus.idle();
    expect(t.badges.at(-1)).toBe('1');
    await t.store.appendToStream('dead-letter-queue', [{ type: 'DeadLetterDiscarded', data: { downloadId: 'b' }, metadata: meta }], { expectedVersion: 'any' });
    await t.bus.idle();
    expect(t.badges.at(-1)).toBe('');
  });

  it('sets nothing while replaying; refresh() sets the count at start-up', async () => {
    const t = setup();
    await t.store.appendToStream('a', [requested('https://i.example/a.jpg'), failed('https://i.example/a.jpg', { deadLettered: true })], { expectedVersion: 'no-stream' });
    t.bus.subscribe(t.badge);
    await t.bus.idle();
    const before = t.badges.length;
    await t.bus.replay('badge');
    expect(t.badges).toHaveLength(before);
    await t.badge.refresh();
    expect(t.badges.at(-1)).toBe('1');
  });
});

describe('notifications', () => {
  it('tells of a download that failed for good: the file, the site and the reason in words; one per event', async () => {
    const t = setup();
    t.bus.subscribe(t.notifications);
    const url = 'https://i.example/gone/cat.jpg';
    await t.store.appendToStream('a', [requested(url), failed(url, { code: 'http_client_error', retryable: false, error: 'The original image is no longer on its server (HTTP 404).' })], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    expect(t.shown).toHaveLength(1);
    expect(t.shown[0]).toMatchObject({ title: 'Semantest: image not saved', message: 'The original image is no longer on its server (HTTP 404).', contextMessage: 'cat.jpg from photos.example' });
    expect(t.shown[0]?.id).toMatch(/^semantest:/);
  });

  it('waits for the last retry: a retryable failure with a next attempt is not told, the dead-lettered one is', async () => {
    const t = setup();
    t.bus.subscribe(t.notifications);
    const url = 'https://i.example/a.jpg';
    await t.store.appendToStream('a', [requested(url), failed(url, { nextAttemptAt: Date.now() + 1000 })], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    expect(t.shown).toEqual([]);
    await t.store.appendToStream('a', [failed(url, { deadLettered: true })], { expectedVersion: 2 });
    await t.bus.idle();
    expect(t.shown).toHaveLength(1);
    expect(t.shown[0]?.message).toMatch(/server had an error.*options page/);
  });

  it('tells nothing when the setting is none, for a cancel, while replaying, or for old news', async () => {
    const off = setup({ notifications: 'none' });
    off.bus.subscribe(off.notifications);
    await off.store.appendToStream('a', [requested('https://i.example/a.jpg'), failed('https://i.example/a.jpg', { retryable: false, code: 'http_client_error' })], { expectedVersion: 'no-stream' });
    await off.bus.idle();
    expect(off.shown).toEqual([]);

    const t = setup();
    t.bus.subscribe(t.notifications);
    await t.store.appendToStream('c', [requested('https://i.example/c.jpg'), failed('https://i.example/c.jpg', { retryable: false, code: 'user_canceled' })], { expectedVersion: 'no-stream' });
    await t.store.appendToStream('d', [requested('https://i.example/d.jpg'), completed('https://i.example/d.jpg')], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    expect(t.shown).toEqual([]); // a cancel is the user's own doing; a success is told only with `all`

    const clock = { now: Date.now() };
    const late = setup({}, clock);
    await late.store.appendToStream('e', [requested('https://i.example/e.jpg'), failed('https://i.example/e.jpg', { retryable: false, code: 'http_client_error' })], { expectedVersion: 'no-stream' });
    clock.now += 2 * NOTIFY_WITHIN_MS;
    late.bus.subscribe(late.notifications);
    await late.bus.idle();
    expect(late.shown).toEqual([]);
    clock.now -= 2 * NOTIFY_WITHIN_MS; // recent again: only `replaying` keeps it quiet now
    await late.bus.replay('notifications');
    expect(late.shown).toEqual([]);
  });

  it('with "all", also tells of a saved image', async () => {
    const t = setup({ notifications: 'all' });
    t.bus.subscribe(t.notifications);
    await t.store.appendToStream('d', [requested('https://i.example/d.jpg'), completed('https://i.example/d.jpg')], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    expect(t.shown).toEqual([expect.objectContaining({ title: 'Semantest: image saved', message: 'cat.jpg', contextMessage: 'photos.example' })]);
  });
});

describe('imported history and forged dates are no news (issue #17)', () => {
  /** A log of another browser in which `a` failed for good (dead-lettered) and `b` was saved. */
  async function otherLog(): Promise<string> {
    const other = setup();
    await other.store.appendToStream('a', [requested('https://i.example/a.jpg'), failed('https://i.example/a.jpg', { deadLettered: true })], { expectedVersion: 'no-stream' });
    await other.store.appendToStream('b', [requested('https://i.example/b.jpg'), completed('https://i.example/b.jpg')], { expectedVersion: 'no-stream' });
    return (await exportNdjson(other.db)).join('');
  }

  it('an imported failure is not told, not counted in the badge, the failure rate or the monitoring counters', async () => {
    const t = setup({ notifications: 'all', failureAlertPercent: 1, failureAlertWindow: 2 });
    t.bus.subscribe(t.badge);
    t.bus.subscribe(t.notifications);
    t.bus.subscribe(metricsSubscriber(t.db));
    const report = await importNdjson(t.db, await otherLog(), { projection: downloadsProjection, now: Date.now() });
    expect(report.taken).toBe(4);
    t.bus.poke();
    await t.bus.idle();
    expect(t.shown).toEqual([]);
    expect(t.badges.filter((text) => text !== '')).toEqual([]);
    await t.badge.refresh();
    expect(t.badges.at(-1)).toBe('');
    const rows = (await t.db.metrics.toArray()) as MetricsRowV2[];
    expect(rows.filter((row) => row.minute >= 0)).toEqual([]);
    // The watermark moved past them all the same: they are passed over, not waiting.
    expect(rows.find((row) => row.minute < 0)?.appended).toBe(4);
  });

  it('an event dated ahead of the clock is not told (a forged date would pass the ten-minute window)', async () => {
    const t = setup({}, { now: Date.now() - 60 * 60_000 });
    t.bus.subscribe(t.notifications);
    await t.store.appendToStream('a', [requested('https://i.example/a.jpg'), failed('https://i.example/a.jpg', { retryable: false, code: 'http_client_error' })], { expectedVersion: 'no-stream' });
    await t.bus.idle();
    expect(t.shown).toEqual([]);
  });
});
