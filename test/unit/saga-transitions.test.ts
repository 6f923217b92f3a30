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
    data: { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/cat.png', contentLength: 10, transfer: 'url', referer: null },
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
  validating: [ev.requested, ev.validated],
  initiating: [ev.requested, ev.validated, ev.initiated],
  downloading: [ev.requested, ev.validated, ev.initiated, ev.started],
  paused: [ev.requested, ev.validated, ev.initiated, ev.started, ev.paused],
  'retry-wait': [ev.requested, ev.retryableFailure],
  completed: [ev.requested, ev.validated, ev.initiated, ev.started, ev.completed],
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
  { from: 'queued', when: ev.validated, to: 'validating', because: 'the source answered with image bytes; no slot is free' },
  { from: 'queued', when: ev.retryableFailure, to: 'retry-wait', because: 'the source failed with 5xx/408/429/network' },
  { from: 'queued', when: ev.finalFailure, to: 'failed', because: 'the source answered 4xx or not an image' },
  { from: 'queued', when: ev.retriesUsedUp, to: 'dead-lettered', because: 'the last allowed attempt failed while checking the source' },
  { from: 'queued', when: ev.cancelled, to: 'failed', because: 'the user cancelled before the download started' },
  { from: 'validating', when: ev.initiated, to: 'initiating', because: 'a slot is free: the intent is written before chrome.downloads.download' },
  { from: 'validating', when: ev.duplicate, to: 'completed', because: 'the same bytes are already on disk: completed as a duplicate, nothing saved' },
  { from: 'validating', when: ev.cancelled, to: 'failed', because: 'the user cancelled while it waited for a slot' },
  { from: 'initiating', when: ev.converted, to: 'initiating', because: 'Save as type: the bytes were converted before the download starts' },
  { from: 'initiating', when: ev.conversionSkipped, to: 'initiating', because: 'Save as type: SVG/animated/undecodable, the original is kept' },
  { from: 'initiating', when: ev.started, to: 'downloading', because: 'Chrome gave the download an id (or a restart adopted it)' },
  { from: 'initiating', when: ev.retryableFailure, to: 'retry-wait', because: 'download() timed out, or the inline fetch failed retryably' },
  { from: 'initiating', when: ev.finalFailure, to: 'failed', because: 'Chrome refused the download' },
  { from: 'initiating', when: ev.retriesUsedUp, to: 'dead-lettered', because: 'the last attempt could not start' },
  { from: 'downloading', when: ev.paused, to: 'paused', because: 'Chrome reports paused (the user paused)' },
  { from: 'downloading', when: ev.completed, to: 'completed', because: 'Chrome reports complete and the file is an image' },
  { from: 'downloading', when: ev.retryableFailure, to: 'retry-wait', because: 'Chrome reports a resumable interruption, or the download stalled' },
  { from: 'downloading', when: ev.finalFailure, to: 'failed', because: 'a terminal interruption, or HTML/empty file removed' },
  { from: 'downloading', when: ev.retriesUsedUp, to: 'dead-lettered', because: 'the last attempt was interrupted' },
  { from: 'downloading', when: ev.cancelled, to: 'failed', because: 'the user cancelled (USER_CANCELED)' },
  { from: 'paused', when: ev.resumed, to: 'downloading', because: 'Chrome reports resumed (the user resumed)' },
  { from: 'paused', when: ev.completed, to: 'completed', because: 'a restart found it finished while the worker was stopped' },
  { from: 'paused', when: ev.cancelled, to: 'failed', because: 'the user cancelled a paused download' },
  { from: 'paused', when: ev.retryableFailure, to: 'retry-wait', because: 'Chrome interrupted it while paused' },
  { from: 'retry-wait', when: ev.validated, to: 'validating', because: 'the backoff is over and the source answered' },
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
