/**
 * The download aggregate: its state is a fold (`evolve`) over its stream's events. The saga reads this state to
 * decide the next step; the history read model stores it as one row per download.
 */
import { CURRENT_SCHEMA_VERSION, type DomainEvent, type EventData, type StoredEvent } from './events.ts';
import { isFinalFailure } from './failure.ts';
import type { BiggerRule } from './bigger-original.ts';

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
/** The content script control's states (`semantest-download[data-state]`), `idle` before any click. */
export type ControlState = 'idle' | 'queued' | 'downloading' | 'completed' | 'failed';

export interface DownloadState {
  streamId: string;
  version: number;
  phase: DownloadPhase;
  request: EventData<'GoogleImageDownloadRequested'>;
  /** Host of the page the image comes from (or of the image itself): the "source site". */
  sourceHost: string;
  requestedAt: number;
  updatedAt: number;
  /** Correlation id of the latest user action on this download (the click, or a retry). */
  correlationId: string;
  /** eventId of the latest event: the causation id of whatever the saga writes next. */
  lastEventId: string;
  tabId: number | null;
  attempt: number;
  mimeType: string | null;
  /** The transfer whose first bytes were checked (v2; `null` on the old saga's rows). */
  transferId?: string | null;
  /** What the Blob to be saved holds (the original's size, or the converted file's): a complete file has this size. */
  bytesToSave?: number | null;
  /** Dimensions the image's header declared (the conversion's pixel budget), when its first bytes held them. */
  declaredSize?: { width: number; height: number } | null;
  /** Chrome's verdict on the saved file (ImageScanned). */
  scan?: 'clean' | 'flagged' | null;
  /** Set while the download needs its page as Referer (a request-scoped rule holds it). */
  referer: string | null;
  /** The relative path asked of chrome.downloads (`Semantest/x.png`). */
  filename: string | null;
  /** The absolute path Chrome wrote. */
  filePath: string | null;
  fileSize: number | null;
  chromeDownloadId: number | null;
  initiatedAt: number | null;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  error: string | null;
  errorCode: string | null;
  retryable: boolean | null;
  nextAttemptAt: number | null;
  failures: number;
  discarded: boolean;
  /** sha-256 of the original's bytes, when the source check read them all (older rows: undefined). */
  contentHash?: string | null;
  /** The stream came from an NDJSON import (its events carry `metadata.imported`): history, never acted on. */
  imported?: boolean;
  /** The earlier download whose file has the same content; set when this one saved nothing new. */
  duplicateOf?: string | null;
  /** "Save as type": the type the file is to be converted to (from the validation), and the type it got. */
  convertTo?: string | null;
  convertedTo?: string | null;
  /** A bigger original tried first (domain/bigger-original.ts): its rule, address, transfer, and how it ended. */
  bigger?: { rule: BiggerRule; url: string; transferId: string; outcome: 'trying' | 'chosen' | 'rejected'; reason?: string } | null;
}

export const SETTLED_PHASES: ReadonlySet<DownloadPhase> = new Set(['completed', 'failed', 'dead-lettered']);
export const UNSETTLED_PHASES: readonly DownloadPhase[] = DOWNLOAD_PHASES.filter((phase) => !SETTLED_PHASES.has(phase));

export function isSettled(state: DownloadState): boolean {
  return SETTLED_PHASES.has(state.phase);
}

/**
 * What a Google Images page may be told about a download: only one asked for from a Google Images page (not from
 * the context menu on another site, not an imported one), so a page script that plants an address learns nothing
 * about downloads made elsewhere.
 */
export function visibleToGooglePages(state: Pick<DownloadState, 'imported' | 'request'>): boolean {
  return state.imported !== true && state.request.strategy !== 'context_menu';
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
      return assertNever(phase);
  }
}

export function controlState(phase: DownloadPhase): ControlState {
  const status = publicStatus(phase);
  if (status === 'paused') return 'downloading';
  if (status === 'dead-lettered') return 'failed';
  return status;
}

export function hostOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return '';
  }
}

/** Folds one stored event into the state. Unknown-to-this-stream events leave it unchanged. */
export function evolve(state: DownloadState | undefined, event: StoredEvent): DownloadState | undefined {
  if (event.type === 'GoogleImageDownloadRequested') {
    const request = event.data as EventData<'GoogleImageDownloadRequested'>;
    return {
      streamId: event.streamId,
      version: event.version,
      phase: 'queued',
      request,
      sourceHost: hostOf(request.sourcePageUrl) || hostOf(request.imageUrl),
      requestedAt: event.createdAt,
      updatedAt: event.createdAt,
      correlationId: event.correlationId,
      lastEventId: event.eventId,
      tabId: typeof event.metadata.tabId === 'number' ? event.metadata.tabId : null,
      attempt: 1,
      mimeType: null,
      transferId: null,
      referer: null,
      filename: null,
      filePath: null,
      fileSize: null,
      chromeDownloadId: null,
      initiatedAt: null,
      startedAt: null,
      completedAt: null,
      durationMs: null,
      error: null,
      errorCode: null,
      retryable: null,
      nextAttemptAt: null,
      failures: 0,
      discarded: false,
      ...(event.metadata.imported ? { imported: true } : {}),
    };
  }
  if (!state) return undefined;
  // One new object per event (a replay folds 100k of them): the copy is made once, then its fields are set.
  // `next` is this call's own object, so setting its fields changes nothing the caller holds.
  const next: DownloadState = {
    ...state,
    version: event.version,
    updatedAt: event.createdAt,
    lastEventId: event.eventId,
    correlationId: event.correlationId,
  };
  switch (event.type) {
    case 'ImageSourceValidated': {
      const data = event.data as EventData<'ImageSourceValidated'>;
      // Without a transferId it is the old saga's check (upcast v1): Chrome was to fetch the address.
      next.phase = data.transferId ? 'fetching' : 'validating';
      next.transferId = data.transferId ?? null;
      next.mimeType = data.mimeType;
      next.filename = data.filename;
      next.referer = data.referer ?? null;
      next.contentHash = data.contentHash ?? null;
      next.convertTo = data.convertTo ?? null;
      next.convertedTo = null;
      next.bytesToSave = null;
      next.declaredSize = data.width && data.height ? { width: data.width, height: data.height } : null;
      return next;
    }
    case 'ImageFetched': {
      const data = event.data as EventData<'ImageFetched'>;
      next.phase = 'fetched';
      next.contentHash = data.contentHash;
      next.bytesToSave = data.size;
      next.mimeType = data.mimeType;
      return next;
    }
    case 'ImageConverted': {
      const data = event.data as EventData<'ImageConverted'>;
      next.filename = data.filename;
      next.convertedTo = data.to;
      next.bytesToSave = data.toSize;
      return next;
    }
    case 'ImageScanned': {
      const data = event.data as EventData<'ImageScanned'>;
      next.scan = data.verdict;
      return next;
    }
    case 'DownloadInitiated': {
      const data = event.data as EventData<'DownloadInitiated'>;
      next.phase = 'initiating';
      next.filename = data.filename;
      next.initiatedAt = event.createdAt;
      next.chromeDownloadId = null;
      return next;
    }
    case 'DownloadStarted': {
      const data = event.data as EventData<'DownloadStarted'>;
      next.phase = 'downloading';
      next.chromeDownloadId = data.chromeDownloadId;
      next.startedAt = state.startedAt ?? event.createdAt;
      return next;
    }
    case 'DownloadPaused':
      next.phase = 'paused';
      return next;
    case 'DownloadResumed':
      // The old saga paused Chrome's download; v2 pauses the transfer.
      next.phase = state.chromeDownloadId !== null ? 'downloading' : 'fetching';
      return next;
    case 'GoogleImageDownloadCompleted': {
      const data = event.data as EventData<'GoogleImageDownloadCompleted'>;
      next.phase = 'completed';
      next.filePath = data.filePath;
      next.fileSize = data.fileSize;
      next.mimeType = data.mimeType;
      next.completedAt = event.createdAt;
      next.durationMs = data.downloadTime;
      next.duplicateOf = data.duplicateOf ?? null;
      next.error = null;
      next.errorCode = null;
      next.retryable = null;
      next.nextAttemptAt = null;
      return next;
    }
    case 'GoogleImageDownloadFailed': {
      const data = event.data as EventData<'GoogleImageDownloadFailed'>;
      const phase: DownloadPhase = !isFinalFailure(data) ? 'retry-wait' : data.deadLettered ? 'dead-lettered' : 'failed';
      next.phase = phase;
      next.attempt = phase === 'retry-wait' ? data.attempt + 1 : data.attempt;
      next.error = data.error;
      next.errorCode = data.code;
      next.retryable = data.retryable;
      next.nextAttemptAt = data.nextAttemptAt;
      next.failures = state.failures + 1;
      next.chromeDownloadId = null;
      return next;
    }
    case 'GoogleImageDownloadRetryRequested':
      next.phase = 'queued';
      next.attempt = 1;
      next.error = null;
      next.errorCode = null;
      next.retryable = null;
      next.nextAttemptAt = null;
      next.chromeDownloadId = null;
      next.discarded = false;
      next.scan = null;
      return next;
    case 'BiggerOriginalTried': {
      const data = event.data as EventData<'BiggerOriginalTried'>;
      next.bigger = { rule: data.rule, url: data.url, transferId: data.transferId, outcome: 'trying' };
      return next;
    }
    case 'BiggerOriginalChosen':
      if (state.bigger) next.bigger = { ...state.bigger, outcome: 'chosen' };
      return next;
    case 'BiggerOriginalRejected': {
      const data = event.data as EventData<'BiggerOriginalRejected'>;
      if (state.bigger) next.bigger = { ...state.bigger, outcome: 'rejected', reason: data.reason };
      // Back to the start of the attempt: Google's original is asked for next.
      next.phase = 'queued';
      next.transferId = null;
      next.mimeType = null;
      next.filename = null;
      next.contentHash = null;
      next.bytesToSave = null;
      next.declaredSize = null;
      next.convertTo = null;
      return next;
    }
    // Events of other streams (the dead-letter queue's, notifications) and the optimising step's skip change no field.
    case 'ImageConversionSkipped':
    case 'DeadLetterDiscarded':
    case 'DownloadBatchRequested':
    case 'HistoryForgotten':
    case 'NotificationSent':
    case 'FailureRateAlertRaised':
    case 'FailureRateAlertCleared':
      return next;
    default: {
      // Every type is named above (a new one fails to compile here); a newer build's event is left alone.
      const _unknown: never = event.type;
      return next;
    }
  }
}

export function foldStream(events: readonly StoredEvent[]): DownloadState | undefined {
  let state: DownloadState | undefined;
  for (const event of events) state = evolve(state, event);
  return state;
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}

/**
 * The state after `events`, folded as the store will fold them (ids and positions are not known yet). From no
 * state, the first event must be the request that starts the stream `streamId`.
 */
export function apply(state: DownloadState, events: readonly DomainEvent[], now: number): DownloadState;
export function apply(state: DownloadState | undefined, events: readonly DomainEvent[], now: number, streamId: string): DownloadState | undefined;
export function apply(state: DownloadState | undefined, events: readonly DomainEvent[], now: number, streamId = state?.streamId ?? ''): DownloadState | undefined {
  let next = state;
  const version = state?.version ?? 0;
  const correlationId = state?.correlationId ?? '';
  events.forEach((event, index) => {
    const stored = {
      position: 0,
      eventId: '',
      streamId,
      version: version + index + 1,
      type: event.type,
      schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
      data: event.data,
      metadata: { correlationId, causationId: '' },
      correlationId,
      causationId: '',
      createdAt: now,
    } as StoredEvent;
    next = evolve(next, stored) ?? next;
  });
  return next;
}
