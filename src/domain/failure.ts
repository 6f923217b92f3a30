/**
 * Failure classification and the retry policy. Retryable: network errors, timeouts, HTTP 5xx, 408 and 429, and
 * the interrupt reasons Chromium itself resumes (`download_utils.cc`, GetDownloadResumeMode). Final: other 4xx,
 * anything that is not an image, user cancellation, and the reasons Chromium treats as terminal.
 */
import type { EventData, FailureCode } from './events.ts';

export interface Failure {
  code: FailureCode;
  retryable: boolean;
  /** What happened, in words a person understands. */
  message: string;
  /**
   * The host refused the original (403, or a web page instead of the image): hotlink protection, which a
   * request carrying the image's own page as Referer may get past.
   */
  hotlinkSuspect?: boolean;
}

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 0.2 = each delay is moved by up to ±20 % so that many failed downloads do not retry in lockstep. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000, jitter: 0.2 };

export function classifyHttpStatus(status: number): Failure | null {
  if (status >= 200 && status < 300) return null;
  if (status === 408) return { code: 'timeout', retryable: true, message: 'The image server took too long to answer (HTTP 408).' };
  if (status === 429) return { code: 'http_rate_limited', retryable: true, message: 'The image server is limiting requests (HTTP 429); trying again later.' };
  if (status >= 500) return { code: 'http_server_error', retryable: true, message: `The image server had an error (HTTP ${status}).` };
  if (status === 404 || status === 410) return { code: 'http_client_error', retryable: false, message: `The original image is no longer on its server (HTTP ${status}).` };
  if (status === 401 || status === 403) {
    return { code: 'http_client_error', retryable: false, message: `The image server refused to give the original (HTTP ${status}).`, hotlinkSuspect: status === 403 };
  }
  return { code: 'http_client_error', retryable: false, message: `The image server rejected the request (HTTP ${status}).` };
}

const RESUMABLE_INTERRUPTS = new Set([
  'NETWORK_TIMEOUT', 'FILE_TRANSIENT_ERROR', 'SERVER_CONTENT_LENGTH_MISMATCH', 'SERVER_NO_RANGE', 'FILE_HASH_MISMATCH',
  'FILE_TOO_SHORT', 'NETWORK_FAILED', 'NETWORK_DISCONNECTED', 'NETWORK_SERVER_DOWN', 'SERVER_FAILED',
  'SERVER_UNREACHABLE', 'CRASH',
]);

/** Maps a `chrome.downloads` interrupt reason to a failure. */
export function classifyInterrupt(reason: string): Failure {
  if (reason === 'USER_CANCELED') return { code: 'user_canceled', retryable: false, message: 'The download was cancelled.' };
  if (reason === 'SERVER_BAD_CONTENT') return { code: 'http_client_error', retryable: false, message: 'The image server no longer has this image.' };
  if (reason === 'SERVER_FORBIDDEN' || reason === 'SERVER_UNAUTHORIZED') {
    return { code: 'http_client_error', retryable: false, message: 'The image server refused to give the original.' };
  }
  if (reason.startsWith('FILE_')) {
    const retryable = RESUMABLE_INTERRUPTS.has(reason);
    return { code: 'file_error', retryable, message: `The file could not be written (${humanReason(reason)}).` };
  }
  if (RESUMABLE_INTERRUPTS.has(reason)) {
    return { code: reason.startsWith('SERVER_') ? 'http_server_error' : 'network', retryable: true, message: `The download was interrupted (${humanReason(reason)}).` };
  }
  return { code: 'download_interrupted', retryable: false, message: `The download stopped and cannot be resumed (${humanReason(reason)}).` };
}

/**
 * A save (Chrome writing our Blob to disk) that Chrome interrupted. Only a cancel the saga itself recorded is the
 * user's: a USER_CANCELED or USER_SHUTDOWN it did not cause is the browser closing (seen: Chromium closed mid-way
 * reports USER_CANCELED on the next start), so the download is tried again.
 */
export function classifySaveInterrupt(reason: string): Failure {
  if (reason === 'USER_CANCELED' || reason === 'USER_SHUTDOWN' || reason === 'CRASH') {
    return { code: 'download_interrupted', retryable: true, message: 'Saving the file was interrupted (the browser closed or stopped it); trying again.' };
  }
  if (reason.startsWith('FILE_')) return classifyInterrupt(reason);
  // A blob: save has no network: anything else is Chrome's own trouble, worth one more try.
  return { code: 'download_interrupted', retryable: true, message: `Saving the file was interrupted (${humanReason(reason)}).` };
}

/** Chrome's `DownloadItem.danger` values that mean the file passed (or the user or policy accepted it). */
const CLEAN_DANGER = new Set(['safe', 'accepted', 'allowlistedByPolicy', 'deepScannedSafe']);
/** Values that mean a scan is still running: the verdict comes later. */
const PENDING_DANGER = new Set(['asyncScanning', 'asyncLocalPasswordScanning']);

/** Chrome's verdict as the saga's scan step: any value not known to be clean or pending is a flag. */
export function scanVerdict(danger: string | undefined): 'clean' | 'pending' | 'flagged' {
  if (danger === undefined || danger === '' || CLEAN_DANGER.has(danger)) return 'clean';
  if (PENDING_DANGER.has(danger)) return 'pending';
  return 'flagged';
}

const DANGER_WORDS: Record<string, string> = {
  file: 'this type of file can harm your computer',
  url: 'the address is known to spread harmful files',
  content: 'the file is known to be harmful',
  uncommon: 'the file is not commonly downloaded and may be dangerous',
  host: 'the site is known to spread harmful files',
  unwanted: 'the file is potentially unwanted software',
};

export function flaggedFailure(danger: string): Failure {
  const why = DANGER_WORDS[danger] ?? `its verdict was "${danger}"`;
  return { code: 'flagged_by_browser', retryable: false, message: `Chrome flagged the saved file (${why}): it was removed, not kept.` };
}

/** The transfer side no longer holds the transfer (the browser closed, the extension restarted): a new attempt. */
export const TRANSFER_LOST: Failure = {
  code: 'download_interrupted',
  retryable: true,
  message: 'The download was interrupted (the browser closed, or the extension restarted); trying again.',
};

/** Chrome no longer lists the download it was saving (erased from its list meanwhile). */
export const SAVE_GONE: Failure = { code: 'download_interrupted', retryable: true, message: 'The download disappeared from Chrome’s list; trying again.' };

/**
 * A failure event that ends the download: no retry is scheduled (final, or retries used up). The one place this
 * is decided. Schema v1 had no `nextAttemptAt`: a v1 failure that is not retryable is final.
 */
export function isFinalFailure(data: Partial<Pick<EventData<'GoogleImageDownloadFailed'>, 'nextAttemptAt' | 'retryable' | 'deadLettered'>>): boolean {
  return data.deadLettered === true || data.nextAttemptAt === null || (data.nextAttemptAt === undefined && data.retryable === false);
}

function humanReason(reason: string): string {
  return reason.toLowerCase().replace(/_/g, ' ');
}

/** Delay before retry number `retry` (1-based): exponential, capped, with jitter from `random` in [0, 1). */
export function retryDelayMs(retry: number, policy: RetryPolicy, random: number): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const factor = 1 + policy.jitter * (2 * random - 1);
  return Math.max(0, Math.round(raw * factor));
}

/** The `GoogleImageDownloadFailed` payload for a failure in attempt `attempt`, given the policy. */
export function failureEvent(
  imageUrl: string,
  failure: Failure,
  attempt: number,
  policy: RetryPolicy,
  now: number,
  random: number,
): EventData<'GoogleImageDownloadFailed'> {
  const retriesUsed = attempt - 1;
  const canRetry = failure.retryable && retriesUsed < policy.maxRetries;
  return {
    imageUrl,
    error: failure.message,
    code: failure.code,
    retryable: failure.retryable,
    attempt,
    nextAttemptAt: canRetry ? now + retryDelayMs(attempt, policy, random) : null,
    deadLettered: failure.retryable && !canRetry,
  };
}
