/**
 * The Referer rule runner: for a host with hotlink protection, a declarativeNetRequest session rule that sends
 * the image's own page as Referer on requests for exactly that address made outside tabs (the transfer side's
 * fetch). Held before the retry's transfer starts, released when the download lets go.
 */
import type { Effect } from '../../domain/download-triggers.ts';
import type { RefererPort } from '../../platform/ports.ts';
import type { Report } from './core.ts';

type Of<T extends Effect['type']> = Extract<Effect, { type: T }>;

export class RefererRunner {
  constructor(
    private readonly port: RefererPort,
    private readonly report: Report,
  ) {}

  hold(streamId: string, effect: Of<'hold-referer'>): void {
    this.port.hold(streamId, effect.url, effect.referer).then(
      () => this.report(streamId, { type: 'referer-held', transferId: effect.transferId }),
      () => this.report(streamId, { type: 'referer-refused', refused: effect.refused }),
    );
  }

  release(streamId: string): void {
    void this.port.release(streamId).catch(() => undefined);
  }
}
