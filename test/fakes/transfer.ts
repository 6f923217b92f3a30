/**
 * An in-memory transfer side, honest to the TransferPort's promises (src/platform/transfer-port.ts): `start` is
 * idempotent by transferId and asks the "host" once; facts are pushed in order (sniffed, progress, fetched |
 * failed) and kept until `release`; `status` lists what is held; `saveUrl` hands out `blob:` URLs whose bytes
 * `blobAt` gives back (the chrome.downloads fake saves those); `lose` is the document closing (a browser restart).
 * A request with `lanes` waits ('queued', not asked of the host) while that many transfers ask hosts, and is asked
 * the moment one of them is fetched, fails or goes, in the order they came (src/transfer/service.ts).
 */
import { createHash } from 'node:crypto';
import { conversionBlocker, sniffImageType } from '../../src/domain/image-type.ts';
import type { Failure } from '../../src/domain/failure.ts';
import type { ConversionResult, TransferFact, TransferPort, TransferRequest, TransferStatus } from '../../src/platform/transfer-port.ts';

export type HostAnswer =
  /** The image: sniffed, then fetched at once (`hold`: the body stops after the first bytes until `finish`). */
  | { kind: 'image'; bytes: Uint8Array; declaredMime?: string; width?: number; height?: number; hold?: boolean }
  | { kind: 'fail'; failure: Failure }
  /** No answer at all (the request stays open). */
  | { kind: 'hang' };

interface Held {
  request: TransferRequest;
  state: TransferStatus['state'];
  facts: TransferFact[];
  bytes: Uint8Array | null;
  mimeType: string;
  converted: { bytes: Uint8Array; mimeType: string } | null;
  sidecar: Uint8Array | null;
  saveUrl: string | null;
}

/** A PNG whose bytes depend on `seed` (different addresses, different bytes). */
export function pngBytes(seed: string, size = 1234): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (let i = 8; i < size; i++) bytes[i] = (seed.charCodeAt(i % seed.length) + i) & 255;
  return bytes;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export class FakeTransfers implements TransferPort {
  /** Every request that reached the "host" (a start of a new transferId), in order. */
  readonly requests: TransferRequest[] = [];
  /** `saveUrl` calls (a save whose URL came with the `fetched` fact makes none). */
  saveUrlCalls = 0;
  /** Every `start` call, including those that wait in line for a lane. */
  readonly started: TransferRequest[] = [];
  private readonly held = new Map<string, Held>();
  private readonly blobs = new Map<string, { bytes: Uint8Array; mimeType: string }>();
  private readonly listeners = new Set<(fact: TransferFact) => void>();
  private urlCount = 0;
  /** Transfers waiting for a lane, in order; and the lanes the last request asked for. */
  private readonly line: string[] = [];
  private lanes = Infinity;
  /** What the host answers; by default each address serves its own PNG. */
  answer: (request: TransferRequest) => HostAnswer = (request) => ({ kind: 'image', bytes: pngBytes(request.url) });
  /** The optimising step; by default what must not be flattened is refused, the rest becomes 5 bytes of 4×3. */
  converter: (input: { bytes: Uint8Array; mimeType: string }, to: string, maxPixels: number) => ConversionResult & { bytes?: Uint8Array } = (input, to) => {
    const blocked = conversionBlocker(input.bytes, input.mimeType);
    if (blocked) return { ok: false, reason: blocked };
    return { ok: true, mimeType: to, size: 5, width: 4, height: 3, bytes: new Uint8Array([0xff, 0xd8, 0xff, 1, 2]) };
  };
  readonly conversions: string[] = [];

  constructor(private readonly extensionId = 'semantest-test') {}

  async start(request: TransferRequest): Promise<void> {
    if (this.held.has(request.transferId)) return;
    this.started.push(request);
    const held: Held = { request, state: 'queued', facts: [], bytes: null, mimeType: '', converted: null, sidecar: null, saveUrl: null };
    this.held.set(request.transferId, held);
    if (request.lanes === undefined) return this.ask(held);
    this.lanes = request.lanes;
    this.line.push(request.transferId);
    this.next();
  }

  /** Transfers asking hosts (a paused one keeps its lane). */
  get busy(): number {
    return [...this.held.values()].filter((held) => held.state === 'requesting' || held.state === 'streaming' || held.state === 'paused').length;
  }

  private next(): void {
    while (this.line.length > 0 && this.busy < this.lanes) {
      const held = this.held.get(this.line.shift() as string);
      if (held?.state === 'queued') this.ask(held);
    }
  }

  private ask(held: Held): void {
    const { request } = held;
    this.requests.push(request);
    held.state = 'requesting';
    const answer = this.answer(request);
    if (answer.kind === 'hang') return;
    if (answer.kind === 'fail') return this.push(held, { type: 'failed', transferId: request.transferId, failure: answer.failure }, 'failed');
    const type = sniffImageType(answer.bytes);
    if (!type) {
      return this.push(held, { type: 'failed', transferId: request.transferId, failure: { code: 'not_an_image', retryable: false, message: 'The server sent something that is not an image.' } }, 'failed');
    }
    if (answer.bytes.length > request.maxBytes) {
      return this.push(held, { type: 'failed', transferId: request.transferId, failure: { code: 'too_large', retryable: false, message: 'The image is over the limit in the settings.' } }, 'failed');
    }
    held.bytes = answer.bytes;
    held.mimeType = type.mimeType;
    this.push(
      held,
      {
        type: 'sniffed',
        transferId: request.transferId,
        mimeType: type.mimeType,
        extension: type.extension,
        declaredMime: answer.declaredMime ?? type.mimeType,
        contentLength: answer.bytes.length,
        ...(answer.width && answer.height ? { width: answer.width, height: answer.height } : {}),
      },
      'streaming',
    );
    if (!answer.hold) this.finish(request.transferId);
  }

  /** The rest of a held body arrives: the Blob is complete. */
  finish(transferId: string): void {
    const held = this.must(transferId);
    if (!held.bytes || held.state === 'fetched') return;
    // Given with the URL that saves the Blob as it is (as src/transfer/service.ts does); kept without it.
    const fact: TransferFact = { type: 'fetched', transferId, size: held.bytes.length, contentHash: sha256(held.bytes), mimeType: held.mimeType };
    this.push(held, fact, 'fetched', { ...fact, saveUrl: this.urlOf(held, { bytes: held.bytes, mimeType: held.mimeType }) });
  }

  /** Bytes so far of a held body (a progress fact). */
  progress(transferId: string, bytesReceived: number): void {
    const held = this.must(transferId);
    this.emit({ type: 'progress', transferId, bytesReceived, totalBytes: held.bytes?.length ?? null });
  }

  /** The host fails mid-way. */
  fail(transferId: string, failure: Failure): void {
    this.push(this.must(transferId), { type: 'failed', transferId, failure }, 'failed');
  }

  async pause(transferId: string): Promise<void> {
    const held = this.must(transferId);
    if (held.state !== 'streaming') throw new Error('not streaming');
    this.push(held, { type: 'paused', transferId, bytesReceived: 100 }, 'paused');
  }

  async resume(transferId: string): Promise<void> {
    const held = this.must(transferId);
    if (held.state !== 'paused') throw new Error('not paused');
    this.push(held, { type: 'resumed', transferId, bytesReceived: 100, ranged: true }, 'streaming');
  }

  /** Aborts it, revokes its URLs and forgets it (like `release`, and the connection goes too). */
  async cancel(transferId: string): Promise<void> {
    await this.release(transferId);
  }

  async status(): Promise<TransferStatus[]> {
    return [...this.held.entries()].map(([transferId, held]) => ({
      transferId,
      state: held.state,
      bytesReceived: held.bytes?.length ?? 0,
      facts: held.facts.filter((fact) => fact.type !== 'progress'),
      saveUrl: held.saveUrl,
    }));
  }

  async convert(transferId: string, to: string, _quality: number, maxPixels: number): Promise<ConversionResult> {
    const held = this.must(transferId);
    if (!held.bytes) throw new Error('not fetched');
    this.conversions.push(`${held.mimeType}->${to}`);
    const { bytes, ...result } = this.converter({ bytes: held.bytes, mimeType: held.mimeType }, to, maxPixels);
    if (result.ok) held.converted = { bytes: bytes ?? new Uint8Array(result.size), mimeType: result.mimeType };
    return result;
  }

  async saveUrl(transferId: string, which: 'result' | 'original' | 'sidecar' = 'result'): Promise<string | null> {
    this.saveUrlCalls += 1;
    const held = this.held.get(transferId);
    if (!held?.bytes || held.state !== 'fetched') return null;
    if (which === 'sidecar' && !held.sidecar) return null;
    const blob = which === 'sidecar' && held.sidecar ? { bytes: held.sidecar, mimeType: 'application/json' } : which === 'result' && held.converted ? held.converted : { bytes: held.bytes, mimeType: held.mimeType };
    const url = this.urlOf(held, blob, which !== 'sidecar');
    return url;
  }

  private urlOf(held: Held, blob: { bytes: Uint8Array; mimeType: string }, handedOut = true): string {
    const url = `blob:chrome-extension://${this.extensionId}/${++this.urlCount}`;
    this.blobs.set(url, blob);
    if (handedOut) held.saveUrl = url;
    return url;
  }

  async attachSidecar(transferId: string, text: string): Promise<boolean> {
    const held = this.held.get(transferId);
    if (!held?.bytes || held.state !== 'fetched') return false;
    held.sidecar = new TextEncoder().encode(text);
    return true;
  }

  async release(transferId: string): Promise<void> {
    const held = this.held.get(transferId);
    this.held.delete(transferId);
    for (const [url, blob] of this.blobs) if (held && (blob.bytes === held.bytes || blob.bytes === held.converted?.bytes || blob.bytes === held.sidecar)) this.blobs.delete(url);
    this.next();
  }

  onFact(listener: (fact: TransferFact) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The bytes behind a `blob:` URL handed out, while it lives. */
  blobAt(url: string): { bytes: Uint8Array; mimeType: string } | undefined {
    return this.blobs.get(url);
  }

  /** The transfer side's document is gone (the browser closed): every transfer and Blob with it. */
  lose(): void {
    this.held.clear();
    this.line.length = 0;
    this.blobs.clear();
  }

  holds(transferId: string): boolean {
    return this.held.has(transferId);
  }

  /** Records `fact` and tells it (as `told`, when that says more). */
  private push(held: Held, fact: TransferFact, state: TransferStatus['state'], told: TransferFact = fact): void {
    held.state = state;
    held.facts.push(fact);
    this.emit(told);
    if (state === 'fetched' || state === 'failed') this.next();
  }

  private emit(fact: TransferFact): void {
    // Pushed as runtime messages are: after the call that caused them returned.
    queueMicrotask(() => {
      for (const listener of this.listeners) listener(fact);
    });
  }

  private must(transferId: string): Held {
    const held = this.held.get(transferId);
    if (!held) throw new Error(`No transfer ${transferId}`);
    return held;
  }
}
