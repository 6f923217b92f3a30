/**
 * One original, fetched once and streamed (docs/decisions/0010-transfer-in-a-document.md): the first bytes are
 * sniffed, every chunk is hashed as it arrives, and chunks are folded into part-Blobs every `partBytes`, so the JS
 * heap holds at most about one part while the blob registry (browser process, spills to disk) holds the rest.
 * Runs in a document (no `chrome.*`): the fetch, the clock and where facts go are injected.
 */
import type { Failure } from '../domain/failure.ts';
import { SNIFF_BYTES, sniffImageType, type ImageType } from '../domain/image-type.ts';
import {
  CHANGED_ON_RESTART_FAILURE, EMPTY_BODY_FAILURE, HEADERS_TIMEOUT_FAILURE, judgeFirstAnswer, judgeResumeAnswer, networkFailure, notAnImageFailure,
  stallFailure, tooLargeFailure,
} from '../domain/transfer-answer.ts';
import { validateSourceUrl } from '../domain/urls.ts';
import type { TransferFact, TransferRequest, TransferStatus } from '../platform/transfer-port.ts';
import { declaredDimensions } from '../domain/image-type.ts';
import { BodyHash } from './body-hash.ts';
import { BodyParts } from './body-parts.ts';

export interface TransferEnvironment {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Where facts go (the worker); they are also kept for `status()`. */
  emit: (fact: TransferFact) => void;
  now: () => number;
  /** The headers and stall timeouts run on these: the document's timers, a clock the test moves in unit tests. */
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** Chunks are folded into a part-Blob once this many bytes wait. */
  partBytes: number;
  /** At most one `progress` fact per this many ms. */
  progressIntervalMs: number;
}

/** Why the connection was dropped on purpose (null: it was not). */
type StopReason = 'pause' | 'cancel' | 'headers-timeout' | 'stall' | null;
type State = TransferStatus['state'];

/** A BYOB read fills this much at most; the scratch buffer is reused for every read. */
const SCRATCH_BYTES = 256 * 1024;

export class Transfer {
  private state: State = 'queued';
  /** Asking the host (requesting, streaming or paused): one of the transfer side's lanes is this transfer's. */
  private laneHeld = false;
  private readonly parts: BodyParts;
  /** The first SNIFF_BYTES of the body (copied), until sniffed. */
  private head: Uint8Array | null = new Uint8Array(SNIFF_BYTES);
  private headBytes = 0;
  private readonly hash: BodyHash;
  private received = 0;
  private totalBytes: number | null = null;
  private validator: string | null = null;
  private declaredMime = '';
  private type: ImageType | null = null;
  private readonly facts: TransferFact[] = [];
  private controller: AbortController | null = null;
  private stopReason: StopReason = null;
  private running: Promise<void> = Promise.resolve();
  private lastProgressAt: number;
  /** The whole body, once fetched. */
  private body: Blob | null = null;

  constructor(
    readonly request: TransferRequest,
    private readonly env: TransferEnvironment,
    /** Called once when the network part ends (last byte, failure, cancel): the lane may go to the next. */
    private readonly laneFreed: () => void = () => undefined,
  ) {
    this.lastProgressAt = env.now();
    this.parts = new BodyParts(env.partBytes);
    this.hash = new BodyHash(this.parts);
  }

  get fetched(): Blob | null {
    return this.body;
  }

  /** Waiting for a lane: `start` not called yet. */
  get queued(): boolean {
    return this.state === 'queued';
  }

  get holdsLane(): boolean {
    return this.laneHeld;
  }

  status(saveUrl: string | null): TransferStatus {
    return { transferId: this.request.transferId, state: this.state, bytesReceived: this.received, facts: [...this.facts], saveUrl };
  }

  start(): void {
    if (this.state !== 'queued') return;
    this.state = 'requesting';
    this.laneHeld = true;
    const invalid = validateSourceUrl(this.request.url, { allowDataImage: this.request.allowDataImage });
    if (invalid) return this.fail({ code: 'invalid_url', retryable: false, message: invalid });
    this.running = this.exchange(0, false);
  }

  /** Stops reading and drops the connection; the bytes and the hasher stay. */
  async pause(): Promise<void> {
    if (this.state !== 'requesting' && this.state !== 'streaming') return;
    this.stop('pause');
    await this.running;
  }

  /** Asks for the rest from the bytes kept (or everything, when none are). */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'requesting';
    this.running = this.exchange(this.received, true);
  }

  /** Aborts and drops everything. */
  async cancel(): Promise<void> {
    if (this.state === 'requesting' || this.state === 'streaming') {
      this.stop('cancel');
      await this.running;
    }
    // Paused: its lane goes to the next (a queued one held none, and the service no longer starts it).
    this.freeLane();
    this.dropBytes();
    this.body = null;
  }

  private stop(reason: Exclude<StopReason, null>): void {
    this.stopReason = reason;
    this.controller?.abort();
  }

  /** One request and its body: from byte 0, or a resume from byte `from`. */
  private async exchange(from: number, resuming: boolean): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    this.stopReason = null;
    const headersTimer = this.env.setTimeout(() => this.stop('headers-timeout'), this.request.headersTimeoutMs);
    let response: Response;
    try {
      response = await this.env.fetch(this.request.url, {
        signal: controller.signal,
        redirect: 'follow',
        // As the check before saga v2 did: the user's cookies for the host go along, redirects are followed.
        credentials: 'include',
        cache: 'no-store',
        ...(from > 0 ? { headers: { Range: `bytes=${from}-`, ...(this.validator ? { 'If-Range': this.validator } : {}) } } : {}),
      });
    } catch (error) {
      this.env.clearTimeout(headersTimer);
      return this.stopped(error);
    }
    this.env.clearTimeout(headersTimer);
    if (this.stopReason) {
      void response.body?.cancel().catch(() => undefined);
      return this.stopped(null);
    }
    if (!this.accept(response, from, resuming)) {
      void response.body?.cancel().catch(() => undefined);
      return;
    }
    await this.read(response, controller);
  }

  /** Judges the answer's status and headers; false when the transfer failed on them. */
  private accept(response: Response, from: number, resuming: boolean): boolean {
    const { maxBytes } = this.request;
    if (from === 0) {
      const answer = judgeFirstAnswer(response.status, response.headers, maxBytes);
      if (!answer.ok) return this.fail(answer.failure), false;
      this.totalBytes = answer.contentLength;
      this.validator = answer.validator;
      this.declaredMime = answer.declaredMime;
      this.state = 'streaming';
      if (resuming) this.record({ type: 'resumed', transferId: this.request.transferId, bytesReceived: 0, ranged: false });
      return true;
    }
    const answer = judgeResumeAnswer(response.status, response.headers, from, maxBytes);
    if (answer.kind === 'failed') return this.fail(answer.failure), false;
    if (answer.kind === 'restart') {
      this.dropBytes();
      this.totalBytes = answer.contentLength;
      this.validator = answer.validator;
    } else if (answer.totalBytes !== null) {
      this.totalBytes = answer.totalBytes;
    }
    this.state = 'streaming';
    this.record({ type: 'resumed', transferId: this.request.transferId, bytesReceived: this.received, ranged: answer.kind === 'continue' });
    return true;
  }

  private async read(response: Response, controller: AbortController): Promise<void> {
    if (!response.body) return this.finish();
    const next = chunkReader(response.body);
    let stallTimer: unknown;
    const armStall = (): void => {
      this.env.clearTimeout(stallTimer);
      stallTimer = this.env.setTimeout(() => this.stop('stall'), this.request.stallTimeoutMs);
    };
    armStall();
    try {
      for (;;) {
        const chunk = await next();
        if (this.stopReason) return this.stopped(null);
        if (chunk === null) break;
        armStall();
        if (!this.take(chunk)) {
          controller.abort();
          return;
        }
      }
    } catch (error) {
      return this.stopped(error);
    } finally {
      this.env.clearTimeout(stallTimer);
    }
    await this.finish();
  }

  /** One chunk: counted, hashed, sniffed while the head is short, kept. False when the transfer failed on it. */
  private take(chunk: Uint8Array): boolean {
    if (chunk.length === 0) return true;
    this.received += chunk.length;
    if (this.received > this.request.maxBytes) return this.fail(tooLargeFailure(this.totalBytes, this.request.maxBytes)), false;
    this.hash.beforeAppend(chunk);
    this.parts.append(chunk);
    if (this.head) {
      const piece = chunk.subarray(0, SNIFF_BYTES - this.headBytes);
      this.head.set(piece, this.headBytes);
      this.headBytes += piece.length;
      if (this.headBytes === SNIFF_BYTES && !this.sniff()) return false;
    }
    const now = this.env.now();
    if (now - this.lastProgressAt >= this.env.progressIntervalMs) {
      this.lastProgressAt = now;
      this.env.emit({ type: 'progress', transferId: this.request.transferId, bytesReceived: this.received, totalBytes: this.totalBytes });
    }
    return true;
  }

  /** The real type from the first bytes; false (and failed) when they are no image. */
  private sniff(): boolean {
    const head = (this.head ?? new Uint8Array()).subarray(0, this.headBytes);
    this.head = null;
    const type = sniffImageType(head);
    if (!type) return this.fail(notAnImageFailure(head)), false;
    if (this.type) {
      // A clean restart (the host ignored Range): the same kind of image, or another file under the address.
      if (this.type.mimeType !== type.mimeType) return this.fail(CHANGED_ON_RESTART_FAILURE), false;
      return true;
    }
    this.type = type;
    const dimensions = declaredDimensions(head, type.mimeType);
    const known = dimensions !== null && dimensions !== 'more' ? dimensions : null;
    this.record({
      type: 'sniffed',
      transferId: this.request.transferId,
      mimeType: type.mimeType,
      extension: type.extension,
      declaredMime: this.declaredMime,
      contentLength: this.totalBytes,
      ...(known ? { width: known.width, height: known.height } : {}),
    });
    return true;
  }

  private async finish(): Promise<void> {
    // The last byte is in: the next transfer may ask its host while this one is hashed and assembled.
    this.freeLane();
    if (this.received === 0) return void this.fail(EMPTY_BODY_FAILURE);
    if (this.head && !this.sniff()) return;
    const mimeType = this.type?.mimeType ?? 'application/octet-stream';
    const contentHash = await this.hash.digest();
    // Cancelled while the digest ran (a pause now has nothing left to stop: the body is whole).
    if (this.stopReason === 'cancel') return;
    this.body = this.parts.takeBlob(mimeType);
    this.state = 'fetched';
    this.record({ type: 'fetched', transferId: this.request.transferId, size: this.body.size, contentHash, mimeType });
  }

  /** The connection ended early: on purpose (pause, cancel, a timeout) or by an error. */
  private stopped(error: unknown): void {
    const reason = this.stopReason;
    if (reason === 'pause') {
      this.state = 'paused';
      this.hash.goIncremental();
      this.parts.settle();
      this.record({ type: 'paused', transferId: this.request.transferId, bytesReceived: this.received });
      return;
    }
    if (reason === 'cancel') return this.freeLane();
    if (this.state === 'failed') return;
    if (reason === 'headers-timeout') return void this.fail(HEADERS_TIMEOUT_FAILURE);
    if (reason === 'stall') return void this.fail(stallFailure(this.request.stallTimeoutMs));
    this.fail(networkFailure(error instanceof Error ? error.name : ''));
  }

  private fail(failure: Failure): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.dropBytes();
    this.freeLane();
    this.record({ type: 'failed', transferId: this.request.transferId, failure });
  }

  private freeLane(): void {
    if (!this.laneHeld) return;
    this.laneHeld = false;
    this.laneFreed();
  }

  private dropBytes(): void {
    this.parts.drop();
    this.head = new Uint8Array(SNIFF_BYTES);
    this.headBytes = 0;
    this.hash.reset();
    this.received = 0;
  }

  private record(fact: TransferFact): void {
    this.facts.push(fact);
    this.env.emit(fact);
  }
}

/**
 * Reads a body chunk by chunk. A byte stream (fetch's, in Chrome) is read BYOB into one reused scratch buffer, so
 * the stream allocates nothing per chunk; any other stream with its default reader. The chunk given is valid until
 * the next call (its bytes are copied out by `take`). null: the body ended.
 */
export function chunkReader(body: ReadableStream<Uint8Array>): () => Promise<Uint8Array | null> {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream.
  }
  if (byob) {
    const reader = byob;
    let scratch: ArrayBuffer = new ArrayBuffer(SCRATCH_BYTES);
    return async () => {
      const { done, value } = await reader.read(new Uint8Array(scratch));
      if (done || !value) return null;
      scratch = value.buffer as ArrayBuffer;
      return value;
    };
  }
  const reader = body.getReader();
  return async () => {
    const { done, value } = await reader.read();
    return done ? null : value;
  };
}
