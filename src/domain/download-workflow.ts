/**
 * The download workflow (saga v2, docs/decisions/0002-saga-v2-decider.md) as a decider, in the shape of Emmett's
 * workflows: `initialState`, `evolve` (the read model's fold, src/domain/download.ts) and
 * `decide(trigger, state, context) → { events, effects }`. Every decision of a download is here, and nothing else:
 * no I/O, no clock, no randomness. Runners (src/background/saga/) carry the effects out and report facts back.
 *
 * The path: requested → a transfer slot → the transfer side fetches the original once (first bytes sniffed:
 * ImageSourceValidated; whole body hashed into a Blob: ImageFetched) → duplicate looked up → converted or not →
 * DownloadInitiated (intent) → Chrome saves the Blob's `blob:` URL (DownloadStarted) → Chrome's verdict
 * (ImageScanned) → GoogleImageDownloadCompleted; or GoogleImageDownloadFailed, retried after a backoff.
 */
import { assertNever, evolve, isSettled, visibleToGooglePages, type DownloadState } from './download.ts';
import { apply } from './download-apply.ts';
import type { DomainEvent, EventData } from './events.ts';
import { SAVE_GONE, TRANSFER_LOST, classifyInterrupt, classifySaveInterrupt, flaggedFailure, scanVerdict } from './failure.ts';
import { buildDownloadPath } from './filename.ts';
import { sidecarJson, sidecarPath } from './sidecar.ts';
import { BIGGER_SUFFIX, biggerReported, biggerRejected, biggerToTry, biggerTrying, pictureChecked, type Steps } from './download-bigger.ts';
import { badFile, fail, letGo, currentTransfers, beforeCheck, waitsForSlot, startTransfer, elapsed, none, effects, done, nothing, andThen } from './download-steps.ts';
import { CONVERTIBLE_TARGETS } from './image-type.ts';
import { REFERER_SUFFIX, attemptTransferId, mayJoin, type ChromeItem, type Decision, type Effect, type RequestTrigger, type TransferHeld, type TransferReport, type Trigger, type WorkflowContext } from './download-triggers.ts';

export { apply, evolve };
export { attemptTransferId, mayJoin, streamOfTransfer } from './download-triggers.ts';
export type { Decision, Effect, Trigger, WorkflowContext } from './download-triggers.ts';

/** No stream yet: only a request can start one. */
export const initialState = (): DownloadState | undefined => undefined;

export function decide(trigger: Trigger, state: DownloadState | undefined, context: WorkflowContext): Decision {
  const decision = decideStep(trigger, state, context);
  // Whatever changed what the page's control shows is told to the tab that asked (the runner sends changes only).
  if (state && decision.events.length > 0 && state.tabId !== null && visibleToGooglePages(state) && !decision.effects.some((e) => e.type === 'tell-tab')) {
    decision.effects.push({ type: 'tell-tab' });
  }
  return decision;
}

function decideStep(trigger: Trigger, state: DownloadState | undefined, ctx: WorkflowContext): Decision {
  if (!state) return trigger.type === 'request' ? requested(trigger, ctx) : nothing(trigger);
  // Imported streams are history: nothing is ever done for them.
  if (state.imported) return nothing(trigger);
  switch (trigger.type) {
    case 'request':
      return joined(trigger, state);
    case 'retry':
      if (state.phase !== 'failed' && state.phase !== 'dead-lettered') return nothing(trigger);
      return {
        events: [{ type: 'GoogleImageDownloadRetryRequested', data: {} }],
        effects: [{ type: 'request-slot', requestedAt: state.requestedAt }],
        cause: { correlationId: trigger.correlationId, causationId: trigger.commandId },
        reply: { kind: 'done' },
      };
    case 'pause':
      return state.phase === 'fetching' && state.transferId ? done([{ type: 'pause-transfer', transferId: state.transferId }]) : nothing(trigger);
    case 'resume':
      return state.phase === 'paused' && state.transferId ? done([{ type: 'resume-transfer', transferId: state.transferId }]) : nothing(trigger);
    case 'cancel': {
      if (isSettled(state)) return nothing(trigger);
      // The user's own cancel is recorded here, before Chrome or the transfer side report anything of it.
      const chrome: Effect[] = state.chromeDownloadId !== null ? [{ type: 'discard-chrome-item', chromeDownloadId: state.chromeDownloadId }] : [];
      return { ...fail(state, classifyInterrupt('USER_CANCELED'), ctx, chrome), reply: { kind: 'done' } };
    }
    case 'show':
      return state.phase === 'completed' && state.chromeDownloadId !== null ? done([{ type: 'show-file', chromeDownloadId: state.chromeDownloadId }]) : nothing(trigger);
    case 'discard':
      if (state.phase !== 'dead-lettered' || state.discarded) return nothing(trigger);
      return { events: [], effects: [], deadLetterDiscarded: true, cause: { correlationId: trigger.correlationId, causationId: trigger.commandId }, reply: { kind: 'done' } };
    case 'slot-granted': {
      if (!waitsForSlot(state, ctx.now)) return effects([{ type: 'release-slot' }]);
      const bigger = biggerToTry(state, ctx);
      if (!bigger) return effects([startTransfer(state, attemptTransferId(state), ctx)]);
      const transferId = `${attemptTransferId(state)}${BIGGER_SUFFIX}`;
      return {
        events: [{ type: 'BiggerOriginalTried', data: { attempt: state.attempt, rule: bigger.rule, url: bigger.url, transferId } }],
        effects: [startTransfer(state, transferId, ctx, bigger.url)],
      };
    }
    case 'transfer':
      return reported(state, trigger.report, ctx);
    case 'picture-checked':
      return pictureChecked(state, trigger.transferId, trigger.outcome, ctx, STEPS);
    case 'transfer-lost':
      if (biggerTrying(state, trigger.transferId) && state.phase !== 'fetched') return biggerRejected(state, TRANSFER_LOST.message, ctx, STEPS);
      if (isSettled(state) || state.phase === 'downloading' || !currentTransfers(state).includes(trigger.transferId)) return none();
      return fail(state, TRANSFER_LOST, ctx);
    case 'referer-held':
      return beforeCheck(state) ? effects([startTransfer(state, trigger.transferId, ctx)]) : effects([{ type: 'release-referer' }]);
    case 'referer-refused':
      return beforeCheck(state) ? fail(state, trigger.refused, ctx) : none();
    case 'duplicate-looked-up': {
      if (state.phase !== 'fetched') return none();
      const earlier = trigger.earlier;
      if (!earlier) return afterFetched(state, ctx);
      // The same bytes are on disk already (another address of the same image): nothing new is saved.
      return {
        events: [
          {
            type: 'GoogleImageDownloadCompleted',
            data: { imageUrl: state.request.imageUrl, filePath: earlier.filePath, fileSize: earlier.fileSize, downloadTime: elapsed(state, ctx), mimeType: earlier.mimeType, duplicateOf: earlier.streamId },
          },
        ],
        effects: letGo(state),
      };
    }
    case 'converted':
      return state.phase === 'fetched' ? converted(state, trigger.outcome, ctx) : none();
    case 'save-started': {
      if (state.phase !== 'initiating') return effects([{ type: 'discard-chrome-item', chromeDownloadId: trigger.chromeDownloadId }]);
      const started: DomainEvent[] = [{ type: 'DownloadStarted', data: { attempt: state.attempt, chromeDownloadId: trigger.chromeDownloadId } }];
      return trigger.item ? andThen(state, { events: started, effects: [] }, (next) => chromeReported(next, trigger.item as ChromeItem, ctx), ctx) : { events: started, effects: [] };
    }
    case 'save-refused':
      return state.phase === 'initiating' ? fail(state, trigger.failure, ctx) : none();
    case 'chrome-item':
      return chromeReported(state, trigger.item, ctx);
    case 'timer-fired':
      if (state.phase !== 'retry-wait') return none();
      return effects([waitsForSlot(state, ctx.now) ? { type: 'request-slot', requestedAt: state.requestedAt } : { type: 'arm-timer', at: state.nextAttemptAt ?? ctx.now }]);
    case 'recovered':
      return recovered(state, trigger.transfers, trigger.items, trigger.recordedGone, ctx);
    default:
      return assertNever(trigger);
  }
}

function requested(trigger: RequestTrigger, ctx: WorkflowContext): Decision {
  const data: EventData<'GoogleImageDownloadRequested'> = {
    ...trigger.image,
    ...(trigger.force ? { force: true } : {}),
    ...(trigger.saveAs ? { saveAs: trigger.saveAs } : {}),
    ...(trigger.folder !== undefined ? { folder: trigger.folder } : {}),
    ...(trigger.batchIndex !== undefined ? { batchIndex: trigger.batchIndex } : {}),
  };
  const visible = trigger.tabId !== null && visibleToGooglePages({ request: data });
  return {
    events: [{ type: 'GoogleImageDownloadRequested', data }],
    effects: [{ type: 'request-slot', requestedAt: ctx.now }, ...(visible ? [{ type: 'tell-tab', shownAlready: trigger.senderShowsQueued } as const] : [])],
    cause: {
      correlationId: trigger.correlationId,
      causationId: trigger.commandId,
      ...(trigger.tabId !== null ? { tabId: trigger.tabId } : {}),
      ...(trigger.batchSize !== undefined ? { batchSize: trigger.batchSize } : {}),
    },
    reply: { kind: 'started' },
  };
}

/** A second click on an image that is queued or running joins it; one saved and still on disk is not saved twice. */
function joined(trigger: RequestTrigger, state: DownloadState): Decision {
  const saved = state.phase === 'completed' && trigger.fileOnDisk === true && !trigger.force;
  if (!mayJoin(state, trigger.image.strategy) || (isSettled(state) && !saved)) return { events: [], effects: [], reply: { kind: 'not-joinable' } };
  const tell: Effect[] = trigger.tabId !== null && visibleToGooglePages(state) ? [{ type: 'tell-tab', tabId: trigger.tabId }] : [];
  return { events: [], effects: tell, reply: { kind: 'joined', alreadySaved: saved } };
}

/** A transfer's fact: the bigger original's transfer has its own rules. */
function reported(state: DownloadState, report: TransferReport, ctx: WorkflowContext): Decision {
  return biggerTrying(state, report.transferId) ? biggerReported(state, report, ctx, STEPS) : transferReported(state, report, ctx);
}

function transferReported(state: DownloadState, report: TransferReport, ctx: WorkflowContext): Decision {
  // A transfer nobody waits for (an earlier attempt's, a cancelled download's) is let go.
  if (!currentTransfers(state).includes(report.transferId)) return effects([{ type: 'drop-transfer', transferId: report.transferId }]);
  switch (report.type) {
    case 'sniffed':
      return beforeCheck(state) ? validated(state, report, ctx) : none();
    case 'progress':
      return state.phase === 'fetching' ? effects([{ type: 'report-progress', bytesReceived: report.bytesReceived, totalBytes: report.totalBytes, paused: false }]) : none();
    case 'fetched': {
      if (state.phase !== 'fetching' && state.phase !== 'paused') return none();
      const fetched: Decision = {
        events: [{ type: 'ImageFetched', data: { attempt: state.attempt, transferId: report.transferId, size: report.size, contentHash: report.contentHash, mimeType: report.mimeType } }],
        // The network part is over: the slot goes to the next download while this one is saved.
        effects: [{ type: 'release-slot' }],
      };
      if (state.request.force) return andThen(state, fetched, (next) => afterFetched(next, ctx), ctx);
      fetched.effects.push({ type: 'look-up-duplicate', contentHash: report.contentHash });
      return fetched;
    }
    case 'failed': {
      if (!beforeCheck(state) && state.phase !== 'fetching' && state.phase !== 'paused') return none();
      const page = state.request.sourcePageUrl;
      if (report.failure.hotlinkSuspect && beforeCheck(state) && !report.transferId.endsWith(REFERER_SUFFIX) && page && /^https?:/i.test(page)) {
        // Hotlink protection: once more, with the image's own page as Referer (a rule set before the request).
        return effects([
          { type: 'drop-transfer', transferId: report.transferId },
          { type: 'hold-referer', url: state.request.imageUrl, referer: page, transferId: attemptTransferId(state, true), refused: report.failure },
        ]);
      }
      return fail(state, report.failure, ctx);
    }
    case 'paused':
      return state.phase === 'fetching'
        ? { events: [{ type: 'DownloadPaused', data: {} }], effects: [{ type: 'report-progress', bytesReceived: report.bytesReceived, totalBytes: null, paused: true }] }
        : none();
    case 'resumed':
      return state.phase === 'paused' ? { events: [{ type: 'DownloadResumed', data: {} }], effects: [] } : none();
    default:
      return assertNever(report);
  }
}

function validated(state: DownloadState, report: Extract<TransferReport, { type: 'sniffed' }>, ctx: WorkflowContext): Decision {
  const settings = ctx.settings;
  const saveAs = state.request.saveAs ?? settings.saveAs;
  const target = saveAs === 'original' ? null : CONVERTIBLE_TARGETS[saveAs].mimeType;
  const filename = buildDownloadPath({
    imageUrl: state.request.imageUrl,
    title: state.request.title,
    folder: state.request.folder ?? settings.folder,
    extension: report.extension,
    pattern: settings.fileNamePattern,
    site: state.sourceHost,
    date: new Date(ctx.now).toISOString().slice(0, 10),
    query: state.request.query,
    index: state.request.batchIndex,
    // The header's own dimensions when it declares them; else what Google's data said.
    width: report.width || state.request.width,
    height: report.height || state.request.height,
  });
  const data: EventData<'ImageSourceValidated'> = {
    attempt: state.attempt,
    mimeType: report.mimeType,
    extension: report.extension,
    filename,
    contentLength: report.contentLength,
    referer: report.transferId.endsWith(REFERER_SUFFIX) ? (state.request.sourcePageUrl ?? null) : null,
    transferId: report.transferId,
    convertTo: target !== null && target !== report.mimeType ? target : null,
    ...(report.width && report.height ? { width: report.width, height: report.height } : {}),
  };
  return { events: [{ type: 'ImageSourceValidated', data }], effects: [] };
}

/** The whole body is in the Blob and no earlier copy is on disk: convert it, or save it as it is. */
function afterFetched(state: DownloadState, ctx: WorkflowContext): Decision {
  const to = state.convertTo;
  const transferId = state.transferId ?? '';
  if (!to || to === state.mimeType) return initiate(state, state.filename ?? 'Semantest/image', ctx, []);
  const pixels = state.declaredSize ? state.declaredSize.width * state.declaredSize.height : 0;
  if (pixels > ctx.settings.convertMaxPixels) {
    const megapixels = (n: number): string => `${Math.round(n / 1e6)} megapixels`;
    const reason = `The image declares ${megapixels(pixels)}, over the ${megapixels(ctx.settings.convertMaxPixels)} that are decoded for a conversion: it is kept as it is.`;
    return skipped(state, to, reason, ctx);
  }
  return effects([{ type: 'convert', transferId, to, quality: ctx.settings.convertQuality, maxPixels: ctx.settings.convertMaxPixels }]);
}

function converted(state: DownloadState, outcome: Extract<Trigger, { type: 'converted' }>['outcome'], ctx: WorkflowContext): Decision {
  const to = state.convertTo ?? '';
  if (!outcome.ok) return skipped(state, to, outcome.reason, ctx);
  const original = state.filename ?? 'Semantest/image';
  const extension = Object.values(CONVERTIBLE_TARGETS).find((target) => target.mimeType === outcome.mimeType)?.extension ?? 'img';
  const filename = original.replace(/\.[^./]*$/, '') + `.${extension}`;
  const keep = ctx.settings.keepOriginal;
  const event: DomainEvent = {
    type: 'ImageConverted',
    data: { attempt: state.attempt, from: state.mimeType ?? '', to: outcome.mimeType, fromSize: state.bytesToSave ?? 0, toSize: outcome.size, width: outcome.width, height: outcome.height, filename, originalKept: keep },
  };
  // The original's own file, per the settings: asked for before the converted one, and not followed further.
  const originalSave: Effect[] = keep ? [saveOf(state, 'original', original, false, ctx)] : [];
  return andThen(state, { events: [event], effects: [] }, (next) => initiate(next, filename, ctx, originalSave), ctx);
}

function skipped(state: DownloadState, to: string, reason: string, ctx: WorkflowContext): Decision {
  const event: DomainEvent = { type: 'ImageConversionSkipped', data: { attempt: state.attempt, from: state.mimeType ?? '', to, reason: reason.slice(0, 500) } };
  return andThen(state, { events: [event], effects: [] }, (next) => initiate(next, next.filename ?? 'Semantest/image', ctx, []), ctx);
}

/** The intent, recorded before Chrome is asked to save the Blob (a restart finds the save by its `blob:` URL). */
function initiate(state: DownloadState, filename: string, ctx: WorkflowContext, before: Effect[]): Decision {
  return {
    events: [{ type: 'DownloadInitiated', data: { attempt: state.attempt, filename, url: state.request.imageUrl } }],
    effects: [...before, saveOf(state, 'result', filename, true, ctx)],
  };
}

function saveOf(state: DownloadState, which: 'result' | 'original' | 'sidecar', filename: string, follow: boolean, ctx: WorkflowContext, text?: string): Effect {
  return { type: 'save', transferId: state.transferId ?? '', which, filename, conflictAction: ctx.settings.conflictAction, follow, ...(text !== undefined ? { text } : {}) };
}

/** What Chrome's item of our save says: still running, flagged, interrupted, or complete. */
function chromeReported(state: DownloadState, item: ChromeItem, ctx: WorkflowContext): Decision {
  // Only the download this stream started, and only if this extension started it.
  if (item.byExtensionId !== ctx.extensionId || item.id !== state.chromeDownloadId) return none();
  if (state.phase !== 'downloading' && state.phase !== 'paused') return none();
  const discard: Effect = { type: 'discard-chrome-item', chromeDownloadId: item.id };
  const verdict = scanVerdict(item.danger);
  if (verdict === 'flagged' && item.state !== 'interrupted') {
    // Never accepted for the user: the file goes, the download fails for good, the verdict is recorded.
    const scanned: DomainEvent = { type: 'ImageScanned', data: { attempt: state.attempt, chromeDownloadId: item.id, verdict: 'flagged', danger: item.danger.slice(0, 100) } };
    return andThen(state, { events: [scanned], effects: [] }, (next) => fail(next, flaggedFailure(item.danger), ctx, [discard]), ctx);
  }
  if (item.state === 'interrupted') {
    const reason = item.error ?? 'NETWORK_FAILED';
    // The old saga's downloads fetched the address (network reasons apply); a Blob's save has only Chrome's.
    const legacy = !state.transferId && !['USER_CANCELED', 'USER_SHUTDOWN', 'CRASH'].includes(reason);
    return fail(state, legacy ? classifyInterrupt(reason) : classifySaveInterrupt(reason), ctx, [discard]);
  }
  if (item.state !== 'complete' || verdict === 'pending') return none();
  const size = item.fileSize || item.bytesReceived;
  const wrong = badFile(state, size, item.mime);
  if (wrong) return fail(state, wrong, ctx, [discard]);
  const scanned: DomainEvent = { type: 'ImageScanned', data: { attempt: state.attempt, chromeDownloadId: item.id, verdict: 'clean', danger: item.danger.slice(0, 100) } };
  const completed: DomainEvent = {
    type: 'GoogleImageDownloadCompleted',
    data: { imageUrl: state.request.imageUrl, filePath: item.filename, fileSize: size, downloadTime: elapsed(state, ctx), mimeType: state.convertedTo ?? state.mimeType ?? item.mime },
  };
  // The sidecar once the image is on disk, named after the name Chrome gave it (never beside a failed image); the
  // transfer is dropped after it (saves of a download run in order).
  const saved = ctx.settings.sidecarMetadata && state.filename ? finalName(state.filename, item.filename) : null;
  const sidecarSave: Effect[] = saved ? [saveOf(state, 'sidecar', sidecarPath(saved), false, ctx, sidecarJson(state, saved, ctx.now))] : [];
  return { events: [scanned, completed], effects: [...sidecarSave, ...letGo(state)] };
}

/** The name asked for (relative to the downloads folder) with the file name Chrome gave it (`cat (1).png`). */
function finalName(asked: string, savedPath: string): string {
  const name = savedPath.split(/[\\/]/).pop();
  if (!name) return asked;
  const slash = asked.lastIndexOf('/');
  return slash < 0 ? name : `${asked.slice(0, slash + 1)}${name}`;
}

/** A worker start: reconcile the stored state with what the transfer side and Chrome report. */
function recovered(state: DownloadState, transfers: readonly TransferHeld[], items: readonly ChromeItem[], recordedGone: boolean, ctx: WorkflowContext): Decision {
  const current = isSettled(state) ? [] : transfers.filter((transfer) => currentTransfers(state).includes(transfer.transferId));
  // The Referer retry replaced the first transfer of the attempt: it is the one that counts.
  const held = current.find((transfer) => transfer.transferId.endsWith(REFERER_SUFFIX)) ?? current[0] ?? null;
  const stray = transfers.filter((transfer) => transfer !== held).map((transfer): Effect => ({ type: 'drop-transfer', transferId: transfer.transferId }));
  const decision = recoveredWith(state, held, items, recordedGone, ctx);
  return { ...decision, effects: [...stray, ...decision.effects] };
}

function recoveredWith(state: DownloadState, held: TransferHeld | null, items: readonly ChromeItem[], recordedGone: boolean, ctx: WorkflowContext): Decision {
  switch (state.phase) {
    case 'queued':
    case 'validating':
    case 'retry-wait':
    case 'fetching':
    case 'paused': {
      if (!held) {
        if (state.phase === 'paused') return none(); // bytes gone: a resume starts the attempt again
        if (state.phase === 'fetching') {
          // The bigger copy's bytes are gone: Google's original is asked for, as when the copy fails.
          return state.transferId && biggerTrying(state, state.transferId) ? biggerRejected(state, TRANSFER_LOST.message, ctx, STEPS) : fail(state, TRANSFER_LOST, ctx);
        }
        return effects([waitsForSlot(state, ctx.now) ? { type: 'request-slot', requestedAt: state.requestedAt } : { type: 'arm-timer', at: state.nextAttemptAt ?? ctx.now }]);
      }
      // The transfer went on while the worker was stopped: its slot is taken again, its facts replayed.
      let decision: Decision = effects(held.state === 'fetched' || held.state === 'failed' ? [] : [{ type: 'claim-slot' }]);
      // Pauses and resumes are reconciled by the state the transfer is in now, not replayed one by one.
      for (const report of held.facts.filter((fact) => fact.type !== 'paused' && fact.type !== 'resumed')) {
        decision = andThen(state, decision, (next) => reported(next, report, ctx), ctx);
      }
      const now = apply(state, decision.events, ctx.now);
      if (held.state === 'paused' && now.phase === 'fetching') decision = andThen(state, decision, () => ({ events: [{ type: 'DownloadPaused', data: {} }], effects: [] }), ctx);
      if (held.state === 'streaming' && now.phase === 'paused') decision = andThen(state, decision, () => ({ events: [{ type: 'DownloadResumed', data: {} }], effects: [] }), ctx);
      return decision;
    }
    case 'fetched':
      if (state.bigger?.outcome === 'trying' && state.transferId === state.bigger.transferId) {
        return held ? effects([{ type: 'check-picture', transferId: state.bigger.transferId, thumbnailUrl: state.request.thumbnailUrl ?? '' }]) : biggerRejected(state, TRANSFER_LOST.message, ctx, STEPS);
      }
      if (!held) return fail(state, TRANSFER_LOST, ctx);
      return state.request.force ? afterFetched(state, ctx) : effects([{ type: 'look-up-duplicate', contentHash: state.contentHash ?? '' }]);
    case 'initiating': {
      // Saved while the worker was stopped? Chrome's item of our Blob's address is adopted, never saved twice.
      const mine = items.filter((item) => item.byExtensionId === ctx.extensionId);
      const adopted = mine.find((item) => item.state === 'complete') ?? mine.find((item) => item.state === 'in_progress');
      const others: Effect[] = mine.filter((item) => item !== adopted).map((item) => ({ type: 'discard-chrome-item', chromeDownloadId: item.id }));
      if (adopted) {
        const started: Decision = { events: [{ type: 'DownloadStarted', data: { attempt: state.attempt, chromeDownloadId: adopted.id } }], effects: others };
        return andThen(state, started, (next) => chromeReported(next, adopted, ctx), ctx);
      }
      if (held?.state === 'fetched') return effects([...others, saveOf(state, 'result', state.filename ?? 'Semantest/image', true, ctx)]);
      return fail(state, TRANSFER_LOST, ctx, others);
    }
    case 'downloading': {
      if (recordedGone) return fail(state, SAVE_GONE, ctx);
      const item = items.find((candidate) => candidate.id === state.chromeDownloadId);
      return item ? chromeReported(state, item, ctx) : none();
    }
    case 'completed':
    case 'failed':
    case 'dead-lettered':
      return none();
    default:
      return assertNever(state.phase);
  }
}

/** The workflow's steps, for the bigger originals' part (download-bigger.ts). */
const STEPS: Steps = { validated, transferReported, afterFetched, startTransfer, then: andThen };
