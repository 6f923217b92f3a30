/**
 * The request pace per host (setting hostRequestsPerSecond): at most K transfers start towards one host in any
 * second; other hosts are not held up; 0 is no pace.
 */
import { describe, expect, it } from 'vitest';
import { nextStartAt } from '../../src/domain/host-pace.ts';
import { image, sagaHarness } from './saga-harness.ts';

describe('the pace per host', () => {
  it('lets K starts into any second, the next once the oldest of them is a second old', () => {
    expect(nextStartAt([], 5000, 2)).toBe(5000);
    expect(nextStartAt([4500], 5000, 2)).toBe(5000);
    expect(nextStartAt([4500, 4800], 5000, 2)).toBe(5500);
    expect(nextStartAt([3000, 4500, 4800], 5000, 2)).toBe(5500);
    expect(nextStartAt([4500, 4800], 5000, 0)).toBe(5000);
  });

  it('in the slot scheduler: 6 images of one host at 2 a second start 0, 0, 1, 1, 2, 2 s in; another host’s at once', async () => {
    const t = await sagaHarness({ settings: { concurrency: 10, hostRequestsPerSecond: 2 } });
    const start = t.clock.now();
    const started: Array<{ host: string; at: number }> = [];
    const answer = t.transfers.answer;
    t.transfers.answer = (request) => {
      started.push({ host: new URL(request.url).host, at: t.clock.now() - start });
      return answer(request);
    };
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await t.request(`paced-${i}.jpg`)).streamId);
    ids.push((await t.saga.request(image('x.jpg', { imageUrl: 'https://other.example/x.jpg' }), crypto.randomUUID(), 7)).streamId);
    for (const id of ids) expect((await t.settled(id)).phase).toBe('completed');
    expect(started.filter((s) => s.host === 'images.example').map((s) => Math.floor(s.at / 1000))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(started.find((s) => s.host === 'other.example')?.at).toBeLessThan(1000);
  });

  it('without a pace every image starts at once (within the concurrency)', async () => {
    const t = await sagaHarness({ settings: { concurrency: 10 } });
    const start = t.clock.now();
    const at: number[] = [];
    const answer = t.transfers.answer;
    t.transfers.answer = (request) => (at.push(t.clock.now() - start), answer(request));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await t.request(`free-${i}.jpg`)).streamId);
    for (const id of ids) await t.settled(id);
    expect(Math.max(...at)).toBeLessThan(1000);
  });
});
