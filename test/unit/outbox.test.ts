/** The integrations outbox: CloudEvents mapping, URL rules, and the delivery loop against a fake receiver. */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../src/store/memory-event-store.ts';
import type { NewEvent } from '../../src/store/event-store.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import { batchBody, CLOUDEVENTS_BATCH_CONTENT_TYPE, cloudEventSource, originPattern, outboxUrlProblem, toCloudEvent, type CloudEvent } from '../../src/outbox/cloudevents.ts';
import { classifyAnswer, Outbox, outboxStatus, type OutboxCheckpoint, type OutboxConfig } from '../../src/outbox/outbox.ts';
import { handleOutboxRequest, isOutboxMessage } from '../../src/outbox/protocol.ts';
import { Settings, migrateSettings } from '../../src/shared/settings.ts';

const SOURCE = cloudEventSource('abcdefghijklmnopabcdefghijklmnop');
const meta = (correlationId = 'corr-1', causationId = 'cmd-1') => ({ correlationId, causationId });
const requested = (url: string): NewEvent => ({ type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline' }, metadata: meta() });
const paused: NewEvent = { type: 'DownloadPaused', data: {}, metadata: meta() };

interface Post {
  url: string;
  body: CloudEvent[];
  headers: Record<string, string>;
}

/** A receiver that answers from a script of statuses (then 200), or throws for 'network'. */
function receiver(script: (number | 'network')[] = []) {
  const posts: Post[] = [];
  const accepted: CloudEvent[] = [];
  return {
    posts,
    accepted,
    http: {
      post: async (url: string, body: string, options: { headers: Record<string, string>; timeoutMs: number }) => {
        const parsed = JSON.parse(body) as CloudEvent[];
        posts.push({ url, body: parsed, headers: options.headers });
        const next = script.shift() ?? 200;
        if (next === 'network') throw new TypeError('Failed to fetch');
        if (next >= 200 && next < 300) accepted.push(...parsed);
        return { status: next };
      },
    },
  };
}

function setup(config: Partial<OutboxConfig> = {}, script: (number | 'network')[] = [], options: { mayReach?: boolean } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const store = new InMemoryEventStore({ projection: downloadsProjection, now: () => clock.now, newId: () => crypto.randomUUID() });
  let row: OutboxCheckpoint | undefined;
  let failSave = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const wakes: number[] = [];
  const current: OutboxConfig = { enabled: true, url: 'https://hooks.example/in', batchSize: 100, maxAttempts: 4, ...config };
  const rx = receiver(script);
  const outbox = new Outbox({
    readAll: (after, limit) => store.readAll(after, limit),
    checkpoints: {
      load: async () => row,
      save: async (next) => {
        if (failSave > 0) {
          failSave -= 1;
          throw new Error('worker stopped');
        }
        row = structuredClone(next);
      },
    },
    http: rx.http,
    config: () => current,
    source: SOURCE,
    mayReach: async () => options.mayReach ?? true,
    now: () => clock.now,
    random: () => 0.5,
    wakeAt: async (when) => void wakes.push(when),
    setTimeout: (fn, ms) => timers.push({ at: clock.now + ms, fn }),
    policy: { maxRetries: Infinity, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.2 },
  });
  store.onAppended(() => outbox.poke());
  /** Moves the clock to the next timer and fires it. */
  const tick = async (): Promise<boolean> => {
    await outbox.idle();
    timers.sort((a, b) => a.at - b.at);
    const next = timers.shift();
    if (!next) return false;
    clock.now = Math.max(clock.now, next.at);
    next.fn();
    await outbox.idle();
    return true;
  };
  return { clock, store, outbox, rx, current, wakes, timers, tick, row: () => row, failNextSave: () => void (failSave += 1) };
}

let streams = 0;
async function appendDownloads(store: InMemoryEventStore, count: number): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const result = await store.appendToStream(`d${++streams}`, [requested(`https://img.example/${i}.jpg`), paused], { expectedVersion: 'no-stream' });
    all.push(...result.events);
  }
  return all;
}

describe('CloudEvents mapping', () => {
  it('maps a stored event to a CloudEvents 1.0 event: id = eventId, type, source, subject, time, extensions', async () => {
    const store = new InMemoryEventStore({ projection: downloadsProjection, now: () => Date.UTC(2026, 10, 27, 12, 0, 0), newId: () => crypto.randomUUID() });
    const [event] = (await store.appendToStream('stream-1', [{ ...requested('https://img.example/a.jpg'), metadata: meta('corr-9', 'cause-9') }], { expectedVersion: 'no-stream' })).events;
    const ce = toCloudEvent(event as StoredEvent, SOURCE);
    expect(ce).toEqual({
      specversion: '1.0',
      id: event?.eventId,
      source: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/',
      type: 'dev.semantest.GoogleImageDownloadRequested',
      subject: 'stream-1',
      time: '2026-11-27T12:00:00.000Z',
      datacontenttype: 'application/json',
      data: { imageUrl: 'https://img.example/a.jpg', strategy: 'udm2_inline' },
      correlationid: 'corr-9',
      causationid: 'cause-9',
      schemaversion: 2,
      position: 1,
    });
    // Extension attribute names: lowercase a-z and digits only (CloudEvents 1.0, "Attribute Naming Convention").
    for (const name of Object.keys(ce)) expect(name).toMatch(/^[a-z0-9]+$/);
  });

  it('cuts batches by count and by size, but always sends at least one event', async () => {
    const store = new InMemoryEventStore({ projection: downloadsProjection });
    const events = await appendDownloads(store, 5);
    expect(batchBody(events, SOURCE, 3, 1e9).events).toHaveLength(3);
    const one = JSON.stringify(toCloudEvent(events[0] as StoredEvent, SOURCE)).length;
    expect(batchBody(events, SOURCE, 100, one * 2 + 5).events).toHaveLength(2);
    expect(batchBody(events, SOURCE, 100, 10).events).toHaveLength(1);
    const { body } = batchBody(events, SOURCE, 100, 1e9);
    expect((JSON.parse(body) as CloudEvent[]).map((ce) => ce.position)).toEqual(events.map((event) => event.position));
  });

  it('accepts https anywhere and http only to this computer; no credentials, no other schemes', () => {
    expect(outboxUrlProblem('https://hooks.example/in')).toBeNull();
    expect(outboxUrlProblem('http://127.0.0.1:8080/in')).toBeNull();
    expect(outboxUrlProblem('http://localhost/in')).toBeNull();
    expect(outboxUrlProblem('http://[::1]:9/in')).toBeNull();
    expect(outboxUrlProblem('http://hooks.example/in')).toMatch(/only allowed to this computer/);
    expect(outboxUrlProblem('http://127.0.0.1.evil.example/in')).toMatch(/only allowed/);
    expect(outboxUrlProblem('https://user:secret@hooks.example/')).toMatch(/user name or password/);
    expect(outboxUrlProblem('ftp://hooks.example/')).toMatch(/Only https/);
    expect(outboxUrlProblem('javascript:alert(1)')).toMatch(/Only https/);
    expect(outboxUrlProblem('not a url')).toMatch(/not a web address/);
    expect(originPattern('http://127.0.0.1:8080/in?x=1')).toBe('http://127.0.0.1/*');
  });

  it('settings: the outbox is off by default, old stored settings still parse, a bad URL is refused', () => {
    expect(Settings.parse({})).toMatchObject({ outboxEnabled: false, outboxUrl: '', notifyBulk: true, failureAlertPercent: 50, failureAlertWindow: 10 });
    const old = migrateSettings({ version: 1, settings: { folder: 'Pictures', notifications: 'all' } });
    expect(old).toMatchObject({ folder: 'Pictures', notifications: 'all', outboxEnabled: false, outboxUrl: '' });
    expect(Settings.safeParse({ outboxUrl: 'http://hooks.example/' }).success).toBe(false);
    expect(migrateSettings({ version: 1, settings: { outboxEnabled: true, outboxUrl: 'http://evil.example/' } })).toMatchObject({ outboxEnabled: true, outboxUrl: '' });
  });

  it('classifies answers: 2xx delivered, 408/429/5xx retried, other 4xx and redirects stop', () => {
    expect(classifyAnswer(202)).toEqual({ ok: true });
    for (const status of [408, 429, 500, 503]) expect(classifyAnswer(status)).toMatchObject({ ok: false, retryable: true });
    for (const status of [0, 400, 401, 404, 413]) expect(classifyAnswer(status)).toMatchObject({ ok: false, retryable: false });
  });
});

describe('the outbox', () => {
  it('sends nothing while off or without a valid URL; the checkpoint stays at 0', async () => {
    const off = setup({ enabled: false });
    await appendDownloads(off.store, 2);
    await off.outbox.idle();
    expect(off.rx.posts).toEqual([]);
    const bad = setup({ url: 'http://hooks.example/in' });
    await appendDownloads(bad.store, 2);
    await bad.outbox.idle();
    expect(bad.rx.posts).toEqual([]);
    expect(outboxStatus(off.row(), { enabled: false })).toEqual({ state: 'off', position: 0 });
  });

  it('fails twice (500, network), then delivers every event once, in order, and moves the checkpoint to the end', async () => {
    const t = setup({}, [500, 'network']);
    t.outbox.poke(); // nothing yet
    const events = await appendDownloads(t.store, 3);
    await t.outbox.idle();
    // First attempt failed: a retry is due after the backoff, with an alarm for a stopped worker.
    expect(t.row()?.retry).toMatchObject({ attempts: 1, error: 'The receiver answered HTTP 500.' });
    expect(t.row()?.position).toBe(0);
    expect(t.wakes).toHaveLength(1);
    while (await t.tick());
    expect(t.rx.posts.length).toBeGreaterThanOrEqual(3);
    expect(t.rx.posts.every((post) => post.headers['content-type'] === CLOUDEVENTS_BATCH_CONTENT_TYPE && post.url === 'https://hooks.example/in')).toBe(true);
    expect(t.rx.accepted.map((ce) => ce.id)).toEqual(events.map((event) => event.eventId));
    expect(t.row()).toMatchObject({ position: events.at(-1)?.position, retry: undefined });
    expect(outboxStatus(t.row(), { enabled: true })).toEqual({ state: 'idle', position: 6 });
  });

  it('backs off exponentially with jitter between attempts', async () => {
    const t = setup({ maxAttempts: 10 }, [503, 503, 503]);
    await appendDownloads(t.store, 1);
    await t.outbox.idle();
    const gaps: number[] = [];
    while (t.row()?.retry) {
      // The delay from the failure (the row's updatedAt) to the attempt it set.
      gaps.push((t.row()?.retry?.dueAt as number) - (t.row()?.updatedAt as number));
      await t.tick();
    }
    // random 0.5 = no jitter: 1 s, 2 s, 4 s.
    expect(gaps).toEqual([1000, 2000, 4000]);
    expect(t.rx.accepted).toHaveLength(2);
  });

  it('stops after maxAttempts (its dead-letter state), keeps the error; retry resumes, skip passes the batch over', async () => {
    const t = setup({ maxAttempts: 2, batchSize: 2 }, [500, 500, 500, 500]);
    const events = await appendDownloads(t.store, 2);
    while (await t.tick());
    const status = outboxStatus(t.row(), { enabled: true });
    expect(status).toMatchObject({ state: 'stopped', attempts: 2, error: 'The receiver answered HTTP 500.', failedThrough: 2, position: 0 });
    expect(t.rx.posts).toHaveLength(2);
    // New events do not overtake the stopped batch.
    await appendDownloads(t.store, 1);
    await t.outbox.idle();
    expect(t.rx.posts).toHaveLength(2);

    // Retry: a fresh count of attempts, two more failures, stopped again.
    expect(await t.outbox.resume()).toBe(true);
    while (await t.tick());
    expect(outboxStatus(t.row(), { enabled: true }).state).toBe('stopped');
    expect(t.rx.posts).toHaveLength(4);

    // Skip: the failed batch (events 1-2) is given up; the rest is delivered.
    expect(await t.outbox.skip()).toBe(true);
    while (await t.tick());
    expect(t.rx.accepted.map((ce) => ce.position)).toEqual([3, 4, 5, 6]);
    expect(t.row()).toMatchObject({ position: 6, retry: undefined });
    expect(events).toHaveLength(4);
  });

  it('stops at once on an answer that will not change (400, redirect) and when the origin may not be reached', async () => {
    const t = setup({ maxAttempts: 5 }, [400]);
    await appendDownloads(t.store, 1);
    await t.outbox.idle();
    expect(outboxStatus(t.row(), { enabled: true })).toMatchObject({ state: 'stopped', attempts: 1, error: 'The receiver refused the events (HTTP 400).' });
    expect(t.timers).toEqual([]);

    const r = setup({}, [0]);
    await appendDownloads(r.store, 1);
    await r.outbox.idle();
    expect(outboxStatus(r.row(), { enabled: true })).toMatchObject({ state: 'stopped', error: expect.stringMatching(/redirect/) });

    const p = setup({}, [], { mayReach: false });
    await appendDownloads(p.store, 1);
    await p.outbox.idle();
    expect(p.rx.posts).toEqual([]);
    expect(outboxStatus(p.row(), { enabled: true })).toMatchObject({ state: 'stopped', error: expect.stringMatching(/may not reach https:\/\/hooks.example/) });
  });

  it('is at least once: a stop between the accepted POST and the checkpoint write sends that batch again (same ids)', async () => {
    const t = setup();
    t.failNextSave();
    const events = await appendDownloads(t.store, 1);
    await t.outbox.idle();
    expect(t.row()).toBeUndefined();
    t.outbox.poke(); // the restarted worker
    await t.outbox.idle();
    const ids = t.rx.accepted.map((ce) => ce.id);
    expect(ids).toEqual([...events.map((event) => event.eventId), ...events.map((event) => event.eventId)]);
    expect(new Set(ids).size).toBe(events.length);
    expect(t.row()?.position).toBe(events.at(-1)?.position);
  });

  it('batches what piled up while a POST was in flight, and sends only to the configured URL', async () => {
    const t = setup({ batchSize: 50 });
    await appendDownloads(t.store, 20);
    await t.outbox.idle();
    expect(t.rx.accepted).toHaveLength(40);
    expect(t.rx.posts.length).toBeLessThan(20);
    expect(new Set(t.rx.posts.map((post) => post.url))).toEqual(new Set(['https://hooks.example/in']));
  });

  it('restart: from the start sends everything again; from now skips the history', async () => {
    const t = setup();
    await appendDownloads(t.store, 2);
    await t.outbox.idle();
    expect(t.rx.accepted).toHaveLength(4);
    const reply = await handleOutboxRequest({ type: 'outbox.restart', from: 'start' }, t.outbox, async () => 4);
    expect(reply).toEqual({ ok: true, done: true });
    await t.outbox.idle();
    expect(t.rx.accepted).toHaveLength(8);
    t.current.enabled = false;
    await appendDownloads(t.store, 1);
    await handleOutboxRequest({ type: 'outbox.restart', from: 'now' }, t.outbox, async () => 6);
    t.current.enabled = true;
    t.outbox.poke();
    await t.outbox.idle();
    expect(t.rx.accepted).toHaveLength(8);
    expect(await handleOutboxRequest({ type: 'outbox.explode' }, t.outbox, async () => 0)).toMatchObject({ ok: false });
    expect(await handleOutboxRequest({ type: 'outbox.resume' }, t.outbox, async () => 0)).toEqual({ ok: true, done: false });
    expect(isOutboxMessage({ type: 'outbox.skip' })).toBe(true);
    expect(isOutboxMessage({ type: 'download.retry' })).toBe(false);
  });

  it('passes over imported history unless the user asked for it; holds every send while work runs', async () => {
    const t = setup({ batchSize: 3 });
    t.current.enabled = false;
    const own = await appendDownloads(t.store, 1);
    const imported = (await t.store.appendToStream('elsewhere', [{ ...requested('https://img.example/old.jpg'), metadata: { ...meta(), imported: { at: 1 } } }], { expectedVersion: 'no-stream' })).events;
    const later = await appendDownloads(t.store, 1);
    t.current.enabled = true;
    t.outbox.poke();
    await t.outbox.idle();
    expect(t.rx.accepted.map((ce) => ce.id)).toEqual([...own, ...later].map((event) => event.eventId));
    expect(t.row()?.position).toBe(later.at(-1)?.position);
    // Asked for: sent from then on (history already passed over stays passed over, unless restarted from the start).
    t.current.sendImported = true;
    await handleOutboxRequest({ type: 'outbox.restart', from: 'start' }, t.outbox, async () => 0);
    await t.outbox.idle();
    expect(t.rx.accepted.map((ce) => ce.id)).toContain(imported[0]?.eventId);
    // While held, nothing is sent; after, what waited goes.
    const before = t.rx.posts.length;
    await t.outbox.whileHeld(async () => {
      await appendDownloads(t.store, 1);
      await t.outbox.idle();
      expect(t.rx.posts.length).toBe(before);
    });
    await t.outbox.idle();
    expect(t.rx.posts.length).toBe(before + 1);
  });
});
