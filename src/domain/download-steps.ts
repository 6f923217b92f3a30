/**
 * The small steps every part of the download workflow (download-workflow.ts) is made of: failing an attempt,
 * letting go of what it holds, starting a transfer, judging a saved file, and the shapes of a decision. Pure, like the workflow.
 */
import { apply } from './download-apply.ts';
import type { DownloadState } from './download.ts';
import { failureEvent, isFinalFailure, type Failure } from './failure.ts';
import { isImageMime } from './image-type.ts';
import { attemptTransferId, type Decision, type Effect, type Trigger, type WorkflowContext } from './download-triggers.ts';

/** A failure of this attempt: retried after a backoff, dead-lettered when retries are used up, or final. */
export function fail(state: DownloadState, failure: Failure, ctx: WorkflowContext, extra: Effect[] = []): Decision {
  const s = ctx.settings;
  const data = failureEvent(state.request.imageUrl, failure, state.attempt, { maxRetries: s.maxRetries, baseDelayMs: s.baseDelayMs, maxDelayMs: 60_000, jitter: 0.2 }, ctx.now, ctx.random);
  const effectsOut: Effect[] = [...extra, ...letGo(state)];
  if (!isFinalFailure(data) && data.nextAttemptAt !== null) effectsOut.push({ type: 'arm-timer', at: data.nextAttemptAt });
  return { events: [{ type: 'GoogleImageDownloadFailed', data }], effects: effectsOut };
}

/** Everything a download holds besides its record: its slot, its transfers, its Referer rule. */
export function letGo(state: DownloadState): Effect[] {
  const out: Effect[] = [{ type: 'release-slot' }];
  for (const transferId of currentTransfers(state)) out.push({ type: 'drop-transfer', transferId });
  if (state.referer !== null || beforeCheck(state)) out.push({ type: 'release-referer' });
  return out;
}

/** The transfers this download may have running now. */
export function currentTransfers(state: DownloadState): string[] {
  const bigger = state.bigger?.outcome === 'trying' ? [state.bigger.transferId] : [];
  if (beforeCheck(state)) return [attemptTransferId(state), attemptTransferId(state, true), ...bigger];
  return state.transferId ? [state.transferId] : bigger;
}

/** Not checked yet in this attempt: waiting for a slot, or its transfer asks the host. */
export function beforeCheck(state: DownloadState): boolean {
  return state.phase === 'queued' || state.phase === 'validating' || state.phase === 'retry-wait';
}

export function waitsForSlot(state: DownloadState, now: number): boolean {
  return state.phase === 'queued' || state.phase === 'validating' || (state.phase === 'retry-wait' && (state.nextAttemptAt ?? 0) <= now);
}

export function startTransfer(state: DownloadState, transferId: string, ctx: WorkflowContext, url = transferUrl(state)): Effect {
  const s = ctx.settings;
  return {
    type: 'start-transfer',
    request: { transferId, url, maxBytes: s.maxBytes, headersTimeoutMs: s.requestTimeoutMs, stallTimeoutMs: s.stallTimeoutMs, allowDataImage: state.request.strategy === 'thumbnail' },
  };
}

/** The address an attempt asks for: the bigger original once it was chosen, else Google's. */
export function transferUrl(state: DownloadState): string {
  return state.bigger?.outcome === 'chosen' ? state.bigger.url : state.request.imageUrl;
}


export const elapsed = (state: DownloadState, ctx: WorkflowContext): number => Math.max(0, ctx.now - state.requestedAt);
export const none = (): Decision => ({ events: [], effects: [] });
export const effects = (list: Effect[]): Decision => ({ events: [], effects: list });
export const done = (list: Effect[]): Decision => ({ events: [], effects: list, reply: { kind: 'done' } });

/** Nothing to do; a user's command is answered with a refusal, a request on an earlier download with "start anew". */
export function nothing(trigger: Trigger): Decision {
  if (trigger.type === 'request') return { events: [], effects: [], reply: { kind: 'not-joinable' } };
  const command = ['retry', 'pause', 'resume', 'cancel', 'show', 'discard'].includes(trigger.type);
  return command ? { events: [], effects: [], reply: { kind: 'refused' } } : none();
}

/** `first`, then what `next` decides on the state `first`'s events lead to: steps that happen together. */
// Not named `then`: a module exporting `then` is a thenable, and `await import()` would call it.
export function andThen(state: DownloadState, first: Decision, next: (after: DownloadState) => Decision, ctx: WorkflowContext): Decision {
  const second = next(apply(state, first.events, ctx.now));
  return { ...first, events: [...first.events, ...second.events], effects: [...first.effects, ...second.effects] };
}

/** Why a complete file must not stay, or null. */
export function badFile(state: DownloadState, size: number, mime: string): Failure | null {
  if (state.transferId) {
    // The Blob's bytes were checked; a file of another size is not those bytes.
    if (state.bytesToSave != null && size !== state.bytesToSave) {
      return { code: 'file_error', retryable: true, message: `The saved file has ${size} bytes where ${state.bytesToSave} were checked; trying again.` };
    }
    return null;
  }
  // The old saga's downloads let Chrome fetch again: a web page or an empty body may have come the second time.
  if (size === 0) return { code: 'empty_body', retryable: false, message: 'The image server sent an empty file.' };
  if (mime && !isImageMime(mime) && /^(text\/|application\/(json|xhtml|xml))/i.test(mime)) {
    return { code: 'not_an_image', retryable: false, message: 'The server sent a web page instead of the image.' };
  }
  return null;
}
