/**
 * An in-memory `chrome.downloads`, honest to what Chromium reported on this machine
 * (shared/notes/browser-testing.md): states in_progress → complete | interrupted, no onChanged for bytes,
 * `uniquify` renames, interrupted downloads keep no file, `search` by id or url.
 */
import type { DownloadDelta, DownloadItemView, DownloadOptions, DownloadsPort } from '../../src/platform/ports.ts';

export interface FakeFile {
  path: string;
  size: number;
  mime: string;
}

export class FakeDownloads implements DownloadsPort {
  readonly items = new Map<number, DownloadItemView>();
  /** What is on "disk": absolute path → file. */
  readonly files = new Map<string, FakeFile>();
  readonly calls: DownloadOptions[] = [];
  private nextId = 1;
  private listener: (delta: DownloadDelta) => void = () => undefined;
  /** When set, `download()` never resolves (Chromium does this for a server that never sends headers). */
  hang = false;
  /** How a new download ends by itself; 'manual' leaves it in progress for the test to finish. */
  behaviour: (url: string) => { end: 'complete'; mime: string; size: number } | { end: 'interrupt'; reason: string } | { end: 'manual' } = () => ({
    end: 'complete',
    mime: 'image/png',
    size: 1234,
  });

  constructor(
    private readonly root = '/downloads',
    private readonly clock: () => number = () => Date.now(),
    /** The extension whose `download()` calls these are (Chrome's `byExtensionId`). */
    readonly extensionId = 'semantest-test-extension',
  ) {}

  /** A download the user (or another extension, by its id) made: complete, on disk, not ours. */
  foreign(url: string, relative: string, byExtensionId?: string): DownloadItemView {
    const id = this.nextId++;
    const path = `${this.root}/${relative}`;
    const item: DownloadItemView = {
      id, url, finalUrl: url, filename: path, state: 'complete', paused: false, canResume: false, bytesReceived: 10, totalBytes: 10, fileSize: 10,
      mime: 'application/octet-stream', exists: true, danger: 'safe', startTime: new Date(this.clock()).toISOString(), ...(byExtensionId ? { byExtensionId } : {}),
    };
    this.items.set(id, item);
    this.files.set(path, { path, size: 10, mime: item.mime });
    return { ...item };
  }

  onChanged(listener: (delta: DownloadDelta) => void): void {
    this.listener = listener;
  }

  private created: (item: DownloadItemView) => void = () => undefined;
  /** Like Chromium, onCreated comes before download() resolves. */
  onCreated(listener: (item: DownloadItemView) => void): void {
    this.created = listener;
  }

  async download(options: DownloadOptions): Promise<number> {
    this.calls.push(options);
    if (this.hang) return new Promise<number>(() => undefined);
    if (/(^|\/)\.\.(\/|$)/.test(options.filename) || options.filename.startsWith('/')) throw new Error('Invalid filename');
    const id = this.nextId++;
    this.items.set(id, {
      id,
      url: options.url,
      finalUrl: options.url,
      filename: this.uniquePath(options.filename, options.conflictAction),
      state: 'in_progress',
      paused: false,
      canResume: false,
      bytesReceived: 0,
      totalBytes: 0,
      fileSize: 0,
      mime: '',
      exists: true,
      danger: 'safe',
      startTime: new Date(this.clock()).toISOString(),
      byExtensionId: this.extensionId,
    });
    this.created({ ...this.must(id) });
    const outcome = this.behaviour(options.url);
    queueMicrotask(() => {
      if (outcome.end === 'complete') this.complete(id, outcome.mime, outcome.size);
      else if (outcome.end === 'interrupt') this.interrupt(id, outcome.reason);
    });
    return id;
  }

  private uniquePath(relative: string, conflict: DownloadOptions['conflictAction']): string {
    const taken = (path: string): boolean => this.files.has(path) || [...this.items.values()].some((item) => item.filename === path && item.state !== 'interrupted');
    const wanted = `${this.root}/${relative}`;
    if (conflict === 'overwrite' || !taken(wanted)) return wanted;
    const dot = wanted.lastIndexOf('.');
    for (let n = 1; ; n++) {
      const candidate = `${wanted.slice(0, dot)} (${n})${wanted.slice(dot)}`;
      if (!taken(candidate)) return candidate;
    }
  }

  complete(id: number, mime: string, size: number): void {
    const item = this.must(id);
    if (item.state !== 'in_progress') return;
    // The delta names every field that changed (but bytesReceived), as Chromium's does.
    const delta: DownloadDelta = { id, state: 'complete', ...(item.mime !== mime ? { mime } : {}), ...(item.fileSize !== size ? { fileSize: size } : {}), ...(item.totalBytes !== size ? { totalBytes: size } : {}) };
    Object.assign(item, { state: 'complete', mime, fileSize: size, bytesReceived: size, totalBytes: size });
    this.files.set(item.filename, { path: item.filename, size, mime });
    this.listener(delta);
  }

  interrupt(id: number, reason: string): void {
    const item = this.must(id);
    if (item.state !== 'in_progress') return;
    const canResume = reason === 'SERVER_FAILED' || reason.startsWith('NETWORK_');
    Object.assign(item, { state: 'interrupted', error: reason, canResume });
    this.listener({ id, state: 'interrupted', error: reason, ...(canResume ? { canResume } : {}) });
  }

  async search(query: { id?: number; url?: string; startedAfter?: string }): Promise<DownloadItemView[]> {
    return [...this.items.values()]
      .filter(
        (item) =>
          (query.id === undefined || item.id === query.id) &&
          (query.url === undefined || item.url === query.url) &&
          (query.startedAfter === undefined || Date.parse(item.startTime) > Date.parse(query.startedAfter)),
      )
      .map((item) => ({ ...item }));
  }

  async pause(id: number): Promise<void> {
    const item = this.must(id);
    if (item.state !== 'in_progress') throw new Error('Download must be in progress');
    item.paused = true;
    this.listener({ id, paused: true });
  }

  async resume(id: number): Promise<void> {
    const item = this.must(id);
    if (!item.paused) throw new Error('Download must be paused');
    item.paused = false;
    this.listener({ id, paused: false });
  }

  async cancel(id: number): Promise<void> {
    const item = this.items.get(id);
    if (!item || item.state === 'complete') return;
    if (item.state === 'in_progress') this.interrupt(id, 'USER_CANCELED');
  }

  async removeFile(id: number): Promise<void> {
    const item = this.must(id);
    if (item.state !== 'complete') throw new Error('Download must be complete');
    this.files.delete(item.filename);
    item.exists = false;
    this.listener({ id, exists: false });
  }

  show(): void {}

  private must(id: number): DownloadItemView {
    const item = this.items.get(id);
    if (!item) throw new Error(`Invalid download id ${id}`);
    return item;
  }
}
