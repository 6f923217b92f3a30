/**
 * Test hooks for the end-to-end fault tests: a harness sets `__semantestSagaHooks.hold` on the worker's global
 * scope (Playwright's `worker.evaluate`) to hold the saga at a moment a real stop could hit, such as
 * `effect:save` (the Blob fetched, not saved yet) or `trigger:chrome-item` (Chrome done, not recorded yet).
 * Nothing sets them in production, where the cost is one property read per step.
 */
export interface SagaTestHooks {
  /** Resolves when the saga may go on past `point` for the download `streamId`. */
  hold?: (point: string, streamId: string) => Promise<void> | undefined;
}

export const TEST_HOOKS_GLOBAL = '__semantestSagaHooks';

/** A promise to wait for when a test holds `point`, else undefined (no await, no tick, in production). */
export function holdAt(point: string, streamId: string): Promise<void> | undefined {
  const hooks = (globalThis as Record<string, unknown>)[TEST_HOOKS_GLOBAL] as SagaTestHooks | undefined;
  return hooks?.hold?.(point, streamId) ?? undefined;
}
