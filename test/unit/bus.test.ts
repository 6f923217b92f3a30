/** The bus: durable subscriptions with checkpoints, retries, sequenced dead letters, replay, correlation flow. */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { dexieBusStorage } from '../../src/bus/dexie-bus-storage.ts';
import { EventBus, type Subscriber } from '../../src/bus/subscriptions.ts';
import { metricsSubscriber } from '../../src/projections/metrics.ts';
import type { NewEvent } from '../../src/store/event-store.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import { FakeClock } from '../fakes/clock.ts';

let n = 0;
const meta = { correlationId: 'corr', causationId: 'cause' };
const requested = (url: string): NewEvent => ({ type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline' }, metadata: meta });
const paused: NewEvent = { type: 'DownloadPaused', data: {}, metadata: meta };

/** `baseDelayMs`: the first retry's delay (fake time; a test that looks between two retries wants it wide). */
function setup(baseDelayMs = 20) {
  const db = openDatabase(`bus-test-${++n}`);
  const store = new DexieEventStore(db, { projection: downloadsProjection });
  const wakes: number[] = [];
  const make = () =>
    new EventBus({ storage: dexieBusStorage(db), store, now: clock.now, setTimeout: clock.setTimeout, random: () => 0.5, wakeAt: async (when) => void wakes.push(when), policy: { maxRetries: 3, baseDelayMs, maxDelayMs: 1000, jitter: 0.2 } });
  return { db, store, bus: make(), make, wakes };
}

/** Between two retries of a failing handler: the checkpoint as first seen with a retry pending. */
async function pendingRetry(bus: EventBus, id: string): Promise<Awaited<ReturnType<EventBus['checkpoint']>>> {
  let seen: Awaited<ReturnType<EventBus['checkpoint']>>;
  await until(async () => (seen = await bus.checkpoint(id))?.retry !== undefined);
  return seen;
}

/**
 * The bus's timers (batch delays, retries, checkpoint writes) run on the clock it is given, which the test moves;
 * IndexedDB (fake-indexeddb, on setImmediate) on real turns of the event loop. Each step lets IndexedDB work, then
 * moves the clock 5 ms.
 */
let clock = new FakeClock();
const step = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve));
  await clock.advance(5);
};

/** Steps until `check` holds; `timeout` is in fake milliseconds. */
const until = async (check: () => Promise<boolean> | boolean, timeout = 3000): Promise<void> => {
  const start = clock.now();
  while (!(await check())) {
    if (clock.now() - start > timeout) throw new Error('timed out');
    await step();
  }
};

/** Steps until `promise` settles (it waits on the bus's timers). */
async function drive<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const result = promise.finally(() => void (settled = true));
  while (!settled) await step();
  return result;
}

const sleep = (ms: number): Promise<void> => drive(new Promise((resolve) => clock.setTimeout(() => resolve(), ms)));

beforeEach(() => {
  clock = new FakeClock();
});

function recorder(id: string, fail?: (event: StoredEvent) => boolean): Subscriber & { seen: StoredEvent[] } {
  const seen: StoredEvent[] = [];
  return {
    id,
    seen,
    async handle(event) {
      if (fail?.(event)) throw new Error(`cannot handle ${event.streamId}#${event.version}`);
      seen.push(event);
    },
  };
}

describe('EventBus', () => {
  it('catches up from position 0, then follows new appends in order; the checkpoint equals the last handled', async () => {
    const t = setup();
    await t.store.appendToStream('a', [requested('https://i.test/a')], { expectedVersion: 'no-stream' });
    const sub = recorder('r');
    t.bus.subscribe(sub);
    await t.store.appendToStream('b', [requested('https://i.test/b')], { expectedVersion: 'no-stream' });
    await t.store.appendToStream('a', [paused], { expectedVersion: 1 });
    await until(() => sub.seen.length === 3);
    await drive(t.bus.idle());
    expect(sub.seen.map((e) => e.position)).toEqual([1, 2, 3]);
    expect((await t.bus.checkpoint('r'))?.position).toBe(3);
  });

  it('retries a failing handler with growing delays; the checkpoint never runs ahead of it', async () => {
    const t = setup(300);
    let failures = 0;
    const sub = recorder('r', (event) => event.streamId === 'a' && failures++ < 2);
    t.bus.subscribe(sub);
    await t.store.appendToStream('a', [requested('https://i.test/a')], { expectedVersion: 'no-stream' });
    const pending = await pendingRetry(t.bus, 'r');
    expect(pending).toMatchObject({ position: 0, retry: { position: 1, attempts: 1 } });
    expect(t.wakes).toHaveLength(1);
    await until(() => sub.seen.length === 1);
    await drive(t.bus.idle());
    expect(failures).toBe(3);
    expect(await t.bus.checkpoint('r')).toMatchObject({ position: 1, retry: undefined });
  });

  it('dead-letters after the last attempt and parks later events of that stream behind it, not other streams', async () => {
    const t = setup();
    let broken = true;
    const sub = recorder('r', (event) => broken && event.streamId === 'a' && event.version === 1);
    t.bus.subscribe(sub);
    await t.store.appendToStream('a', [requested('https://i.test/a')], { expectedVersion: 'no-stream' });
    await t.store.appendToStream('b', [requested('https://i.test/b')], { expectedVersion: 'no-stream' });
    await t.store.appendToStream('a', [paused], { expectedVersion: 1 });
    await until(async () => (await t.bus.checkpoint('r'))?.position === 3, 5000);
    await drive(t.bus.idle());
    expect(sub.seen.map((e) => `${e.streamId}#${e.version}`)).toEqual(['b#1']);
    const letters = await t.bus.deadLetters('r');
    expect(letters.map((l) => [l.streamId, l.position, l.attempts, l.parkedBehind === undefined])).toEqual([
      ['a', 1, 4, true],
      ['a', 3, 0, false],
    ]);
    // Still broken: a retry counts one more attempt and keeps the order.
    expect(await t.bus.retryDeadLetters('r', 'a')).toBe(0);
    expect((await t.bus.deadLetters('r'))[0]?.attempts).toBe(5);
    broken = false;
    expect(await t.bus.retryDeadLetters('r', 'a')).toBe(2);
    expect(sub.seen.map((e) => `${e.streamId}#${e.version}`)).toEqual(['b#1', 'a#1', 'a#2']);
    expect(await t.bus.deadLetters('r')).toEqual([]);
    // New events of stream a are no longer parked.
    await t.store.appendToStream('a', [paused], { expectedVersion: 2 });
    await until(() => sub.seen.length === 4);
  });

  it('retries and discards every dead letter of every subscriber at once (the options page\'s "all")', async () => {
    const t = setup();
    let broken = true;
    const one = recorder('one', () => broken);
    const two = recorder('two', (event) => broken && event.streamId === 'b');
    t.bus.subscribe(one);
    t.bus.subscribe(two);
    await t.store.appendToStream('a', [requested('https://i.test/a')], { expectedVersion: 'no-stream' });
    await t.store.appendToStream('b', [requested('https://i.test/b')], { expectedVersion: 'no-stream' });
    await until(async () => (await t.bus.deadLetters()).length === 3, 5000);
    await drive(t.bus.idle());
    broken = false;
    expect(await t.bus.retryAllDeadLetters()).toBe(3);
    expect(await t.bus.deadLetters()).toEqual([]);
    expect(one.seen.map((e) => e.streamId).sort()).toEqual(['a', 'b']);
    expect(two.seen.map((e) => e.streamId)).toEqual(['a', 'b']);
    broken = true;
    await t.store.appendToStream('c', [requested('https://i.test/c')], { expectedVersion: 'no-stream' });
    await until(async () => (await t.bus.deadLetters()).length === 1, 5000);
    await drive(t.bus.idle());
    expect(await t.bus.discardAllDeadLetters()).toBe(1);
    expect(await t.bus.deadLetters()).toEqual([]);
    expect(one.seen.map((e) => e.streamId)).not.toContain('c');
  });

  it('a worker stopped mid-handler: the new worker redelivers (at least once) and the checkpoint does not skip', async () => {
    const t = setup();
    const hung: Subscriber = { id: 'r', handle: () => new Promise<void>(() => undefined) };
    t.bus.subscribe(hung);
    await t.store.appendToStream('a', [requested('https://i.test/a'), paused], { expectedVersion: 'no-stream' });
    await sleep(50);
    expect((await t.bus.checkpoint('r'))?.position ?? 0).toBe(0);
    const restarted = t.make();
    const sub = recorder('r');
    restarted.subscribe(sub);
    await until(() => sub.seen.length === 2);
    expect(sub.seen.map((e) => e.position)).toEqual([1, 2]);
  });

  it('carries correlation and causation from the handled event to what a handler appends', async () => {
    const t = setup();
    t.bus.subscribe({
      id: 'reactor',
      types: ['GoogleImageDownloadRequested'],
      handle: async (event, context) => {
        if (!context.replaying) await context.append(event.streamId, [paused], 1);
      },
    });
    await t.store.appendToStream('a', [requested('https://i.test/a')], { expectedVersion: 'no-stream' });
    await until(async () => (await t.store.readStream('a')).length === 2);
    const [first, second] = await t.store.readStream('a');
    expect(second).toMatchObject({ correlationId: first?.correlationId, causationId: first?.eventId, metadata: { correlationId: 'corr', causationId: first?.eventId } });
  });

  it('replay rebuilds the metrics projection equal to the incrementally built one, with side effects off', async () => {
    const t = setup();
    t.bus.subscribe(metricsSubscriber(t.db));
    for (let i = 0; i < 30; i++) await t.store.appendToStream(`s${i % 4}`, [i < 4 ? requested(`https://i.test/${i}`) : paused], { expectedVersion: 'any' });
    await until(async () => (await t.bus.checkpoint('metrics'))?.position === 30);
    const incremental = await t.db.metrics.toArray();
    expect(incremental.filter((row) => row.minute >= 0).reduce((sum, row) => sum + row.appended, 0)).toBe(30);
    const progress: number[] = [];
    await t.bus.replay('metrics', (position) => progress.push(position));
    expect(progress.at(-1)).toBe(30);
    expect(await t.db.metrics.toArray()).toEqual(incremental);
  });
});

/**
 * Batching (one pass handles every event appended meanwhile; checkpoints written later, in one transaction):
 * whatever the batching does, a stored checkpoint never covers an event that was not handled, no event is
 * skipped, and without failures or stops none is handled twice.
 */
describe('EventBus batching', () => {
  /** Every checkpoint write (put or bulkPut, in any transaction) is checked against what was handled by then. */
  function guard(db: ReturnType<typeof openDatabase>, handled: Map<string, Set<number>>, wanted: (id: string, position: number) => boolean, last: () => number) {
    const violations: string[] = [];
    const check = (row: { subscriberId: string; position: number }): void => {
      const seen = handled.get(row.subscriberId) ?? new Set<number>();
      for (let p = 1; p <= Math.min(row.position, last()); p++) {
        if (wanted(row.subscriberId, p) && !seen.has(p)) violations.push(`${row.subscriberId}: checkpoint ${row.position} written before ${p} was handled`);
      }
    };
    db.checkpoints.hook('creating', (_key, row) => check(row));
    db.checkpoints.hook('updating', (changes, _key, row) => check({ ...row, ...(changes as object) }));
    return violations;
  }

  /** A subscriber that records what it handled (all-or-nothing per call) and fails when told to. */
  function batchRecorder(id: string, handled: Map<string, Set<number>>, options: { batch: boolean; fail?: (event: StoredEvent) => boolean; types?: Subscriber['types'] }) {
    const calls: number[][] = [];
    const record = (events: readonly StoredEvent[]): void => {
      calls.push(events.map((e) => e.position));
      if (events.some((event) => options.fail?.(event))) throw new Error('refused');
      const set = handled.get(id) ?? new Set<number>();
      for (const event of events) set.add(event.position);
      handled.set(id, set);
    };
    const times = new Map<number, number>();
    const subscriber: Subscriber = {
      id,
      ...(options.types ? { types: options.types } : {}),
      async handle(event) {
        await Promise.resolve();
        record([event]);
        times.set(event.position, (times.get(event.position) ?? 0) + 1);
      },
      ...(options.batch
        ? {
            async handleBatch(events: readonly StoredEvent[]) {
              await Promise.resolve();
              record(events);
              for (const event of events) times.set(event.position, (times.get(event.position) ?? 0) + 1);
            },
          }
        : {}),
    };
    return { subscriber, calls, times };
  }

  it('handles every event exactly once, in order, in few passes, and writes few checkpoints (no failures, no stops)', async () => {
    const t = setup();
    const handled = new Map<string, Set<number>>();
    let last = 0;
    const violations = guard(t.db, handled, (id, p) => id !== 'typed' || p % 3 === 1, () => last);
    const batched = batchRecorder('batched', handled, { batch: true });
    const plain = batchRecorder('plain', handled, { batch: false });
    const typed = batchRecorder('typed', handled, { batch: true, types: ['GoogleImageDownloadRequested'] });
    for (const sub of [batched, plain, typed]) t.bus.subscribe(sub.subscriber);
    let writes = 0;
    t.db.checkpoints.hook('creating', () => void (writes += 1));
    t.db.checkpoints.hook('updating', () => void (writes += 1));
    for (let i = 0; i < 40; i++) {
      const appended = await t.store.appendToStream(`s${i}`, [requested(`https://i.test/${i}`), paused, paused], { expectedVersion: 'no-stream' });
      last = appended.events.at(-1)?.position ?? last;
    }
    await until(() => (handled.get('plain')?.size ?? 0) === 120 && (handled.get('batched')?.size ?? 0) === 120 && (handled.get('typed')?.size ?? 0) === 40);
    await drive(t.bus.idle());
    expect(violations).toEqual([]);
    for (const sub of [batched, plain]) {
      expect([...sub.times.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect([...sub.times.values()].every((n) => n === 1)).toBe(true);
      expect(sub.calls.flat()).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    }
    expect(typed.calls.flat()).toEqual(Array.from({ length: 40 }, (_, i) => 3 * i + 1));
    // Batched: far fewer handler calls than events, and far fewer checkpoint writes than one per event.
    expect(batched.calls.length).toBeLessThan(60);
    expect(writes).toBeLessThan(60);
    for (const id of ['batched', 'plain', 'typed']) expect((await t.bus.checkpoint(id))?.position).toBe(120);
  });

  it('a failing event inside a batch: the events before it count, the checkpoint stops right before it, nothing is skipped', async () => {
    const t = setup(300);
    const handled = new Map<string, Set<number>>();
    let last = 0;
    const violations = guard(t.db, handled, () => true, () => last);
    let refusals = 0;
    const sub = batchRecorder('batched', handled, { batch: true, fail: (event) => event.position === 5 && refusals++ < 2 });
    // Appended before the subscriber exists: its first pass sees all ten events at once.
    const appended = await t.store.appendToStream('a', Array.from({ length: 10 }, (_, i) => (i === 0 ? requested('https://i.test/a') : paused)), { expectedVersion: 'no-stream' });
    last = appended.events.at(-1)?.position ?? 0;
    t.bus.subscribe(sub.subscriber);
    expect(await pendingRetry(t.bus, 'batched')).toMatchObject({ position: 4, retry: { position: 5, attempts: 1 } });
    expect([...(handled.get('batched') ?? [])].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    await until(() => (handled.get('batched')?.size ?? 0) === 10);
    await drive(t.bus.idle());
    expect(violations).toEqual([]);
    expect(await t.bus.checkpoint('batched')).toMatchObject({ position: 10, retry: undefined });
    // 1–4 once (in the failed batch's one-by-one pass), 5 after its retries, 6–10 once.
    expect([...sub.times.entries()].sort(([a], [b]) => a - b).map(([, n]) => n)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('a worker stopped before the checkpoint write: the next worker hands those events again (at least once), none skipped', async () => {
    const t = setup();
    const handled = new Map<string, Set<number>>();
    let last = 0;
    const violations = guard(t.db, handled, () => true, () => last);
    // The first worker's checkpoint writes never happen (it is stopped in the delay before them).
    const first = new EventBus({ storage: dexieBusStorage(t.db), store: t.store, now: clock.now, setTimeout: clock.setTimeout, random: () => 0.5, wakeAt: async () => undefined, checkpointDelayMs: 60_000 });
    const before = batchRecorder('batched', handled, { batch: true });
    first.subscribe(before.subscriber);
    for (let i = 0; i < 5; i++) last = (await t.store.appendToStream(`s${i}`, [requested(`https://i.test/${i}`)], { expectedVersion: 'no-stream' })).events[0]?.position ?? last;
    await until(() => (handled.get('batched')?.size ?? 0) === 5);
    expect((await t.bus.checkpoint('batched'))?.position ?? 0).toBe(0);
    // A new worker (a new bus on the same database and store) handles them again and goes on from there.
    const again = batchRecorder('batched', handled, { batch: true });
    const second = t.make();
    second.subscribe(again.subscriber);
    last = (await t.store.appendToStream('s9', [requested('https://i.test/9')], { expectedVersion: 'no-stream' })).events[0]?.position ?? last;
    await until(() => again.times.size === 6);
    await drive(second.idle());
    expect(violations).toEqual([]);
    expect(again.calls.flat()).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await second.checkpoint('batched'))?.position).toBe(6);
  });

  it('events appended by another context (not reported to this bus) are not skipped: a gap sends the pass to the store', async () => {
    const t = setup();
    const handled = new Map<string, Set<number>>();
    let last = 0;
    const violations = guard(t.db, handled, () => true, () => last);
    const sub = batchRecorder('plain', handled, { batch: false });
    t.bus.subscribe(sub.subscriber);
    const elsewhere = new DexieEventStore(t.db, { projection: downloadsProjection });
    last = (await t.store.appendToStream('a', [requested('https://i.test/a')], { expectedVersion: 'no-stream' })).nextVersion;
    await until(() => sub.times.size === 1);
    await elsewhere.appendToStream('b', [requested('https://i.test/b'), paused], { expectedVersion: 'no-stream' });
    await t.store.appendToStream('c', [requested('https://i.test/c')], { expectedVersion: 'no-stream' });
    last = 4;
    await until(() => sub.times.size === 4);
    await drive(t.bus.idle());
    expect(violations).toEqual([]);
    expect(sub.calls.flat()).toEqual([1, 2, 3, 4]);
    expect((await t.bus.checkpoint('plain'))?.position).toBe(4);
  });

  it('given a busy worker, when events are appended while a pass handles a page, then they wait for the next delayed pass instead of a page right after', async () => {
    for (const busy of [true, false]) {
      const t = setup();
      const passes: { positions: number[]; at: number }[] = [];
      let slow = true;
      const sub: Subscriber = {
        id: 'slow',
        async handle() {
          throw new Error('batch only');
        },
        async handleBatch(events) {
          passes.push({ positions: events.map((event) => event.position), at: clock.now() });
          // The first page takes a while; appends come meanwhile.
          if (slow) {
            slow = false;
            await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), 150));
          }
        },
      };
      const bus = new EventBus({ storage: dexieBusStorage(t.db), store: t.store, now: clock.now, setTimeout: clock.setTimeout, random: () => 0.5, wakeAt: async () => undefined, busy: () => busy, busyBatchDelayMs: 1000 });
      bus.subscribe(sub);
      await drive(bus.idle());
      passes.length = 0;
      slow = true;
      await sleep(1100);
      await t.store.appendToStream('a', [requested('https://i.test/a')], { expectedVersion: 'no-stream' });
      await until(() => passes.length === 1);
      // During the first page's 150 ms: two more appends.
      await t.store.appendToStream('b', [requested('https://i.test/b')], { expectedVersion: 'no-stream' });
      await t.store.appendToStream('c', [requested('https://i.test/c')], { expectedVersion: 'no-stream' });
      await until(() => passes.length === 2);
      const [first, second] = passes as [{ positions: number[]; at: number }, { positions: number[]; at: number }];
      expect(first.positions).toEqual([1]);
      expect(second.positions).toEqual([2, 3]);
      const gap = second.at - first.at;
      // Busy: the next pass waits for the busy delay from the appends (≈ 1,000 ms); quiet: it follows the first
      // page (150 ms) at once. The delay is wide so that a loaded machine's scheduling cannot blur the two.
      if (busy) expect(gap).toBeGreaterThanOrEqual(950);
      else expect(gap).toBeLessThan(700);
      await drive(bus.idle());
    }
  }, 20_000);

  it('while the worker is busy, appends wait the longer delay and one pass covers them; idle() does not wait for it', async () => {
    for (const busy of [true, false]) {
      const t = setup();
      const handled = new Map<string, Set<number>>();
      const bus = new EventBus({ storage: dexieBusStorage(t.db), store: t.store, now: clock.now, setTimeout: clock.setTimeout, random: () => 0.5, wakeAt: async () => undefined, busy: () => busy, busyBatchDelayMs: 1000 });
      const sub = batchRecorder('batched', handled, { batch: true });
      bus.subscribe(sub.subscriber);
      await drive(bus.idle());
      await sleep(1100); // the subscribe pass is no longer recent
      if (busy) {
        // Five appends 40 ms apart: the default 25 ms delay would give them a pass each.
        for (let i = 0; i < 5; i++) {
          await t.store.appendToStream(`s${i}`, [requested(`https://i.test/${i}`)], { expectedVersion: 'no-stream' });
          await sleep(40);
        }
        expect(sub.calls).toEqual([]);
        await until(() => sub.times.size === 5);
        expect(sub.calls).toEqual([[1, 2, 3, 4, 5]]);
      } else {
        // Quiet: an append is handled after the short delay.
        await t.store.appendToStream('s0', [requested('https://i.test/0')], { expectedVersion: 'no-stream' });
        await sleep(150);
        expect(sub.times.size).toBe(1);
        for (let i = 1; i < 5; i++) await t.store.appendToStream(`s${i}`, [requested(`https://i.test/${i}`)], { expectedVersion: 'no-stream' });
        await drive(bus.idle());
      }
      // A pass just ended: the next append waits the longer delay even when busy() says no, unless idle() asks.
      await t.store.appendToStream('late', [requested('https://i.test/late')], { expectedVersion: 'no-stream' });
      await sleep(100);
      expect(sub.times.has(6)).toBe(false);
      await drive(bus.idle());
      expect(sub.times.get(6)).toBe(1);
    }
  }, 20_000);
});
