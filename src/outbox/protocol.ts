/**
 * The outbox's part of the worker protocol: the options page asks the worker to retry or skip the failed batch,
 * or to start over. Kept beside the outbox (not in src/shared/protocol.ts) so the outbox stays one removable
 * piece; the worker parses these with zod and accepts them only from the extension's own pages.
 */
import { z } from 'zod';
import type { SemantestDb } from '../store/database.ts';
import { OUTBOX_ID, type Outbox, type OutboxCheckpoint, type OutboxCheckpointStore } from './outbox.ts';

export const OutboxRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('outbox.resume') }),
  z.object({ type: z.literal('outbox.skip') }),
  z.object({ type: z.literal('outbox.restart'), from: z.enum(['start', 'now']) }),
]);
export type OutboxRequest = z.infer<typeof OutboxRequest>;

export type OutboxResponse = { ok: true; done: boolean } | { ok: false; error: string };

/** Whether a message is meant for the outbox (checked before the main protocol, which would refuse it). */
export const isOutboxMessage = (message: unknown): boolean =>
  typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string' && (message as { type: string }).type.startsWith('outbox.');

export async function handleOutboxRequest(raw: unknown, outbox: Outbox, lastPosition: () => Promise<number>): Promise<OutboxResponse> {
  const parsed = OutboxRequest.safeParse(raw);
  if (!parsed.success) return { ok: false, error: 'Unknown or malformed message.' };
  const request = parsed.data;
  switch (request.type) {
    case 'outbox.resume':
      return { ok: true, done: await outbox.resume() };
    case 'outbox.skip':
      return { ok: true, done: await outbox.skip() };
    case 'outbox.restart':
      await outbox.restart(request.from, await lastPosition());
      return { ok: true, done: true };
    default: {
      const never: never = request;
      return { ok: false, error: `Unhandled message ${String(never)}` };
    }
  }
}

/** The outbox's checkpoint in the bus's `checkpoints` table (one row, `outbox`). */
export function dexieOutboxCheckpoints(db: SemantestDb): OutboxCheckpointStore {
  return {
    load: async () => (await db.checkpoints.get(OUTBOX_ID)) as OutboxCheckpoint | undefined,
    save: async (row) => {
      await db.checkpoints.put(row);
    },
  };
}

/** The position of the newest event in the log (0 when empty). */
export async function lastPositionOf(db: SemantestDb): Promise<number> {
  const key = await db.events.orderBy('position').lastKey();
  return typeof key === 'number' ? key : 0;
}
