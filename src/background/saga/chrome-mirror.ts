/**
 * The Chrome mirror: this extension's download items as `onCreated` showed them and `onChanged` changed them
 * since (what `search` would return, but `bytesReceived`), and each change that matters (state, danger) reported
 * to the download whose save it is. Downloads another extension or the user started are not kept, nor reported.
 */
import type { DownloadDelta, DownloadItemView, DownloadsPort } from '../../platform/ports.ts';

/** How many items the cache keeps (the oldest go first). */
const KEPT = 256;

/** A cache of Chrome's items of ours, by id. */
export class ChromeItemsCache {
  private readonly items = new Map<number, DownloadItemView>();

  get(id: number): DownloadItemView | undefined {
    const item = this.items.get(id);
    return item ? { ...item } : undefined;
  }

  set(item: DownloadItemView): void {
    this.items.delete(item.id);
    this.items.set(item.id, { ...item });
    if (this.items.size > KEPT) this.items.delete(this.items.keys().next().value as number);
  }

  /** Applies a change to a kept item; false when the item is not kept. */
  change(delta: DownloadDelta): boolean {
    const item = this.items.get(delta.id);
    if (!item) return false;
    Object.assign(item, delta);
    if (delta.state === 'complete') item.bytesReceived = item.fileSize;
    return true;
  }
}

export class ChromeMirror {
  constructor(
    private readonly items: ChromeItemsCache,
    private readonly downloads: DownloadsPort,
    private readonly extensionId: string,
    /** Hands a changed item to the download whose save it is (if any). */
    private readonly reportItem: (item: DownloadItemView) => void,
  ) {}

  /** `chrome.downloads.onCreated` (Chrome fires it before `download()` resolves). */
  created(item: DownloadItemView): void {
    if (item.byExtensionId === this.extensionId) this.items.set(item);
  }

  /** `chrome.downloads.onChanged`. */
  async changed(delta: DownloadDelta): Promise<void> {
    // Only what decides something: the end of a save, or Chrome's verdict on it.
    if (delta.state === undefined && delta.danger === undefined) {
      this.items.change(delta);
      return;
    }
    if (!this.items.change(delta)) {
      // Created before this worker started: Chrome is asked once what it is, and whose.
      const [found] = await this.downloads.search({ id: delta.id }).catch(() => []);
      if (!found || found.byExtensionId !== this.extensionId) return;
      this.items.set(found);
    }
    const item = this.items.get(delta.id);
    if (item) this.reportItem(item);
  }
}
