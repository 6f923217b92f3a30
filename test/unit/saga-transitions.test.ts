/**
 * Every phase → phase transition of the download state machine, as `given / when / then` workflow tests:
 * given the events that put a download in a phase, when the saga (or the user, through it) records the next
 * event, then the download is in the expected phase. The table is checked against DOWNLOAD_PHASES: a new phase
 * without a way in (and, unless final, a way out) fails the suite.
 */
import { describe, expect, it } from 'vitest';
import { DOWNLOAD_PHASES, SETTLED_PHASES, foldStream, evolve, type DownloadPhase, type DownloadState } from '../../src/domain/download.ts';
import type { DomainEvent, StoredEvent } from '../../src/domain/events.ts';

const STREAM = 'download-1';
let clock = 1_000;

function stored(event: DomainEvent, version: number): StoredEvent {
  clock += 10;
  const eventId = `e${version}`;
  return {
    position: version,
    eventId,
    streamId: STREAM,
    version,
    type: event.type,
    schemaVersion: 2,
    data: event.data,
    metadata: { correlationId: 'c1', causationId: version === 1 ? 'command' : `e${version - 1}` },
    correlationId: 'c1',
    causationId: version === 1 ? 'command' : `e${version - 1}`,
    createdAt: clock,
  } as StoredEvent;
}

const url = 'https://images.example/cat.jpg';
const ev = {
  requested: { type: 'GoogleImageDownloadRequested', data: { imageUrl: url, strategy: 'udm2_inline' } },
  validated: {
    type: 'ImageSourceValidated',
    data: { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/cat.png', contentLength: 10, referer: null, transferId: 'download-1:v1' },
  },
  /** The old saga's check (an upcast v1 event: no transferId). */
  legacyValidated: {
    type: 'ImageSourceValidated',
    data: { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/cat.png', contentLength: 10, referer: null },
  },
  fetched: { type: 'ImageFetched', data: { attempt: 1, transferId: 'download-1:v1', size: 10, contentHash: 'a'.repeat(64), mimeType: 'image/png' } },
  scannedClean: { type: 'ImageScanned', data: { attempt: 1, chromeDownloadId: 7, verdict: 'clean', danger: 'safe' } },
  scannedFlagged: { type: 'ImageScanned', data: { attempt: 1, chromeDownloadId: 7, verdict: 'flagged', danger: 'file' } },
  flagged: {
    type: 'GoogleImageDownloadFailed',
    data: { imageUrl: url, error: 'Chrome flagged it', code: 'flagged_by_browser', retryable: false, attempt: 1, nextAttemptAt: null, deadLettered: false },
  },
  initiated: { type: 'DownloadInitiated', data: { attempt: 1, filename: 'Semantest/cat.png', url } },
  started: { type: 'DownloadStarted', data: { attempt: 1, chromeDownloadId: 7 } },
  paused: { type: 'DownloadPaused', data: {} },
  resumed: { type: 'DownloadResumed', data: {} },
  completed: { type: 'GoogleImageDownloadCompleted', data: { imageUrl: url, filePath: '/d/Semantest/cat.png', fileSize: 10, downloadTime: 5, mimeType: 'image/png' } },
  retryableFailure: {
    type: 'GoogleImageDownloadFailed',
    data: { imageUrl: url, error: 'HTTP 500', code: 'http_server_error', retryable: true, attempt: 1, nextAttemptAt: 99_999, deadLettered: false },
  },
  finalFailure: {
    type: 'GoogleImageDownloadFailed',
    data: { imageUrl: url, error: 'HTTP 404', code: 'http_client_error', retryable: false, attempt: 1, nextAttemptAt: null, deadLettered: false },
  },
  cancelled: {
    type: 'GoogleImageDownloadFailed',
    data: { imageUrl: url, error: 'Cancelled', code: 'user_canceled', retryable: false, attempt: 1, nextAttemptAt: null, deadLettered: false },
  },
  retriesUsedUp: {
    type: 'GoogleImageDownloadFailed',
    data: { imageUrl: url, error: 'HTTP 500', code: 'http_server_error', retryable: true, attempt: 4, nextAttemptAt: null, deadLettered: true },
  },
  retryRequested: { type: 'GoogleImageDownloadRetryRequested', data: {} },
  duplicate: {
    type: 'GoogleImageDownloadCompleted',
    data: { imageUrl: url, filePath: '/d/Semantest/earlier.png', fileSize: 10, downloadTime: 5, mimeType: 'image/png', duplicateOf: 'download-0' },
  },
  converted: {
    type: 'ImageConverted',
    data: { attempt: 1, from: 'image/png', to: 'image/jpeg', fromSize: 10, toSize: 8, width: 4, height: 3, filename: 'Semantest/cat.jpg', originalKept: false },
  },
  conversionSkipped: { type: 'ImageConversionSkipped', data: { attempt: 1, from: 'image/gif', to: 'image/png', reason: 'animated' } },
} satisfies Record<string, DomainEvent>;

/** The shortest history that puts a download in each phase. */
const given: Record<DownloadPhase, DomainEvent[]> = {
  queued: [ev.requested],
  validating: [ev.requested, ev.legacyValidated],
  fetching: [ev.requested, ev.validated],
  paused: [ev.requested, ev.validated, ev.paused],
  fetched: [ev.requested, ev.validated, ev.fetched],
  initiating: [ev.requested, ev.validated, ev.fetched, ev.initiated],
  downloading: [ev.requested, ev.validated, ev.fetched, ev.initiated, ev.started],
  'retry-wait': [ev.requested, ev.retryableFailure],
  completed: [ev.requested, ev.validated, ev.fetched, ev.initiated, ev.started, ev.scannedClean, ev.completed],
  failed: [ev.requested, ev.finalFailure],
  'dead-lettered': [ev.requested, ev.retriesUsedUp],
};

interface Transition {
  from: DownloadPhase | null;
  when: DomainEvent;
  to: DownloadPhase;
  /** The saga's (or the user's) decision that records this event. */
  because: string;
}

const transitions: Transition[] = [
  { from: null, when: ev.requested, to: 'queued', because: 'a click asks for the image' },
  { from: 'queued', when: ev.validated, to: 'fetching', because: 'a slot was free: the transfer\'s first bytes are an image' },
  { from: 'queued', when: ev.legacyValidated, to: 'validating', because: 'the old saga checked the source (v1 history)' },
  { from: 'queued', when: ev.retryableFailure, to: 'retry-wait', because: 'the source failed with 5xx/408/429/network' },
  { from: 'queued', when: ev.finalFailure, to: 'failed', because: 'the source answered 4xx or not an image' },
  { from: 'queued', when: ev.retriesUsedUp, to: 'dead-lettered', because: 'the last allowed attempt failed while asking the host' },
  { from: 'queued', when: ev.cancelled, to: 'failed', because: 'the user cancelled before the transfer started' },
  { from: 'validating', when: ev.validated, to: 'fetching', because: 'after the upgrade, the old check\'s download is fetched again by the transfer' },
  { from: 'validating', when: ev.retryableFailure, to: 'retry-wait', because: 'the new transfer failed retryably' },
  { from: 'validating', when: ev.cancelled, to: 'failed', because: 'the user cancelled while it waited for a slot' },
  { from: 'fetching', when: ev.fetched, to: 'fetched', because: 'the whole body is in the Blob, hashed' },
  { from: 'fetching', when: ev.paused, to: 'paused', because: 'the user paused the transfer' },
  { from: 'fetching', when: ev.retryableFailure, to: 'retry-wait', because: 'the host stalled or dropped the body, or the transfer was lost' },
  { from: 'fetching', when: ev.finalFailure, to: 'failed', because: 'over the size limit' },
  { from: 'fetching', when: ev.retriesUsedUp, to: 'dead-lettered', because: 'the last attempt\'s body failed' },
  { from: 'fetching', when: ev.cancelled, to: 'failed', because: 'the user cancelled the transfer' },
  { from: 'paused', when: ev.resumed, to: 'fetching', because: 'the user resumed the transfer (Range, or a clean restart)' },
  { from: 'paused', when: ev.fetched, to: 'fetched', because: 'the body ended as the pause came' },
  { from: 'paused', when: ev.cancelled, to: 'failed', because: 'the user cancelled a paused download' },
  { from: 'paused', when: ev.retryableFailure, to: 'retry-wait', because: 'resumed, but the transfer side had lost the bytes' },
  { from: 'fetched', when: ev.initiated, to: 'initiating', because: 'no earlier copy on disk: the intent before chrome.downloads.download' },
  { from: 'fetched', when: ev.converted, to: 'fetched', because: 'Save as type: the Blob was converted' },
  { from: 'fetched', when: ev.conversionSkipped, to: 'fetched', because: 'Save as type: SVG/animated/over the pixel budget, the original is kept' },
  { from: 'fetched', when: ev.duplicate, to: 'completed', because: 'the same bytes are already on disk: completed as a duplicate, nothing saved' },
  { from: 'fetched', when: ev.retryableFailure, to: 'retry-wait', because: 'the transfer side lost the Blob (browser restart)' },
  { from: 'fetched', when: ev.cancelled, to: 'failed', because: 'the user cancelled before the save' },
  { from: 'initiating', when: ev.started, to: 'downloading', because: 'Chrome gave the save an id (or a restart adopted it by its blob: URL)' },
  { from: 'initiating', when: ev.retryableFailure, to: 'retry-wait', because: 'download() timed out, or the Blob was lost' },
  { from: 'initiating', when: ev.finalFailure, to: 'failed', because: 'Chrome refused the save' },
  { from: 'initiating', when: ev.retriesUsedUp, to: 'dead-lettered', because: 'the last attempt could not be saved' },
  { from: 'downloading', when: ev.scannedClean, to: 'downloading', because: 'Chrome\'s verdict on the file: clean' },
  { from: 'downloading', when: ev.scannedFlagged, to: 'downloading', because: 'Chrome\'s verdict on the file: flagged (the failure follows)' },
  { from: 'downloading', when: ev.completed, to: 'completed', because: 'Chrome reports the file complete, of the checked size' },
  { from: 'downloading', when: ev.flagged, to: 'failed', because: 'Chrome flagged the file: removed, never accepted' },
  { from: 'downloading', when: ev.retryableFailure, to: 'retry-wait', because: 'Chrome interrupted the save (the browser closed)' },
  { from: 'downloading', when: ev.finalFailure, to: 'failed', because: 'a terminal interruption' },
  { from: 'downloading', when: ev.retriesUsedUp, to: 'dead-lettered', because: 'the last attempt was interrupted' },
  { from: 'downloading', when: ev.cancelled, to: 'failed', because: 'the user cancelled the save' },
  { from: 'retry-wait', when: ev.validated, to: 'fetching', because: 'the backoff is over and the new transfer\'s first bytes are an image' },
  { from: 'retry-wait', when: ev.retryableFailure, to: 'retry-wait', because: 'the retry failed again, retries are left' },
  { from: 'retry-wait', when: ev.retriesUsedUp, to: 'dead-lettered', because: 'the retry failed and none are left' },
  { from: 'retry-wait', when: ev.cancelled, to: 'failed', because: 'the user cancelled during the backoff' },
  { from: 'failed', when: ev.retryRequested, to: 'queued', because: 'the user retries a failed download' },
  { from: 'dead-lettered', when: ev.retryRequested, to: 'queued', because: 'the user retries from the dead-letter queue' },
];

function givenPhase(phase: DownloadPhase): { state: DownloadState; version: number } {
  const events = given[phase].map((event, i) => stored(event, i + 1));
  const state = foldStream(events);
  if (!state) throw new Error(`no state for ${phase}`);
  return { state, version: events.length };
}

describe('download state machine: given / when / then, every transition', () => {
  it.each(DOWNLOAD_PHASES)('given the history for %s, then the fold is in that phase', (phase) => {
    expect(givenPhase(phase).state.phase).toBe(phase);
  });

  it.each(transitions.map((t) => [t.from ?? '(nothing)', t.when.type, t.to, t.because, t] as const))(
    'given %s, when %s, then %s (%s)',
    (_from, _type, _to, _because, transition) => {
      const before = transition.from === null ? undefined : givenPhase(transition.from);
      const after = evolve(before?.state, stored(transition.when, (before?.version ?? 0) + 1));
      expect(after?.phase).toBe(transition.to);
      expect(after?.version).toBe((before?.version ?? 0) + 1);
      // What every transition keeps: the stream, the request; what a retry resets: the attempt and the error.
      if (before) expect(after?.request).toEqual(before.state.request);
      if (transition.to === 'queued' && before) expect(after).toMatchObject({ attempt: 1, error: null, chromeDownloadId: null });
      if (transition.to === 'retry-wait') expect(after?.chromeDownloadId).toBeNull();
      if (transition.when.type === 'ImageFetched') expect(after).toMatchObject({ contentHash: 'a'.repeat(64), bytesToSave: 10 });
      if (transition.when.type === 'ImageScanned') expect(after?.scan).toBe(transition.when.data.verdict);
    },
  );

  it('every phase can be entered, and every phase that is not final can be left', () => {
    for (const phase of DOWNLOAD_PHASES) {
      expect(transitions.some((t) => t.to === phase), `no transition into ${phase}`).toBe(true);
      if (phase !== 'completed') expect(transitions.some((t) => t.from === phase), `no transition out of ${phase}`).toBe(true);
    }
    // Settled phases are left only by a user's retry.
    for (const t of transitions.filter((t) => t.from !== null && SETTLED_PHASES.has(t.from))) expect(t.when.type).toBe('GoogleImageDownloadRetryRequested');
  });
});
