/**
 * The worker's view of the transfer side (docs/decisions/0001-one-design-for-16-21.md): the original is fetched
 * once, sniffed, hashed and assembled as a Blob there (Chrome: an offscreen document; Firefox: the event page),
 * and `chrome.downloads` saves that Blob's `blob:` URL. The saga's runners use this port and nothing else of it.
 */
import type { Failure } from '../domain/failure.ts';

export interface TransferRequest {
  /** Unique per transfer (one per attempt, and one more for a Referer retry); `start` is idempotent by it. */
  transferId: string;
  url: string;
  /** Over this many bytes (declared or received): a final `too_large` failure, the bytes dropped. */
  maxBytes: number;
  /** No answer (headers) by then: a retryable `timeout`. */
  headersTimeoutMs: number;
  /** No byte received for this long while reading: a retryable `timeout`. */
  stallTimeoutMs: number;
  /** Accept a `data:image/…` address: only for a thumbnail the user chose explicitly. */
  allowDataImage: boolean;
  /**
   * At most this many transfers ask hosts at once on the transfer side; this one waits in line ('queued') until a
   * lane is free, and starts the moment one frees (the last byte of another), with no round trip to the worker.
   * Absent: it starts at once.
   */
  lanes?: number;
}

/** What the transfer side tells the worker, pushed as it happens and kept until `release`. */
export type TransferFact =
  /** The first bytes are an image of this type (magic numbers, not the header). */
  | {
      type: 'sniffed';
      transferId: string;
      mimeType: string;
      extension: string;
      /** The host's Content-Type, lower case, without parameters ('' when none). */
      declaredMime: string;
      contentLength: number | null;
      /** Dimensions declared in the image's header, when the first bytes hold them. */
      width?: number;
      height?: number;
    }
  /** Bytes so far (not an event: for the popup's and the control's progress), at most a few per second. */
  | { type: 'progress'; transferId: string; bytesReceived: number; totalBytes: number | null }
  /**
   * The whole body is in a Blob: its size and sha-256 (hex), and the `blob:` URL that saves it as it is (what
   * `saveUrl(id, 'original')` answers; given here so that a save needs no call first).
   */
  | { type: 'fetched'; transferId: string; size: number; contentHash: string; mimeType: string; saveUrl?: string }
  | { type: 'failed'; transferId: string; failure: Failure }
  | { type: 'paused'; transferId: string; bytesReceived: number }
  | { type: 'resumed'; transferId: string; bytesReceived: number; /** false: the host ignored Range, restarted clean */ ranged: boolean };

export type TransferFactType = TransferFact['type'];

/** A transfer the side holds, with the last fact that changed its state (after a worker restart). */
export interface TransferStatus {
  transferId: string;
  state: 'queued' | 'requesting' | 'streaming' | 'paused' | 'fetched' | 'failed';
  bytesReceived: number;
  /** Every fact but `progress`, in order (sniffed, paused/resumed, fetched or failed): a fact lost in a worker stop is not lost. */
  facts: TransferFact[];
  /** The `blob:` URL handed out by `saveUrl`, if any (a restarted worker finds Chrome's item by it). */
  saveUrl: string | null;
}

export type ConversionResult =
  | { ok: true; mimeType: string; size: number; width: number; height: number }
  | { ok: false; reason: string };

/** Which Blob of a transfer to save: the result (converted or not), the original beside a conversion, the sidecar. */
export type SaveWhich = 'result' | 'original' | 'sidecar';

export interface TransferPort {
  start(request: TransferRequest): Promise<void>;
  /** Stops reading and drops the connection; the bytes so far and the hasher are kept. */
  pause(transferId: string): Promise<void>;
  /** Asks for the rest with `Range` (and `If-Range`); a host that answers 200 instead is read again from the start. */
  resume(transferId: string): Promise<void>;
  /** Aborts and drops everything of it. */
  cancel(transferId: string): Promise<void>;
  status(): Promise<TransferStatus[]>;
  /**
   * The optimising step on the fetched Blob: decoded only when its declared size is within `maxPixels`. On success
   * the converted Blob is what `saveUrl` gives; the original stays available as `saveUrl(id, 'original')`.
   */
  convert(transferId: string, to: string, quality: number, maxPixels: number): Promise<ConversionResult>;
  /** A `blob:` URL of what is to be saved (the converted Blob if there is one), or null when it is gone. */
  saveUrl(transferId: string, which?: SaveWhich): Promise<string | null>;
  /** Keeps `text` (the sidecar's JSON) as a Blob beside the fetched image, released with it; false when not held. */
  attachSidecar(transferId: string, text: string): Promise<boolean>;
  /** Revokes its URLs and drops its Blob (after Chrome reported the save complete, or the download ended). */
  release(transferId: string): Promise<void>;
  onFact(listener: (fact: TransferFact) => void): () => void;
}
