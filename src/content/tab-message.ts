/**
 * The content script's check of what the worker pushes: the same shape as `TabMessage` in shared/protocol.ts,
 * written by hand because zod would multiply the content script's size (see test/unit/content-script.test.ts,
 * which holds this to the zod schema).
 */
import type { ControlUpdate, TabMessage } from '../shared/protocol.ts';

const STATES: ReadonlySet<string> = new Set<ControlUpdate['state']>(['idle', 'queued', 'downloading', 'completed', 'failed']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toUpdate(value: unknown): ControlUpdate | null {
  if (!isRecord(value)) return null;
  const { streamId, imageUrl, state, progress, message } = value;
  if (typeof streamId !== 'string' || streamId.length < 1 || streamId.length > 100) return null;
  if (typeof imageUrl !== 'string') return null;
  if (typeof state !== 'string' || !STATES.has(state)) return null;
  if (progress !== null && (typeof progress !== 'number' || !(progress >= 0 && progress <= 1))) return null;
  if (message !== null && typeof message !== 'string') return null;
  return { streamId, imageUrl, state: state as ControlUpdate['state'], progress, message };
}

/** The message if it is a well-formed `TabMessage`, else null. */
export function parseTabMessage(raw: unknown): TabMessage | null {
  if (!isRecord(raw)) return null;
  if (raw.type === 'preview.download') return { type: 'preview.download' };
  if (raw.type !== 'control.update') return null;
  const update = toUpdate(raw.update);
  return update ? { type: 'control.update', update } : null;
}
