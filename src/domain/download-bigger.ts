/**
 * Bigger originals in the download workflow (docs/decisions/0046-bigger-originals.md): the rule's bigger address is
 * asked first, in its own transfer; it is kept only when it is an image, larger than Google's original and the same
 * picture as the thumbnail, otherwise Google's original is asked for in the same attempt. Pure, like the workflow;
 * the workflow's own steps come in as `steps` (no import cycle).
 */
import { biggerOriginal, isLargerThanGoogles } from './bigger-original.ts';
import type { DownloadState } from './download.ts';
import type { DomainEvent } from './events.ts';
import { attemptTransferId, type Decision, type Effect, type PictureCheck, type TransferReport, type WorkflowContext } from './download-triggers.ts';

/** The workflow's steps this part takes over from (download-workflow.ts). */
export interface Steps {
  validated(state: DownloadState, report: Extract<TransferReport, { type: 'sniffed' }>, ctx: WorkflowContext): Decision;
  transferReported(state: DownloadState, report: TransferReport, ctx: WorkflowContext): Decision;
  afterFetched(state: DownloadState, ctx: WorkflowContext): Decision;
  startTransfer(state: DownloadState, transferId: string, ctx: WorkflowContext, url?: string): Effect;
  then(state: DownloadState, first: Decision, next: (after: DownloadState) => Decision, ctx: WorkflowContext): Decision;
}

/** Not checked yet in this attempt (as the workflow's own `beforeCheck`). */
const beforeCheck = (state: DownloadState): boolean => state.phase === 'queued' || state.phase === 'validating' || state.phase === 'retry-wait';

export const BIGGER_SUFFIX = ':bigger';

/** A bigger address to ask first: the setting is on, a rule knows one, and Google gave sizes and a thumbnail to check it by. */
export function biggerToTry(state: DownloadState, ctx: WorkflowContext): ReturnType<typeof biggerOriginal> {
  const request = state.request;
  if (!ctx.settings.biggerOriginals || state.bigger || request.strategy === 'thumbnail') return null;
  if (!request.width || !request.height || !request.thumbnailUrl) return null;
  return biggerOriginal(request.imageUrl);
}

export function biggerTrying(state: DownloadState, transferId: string): boolean {
  return state.bigger?.outcome === 'trying' && state.bigger.transferId === transferId;
}

/** What the bigger copy's transfer reports: checked like any original, then compared before it is kept. */
export function biggerReported(state: DownloadState, report: TransferReport, ctx: WorkflowContext, steps: Steps): Decision {
  const google = { width: state.request.width, height: state.request.height };
  switch (report.type) {
    case 'sniffed':
      if (!beforeCheck(state)) return { events: [], effects: [] };
      // Its header tells its size: no need to fetch a copy that is not larger.
      if (report.width && report.height && !isLargerThanGoogles({ width: report.width, height: report.height }, google)) {
        return biggerRejected(state, `It is ${report.width}×${report.height}, not larger than Google's original (${google.width}×${google.height}).`, ctx, steps);
      }
      return steps.validated(state, report, ctx);
    case 'failed':
      return biggerRejected(state, report.failure.message, ctx, steps);
    case 'fetched':
      if (state.phase !== 'fetching' && state.phase !== 'paused') return { events: [], effects: [] };
      // Not looked up for duplicates yet: first, is it the same picture? (The network part is over: the slot goes.)
      return {
        events: [{ type: 'ImageFetched', data: { attempt: state.attempt, transferId: report.transferId, size: report.size, contentHash: report.contentHash, mimeType: report.mimeType } }],
        effects: [{ type: 'release-slot' }, { type: 'check-picture', transferId: report.transferId, thumbnailUrl: state.request.thumbnailUrl ?? '' }],
      };
    default:
      return steps.transferReported(state, report, ctx);
  }
}

export function pictureChecked(state: DownloadState, transferId: string, outcome: PictureCheck, ctx: WorkflowContext, steps: Steps): Decision {
  if (state.phase !== 'fetched' || !biggerTrying(state, transferId) || !state.bigger) return { events: [], effects: [] };
  if (!outcome.same) return biggerRejected(state, outcome.reason, ctx, steps);
  const google = { width: state.request.width, height: state.request.height };
  if (!isLargerThanGoogles(outcome, google)) {
    return biggerRejected(state, `It is ${outcome.width}×${outcome.height}, not larger than Google's original (${google.width}×${google.height}).`, ctx, steps);
  }
  const chosen: DomainEvent = { type: 'BiggerOriginalChosen', data: { attempt: state.attempt, rule: state.bigger.rule, url: state.bigger.url, width: outcome.width, height: outcome.height } };
  return steps.then(state, { events: [chosen], effects: [] }, (next) => (next.request.force ? steps.afterFetched(next, ctx) : { events: [], effects: [{ type: 'look-up-duplicate', contentHash: next.contentHash ?? '' }] }), ctx);
}

/** The bigger copy is not kept: recorded with the reason, and Google's original asked for at once (the slot is still held, or asked for again). */
export function biggerRejected(state: DownloadState, reason: string, ctx: WorkflowContext, steps: Steps): Decision {
  const bigger = state.bigger;
  if (!bigger) return { events: [], effects: [] };
  const slotHeld = state.phase !== 'fetched';
  const rejected: DomainEvent = { type: 'BiggerOriginalRejected', data: { attempt: state.attempt, rule: bigger.rule, url: bigger.url, reason: reason.slice(0, 500) } };
  return steps.then(
    state,
    { events: [rejected], effects: [{ type: 'drop-transfer', transferId: bigger.transferId }] },
    (next) => ({ events: [], effects: [slotHeld ? steps.startTransfer(next, attemptTransferId(next), ctx) : { type: 'request-slot', requestedAt: next.requestedAt }] }),
    ctx,
  );
}

