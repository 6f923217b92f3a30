/** What the notifications read from the log beyond the bus: the record of what was shown, batches, outcomes. */
import type { StoredEvent } from '../domain/events.ts';
import { upcast } from '../domain/upcasters.ts';
import type { SemantestDb } from '../store/database.ts';
import { settleOutcome, type NotificationSentData, type Outcome } from './notification-wording.ts';

export const FAILURE_RATE_STREAM = 'failure-rate-alert';

/** What the worker needs from the log beyond the bus, for batches, the failure rate and the record. */
export interface NotificationLog {
  /** The recorded notification with this id, if it was shown. */
  sent(notificationId: string): Promise<NotificationSentData | undefined>;
  /**
   * The downloads (stream ids) requested under this correlation id so far, and how many the batch announced
   * (`batchSize` in its requests' metadata; 0 when none did): a batch when more than one.
   */
  batchOf(correlationId: string): Promise<{ streamIds: string[]; expected: number }>;
  /** `batchOf` for several correlation ids at once (one read for a bus pass); `batchOf` one by one without it. */
  batchesOf?(correlationIds: readonly string[]): Promise<Map<string, { streamIds: string[]; expected: number }>>;
  /** The newest outcomes of distinct downloads at or before `position`, newest first, at most `count`. */
  recentOutcomes(position: number, count: number): Promise<Outcome[]>;
  /** The newest event of the failure-rate alert's stream, and the stream's version. */
  alertState(): Promise<{ version: number; last: StoredEvent | undefined }>;
}

/**
 * A deterministic UUID (version 8, RFC 9562) for a name: the NotificationSent of one notification id always has
 * the same eventId, so recording it twice is an idempotent no-op and a click can find it.
 */
export async function nameUuid(name: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`semantest:${name}`)));
  const bytes = digest.slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The NotificationLog on the Dexie database. */
export function notificationLog(db: SemantestDb): NotificationLog {
  const batchesOf = async (correlationIds: readonly string[]): Promise<Map<string, { streamIds: string[]; expected: number }>> => {
    const rows = await db.events
      .where('correlationId')
      .anyOf([...correlationIds])
      .filter((row) => row.type === 'GoogleImageDownloadRequested')
      .toArray();
    const batches = new Map<string, { streamIds: string[]; expected: number }>(correlationIds.map((id) => [id, { streamIds: [], expected: 0 }]));
    for (const row of rows) {
      const batch = batches.get(row.correlationId);
      if (!batch) continue;
      if (!batch.streamIds.includes(row.streamId)) batch.streamIds.push(row.streamId);
      batch.expected = Math.max(batch.expected, (row.metadata as { batchSize?: number }).batchSize ?? 0);
    }
    return batches;
  };
  return {
    async sent(notificationId) {
      const row = await db.events.where('eventId').equals(await nameUuid(notificationId)).first();
      return row?.type === 'NotificationSent' ? (row.data as NotificationSentData) : undefined;
    },
    async batchOf(correlationId) {
      return (await batchesOf([correlationId])).get(correlationId) ?? { streamIds: [], expected: 0 };
    },
    batchesOf,
    async recentOutcomes(position, count) {
      const seen = new Set<string>();
      const outcomes: Outcome[] = [];
      let upper = position;
      let scanned = 0;
      // About six events per download: the first page usually holds the window. Backwards from `position`, pages
      // growing, bounded so a long history without downloads costs little.
      let size = Math.max(32, count * 8);
      while (outcomes.length < count && upper > 0 && scanned < 20_000) {
        const page = await db.events.where('position').belowOrEqual(upper).reverse().limit(size).toArray();
        size = Math.min(size * 2, 2000);
        if (page.length === 0) break;
        for (const stored of page) {
          const outcome = settleOutcome(upcast(stored));
          if (outcome === null || seen.has(stored.streamId)) continue;
          seen.add(stored.streamId);
          outcomes.push({ streamId: stored.streamId, failed: outcome === 'failed' });
          if (outcomes.length >= count) break;
        }
        scanned += page.length;
        upper = (page[page.length - 1] as StoredEvent).position - 1;
      }
      return outcomes;
    },
    async alertState() {
      const last = await db.events.where('[streamId+version]').between([FAILURE_RATE_STREAM, 0], [FAILURE_RATE_STREAM, Number.MAX_SAFE_INTEGER]).last();
      return { version: last?.version ?? 0, last: last ? upcast(last) : undefined };
    },
  };
}
