/**
 * The download workflow's decisions (src/domain/download-workflow.ts) as given / when / then tables: given the
 * events that put a download in a state, when a trigger comes (a user's command or a runner's fact), then these
 * events are recorded and these effects asked for. No I/O, no clock: the context carries time and randomness.
 * The last tests check the tables against the vocabularies: every trigger and every phase is in them.
 */
import { describe, expect, it } from 'vitest';
import { DOWNLOAD_PHASES, type DownloadPhase, type DownloadState } from '../../src/domain/download.ts';
import { apply, decide, type Decision, type Effect, type Trigger, type WorkflowContext } from '../../src/domain/download-workflow.ts';
import { TRIGGER_TYPES, type ChromeItem, type TransferReport } from '../../src/domain/download-triggers.ts';
import type { DomainEvent } from '../../src/domain/events.ts';

const S = 's1';
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const URL_ = 'https://images.example/cat.jpg';
const PAGE = 'https://www.example.org/page';
const HASH = 'a'.repeat(64);
const EXT = 'semantest-test';
const settings: WorkflowContext['settings'] = {
  folder: 'Semantest', fileNamePattern: '{name}', conflictAction: 'uniquify', maxRetries: 3, baseDelayMs: 100, maxBytes: 200 * 1_048_576,
  requestTimeoutMs: 15_000, stallTimeoutMs: 20_000, saveAs: 'original', convertQuality: 0.9, keepOriginal: false, convertMaxPixels: 100_000_000,
};
const ctx = (change: Partial<WorkflowContext['settings']> = {}): WorkflowContext => ({ now: NOW, random: 0.5, settings: { ...settings, ...change }, extensionId: EXT });

const ev = {
  requested: (extra: object = {}): DomainEvent => ({ type: 'GoogleImageDownloadRequested', data: { imageUrl: URL_, sourcePageUrl: PAGE, title: 'A cat', strategy: 'udm2_inline', ...extra } }),
  validated: (extra: object = {}): DomainEvent => ({
    type: 'ImageSourceValidated',
    data: { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/cat.png', contentLength: 10, referer: null, transferId: `${S}:v1`, ...extra },
  }),
  legacyValidated: { type: 'ImageSourceValidated', data: { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/cat.png', contentLength: 10 } } as DomainEvent,
  fetched: { type: 'ImageFetched', data: { attempt: 1, transferId: `${S}:v1`, size: 10, contentHash: HASH, mimeType: 'image/png' } } as DomainEvent,
  initiated: { type: 'DownloadInitiated', data: { attempt: 1, filename: 'Semantest/cat.png', url: URL_ } } as DomainEvent,
  started: { type: 'DownloadStarted', data: { attempt: 1, chromeDownloadId: 7 } } as DomainEvent,
  paused: { type: 'DownloadPaused', data: {} } as DomainEvent,
  completed: { type: 'GoogleImageDownloadCompleted', data: { imageUrl: URL_, filePath: '/d/Semantest/cat.png', fileSize: 10, downloadTime: 5, mimeType: 'image/png' } } as DomainEvent,
  failed: (retry: boolean, extra: object = {}): DomainEvent => ({
    type: 'GoogleImageDownloadFailed',
    data: { imageUrl: URL_, error: 'HTTP 500', code: 'http_server_error', retryable: retry, attempt: 1, nextAttemptAt: retry ? NOW + 1000 : null, deadLettered: false, ...extra },
  }),
};

const bigger = (() => {
  const thumb = 'https://upload.wikimedia.org/wikipedia/commons/thumb/3/3f/Fronalpstock_big.jpg/800px-Fronalpstock_big.jpg';
  const full = 'https://upload.wikimedia.org/wikipedia/commons/3/3f/Fronalpstock_big.jpg';
  const requested = ev.requested({ imageUrl: thumb, width: 800, height: 600, thumbnailUrl: 'https://encrypted-tbn0.gstatic.com/images?q=tbn:x' });
  const tried: DomainEvent[] = [requested, { type: 'BiggerOriginalTried', data: { attempt: 1, rule: 'wikimedia', url: full, transferId: `${S}:v1:bigger` } }];
  const fetched: DomainEvent[] = [...tried, ev.validated({ transferId: `${S}:v1:bigger` }), { type: 'ImageFetched', data: { attempt: 1, transferId: `${S}:v1:bigger`, size: 10, contentHash: HASH, mimeType: 'image/png' } }];
  return { thumb, full, requested, tried, fetched };
})();

const histories: Record<DownloadPhase, DomainEvent[]> = {
  queued: [ev.requested()],
  validating: [ev.requested(), ev.legacyValidated],
  fetching: [ev.requested(), ev.validated()],
  paused: [ev.requested(), ev.validated(), ev.paused],
  fetched: [ev.requested(), ev.validated(), ev.fetched],
  initiating: [ev.requested(), ev.validated(), ev.fetched, ev.initiated],
  downloading: [ev.requested(), ev.validated(), ev.fetched, ev.initiated, ev.started],
  'retry-wait': [ev.requested(), ev.failed(true)],
  completed: [ev.requested(), ev.validated(), ev.fetched, ev.initiated, ev.started, ev.completed],
  failed: [ev.requested(), ev.failed(false)],
  'dead-lettered': [ev.requested(), ev.failed(true, { attempt: 4, nextAttemptAt: null, deadLettered: true })],
};

function given(history: DomainEvent[] | DownloadPhase, patch: Partial<DownloadState> = {}): DownloadState {
  const events = typeof history === 'string' ? histories[history] : history;
  const state = apply(undefined, events, NOW - 5000, S);
  if (!state) throw new Error('no state');
  return { ...state, tabId: 3, ...patch };
}

const item = (extra: Partial<ChromeItem> = {}): ChromeItem => ({
  id: 7, url: 'blob:chrome-extension://x/1', filename: '/d/Semantest/cat.png', state: 'complete', danger: 'safe', fileSize: 10, bytesReceived: 10, mime: 'image/png',
  byExtensionId: EXT, startTime: new Date(NOW).toISOString(), ...extra,
});
const report = (fact: TransferReport): Trigger => ({ type: 'transfer', report: fact });
const sniffed = (transferId = `${S}:v1`, extra: object = {}): Trigger => report({ type: 'sniffed', transferId, mimeType: 'image/png', extension: 'png', declaredMime: 'image/jpeg', contentLength: 10, ...extra });
const request = (extra: object = {}): Trigger => ({ type: 'request', image: { imageUrl: URL_, sourcePageUrl: PAGE, strategy: 'udm2_inline' }, force: false, commandId: 'cmd', correlationId: 'corr', tabId: 9, senderShowsQueued: false, ...extra });
const held = (transferId: string, state: 'requesting' | 'streaming' | 'paused' | 'fetched' | 'failed', facts: TransferReport[] = [], saveUrl: string | null = null) => ({ transferId, state, facts, saveUrl });
const sniffFact: TransferReport = { type: 'sniffed', transferId: `${S}:v1`, mimeType: 'image/png', extension: 'png', declaredMime: 'image/png', contentLength: 10 };
const fetchFact: TransferReport = { type: 'fetched', transferId: `${S}:v1`, size: 10, contentHash: HASH, mimeType: 'image/png' };
const failure = { code: 'http_client_error', retryable: false, message: 'The image server refused to give the original (HTTP 403).', hotlinkSuspect: true } as const;

interface Case {
  name: string;
  given: DownloadState | undefined;
  when: Trigger;
  context?: WorkflowContext;
  /** Event types recorded, in order; objects are matched against each event's data. */
  events: (string | { type: string; data: object })[];
  /** Effects asked for, in order (each matched as a subset). */
  effects: ({ type: Effect['type'] } & Record<string, unknown>)[];
  reply?: Decision['reply'];
}

const cases: Case[] = [
  // A user's commands.
  { name: 'a click starts a stream and waits for a slot', given: undefined, when: request(), events: ['GoogleImageDownloadRequested'], effects: [{ type: 'request-slot', requestedAt: NOW }, { type: 'tell-tab', shownAlready: false }], reply: { kind: 'started' } },
  { name: 'a click whose control shows queued by itself is not told queued', given: undefined, when: request({ senderShowsQueued: true }), events: ['GoogleImageDownloadRequested'], effects: [{ type: 'request-slot' }, { type: 'tell-tab', shownAlready: true }] },
  { name: 'a context-menu request tells no tab', given: undefined, when: request({ image: { imageUrl: URL_, strategy: 'context_menu' } }), events: ['GoogleImageDownloadRequested'], effects: [{ type: 'request-slot' }] },
  { name: 'a second click on a running download joins it', given: given('fetching'), when: request(), events: [], effects: [{ type: 'tell-tab', tabId: 9 }], reply: { kind: 'joined', alreadySaved: false } },
  { name: 'a click on an image saved and on disk points at the file', given: given('completed'), when: request({ fileOnDisk: true }), events: [], effects: [{ type: 'tell-tab', tabId: 9 }], reply: { kind: 'joined', alreadySaved: true } },
  { name: 'a click on an image saved but deleted starts anew', given: given('completed'), when: request({ fileOnDisk: false }), events: [], effects: [], reply: { kind: 'not-joinable' } },
  { name: 'a forced click on an image saved starts anew', given: given('completed'), when: request({ fileOnDisk: true, force: true }), events: [], effects: [], reply: { kind: 'not-joinable' } },
  { name: 'a Google page never joins a context-menu download', given: given([ev.requested({ strategy: 'context_menu' })]), when: request(), events: [], effects: [], reply: { kind: 'not-joinable' } },
  { name: 'nothing joins an imported stream', given: given('fetching', { imported: true }), when: request({ image: { imageUrl: URL_, strategy: 'context_menu' } }), events: [], effects: [], reply: { kind: 'not-joinable' } },
  { name: 'a retry of a failed download continues its stream under a new correlation', given: given('failed'), when: { type: 'retry', commandId: 'c2', correlationId: 'corr2' }, events: ['GoogleImageDownloadRetryRequested'], effects: [{ type: 'request-slot' }, { type: 'tell-tab' }], reply: { kind: 'done' } },
  { name: 'a retry from the dead-letter queue', given: given('dead-lettered'), when: { type: 'retry', commandId: 'c2', correlationId: 'corr2' }, events: ['GoogleImageDownloadRetryRequested'], effects: [{ type: 'request-slot' }, { type: 'tell-tab' }] },
  { name: 'a running download cannot be retried', given: given('downloading'), when: { type: 'retry', commandId: 'c2', correlationId: 'corr2' }, events: [], effects: [], reply: { kind: 'refused' } },
  { name: 'pause stops the transfer (the event comes with its fact)', given: given('fetching'), when: { type: 'pause' }, events: [], effects: [{ type: 'pause-transfer', transferId: `${S}:v1` }], reply: { kind: 'done' } },
  { name: 'nothing to pause before the transfer', given: given('queued'), when: { type: 'pause' }, events: [], effects: [], reply: { kind: 'refused' } },
  { name: 'resume asks for the rest', given: given('paused'), when: { type: 'resume' }, events: [], effects: [{ type: 'resume-transfer', transferId: `${S}:v1` }], reply: { kind: 'done' } },
  { name: 'a running transfer cannot be resumed', given: given('fetching'), when: { type: 'resume' }, events: [], effects: [], reply: { kind: 'refused' } },
  {
    name: 'cancel while queued: recorded as the user\'s, final; slot, transfers and Referer let go',
    given: given('queued'), when: { type: 'cancel' },
    events: [{ type: 'GoogleImageDownloadFailed', data: { code: 'user_canceled', retryable: false, nextAttemptAt: null } }],
    effects: [{ type: 'release-slot' }, { type: 'drop-transfer', transferId: `${S}:v1` }, { type: 'drop-transfer', transferId: `${S}:v1:referer` }, { type: 'release-referer' }, { type: 'tell-tab' }], reply: { kind: 'done' },
  },
  {
    name: 'cancel while Chrome saves: our item is discarded first', given: given('downloading'), when: { type: 'cancel' },
    events: [{ type: 'GoogleImageDownloadFailed', data: { code: 'user_canceled' } }], effects: [{ type: 'discard-chrome-item', chromeDownloadId: 7 }, { type: 'release-slot' }, { type: 'drop-transfer', transferId: `${S}:v1` }, { type: 'tell-tab' }],
  },
  { name: 'a completed download cannot be cancelled', given: given('completed'), when: { type: 'cancel' }, events: [], effects: [], reply: { kind: 'refused' } },
  { name: 'show a saved file', given: given('completed'), when: { type: 'show' }, events: [], effects: [{ type: 'show-file', chromeDownloadId: 7 }], reply: { kind: 'done' } },
  { name: 'nothing to show of a failure', given: given('failed'), when: { type: 'show' }, events: [], effects: [], reply: { kind: 'refused' } },
  { name: 'a discard is recorded in the dead-letter queue', given: given('dead-lettered'), when: { type: 'discard', commandId: 'c3', correlationId: 'corr3' }, events: [], effects: [], reply: { kind: 'done' } },
  { name: 'a discarded download is not discarded again', given: given('dead-lettered', { discarded: true }), when: { type: 'discard', commandId: 'c3', correlationId: 'corr3' }, events: [], effects: [], reply: { kind: 'refused' } },
  { name: 'an imported stream takes no command', given: given('failed', { imported: true }), when: { type: 'retry', commandId: 'c', correlationId: 'k' }, events: [], effects: [], reply: { kind: 'refused' } },
  // Slots.
  { name: 'a slot starts the attempt\'s transfer', given: given('queued'), when: { type: 'slot-granted' }, events: [], effects: [{ type: 'start-transfer', request: { transferId: `${S}:v1`, url: URL_, maxBytes: settings.maxBytes, headersTimeoutMs: 15_000, stallTimeoutMs: 20_000, allowDataImage: false } }] },
  { name: 'the old saga\'s check is fetched again', given: given('validating'), when: { type: 'slot-granted' }, events: [], effects: [{ type: 'start-transfer', request: { transferId: `${S}:v2` } }] },
  { name: 'a retry due starts its own transfer', given: given('retry-wait'), when: { type: 'slot-granted' }, context: { ...ctx(), now: NOW + 1000 }, events: [], effects: [{ type: 'start-transfer', request: { transferId: `${S}:v2` } }] },
  { name: 'a slot for a retry not due is handed back', given: given('retry-wait'), when: { type: 'slot-granted' }, events: [], effects: [{ type: 'release-slot' }] },
  { name: 'a slot nobody wants is handed back', given: given('completed'), when: { type: 'slot-granted' }, events: [], effects: [{ type: 'release-slot' }] },
  { name: 'a thumbnail the user chose may be a data: image', given: given([ev.requested({ strategy: 'thumbnail' })]), when: { type: 'slot-granted' }, events: [], effects: [{ type: 'start-transfer', request: { allowDataImage: true } }] },
  // The transfer's facts.
  {
    name: 'first bytes: the real type and the file name are recorded', given: given('queued'), when: sniffed(`${S}:v1`, { width: 40, height: 30 }),
    events: [{ type: 'ImageSourceValidated', data: { mimeType: 'image/png', extension: 'png', filename: 'Semantest/cat.png', referer: null, transferId: `${S}:v1`, convertTo: null, width: 40, height: 30 } }], effects: [{ type: 'tell-tab' }],
  },
  { name: 'first bytes of the Referer retry: the Referer is recorded', given: given('queued'), when: sniffed(`${S}:v1:referer`), events: [{ type: 'ImageSourceValidated', data: { referer: PAGE, transferId: `${S}:v1:referer` } }], effects: [{ type: 'tell-tab' }] },
  { name: 'save as JPEG: a PNG is to be converted', given: given('queued'), when: sniffed(), context: ctx({ saveAs: 'jpeg' }), events: [{ type: 'ImageSourceValidated', data: { convertTo: 'image/jpeg' } }], effects: [{ type: 'tell-tab' }] },
  { name: 'save as PNG: a PNG is not converted', given: given('queued'), when: sniffed(), context: ctx({ saveAs: 'png' }), events: [{ type: 'ImageSourceValidated', data: { convertTo: null } }], effects: [{ type: 'tell-tab' }] },
  { name: 'a fact of a transfer nobody waits for lets it go', given: given('queued'), when: sniffed(`${S}:v9`), events: [], effects: [{ type: 'drop-transfer', transferId: `${S}:v9` }] },
  { name: 'progress goes to the popup and the control', given: given('fetching'), when: report({ type: 'progress', transferId: `${S}:v1`, bytesReceived: 5, totalBytes: 10 }), events: [], effects: [{ type: 'report-progress', bytesReceived: 5, totalBytes: 10, paused: false }] },
  { name: 'progress before the first bytes is not shown', given: given('queued'), when: report({ type: 'progress', transferId: `${S}:v1`, bytesReceived: 5, totalBytes: 10 }), events: [], effects: [] },
  { name: 'the whole body: recorded, the slot freed, duplicates looked up', given: given('fetching'), when: report(fetchFact), events: [{ type: 'ImageFetched', data: { size: 10, contentHash: HASH } }], effects: [{ type: 'release-slot' }, { type: 'look-up-duplicate', contentHash: HASH }, { type: 'tell-tab' }] },
  {
    name: 'the whole body of a forced download: saved without a lookup', given: given([ev.requested({ force: true }), ev.validated()]), when: report(fetchFact),
    events: ['ImageFetched', { type: 'DownloadInitiated', data: { filename: 'Semantest/cat.png' } }], effects: [{ type: 'release-slot' }, { type: 'save', transferId: `${S}:v1`, which: 'result', filename: 'Semantest/cat.png', follow: true }, { type: 'tell-tab' }],
  },
  { name: 'the body ended as the pause came', given: given('paused'), when: report(fetchFact), events: ['ImageFetched'], effects: [{ type: 'release-slot' }, { type: 'look-up-duplicate' }, { type: 'tell-tab' }] },
  {
    name: 'a refusal that looks like hotlink protection: once more with the page as Referer', given: given('queued'), when: report({ type: 'failed', transferId: `${S}:v1`, failure }),
    events: [], effects: [{ type: 'drop-transfer', transferId: `${S}:v1` }, { type: 'hold-referer', url: URL_, referer: PAGE, transferId: `${S}:v1:referer` }],
  },
  { name: 'refused with the Referer too: a final failure in words', given: given('queued'), when: report({ type: 'failed', transferId: `${S}:v1:referer`, failure }), events: [{ type: 'GoogleImageDownloadFailed', data: { error: failure.message, retryable: false } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'drop-transfer' }, { type: 'release-referer' }, { type: 'tell-tab' }] },
  { name: 'no page to send as Referer: a final failure', given: given([ev.requested({ sourcePageUrl: undefined })]), when: report({ type: 'failed', transferId: `${S}:v1`, failure }), events: ['GoogleImageDownloadFailed'], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'drop-transfer' }, { type: 'release-referer' }, { type: 'tell-tab' }] },
  {
    name: 'a server error: retried after a backoff', given: given('queued'), when: report({ type: 'failed', transferId: `${S}:v1`, failure: { code: 'http_server_error', retryable: true, message: 'HTTP 500' } }),
    events: [{ type: 'GoogleImageDownloadFailed', data: { retryable: true, attempt: 1, nextAttemptAt: NOW + 100, deadLettered: false } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'drop-transfer' }, { type: 'release-referer' }, { type: 'arm-timer', at: NOW + 100 }, { type: 'tell-tab' }],
  },
  { name: 'over the size limit mid-way: final', given: given('fetching'), when: report({ type: 'failed', transferId: `${S}:v1`, failure: { code: 'too_large', retryable: false, message: 'too large' } }), events: [{ type: 'GoogleImageDownloadFailed', data: { code: 'too_large', nextAttemptAt: null } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer', transferId: `${S}:v1` }, { type: 'tell-tab' }] },
  { name: 'the transfer paused', given: given('fetching'), when: report({ type: 'paused', transferId: `${S}:v1`, bytesReceived: 4 }), events: ['DownloadPaused'], effects: [{ type: 'report-progress', bytesReceived: 4, paused: true }, { type: 'tell-tab' }] },
  { name: 'the transfer resumed', given: given('paused'), when: report({ type: 'resumed', transferId: `${S}:v1`, bytesReceived: 4, ranged: true }), events: ['DownloadResumed'], effects: [{ type: 'tell-tab' }] },
  { name: 'the Blob was lost before it was saved: a new attempt', given: given('fetched'), when: { type: 'transfer-lost', transferId: `${S}:v1` }, events: [{ type: 'GoogleImageDownloadFailed', data: { code: 'download_interrupted', retryable: true } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'arm-timer' }, { type: 'tell-tab' }] },
  { name: 'a lost Blob while Chrome saves changes nothing (Chrome read it)', given: given('downloading'), when: { type: 'transfer-lost', transferId: `${S}:v1` }, events: [], effects: [] },
  { name: 'a lost transfer of a settled download changes nothing', given: given('completed'), when: { type: 'transfer-lost', transferId: `${S}:v1` }, events: [], effects: [] },
  // The Referer rule.
  { name: 'the rule is in place: the Referer retry\'s transfer starts', given: given('queued'), when: { type: 'referer-held', transferId: `${S}:v1:referer` }, events: [], effects: [{ type: 'start-transfer', request: { transferId: `${S}:v1:referer` } }] },
  { name: 'a rule nobody needs any more is released', given: given('failed'), when: { type: 'referer-held', transferId: `${S}:v1:referer` }, events: [], effects: [{ type: 'release-referer' }] },
  { name: 'no rule could be set: the refusal stands', given: given('queued'), when: { type: 'referer-refused', refused: failure }, events: [{ type: 'GoogleImageDownloadFailed', data: { error: failure.message } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'drop-transfer' }, { type: 'release-referer' }, { type: 'tell-tab' }] },
  // Duplicates and conversion.
  {
    name: 'the same bytes are on disk already: completed as a duplicate, nothing saved', given: given('fetched'), when: { type: 'duplicate-looked-up', earlier: { streamId: 's0', filePath: '/d/Semantest/earlier.png', fileSize: 10, mimeType: 'image/png' } },
    events: [{ type: 'GoogleImageDownloadCompleted', data: { duplicateOf: 's0', filePath: '/d/Semantest/earlier.png', imageUrl: URL_ } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer', transferId: `${S}:v1` }, { type: 'tell-tab' }],
  },
  { name: 'no earlier copy: the intent, then the save', given: given('fetched'), when: { type: 'duplicate-looked-up', earlier: null }, events: [{ type: 'DownloadInitiated', data: { filename: 'Semantest/cat.png', url: URL_ } }], effects: [{ type: 'save', which: 'result', follow: true }, { type: 'tell-tab' }] },
  // Bigger originals (docs/decisions/0046): asked first, kept only when the same picture and larger.
  {
    name: 'a slot for a resized copy with a known bigger address: that address is asked first', given: given([bigger.requested]), context: ctx({ biggerOriginals: true }), when: { type: 'slot-granted' },
    events: [{ type: 'BiggerOriginalTried', data: { rule: 'wikimedia', url: bigger.full, transferId: `${S}:v1:bigger` } }], effects: [{ type: 'start-transfer', request: { transferId: `${S}:v1:bigger`, url: bigger.full } }, { type: 'tell-tab' }],
  },
  { name: 'bigger originals off: Google’s original is asked for', given: given([bigger.requested]), when: { type: 'slot-granted' }, events: [], effects: [{ type: 'start-transfer', request: { transferId: `${S}:v1`, url: bigger.thumb } }] },
  {
    name: 'the bigger copy is the same picture and larger: chosen, then looked up for duplicates', given: given(bigger.fetched), when: { type: 'picture-checked', transferId: `${S}:v1:bigger`, outcome: { same: true, width: 2000, height: 1500 } },
    events: [{ type: 'BiggerOriginalChosen', data: { rule: 'wikimedia', width: 2000, height: 1500 } }], effects: [{ type: 'look-up-duplicate', contentHash: HASH }, { type: 'tell-tab' }],
  },
  {
    name: 'the bigger copy is another picture: rejected with the reason, a slot asked for Google’s original', given: given(bigger.fetched), when: { type: 'picture-checked', transferId: `${S}:v1:bigger`, outcome: { same: false, reason: 'Not kept: colours.' } },
    events: [{ type: 'BiggerOriginalRejected', data: { reason: 'Not kept: colours.' } }], effects: [{ type: 'drop-transfer', transferId: `${S}:v1:bigger` }, { type: 'request-slot' }, { type: 'tell-tab' }],
  },
  {
    name: 'recovered while the bigger copy streamed, its bytes gone: rejected, Google’s original asked for in the same slot',
    given: given([...bigger.tried, ev.validated({ transferId: `${S}:v1:bigger` })]), when: { type: 'recovered', transfers: [], items: [], recordedGone: false },
    events: ['BiggerOriginalRejected'], effects: [{ type: 'drop-transfer', transferId: `${S}:v1:bigger` }, { type: 'start-transfer', request: { transferId: `${S}:v4`, url: bigger.thumb } }, { type: 'tell-tab' }],
  },
  {
    name: 'the bigger copy is missing: rejected, and Google’s original asked for in the same slot', given: given(bigger.tried), when: report({ type: 'failed', transferId: `${S}:v1:bigger`, failure: { code: 'http_client_error', retryable: false, message: 'HTTP 404' } }),
    events: [{ type: 'BiggerOriginalRejected', data: { reason: 'HTTP 404' } }], effects: [{ type: 'drop-transfer', transferId: `${S}:v1:bigger` }, { type: 'start-transfer', request: { transferId: `${S}:v3`, url: bigger.thumb } }, { type: 'tell-tab' }],
  },
  { name: 'save as JPEG: the Blob is converted first', given: given([ev.requested(), ev.validated({ convertTo: 'image/jpeg' }), ev.fetched]), when: { type: 'duplicate-looked-up', earlier: null }, events: [], effects: [{ type: 'convert', transferId: `${S}:v1`, to: 'image/jpeg', quality: 0.9, maxPixels: 100_000_000 }] },
  {
    name: 'over the pixel budget: not decoded, kept as it is, with the reason', given: given([ev.requested(), ev.validated({ convertTo: 'image/jpeg', width: 30_000, height: 30_000 }), ev.fetched]), when: { type: 'duplicate-looked-up', earlier: null },
    events: [{ type: 'ImageConversionSkipped', data: { from: 'image/png', to: 'image/jpeg', reason: expect.stringContaining('900 megapixels') } }, 'DownloadInitiated'], effects: [{ type: 'save', filename: 'Semantest/cat.png' }, { type: 'tell-tab' }],
  },
  {
    name: 'converted: recorded with its new name, then saved', given: given([ev.requested(), ev.validated({ convertTo: 'image/jpeg' }), ev.fetched]), when: { type: 'converted', outcome: { ok: true, mimeType: 'image/jpeg', size: 5, width: 4, height: 3 } },
    events: [{ type: 'ImageConverted', data: { from: 'image/png', to: 'image/jpeg', fromSize: 10, toSize: 5, filename: 'Semantest/cat.jpg', originalKept: false } }, { type: 'DownloadInitiated', data: { filename: 'Semantest/cat.jpg' } }],
    effects: [{ type: 'save', which: 'result', filename: 'Semantest/cat.jpg', follow: true }, { type: 'tell-tab' }],
  },
  {
    name: 'converted, keeping the original: the original is saved too, first, not followed', given: given([ev.requested(), ev.validated({ convertTo: 'image/webp' }), ev.fetched]), context: ctx({ keepOriginal: true }),
    when: { type: 'converted', outcome: { ok: true, mimeType: 'image/webp', size: 5, width: 4, height: 3 } }, events: [{ type: 'ImageConverted', data: { originalKept: true } }, 'DownloadInitiated'],
    effects: [{ type: 'save', which: 'original', filename: 'Semantest/cat.png', follow: false }, { type: 'save', which: 'result', filename: 'Semantest/cat.webp', follow: true }, { type: 'tell-tab' }],
  },
  { name: 'a conversion that fails keeps the original, with the reason', given: given([ev.requested(), ev.validated({ convertTo: 'image/jpeg' }), ev.fetched]), when: { type: 'converted', outcome: { ok: false, reason: 'animated' } }, events: [{ type: 'ImageConversionSkipped', data: { reason: 'animated' } }, { type: 'DownloadInitiated', data: { filename: 'Semantest/cat.png' } }], effects: [{ type: 'save', filename: 'Semantest/cat.png' }, { type: 'tell-tab' }] },
  // The save and Chrome's verdict.
  { name: 'Chrome took the save', given: given('initiating'), when: { type: 'save-started', chromeDownloadId: 7, item: null }, events: [{ type: 'DownloadStarted', data: { chromeDownloadId: 7 } }], effects: [{ type: 'tell-tab' }] },
  { name: 'a small Blob saved before download() resolved: started, scanned and completed together', given: given('initiating'), when: { type: 'save-started', chromeDownloadId: 7, item: item() }, events: ['DownloadStarted', { type: 'ImageScanned', data: { verdict: 'clean', danger: 'safe' } }, { type: 'GoogleImageDownloadCompleted', data: { filePath: '/d/Semantest/cat.png', fileSize: 10, mimeType: 'image/png' } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer', transferId: `${S}:v1` }, { type: 'tell-tab' }] },
  { name: 'a save for a download cancelled meanwhile is discarded', given: given('failed'), when: { type: 'save-started', chromeDownloadId: 8, item: null }, events: [], effects: [{ type: 'discard-chrome-item', chromeDownloadId: 8 }] },
  { name: 'Chrome did not start the save in time: retried', given: given('initiating'), when: { type: 'save-refused', failure: { code: 'timeout', retryable: true, message: 'late' } }, events: [{ type: 'GoogleImageDownloadFailed', data: { code: 'timeout', retryable: true } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'arm-timer' }, { type: 'tell-tab' }] },
  { name: 'the file is complete and clean', given: given('downloading'), when: { type: 'chrome-item', item: item() }, events: ['ImageScanned', 'GoogleImageDownloadCompleted'], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'tell-tab' }] },
  { name: 'an item another extension started is never ours', given: given('downloading'), when: { type: 'chrome-item', item: item({ byExtensionId: 'someone-else' }) }, events: [], effects: [] },
  { name: 'an item the user started is never ours', given: given('downloading'), when: { type: 'chrome-item', item: item({ byExtensionId: undefined }) }, events: [], effects: [] },
  { name: 'an item of ours that is not this download\'s', given: given('downloading'), when: { type: 'chrome-item', item: item({ id: 8 }) }, events: [], effects: [] },
  {
    name: 'Chrome flags the file: never accepted, removed, a final failure in words', given: given('downloading'), when: { type: 'chrome-item', item: item({ state: 'in_progress', danger: 'file' }) },
    events: [{ type: 'ImageScanned', data: { verdict: 'flagged', danger: 'file' } }, { type: 'GoogleImageDownloadFailed', data: { code: 'flagged_by_browser', retryable: false, nextAttemptAt: null, error: expect.stringContaining('can harm your computer') } }],
    effects: [{ type: 'discard-chrome-item', chromeDownloadId: 7 }, { type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'tell-tab' }],
  },
  { name: 'a verdict not in yet: wait', given: given('downloading'), when: { type: 'chrome-item', item: item({ danger: 'asyncScanning' }) }, events: [], effects: [] },
  {
    name: 'interrupted by the browser (USER_CANCELED the saga did not record): retried, not the user\'s cancel', given: given('downloading'), when: { type: 'chrome-item', item: item({ state: 'interrupted', error: 'USER_CANCELED' }) },
    events: [{ type: 'GoogleImageDownloadFailed', data: { code: 'download_interrupted', retryable: true, error: expect.stringContaining('browser closed') } }], effects: [{ type: 'discard-chrome-item', chromeDownloadId: 7 }, { type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'arm-timer' }, { type: 'tell-tab' }],
  },
  { name: 'a file of another size than checked: removed, retried', given: given('downloading'), when: { type: 'chrome-item', item: item({ fileSize: 9 }) }, events: [{ type: 'GoogleImageDownloadFailed', data: { code: 'file_error', retryable: true } }], effects: [{ type: 'discard-chrome-item' }, { type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'arm-timer' }, { type: 'tell-tab' }] },
  {
    name: 'the old saga\'s download that got a web page: removed, final', given: given([ev.requested(), ev.legacyValidated, ev.initiated, ev.started]), when: { type: 'chrome-item', item: item({ mime: 'text/html', fileSize: 300 }) },
    events: [{ type: 'GoogleImageDownloadFailed', data: { code: 'not_an_image', retryable: false } }], effects: [{ type: 'discard-chrome-item' }, { type: 'release-slot' }, { type: 'tell-tab' }],
  },
  // Timers.
  { name: 'the backoff is over: a slot is asked for', given: given('retry-wait'), when: { type: 'timer-fired' }, context: { ...ctx(), now: NOW + 1000 }, events: [], effects: [{ type: 'request-slot' }] },
  { name: 'a timer early: armed again', given: given('retry-wait'), when: { type: 'timer-fired' }, events: [], effects: [{ type: 'arm-timer', at: NOW + 1000 }] },
  { name: 'a timer for a download not waiting', given: given('queued'), when: { type: 'timer-fired' }, events: [], effects: [] },
  // A worker start.
  { name: 'recovered, queued, nothing held: a slot is asked for', given: given('queued'), when: { type: 'recovered', transfers: [], items: [], recordedGone: false }, events: [], effects: [{ type: 'request-slot' }] },
  { name: 'recovered, the transfer ran on: its slot taken again, its first bytes recorded', given: given('queued'), when: { type: 'recovered', transfers: [held(`${S}:v1`, 'streaming', [sniffFact])], items: [], recordedGone: false }, events: ['ImageSourceValidated'], effects: [{ type: 'claim-slot' }, { type: 'tell-tab' }] },
  { name: 'recovered, the transfer finished while stopped: both facts recorded', given: given('queued'), when: { type: 'recovered', transfers: [held(`${S}:v1`, 'fetched', [sniffFact, fetchFact])], items: [], recordedGone: false }, events: ['ImageSourceValidated', 'ImageFetched'], effects: [{ type: 'release-slot' }, { type: 'look-up-duplicate' }, { type: 'tell-tab' }] },
  {
    name: 'recovered in the Referer retry: it counts, the first transfer goes', given: given('queued'),
    when: { type: 'recovered', transfers: [held(`${S}:v1`, 'failed', [{ type: 'failed', transferId: `${S}:v1`, failure }]), held(`${S}:v1:referer`, 'requesting')], items: [], recordedGone: false },
    events: [], effects: [{ type: 'drop-transfer', transferId: `${S}:v1` }, { type: 'claim-slot' }],
  },
  { name: 'recovered, fetching, the transfer side lost it: a new attempt', given: given('fetching'), when: { type: 'recovered', transfers: [], items: [], recordedGone: false }, events: [{ type: 'GoogleImageDownloadFailed', data: { retryable: true, code: 'download_interrupted' } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'arm-timer' }, { type: 'tell-tab' }] },
  { name: 'recovered, paused, bytes lost: stays paused until the user resumes', given: given('paused'), when: { type: 'recovered', transfers: [], items: [], recordedGone: false }, events: [], effects: [] },
  { name: 'recovered, the pause reached the transfer but not the log', given: given('fetching'), when: { type: 'recovered', transfers: [held(`${S}:v1`, 'paused', [sniffFact])], items: [], recordedGone: false }, events: ['DownloadPaused'], effects: [{ type: 'claim-slot' }, { type: 'tell-tab' }] },
  {
    name: 'recovered, paused and resumed while stopped, both recorded already: nothing recorded twice', given: given([ev.requested(), ev.validated(), ev.paused, { type: 'DownloadResumed', data: {} }]),
    when: { type: 'recovered', transfers: [held(`${S}:v1`, 'streaming', [sniffFact, { type: 'paused', transferId: `${S}:v1`, bytesReceived: 4 }, { type: 'resumed', transferId: `${S}:v1`, bytesReceived: 4, ranged: true }])], items: [], recordedGone: false },
    events: [], effects: [{ type: 'claim-slot' }],
  },
  { name: 'recovered, fetched: the lookup again', given: given('fetched'), when: { type: 'recovered', transfers: [held(`${S}:v1`, 'fetched', [sniffFact, fetchFact])], items: [], recordedGone: false }, events: [], effects: [{ type: 'look-up-duplicate', contentHash: HASH }] },
  { name: 'recovered, fetched, the Blob lost: a new attempt', given: given('fetched'), when: { type: 'recovered', transfers: [], items: [], recordedGone: false }, events: ['GoogleImageDownloadFailed'], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'arm-timer' }, { type: 'tell-tab' }] },
  {
    name: 'recovered, intent stored, Chrome saved it meanwhile: adopted, never saved twice', given: given('initiating'), when: { type: 'recovered', transfers: [held(`${S}:v1`, 'fetched', [sniffFact, fetchFact], 'blob:x')], items: [item({ id: 12 })], recordedGone: false },
    events: [{ type: 'DownloadStarted', data: { chromeDownloadId: 12 } }, 'ImageScanned', 'GoogleImageDownloadCompleted'], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'tell-tab' }],
  },
  { name: 'recovered, intent stored, no save in Chrome: saved now', given: given('initiating'), when: { type: 'recovered', transfers: [held(`${S}:v1`, 'fetched', [sniffFact, fetchFact])], items: [], recordedGone: false }, events: [], effects: [{ type: 'save', which: 'result', follow: true }] },
  {
    name: 'recovered, intent stored, the Blob lost: its partial save cancelled, a new attempt', given: given('initiating'), when: { type: 'recovered', transfers: [], items: [item({ id: 13, state: 'interrupted', error: 'USER_CANCELED' })], recordedGone: false },
    events: ['GoogleImageDownloadFailed'], effects: [{ type: 'discard-chrome-item', chromeDownloadId: 13 }, { type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'arm-timer' }, { type: 'tell-tab' }],
  },
  { name: 'recovered, saving, Chrome forgot the item: a new attempt', given: given('downloading'), when: { type: 'recovered', transfers: [], items: [], recordedGone: true }, events: [{ type: 'GoogleImageDownloadFailed', data: { retryable: true } }], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'arm-timer' }, { type: 'tell-tab' }] },
  { name: 'recovered, saving, Chrome finished meanwhile: recorded once', given: given('downloading'), when: { type: 'recovered', transfers: [held(`${S}:v1`, 'fetched')], items: [item()], recordedGone: false }, events: ['ImageScanned', 'GoogleImageDownloadCompleted'], effects: [{ type: 'release-slot' }, { type: 'drop-transfer' }, { type: 'tell-tab' }] },
  { name: 'recovered, settled: a transfer still held is let go', given: given('completed'), when: { type: 'recovered', transfers: [held(`${S}:v1`, 'fetched')], items: [], recordedGone: false }, events: [], effects: [{ type: 'drop-transfer', transferId: `${S}:v1` }] },
  { name: 'recovered in a backoff: the timer armed again', given: given('retry-wait'), when: { type: 'recovered', transfers: [], items: [], recordedGone: false }, events: [], effects: [{ type: 'arm-timer', at: NOW + 1000 }] },
  { name: 'recovered, an imported stream: nothing', given: given('queued', { imported: true }), when: { type: 'recovered', transfers: [], items: [], recordedGone: false }, events: [], effects: [] },
];

describe('download workflow: given / when / then', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const decision = decide(c.when, c.given, c.context ?? ctx());
    expect(decision.events.map((event) => event.type)).toEqual(c.events.map((event) => (typeof event === 'string' ? event : event.type)));
    c.events.forEach((event, index) => {
      if (typeof event !== 'string') expect(decision.events[index]?.data).toMatchObject(event.data);
    });
    expect(decision.effects).toHaveLength(c.effects.length);
    c.effects.forEach((effect, index) => expect(decision.effects[index]).toMatchObject(effect));
    if (c.reply) expect(decision.reply).toEqual(c.reply);
    // Every decision's events fold: the state after them is well formed.
    if (c.given && decision.events.length > 0) expect(apply(c.given, decision.events, NOW).version).toBe(c.given.version + decision.events.length);
  });

  it('a request starts a stream under the click\'s correlation and command', () => {
    expect(decide(request({ batchSize: 10 }), undefined, ctx()).cause).toEqual({ correlationId: 'corr', causationId: 'cmd', tabId: 9, batchSize: 10 });
    expect(decide({ type: 'retry', commandId: 'c2', correlationId: 'corr2' }, given('failed'), ctx()).cause).toEqual({ correlationId: 'corr2', causationId: 'c2' });
    expect(decide({ type: 'discard', commandId: 'c3', correlationId: 'corr3' }, given('dead-lettered'), ctx()).deadLetterDiscarded).toBe(true);
  });

  it('retries back off: 1, 2, 4 × the base, then the download is dead-lettered', () => {
    let state = given('queued');
    const at: (number | null)[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const decision = decide(report({ type: 'failed', transferId: `${S}:v${state.version}`, failure: { code: 'network', retryable: true, message: 'offline' } }), state, ctx());
      const data = decision.events[0]?.data as { nextAttemptAt: number | null; deadLettered: boolean; attempt: number };
      expect(data.attempt).toBe(attempt);
      at.push(data.nextAttemptAt === null ? null : data.nextAttemptAt - NOW);
      state = apply(state, decision.events, NOW);
    }
    expect(at).toEqual([100, 200, 400, null]);
    expect(state.phase).toBe('dead-lettered');
  });

  it('the tables cover every trigger and every phase', () => {
    const triggers = new Set(cases.map((c) => c.when.type));
    for (const type of TRIGGER_TYPES) expect(triggers.has(type), `no case for ${type}`).toBe(true);
    const phases = new Set(cases.map((c) => c.given?.phase ?? 'none'));
    for (const phase of DOWNLOAD_PHASES) expect(phases.has(phase), `no case given ${phase}`).toBe(true);
    const reports = new Set(cases.flatMap((c) => (c.when.type === 'transfer' ? [c.when.report.type] : [])));
    for (const type of ['sniffed', 'progress', 'fetched', 'failed', 'paused', 'resumed']) expect(reports.has(type as TransferReport['type']), `no case for ${type}`).toBe(true);
  });
});
