// @vitest-environment happy-dom
/**
 * The worker's pushes to a Google tab are drawn at most every 200 ms (click.ts): each drawing is a frame of the
 * page. The first is drawn at once, a burst after it once its window ends, the newest per image; nothing is lost.
 */
import './strategies-i18n.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClick } from '../../src/content/click.ts';
import type { ClickEntry, ClickHost } from '../../src/content/click-contract.ts';
import { DownloadControl, newButton } from '../../src/content/control.ts';
import type { ControlUpdate } from '../../src/shared/protocol.ts';

function setUp() {
  const controls = new Map<string, DownloadControl>();
  for (const name of ['a', 'b']) controls.set(`https://img.example/${name}.jpg`, new DownloadControl(newButton(), { preview: false, label: 'Save' }));
  const host = { controls: (url: string) => (controls.has(url) ? [controls.get(url) as DownloadControl] : undefined) } as unknown as ClickHost<ClickEntry>;
  const click = createClick(host);
  const push = (name: string, state: ControlUpdate['state'], progress: number | null = null): void =>
    click.push({ type: 'control.update', update: { streamId: `s-${name}`, imageUrl: `https://img.example/${name}.jpg`, state, progress, message: null } });
  const shown = (name: string): string | undefined => controls.get(`https://img.example/${name}.jpg`)?.element.dataset.state;
  return { push, shown };
}

describe('control updates pushed by the worker', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('the first is drawn at once; a burst after it is drawn once, at the end of the 200 ms window, newest per image', () => {
    const t = setUp();
    t.push('a', 'queued');
    expect(t.shown('a')).toBe('queued');
    t.push('a', 'downloading', 0.5);
    t.push('b', 'queued');
    t.push('a', 'completed');
    expect([t.shown('a'), t.shown('b')]).toEqual(['queued', 'idle']);
    vi.advanceTimersByTime(199);
    expect(t.shown('a')).toBe('queued');
    vi.advanceTimersByTime(1);
    expect([t.shown('a'), t.shown('b')]).toEqual(['completed', 'queued']);
    // A new window opened with that drawing: the next push waits for it; after a quiet window, at once again.
    t.push('b', 'downloading', 0.1);
    expect(t.shown('b')).toBe('queued');
    vi.advanceTimersByTime(200);
    expect(t.shown('b')).toBe('downloading');
    vi.advanceTimersByTime(200);
    t.push('b', 'completed');
    expect(t.shown('b')).toBe('completed');
  });
});
