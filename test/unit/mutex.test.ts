/** The one mutex helper: work in turn, a failure does not stop the next, keys do not wait for each other. */
import { describe, expect, it } from 'vitest';
import { KeyedMutex, Mutex } from '../../src/shared/mutex.ts';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('Mutex', () => {
  it('runs work one piece at a time, in the order asked, past a failure', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const step = (name: string, fail = false) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([mutex.run(step('a')), mutex.run(step('b', true)), mutex.run(step('c'))]);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('keyed: one key waits for its own earlier work only, and is dropped when idle', async () => {
    const mutex = new KeyedMutex<string>();
    const log: string[] = [];
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = mutex.run('x', async () => {
      await held;
      log.push('x1');
    });
    const second = mutex.run('x', async () => void log.push('x2'));
    await mutex.run('y', async () => void log.push('y1'));
    expect(log).toEqual(['y1']);
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(['y1', 'x1', 'x2']);
    await tick();
    expect(mutex.size).toBe(0);
  });
});
