/**
 * The vocabulary of the download workflow (src/domain/download-workflow.ts): what can happen to a download
 * (triggers: a user's command, or a fact a runner reports), what the workflow asks the runners to do (effects),
 * and what it needs to know besides the download's state (the context: time, randomness, settings, ids).
 * The fact shapes mirror the transfer side's and Chrome's (src/platform/transfer-port.ts, ports.ts); the runners
 * pass them through unchanged, and the compiler checks that they fit.
 */
import { visibleToGooglePages, type DownloadState } from './download.ts';
import type { DomainEvent, ImageCandidate, Strategy } from './events.ts';
import type { Failure } from './failure.ts';

export interface WorkflowSettings {
  folder: string;
  fileNamePattern: string;
  conflictAction: 'uniquify' | 'overwrite';
  maxRetries: number;
  baseDelayMs: number;
  maxBytes: number;
  requestTimeoutMs: number;
  stallTimeoutMs: number;
  saveAs: 'original' | 'png' | 'jpeg' | 'webp';
  convertQuality: number;
  keepOriginal: boolean;
  /** Conversion decodes nothing whose declared size is above this many pixels. */
  convertMaxPixels: number;
  /** Try a bigger original first where a rule knows one (domain/bigger-original.ts); absent: off. */
  biggerOriginals?: boolean;
  /** A JSON file beside each image (domain/sidecar.ts); absent: off. */
  sidecarMetadata?: boolean;
}

export interface WorkflowContext {
  now: number;
  /** One draw in [0, 1) for this decision (the retry's jitter). */
  random: number;
  settings: WorkflowSettings;
  /** This extension's id: Chrome downloads with another `byExtensionId` are never ours. */
  extensionId: string;
}

/** What the transfer side reports about one transfer. */
export type TransferReport =
  | { type: 'sniffed'; transferId: string; mimeType: string; extension: string; declaredMime: string; contentLength: number | null; width?: number; height?: number }
  | { type: 'progress'; transferId: string; bytesReceived: number; totalBytes: number | null }
  | { type: 'fetched'; transferId: string; size: number; contentHash: string; mimeType: string }
  | { type: 'failed'; transferId: string; failure: Failure }
  | { type: 'paused'; transferId: string; bytesReceived: number }
  | { type: 'resumed'; transferId: string; bytesReceived: number; ranged: boolean };

/** A transfer the transfer side still holds after a worker restart. */
export interface TransferHeld {
  transferId: string;
  /** 'queued': waiting on the transfer side for one of its lanes (nothing asked of the host yet). */
  state: 'queued' | 'requesting' | 'streaming' | 'paused' | 'fetched' | 'failed';
  facts: readonly TransferReport[];
  saveUrl: string | null;
}

/** One of Chrome's download items, as much of it as the workflow reads. */
export interface ChromeItem {
  id: number;
  url: string;
  filename: string;
  state: 'in_progress' | 'interrupted' | 'complete';
  error?: string;
  danger: string;
  fileSize: number;
  bytesReceived: number;
  mime: string;
  byExtensionId?: string;
  startTime: string;
}

export type PictureCheck = { same: true; width: number; height: number } | { same: false; reason: string };

export type ConversionOutcome = { ok: true; mimeType: string; size: number; width: number; height: number } | { ok: false; reason: string };

/** An earlier download whose file holds the same bytes and is still on disk. */
export interface EarlierCopy {
  streamId: string;
  filePath: string;
  fileSize: number;
  mimeType: string;
}

export interface RequestTrigger {
  type: 'request';
  image: ImageCandidate;
  force: boolean;
  saveAs?: WorkflowSettings['saveAs'];
  commandId: string;
  /** The new stream's correlation id (the batch's, for a bulk selection). */
  correlationId: string;
  tabId: number | null;
  batchSize?: number;
  /** The batch's folder template (already checked), and this image's place in the batch (1-based). */
  folder?: string;
  batchIndex?: number;
  /** The asking tab's control shows `queued` by itself: the new download's first state is not sent back. */
  senderShowsQueued: boolean;
  /** For an earlier download of the same address: its file is complete and still on disk (Chrome says so). */
  fileOnDisk?: boolean;
}

export type Trigger =
  // A user's commands.
  | RequestTrigger
  | { type: 'retry'; commandId: string; correlationId: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel' }
  | { type: 'show' }
  | { type: 'discard'; commandId: string; correlationId: string }
  // Facts the runners report.
  | { type: 'slot-granted' }
  | { type: 'transfer'; report: TransferReport }
  /** The transfer side no longer holds the transfer (the browser restarted, the document was closed). */
  | { type: 'transfer-lost'; transferId: string }
  | { type: 'referer-held'; transferId: string }
  | { type: 'referer-refused'; refused: Failure }
  | { type: 'duplicate-looked-up'; earlier: EarlierCopy | null }
  | { type: 'converted'; outcome: ConversionOutcome }
  /** The bigger original's bytes compared with Google's thumbnail (decoded size, or why not the same picture). */
  | { type: 'picture-checked'; transferId: string; outcome: PictureCheck }
  /** `item`: Chrome's item as the mirror knows it now (a small Blob is often saved before download() resolves). */
  | { type: 'save-started'; chromeDownloadId: number; item: ChromeItem | null }
  | { type: 'save-refused'; failure: Failure }
  | { type: 'chrome-item'; item: ChromeItem }
  | { type: 'timer-fired' }
  /**
   * A worker start: the transfers the transfer side holds for this download, and Chrome's items that may be
   * its save (its recorded id's, or those of its `blob:` URL); `recordedGone`: Chrome no longer lists that id.
   */
  | { type: 'recovered'; transfers: readonly TransferHeld[]; items: readonly ChromeItem[]; recordedGone: boolean };

export type TriggerType = Trigger['type'];

/** Every trigger type, once (the compiler checks the list is whole): tests enumerate them. */
export const TRIGGER_TYPES = [
  'request', 'retry', 'pause', 'resume', 'cancel', 'show', 'discard', 'slot-granted', 'transfer', 'transfer-lost', 'referer-held',
  'referer-refused', 'duplicate-looked-up', 'converted', 'picture-checked', 'save-started', 'save-refused', 'chrome-item', 'timer-fired', 'recovered',
] as const satisfies readonly TriggerType[];
const _everyTrigger: Exclude<TriggerType, (typeof TRIGGER_TYPES)[number]> extends never ? true : never = true;

export type Effect =
  | { type: 'request-slot'; requestedAt: number }
  /** A worker start found the transfer running: it holds a slot without waiting for one. */
  | { type: 'claim-slot' }
  | { type: 'release-slot' }
  | {
      type: 'start-transfer';
      request: { transferId: string; url: string; maxBytes: number; headersTimeoutMs: number; stallTimeoutMs: number; allowDataImage: boolean };
    }
  | { type: 'pause-transfer'; transferId: string }
  | { type: 'resume-transfer'; transferId: string }
  /** Aborts it if it runs, revokes its URLs and drops its Blob. */
  | { type: 'drop-transfer'; transferId: string }
  | { type: 'hold-referer'; url: string; referer: string; transferId: string; refused: Failure }
  | { type: 'release-referer' }
  | { type: 'look-up-duplicate'; contentHash: string }
  | { type: 'convert'; transferId: string; to: string; quality: number; maxPixels: number }
  /** Is the transfer's Blob the same picture as the thumbnail? (Its decoded size comes back too.) */
  | { type: 'check-picture'; transferId: string; thumbnailUrl: string }
  /** `follow: false`: the original kept beside a converted file; its item is not followed. */
  | { type: 'save'; transferId: string; which: 'result' | 'original' | 'sidecar'; filename: string; conflictAction: 'uniquify' | 'overwrite'; follow: boolean; /** The sidecar's JSON. */ text?: string }
  /** Cancels one of our Chrome downloads if it runs, removes its file if it is complete. */
  | { type: 'discard-chrome-item'; chromeDownloadId: number }
  | { type: 'show-file'; chromeDownloadId: number }
  | { type: 'arm-timer'; at: number }
  /**
   * Tells the Google tab the download's state: after a change (deduplicated by the runner), or to a tab that
   * asked (`tabId`, always sent). `shownAlready`: the tab shows `queued` by itself; only remembered.
   */
  | { type: 'tell-tab'; tabId?: number; shownAlready?: boolean }
  | { type: 'report-progress'; bytesReceived: number; totalBytes: number | null; paused: boolean };

export type EffectType = Effect['type'];

export type Reply =
  | { kind: 'started' }
  | { kind: 'joined'; alreadySaved: boolean }
  /** This earlier download cannot take the request: a new download is to be started. */
  | { kind: 'not-joinable' }
  | { kind: 'done' }
  | { kind: 'refused' };

export interface Decision {
  events: DomainEvent[];
  effects: Effect[];
  /** A user action's own ids and metadata for the events (a request, a retry: a new correlation id). */
  cause?: { correlationId: string; causationId: string; tabId?: number; batchSize?: number };
  /** The answer to a user's command. */
  reply?: Reply;
  /** The dead-letter queue records the discard (its own stream), not the download's stream. */
  deadLetterDiscarded?: true;
}

export const REFERER_SUFFIX = ':referer';

/** The transfer of the attempt that starts at this version (no event marks a start: the id is derived). */
export function attemptTransferId(state: Pick<DownloadState, 'streamId' | 'version'>, referer = false): string {
  return `${state.streamId}:v${state.version}${referer ? REFERER_SUFFIX : ''}`;
}

/** The stream a transfer belongs to (stream ids are UUIDs: no colon). */
export function streamOfTransfer(transferId: string): string {
  return transferId.split(':')[0] ?? '';
}

/** A request may take over an earlier download of the same address (a join, or "saved already"). */
export function mayJoin(earlier: DownloadState, strategy: Strategy): boolean {
  // A Google page never joins, nor learns of, a download made elsewhere (the context menu, an import).
  return earlier.imported !== true && (strategy === 'context_menu' || visibleToGooglePages(earlier));
}
