/** Live progress of running downloads, as the worker broadcasts it (ProgressMessage); not worth an event. */
import { useEffect, useState } from 'preact/hooks';
import { onWorkerMessage } from '../platform/messaging.ts';
import type { ProgressMessage } from '../shared/protocol.ts';

export type ProgressItem = ProgressMessage['items'][number];

/** A structural check instead of the zod schema: it keeps zod out of the popup's bundle. */
export function isProgressMessage(message: unknown): message is ProgressMessage {
  if (!message || typeof message !== 'object') return false;
  const { type, items } = message as { type?: unknown; items?: unknown };
  return (
    type === 'progress' &&
    Array.isArray(items) &&
    items.every(
      (item: unknown) =>
        !!item &&
        typeof item === 'object' &&
        typeof (item as ProgressItem).streamId === 'string' &&
        typeof (item as ProgressItem).bytesReceived === 'number' &&
        typeof (item as ProgressItem).totalBytes === 'number' &&
        typeof (item as ProgressItem).bytesPerSecond === 'number',
    )
  );
}

export function useProgress(): ReadonlyMap<string, ProgressItem> {
  const [progress, setProgress] = useState<ReadonlyMap<string, ProgressItem>>(new Map());
  useEffect(
    () =>
      onWorkerMessage((message) => {
        if (isProgressMessage(message)) setProgress(new Map(message.items.map((item) => [item.streamId, item])));
      }),
    [],
  );
  return progress;
}
