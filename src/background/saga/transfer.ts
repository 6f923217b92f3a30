/**
 * The transfer runner: starts, pauses, resumes and drops transfers on the transfer side (TransferPort: the
 * offscreen document fetches, sniffs, hashes and keeps the Blob), converts a fetched Blob, and reports what the
 * transfer side tells (sniffed, progress, fetched, failed, paused, resumed) back to the saga as facts.
 */
import { streamOfTransfer } from '../../domain/download-workflow.ts';
import type { Effect } from '../../domain/download-triggers.ts';
import type { TransferPort } from '../../platform/transfer-port.ts';
import type { Report } from './core.ts';

type Of<T extends Effect['type']> = Extract<Effect, { type: T }>;

export class TransferRunner {
  /**
   * The `blob:` URL that saves each fetched Blob as it is, from its `fetched` fact: a cache (lost with the worker,
   * then asked for), forgotten when the transfer is converted (the result is another Blob) or dropped.
   */
  private readonly savable = new Map<string, string>();

  constructor(
    private readonly port: TransferPort,
    private readonly report: Report,
    /** The transfer side's lanes (the concurrency setting): transfers granted ahead wait there, in order. */
    private readonly lanes: () => number,
  ) {}

  /** Facts pushed by the transfer side, from now on. */
  listen(): () => void {
    return this.port.onFact((fact) => {
      if (fact.type === 'fetched' && fact.saveUrl) this.savable.set(fact.transferId, fact.saveUrl);
      this.report(streamOfTransfer(fact.transferId), { type: 'transfer', report: fact });
    });
  }

  /** The URL that saves the transfer's Blob unconverted, if its fact gave it. */
  urlToSave(transferId: string): string | undefined {
    return this.savable.get(transferId);
  }

  start(effect: Of<'start-transfer'>): void {
    const { transferId } = effect.request;
    this.port.start({ ...effect.request, lanes: this.lanes() }).catch((error: unknown) =>
      this.report(streamOfTransfer(transferId), {
        type: 'transfer',
        report: { type: 'failed', transferId, failure: { code: 'unknown', retryable: true, message: `The transfer could not start (${errorText(error)}).` } },
      }),
    );
  }

  pause(effect: Of<'pause-transfer'>): void {
    this.port.pause(effect.transferId).catch(() => this.lostUnlessHeld(effect.transferId));
  }

  resume(effect: Of<'resume-transfer'>): void {
    this.port.resume(effect.transferId).catch(() => this.lostUnlessHeld(effect.transferId));
  }

  /** `cancel` aborts a running transfer, revokes its URLs and forgets it: one call whatever its state (0010). */
  drop(effect: Of<'drop-transfer'>): void {
    this.savable.delete(effect.transferId);
    void this.port.cancel(effect.transferId).catch(() => undefined);
  }

  convert(effect: Of<'convert'>): void {
    this.savable.delete(effect.transferId);
    const streamId = streamOfTransfer(effect.transferId);
    this.port.convert(effect.transferId, effect.to, effect.quality, effect.maxPixels).then(
      (outcome) => this.report(streamId, { type: 'converted', outcome }),
      async (error: unknown) => {
        if (!(await this.holds(effect.transferId))) return this.report(streamId, { type: 'transfer-lost', transferId: effect.transferId });
        this.report(streamId, { type: 'converted', outcome: { ok: false, reason: `The image could not be converted (${errorText(error)}): it is kept as it is.` } });
      },
    );
  }

  /** A call refused: the transfer is lost only if the transfer side no longer holds it (else a fact explains). */
  private async lostUnlessHeld(transferId: string): Promise<void> {
    if (!(await this.holds(transferId))) this.report(streamOfTransfer(transferId), { type: 'transfer-lost', transferId });
  }

  private async holds(transferId: string): Promise<boolean> {
    const held = await this.port.status().catch(() => []);
    return held.some((transfer) => transfer.transferId === transferId);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
