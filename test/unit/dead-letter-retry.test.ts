/** Retrying a subscriber's parked stream (src/bus/dead-letter-retry.ts) when some of its events are gone. */
import { describe, expect, it } from 'vitest';
import { retryParkedStream } from '../../src/bus/dead-letter-retry.ts';
import { memoryBusStorage } from '../../src/bus/memory-bus-storage.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import type { EventStore } from '../../src/store/event-store.ts';

const event = (position: number): StoredEvent =>
  ({ eventId: `e${position}`, streamId: 'a', position, version: position, type: 'DownloadPaused', data: {}, correlationId: 'c', causationId: 'c', timestamp: 0, schemaVersion: 1 }) as unknown as StoredEvent;

describe('retryParkedStream', () => {
  it('a forgotten event is dropped; the first that fails again heads the rest, with one more attempt', async () => {
    const storage = memoryBusStorage();
    const letter = (position: number, attempts: number, parkedBehind?: number) => ({ subscriberId: 's', streamId: 'a', position, eventId: `e${position}`, type: 'DownloadPaused' as const, error: 'x', attempts, parkedBehind, createdAt: 0 });
    const first = await storage.park(letter(1, 4), { subscriberId: 's', position: 1, updatedAt: 0 });
    await storage.park(letter(2, 0, first), { subscriberId: 's', position: 2, updatedAt: 0 });
    await storage.park(letter(3, 0, first), { subscriberId: 's', position: 3, updatedAt: 0 });
    // Event 1 was forgotten; 2 and 3 are in the log.
    const log = new Map([2, 3].map((position) => [position, event(position)]));
    const store = { readAll: async (after: number) => (log.has(after + 1) ? [log.get(after + 1)] : []) } as unknown as EventStore;
    const subscriber = { id: 's', handle: async () => Promise.reject(new Error('still failing')) };

    expect(await retryParkedStream(subscriber, 'a', storage, store, () => ({ replaying: false, append: async () => undefined }))).toBe(0);
    const left = await storage.deadLetters('s', 'a');
    expect(left.map((row) => [row.position, row.attempts, row.error, row.parkedBehind])).toEqual([
      [2, 1, 'still failing', undefined],
      [3, 0, 'x', left[0]?.id],
    ]);
  });
});
