/** The bus: durable subscriptions with checkpoints, retries, sequenced dead letters, replay, correlation flow. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { EventBus, type Subscriber } from '../../src/bus/subscriptions.ts';
import { metricsSubscriber } from '../../src/projections/metrics.ts';
import type { NewEvent } from '../../src/store/event-store.ts';
import type { StoredEvent } from '../../src/domain/events.ts';

let n = 0;
const meta = { correlationId: 'corr', causationId: 'cause' };
const requested = (url: string): NewEvent => ({ type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline' }, metadata: meta });
const paused: NewEvent = { type: 'DownloadPaused', data: {}, metadata: meta };

function setup() {
  const db = openDatabase(`bus-test-${++n}`);
  const store = new DexieEventStore(db);
  const wakes: number[] = [];
  const make = () =>
    new EventBus({ db, store, now: () => Date.now(), random: () => 0.5, wakeAt: async (when) => void wakes.push(when), policy: { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 1000, jitter: 0.2 } });
  return { db, store, bus: make(), make, wakes };
}

const until = async (check: () => Promise<boolean> | boolean, timeout = 3000): Promise<void> => {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeout) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

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
    await t.bus.idle();
    expect(sub.seen.map((e) => e.position)).toEqual([1, 2, 3]);
    expect((await t.bus.checkpoint('r'))?.position).toBe(3);
  });

  it('retries a failing handler with growing delays; the checkpoint never runs ahead of it', async () => {
    const t = setup();
    let failures = 0;
    const sub = recorder('r', (event) => event.streamId === 'a' && failures++ < 2);
    t.bus.subscribe(sub);
    await t.store.appendToStream('a', [requested('https://i.test/a')], { expectedVersion: 'no-stream' });
    await until(async () => (await t.bus.checkpoint('r'))?.retry !== undefined);
    const pending = await t.bus.checkpoint('r');
    expect(pending).toMatchObject({ position: 0, retry: { position: 1, attempts: 1 } });
    expect(t.wakes).toHaveLength(1);
    await until(() => sub.seen.length === 1);
    await t.bus.idle();
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
    await t.bus.idle();
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

  it('a worker stopped mid-handler: the new worker redelivers (at least once) and the checkpoint does not skip', async () => {
    const t = setup();
    const hung: Subscriber = { id: 'r', handle: () => new Promise<void>(() => undefined) };
    t.bus.subscribe(hung);
    await t.store.appendToStream('a', [requested('https://i.test/a'), paused], { expectedVersion: 'no-stream' });
    await new Promise((resolve) => setTimeout(resolve, 50));
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
