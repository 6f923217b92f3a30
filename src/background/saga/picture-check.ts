/**
 * The bigger-original check's runner: is the transfer's Blob the same picture as Google's thumbnail, and how large
 * is it decoded? The source-page finder's check (domain/perceptual-hash.ts), on the bytes that would be saved.
 */
import { streamOfTransfer } from '../../domain/download-workflow.ts';
import type { Effect, PictureCheck } from '../../domain/download-triggers.ts';
import { comparePictures, type Fingerprint } from '../../domain/perceptual-hash.ts';
import type { Report } from './core.ts';

export interface PictureDeps {
  /** The transfer's fetched bytes as a Blob (null: the transfer side no longer holds them). */
  blobOf(transferId: string): Promise<Blob | null>;
  /** Google's thumbnail (an https or data: address), read within a small bound. */
  thumbnail(url: string): Promise<Blob>;
  fingerprint(blob: Blob): Promise<Fingerprint>;
}

const WHY: Record<string, string> = {
  flat: 'it is too plain to compare',
  shape: 'its shape differs from the thumbnail’s',
  brightness: 'its brightness differs from the thumbnail’s',
  hash: 'it is not the same picture as the thumbnail',
  colour: 'its colours differ from the thumbnail’s',
};

export class PictureChecks {
  constructor(
    private readonly deps: PictureDeps | undefined,
    private readonly report: Report,
  ) {}

  check(effect: Extract<Effect, { type: 'check-picture' }>): void {
    const { transferId } = effect;
    this.compare(effect.transferId, effect.thumbnailUrl).then(
      (outcome) => this.report(streamOfTransfer(transferId), { type: 'picture-checked', transferId, outcome }),
      (error: unknown) =>
        this.report(streamOfTransfer(transferId), { type: 'picture-checked', transferId, outcome: { same: false, reason: `It could not be compared with Google's thumbnail (${error instanceof Error ? error.message : String(error)}).` } }),
    );
  }

  private async compare(transferId: string, thumbnailUrl: string): Promise<PictureCheck> {
    if (!this.deps) return { same: false, reason: 'Pictures cannot be compared here.' };
    const blob = await this.deps.blobOf(transferId);
    if (!blob) return { same: false, reason: 'Its bytes are no longer held.' };
    const candidate = await this.deps.fingerprint(blob).catch(() => null);
    if (!candidate) return { same: false, reason: 'It could not be decoded as an image.' };
    const thumbnail = await this.deps.fingerprint(await this.deps.thumbnail(thumbnailUrl));
    const same = comparePictures(thumbnail, candidate);
    if (!same.same) return { same: false, reason: `Not kept: ${WHY[same.why] ?? 'it is not the same picture'}.` };
    return { same: true, width: candidate.width, height: candidate.height };
  }
}
