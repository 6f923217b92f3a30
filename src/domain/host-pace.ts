/**
 * A request pace per host: at most `perSecond` transfers started towards one host in any second, so that a batch
 * from one site is not throttled (HTTP 429) or blocked by it. Pure: the caller keeps each host's recent starts.
 */

/** The earliest time at or after `now` a new transfer may start towards a host that saw `starts` (times, any order). */
export function nextStartAt(starts: readonly number[], now: number, perSecond: number): number {
  if (perSecond <= 0) return now;
  const inWindow = starts.filter((at) => at > now - 1000).sort((a, b) => a - b);
  if (inWindow.length < perSecond) return now;
  // The window holds `perSecond` starts: the next may go once the oldest of the last `perSecond` is a second old.
  return (inWindow[inWindow.length - perSecond] as number) + 1000;
}

/** The starts still worth keeping (those that can still count in a window from `now` on). */
export function recentStarts(starts: readonly number[], now: number): number[] {
  return starts.filter((at) => at > now - 1000);
}
