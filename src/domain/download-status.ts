/**
 * A download's phases and what users see of them, without the event schemas (zod): the popup imports this, not
 * download.ts, to stay within its byte budget.
 */

/**
 * Internal states of the saga (the seed's "Process Manager"); `publicStatus` maps them to what users see.
 * The list is the type's source, so tests can enumerate every phase (test/unit/saga-transitions.test.ts).
 */
export const DOWNLOAD_PHASES = [
  'queued', // requested, retried or its backoff is over: waiting for a transfer slot, or its transfer asks the host
  'validating', // the old saga's check (v1 history): Chrome was to fetch the address; v2 fetches it again
  'fetching', // first bytes checked (ImageSourceValidated): the body streams into the transfer side's Blob
  'paused', // the transfer was paused by the user; its bytes are kept
  'fetched', // the whole body is in the Blob, hashed (ImageFetched): looked up for duplicates, converted
  'initiating', // intent written; chrome.downloads.download(blob:) called or about to be
  'downloading', // Chrome writes the file (DownloadStarted)
  'retry-wait', // a retryable failure, next attempt at `nextAttemptAt`
  'completed',
  'failed',
  'dead-lettered',
] as const;
export type DownloadPhase = (typeof DOWNLOAD_PHASES)[number];

/** The contract's statuses (`history-item[data-status]`). */
export type PublicStatus = 'queued' | 'downloading' | 'paused' | 'completed' | 'failed' | 'dead-lettered';

export const SETTLED_PHASES: ReadonlySet<DownloadPhase> = new Set(['completed', 'failed', 'dead-lettered']);
export const UNSETTLED_PHASES: readonly DownloadPhase[] = DOWNLOAD_PHASES.filter((phase) => !SETTLED_PHASES.has(phase));

export function isSettled(state: { phase: DownloadPhase }): boolean {
  return SETTLED_PHASES.has(state.phase);
}

export function publicStatus(phase: DownloadPhase): PublicStatus {
  switch (phase) {
    case 'queued':
    case 'validating':
    case 'retry-wait':
      return 'queued';
    // The bytes flow from the host (fetching), or are written by Chrome: both are the download to the user.
    case 'fetching':
    case 'fetched':
    case 'initiating':
    case 'downloading':
      return 'downloading';
    case 'paused':
      return 'paused';
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'dead-lettered':
      return 'dead-lettered';
    default:
      return unknownPhase(phase);
  }
}

function unknownPhase(phase: never): never {
  throw new Error(`Unknown phase ${String(phase)}`);
}
