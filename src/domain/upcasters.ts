/**
 * Upcasters: each turns a stored payload of version N of its type into version N+1. Events are never rewritten
 * on disk; they are upcast when read. An event of a version newer than this code knows is kept as it is and
 * reported by `isFromTheFuture` (a newer build wrote it); projections skip it rather than guess.
 */
import { CURRENT_SCHEMA_VERSION, isEventType, type EventType, type StoredEvent } from './events.ts';

type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

const MIME_BY_EXTENSION: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml', avif: 'image/avif', bmp: 'image/bmp' };

export const upcasters: Partial<Record<EventType, Record<number, Upcaster>>> = {
  GoogleImageDownloadRequested: {
    // v1 (the seed): { imageUrl, fileName, metadata } → v2: the candidate found on the page.
    1: (data) => {
      const metadata = (typeof data.metadata === 'object' && data.metadata !== null ? data.metadata : {}) as Record<string, unknown>;
      const out: Record<string, unknown> = { imageUrl: data.imageUrl, strategy: 'legacy' };
      const optional = {
        fileName: str(data.fileName),
        title: str(metadata.title),
        sourcePageUrl: str(metadata.sourcePageUrl) ?? str(metadata.sourceUrl),
        thumbnailUrl: str(metadata.thumbnailUrl),
        query: str(metadata.query),
        width: num(metadata.width),
        height: num(metadata.height),
      };
      for (const [key, value] of Object.entries(optional)) if (value !== undefined) out[key] = value;
      return out;
    },
  },
  ImageSourceValidated: {
    // v1: the check's GET, then Chrome (`url`) or the worker (`inline`) fetched again. v2 fetches once, so the
    // choice is history: dropped. No `transferId`: the fold knows such a check as the old saga's (`validating`).
    1: (data) => {
      const { transfer: _transfer, ...rest } = data;
      return rest;
    },
  },
  GoogleImageDownloadCompleted: {
    // v1 (the seed): no MIME type; take it from the saved file's extension.
    1: (data) => {
      const extension = String(data.filePath ?? '').split('.').pop()?.toLowerCase() ?? '';
      return { ...data, mimeType: MIME_BY_EXTENSION[extension] ?? 'application/octet-stream' };
    },
  },
  GoogleImageDownloadFailed: {
    // v1 (the seed): { imageUrl, error, retryable } — a final failure of one attempt, no retry scheduled.
    1: (data) => ({ ...data, code: 'unknown', attempt: 1, nextAttemptAt: null, deadLettered: false }),
  },
};

export function isFromTheFuture(event: Pick<StoredEvent, 'type' | 'schemaVersion'>): boolean {
  return !isEventType(event.type) || event.schemaVersion > CURRENT_SCHEMA_VERSION[event.type];
}

/** The event with its payload at the current schema version (the same object when nothing is to do). */
export function upcast(event: StoredEvent): StoredEvent {
  if (!isEventType(event.type)) return event;
  const target = CURRENT_SCHEMA_VERSION[event.type];
  if (event.schemaVersion >= target) return event;
  let data = event.data as unknown as Record<string, unknown>;
  for (let version = event.schemaVersion; version < target; version++) {
    const step = upcasters[event.type]?.[version];
    if (!step) throw new Error(`No upcaster for ${event.type} v${version}`);
    data = step(data);
  }
  return { ...event, data: data as unknown as StoredEvent['data'], schemaVersion: target };
}
