/**
 * The transfer side (Chrome: the offscreen document; Firefox: the event page): every transfer it holds, by id,
 * with its state and facts, until the worker releases it. `start` is idempotent by `transferId`; calls for an id
 * it no longer holds do nothing (the worker learns what is held from `status()`).
 */
import type { ConversionResult, SaveWhich, TransferFact, TransferRequest, TransferStatus } from '../platform/transfer-port.ts';
import { Transfer, type TransferEnvironment } from './transfer.ts';
import { convertFetched, type ImageConverter } from './convert.ts';
import type { TransferCall } from './protocol.ts';

export interface TransferServiceEnvironment extends TransferEnvironment {
  createObjectURL: (blob: Blob) => string;
  revokeObjectURL: (url: string) => void;
  /** Decodes and encodes again (the document's canvas); absent where nothing can convert. */
  converter: ImageConverter;
}

/** 4 MiB: the JS heap holds at most about this much of one body (see transfer.ts). */
export const PART_BYTES = 4 * 1_048_576;
/** A few progress facts per second at most. */
export const PROGRESS_INTERVAL_MS = 250;

interface Held {
  transfer: Transfer;
  converted: Blob | null;
  urls: Map<Blob, string>;
  /** The URL handed out last (a restarted worker finds Chrome's item by it). */
  saveUrl: string | null;
  /** The sidecar's JSON beside the image (a setting), made here: the worker has no URL.createObjectURL. */
  sidecar: Blob | null;
}

export class TransferService {
  private readonly held = new Map<string, Held>();
  /** Transfers waiting for a lane, first asked first (ids: one cancelled meanwhile is skipped). */
  private readonly line: string[] = [];
  /** The lanes the last request asked for (docs/decisions/0067-transfer-lanes.md). */
  private lanes = Infinity;

  constructor(private readonly env: TransferServiceEnvironment) {}

  /** Starts the transfer now, or (with `lanes`) once fewer than `lanes` transfers ask hosts. */
  start(request: TransferRequest): void {
    if (this.held.has(request.transferId)) return;
    // The `fetched` fact carries the URL that saves the Blob: the worker's save needs no call to ask for it.
    const emit = (fact: TransferFact): void => this.env.emit(fact.type === 'fetched' ? this.withSaveUrl(fact) : fact);
    const transfer = new Transfer(request, { ...this.env, emit }, () => this.next());
    this.held.set(request.transferId, { transfer, converted: null, urls: new Map(), saveUrl: null, sidecar: null });
    if (request.lanes === undefined) return transfer.start();
    this.lanes = request.lanes;
    this.line.push(request.transferId);
    this.next();
  }

  private withSaveUrl(fact: Extract<TransferFact, { type: 'fetched' }>): TransferFact {
    const url = this.saveUrl(fact.transferId, 'original');
    return url ? { ...fact, saveUrl: url } : fact;
  }

  /** Hands free lanes to the transfers in line, in order. */
  private next(): void {
    // Counted afresh each time: a start that fails at once frees its lane (and calls this) before it returns.
    while (this.line.length > 0 && this.busy() < this.lanes) {
      const transfer = this.held.get(this.line.shift() as string)?.transfer;
      if (transfer?.queued) transfer.start();
    }
  }

  private busy(): number {
    let busy = 0;
    for (const held of this.held.values()) if (held.transfer.holdsLane) busy++;
    return busy;
  }

  async pause(transferId: string): Promise<void> {
    await this.held.get(transferId)?.transfer.pause();
  }

  resume(transferId: string): void {
    this.held.get(transferId)?.transfer.resume();
  }

  async cancel(transferId: string): Promise<void> {
    const held = this.held.get(transferId);
    if (!held) return;
    this.held.delete(transferId);
    this.revoke(held);
    await held.transfer.cancel();
  }

  status(): TransferStatus[] {
    return [...this.held.values()].map((held) => held.transfer.status(held.saveUrl));
  }

  async convert(transferId: string, to: string, quality: number, maxPixels: number): Promise<ConversionResult> {
    const held = this.held.get(transferId);
    const original = held?.transfer.fetched;
    if (!held || !original) return { ok: false, reason: 'The image is not fetched (or no longer held), so it cannot be converted.' };
    const result = await convertFetched(original, to, quality, maxPixels, this.env.converter);
    if (!result.ok) return result;
    if (held.converted) this.forget(held, held.converted);
    held.converted = result.blob;
    return { ok: true, mimeType: result.blob.type, size: result.blob.size, width: result.width, height: result.height };
  }

  saveUrl(transferId: string, which: SaveWhich = 'result'): string | null {
    const held = this.held.get(transferId);
    const original = held?.transfer.fetched;
    if (!held || !original) return null;
    const blob = which === 'sidecar' ? held.sidecar : which === 'result' && held.converted ? held.converted : original;
    if (!blob) return null;
    let url = held.urls.get(blob);
    if (!url) {
      url = this.env.createObjectURL(blob);
      held.urls.set(blob, url);
    }
    // The sidecar's URL is not the one a restarted worker looks for (the image's).
    if (which !== 'sidecar') held.saveUrl = url;
    return url;
  }

  attachSidecar(transferId: string, text: string): boolean {
    const held = this.held.get(transferId);
    if (!held?.transfer.fetched) return false;
    if (held.sidecar) this.forget(held, held.sidecar);
    held.sidecar = new Blob([text], { type: 'application/json' });
    return true;
  }

  release(transferId: string): void {
    const held = this.held.get(transferId);
    if (!held) return;
    this.held.delete(transferId);
    this.revoke(held);
    void held.transfer.cancel();
  }

  private forget(held: Held, blob: Blob): void {
    const url = held.urls.get(blob);
    if (url) this.env.revokeObjectURL(url);
    held.urls.delete(blob);
    if (held.saveUrl === url) held.saveUrl = null;
  }

  private revoke(held: Held): void {
    for (const url of held.urls.values()) this.env.revokeObjectURL(url);
    held.urls.clear();
    held.converted = null;
    held.sidecar = null;
    held.saveUrl = null;
  }
}

/** Carries out one call of the worker on the service; the value is what the port's method returns. */
export async function serveCall(service: TransferService, call: TransferCall): Promise<unknown> {
  switch (call.op) {
    case 'start':
      return service.start(call.request);
    case 'pause':
      return service.pause(call.transferId);
    case 'resume':
      return service.resume(call.transferId);
    case 'cancel':
      return service.cancel(call.transferId);
    case 'status':
      return service.status();
    case 'convert':
      return service.convert(call.transferId, call.to, call.quality, call.maxPixels);
    case 'saveUrl':
      return service.saveUrl(call.transferId, call.which);
    case 'attachSidecar':
      return service.attachSidecar(call.transferId, call.text);
    case 'release':
      return service.release(call.transferId);
    default: {
      const never: never = call;
      throw new Error(`Unknown transfer call ${JSON.stringify(never)}`);
    }
  }
}
