/**
 * Tab updates: tells the Google tab that asked for a download what its control shows (only for downloads asked
 * for from a Google Images page: `visibleToGooglePages`), and the open extension pages its progress and speed.
 * What each control was last told is remembered, so a step that changes nothing shown sends nothing.
 */
import { controlState, isSettled, visibleToGooglePages, type DownloadState } from '../../domain/download.ts';
import type { Effect } from '../../domain/download-triggers.ts';
import type { PagesPort, TabsPort } from '../../platform/ports.ts';
import type { ControlUpdate, ProgressMessage } from '../../shared/protocol.ts';

type Of<T extends Effect['type']> = Extract<Effect, { type: T }>;

export function toControlUpdate(row: DownloadState, progress: number | null = null): ControlUpdate {
  const state = controlState(row.phase);
  const fileName = row.filePath ? (row.filePath.split(/[\\/]/).pop() ?? null) : null;
  const message = state === 'completed' ? fileName : state === 'failed' ? row.error : row.phase === 'retry-wait' ? `Retrying: ${row.error ?? 'the last attempt failed'}` : null;
  return { streamId: row.streamId, imageUrl: row.request.imageUrl, state, progress, message };
}

export class TabUpdates {
  /** What each unsettled download's control was last told. */
  private readonly shown = new Map<string, string>();
  private readonly speeds = new Map<string, { bytes: number; at: number; perSecond: number }>();

  constructor(
    private readonly tabs: TabsPort,
    private readonly pages: PagesPort,
    private readonly now: () => number,
  ) {}

  tell(effect: Of<'tell-tab'>, row: DownloadState | undefined, progress: number | null = null): void {
    if (!row || !visibleToGooglePages(row)) return;
    const target = effect.tabId ?? row.tabId;
    if (target === null) return;
    const update = toControlUpdate(row, progress);
    const shown = `${target} ${update.state} ${update.progress} ${update.message}`;
    // A tab that asked is always answered; a change is sent once.
    if (effect.tabId === undefined && this.shown.get(row.streamId) === shown) return;
    if (isSettled(row)) {
      this.shown.delete(row.streamId);
      this.speeds.delete(row.streamId);
    } else this.shown.set(row.streamId, shown);
    if (effect.shownAlready && update.state === 'queued') return;
    this.tabs.send(target, { type: 'control.update', update });
  }

  /** Bytes so far: the popup's progress bar and speed, and the control's percentage. */
  progress(effect: Of<'report-progress'>, row: DownloadState | undefined): void {
    if (!row) return;
    const now = this.now();
    const seen = this.speeds.get(row.streamId);
    let perSecond = seen?.perSecond ?? 0;
    if (seen && effect.bytesReceived !== seen.bytes && now > seen.at) {
      // Smoothed bytes per second since the last report; the first report has no rate yet.
      const rate = ((effect.bytesReceived - seen.bytes) * 1000) / (now - seen.at);
      perSecond = perSecond > 0 ? perSecond * 0.5 + rate * 0.5 : rate;
    }
    this.speeds.set(row.streamId, { bytes: effect.bytesReceived, at: now, perSecond });
    const total = effect.totalBytes ?? 0;
    const message: ProgressMessage = {
      type: 'progress',
      items: [{ streamId: row.streamId, bytesReceived: effect.bytesReceived, totalBytes: total, bytesPerSecond: effect.paused ? 0 : Math.round(perSecond) }],
    };
    this.pages.broadcast(message);
    if (total > 0) this.tell({ type: 'tell-tab' }, row, Math.min(1, effect.bytesReceived / total));
  }
}
