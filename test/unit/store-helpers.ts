/** Shared by the store's test files: a fresh Dexie store per test, and the events they append. */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import type { NewEvent } from '../../src/store/event-store.ts';

let n = 0;
/** A store on a database of its own (fake-indexeddb), named after the test file's `prefix`. */
export const freshStore = (prefix: string) => {
  const db = openDatabase(`${prefix}-${++n}`);
  return { db, store: new DexieEventStore(db, { projection: downloadsProjection }) };
};
export const meta = { correlationId: 'corr', causationId: 'cause' };
export const requested = (url = 'https://i.test/a.jpg'): NewEvent => ({ type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline' }, metadata: meta });
export const failed = (attempt: number): NewEvent => ({
  type: 'GoogleImageDownloadFailed',
  data: { imageUrl: 'https://i.test/a.jpg', error: 'HTTP 500', code: 'http_server_error', retryable: true, attempt, nextAttemptAt: 1, deadLettered: false },
  metadata: meta,
});
