/**
 * The Chrome mirror: this extension's download items as `onCreated` showed them and `onChanged` changed them
 * since (what `search` would return, but `bytesReceived`), and each change that matters (state, danger) reported
 * to the download whose save it is. Downloads another extension or the user started are not kept, nor reported.
 */
import type { DownloadDelta, DownloadItemView, DownloadsPort } from '../../platform/ports.ts';

/** How many items the cache keeps (the oldest go first). */
const KEPT = 256;

/**
 * A cache of Chrome's items, by id. Chrome's `onCreated` item has no `byExtensionId` (observed in Chromium 156; no
 * bug on record; https://developer.chrome.com/docs/extensions/reference/api/downloads#type-DownloadItem does not
 * say when it is set), so an item's owner is known from `search`, or from the save runner (an id its own
 * `download()` gave back).
 */
export class ChromeItemsCache {
  private readonly items = new Map<number, DownloadItemView>();
  /** `download()` calls of the save runner not answered yet: an unknown item may be one of them. */
  savesInFlight = 0;

  /** The save runner's own `download()` gave this id: the item is ours. */
  own(id: number, extensionId: string): void {
    const item = this.items.get(id);
    if (item) item.byExtensionId = extensionId;
  }

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
    this.items.set(item);
  }

  /** `chrome.downloads.onChanged`. */
  async changed(delta: DownloadDelta): Promise<void> {
    // Only what decides something: the end of a save, or Chrome's verdict on it.
    if (delta.state === undefined && delta.danger === undefined) {
      this.items.change(delta);
      return;
    }
    const known = this.items.change(delta);
    const owner = known ? this.items.get(delta.id)?.byExtensionId : undefined;
    if (owner === undefined) {
      // One of our saves whose download() has not answered yet: its answer carries the item (save-started).
      if (known && this.items.savesInFlight > 0) return;
      // Created before this worker started, or by someone else: Chrome is asked once what it is, and whose.
      const [found] = await this.downloads.search({ id: delta.id }).catch(() => []);
      if (!found) return;
      this.items.set(found);
    }
    const item = this.items.get(delta.id);
    if (item?.byExtensionId === this.extensionId) this.reportItem(item);
  }
}
