/**
 * An in-memory `chrome.downloads`, honest to what Chromium reported on this machine
 * (shared/notes/browser-testing.md): states in_progress → complete | interrupted, no onChanged for bytes,
 * `uniquify` renames, interrupted downloads keep no file, `search` by id or url, `byExtensionId` on what an
 * extension started (not on the user's own), and Chrome's danger verdict: a dangerous item stays `in_progress`
 * with `danger` set (its file not under its name) until it is accepted or cancelled.
 */
import type { DownloadDelta, DownloadItemView, DownloadOptions, DownloadsPort } from '../../src/platform/ports.ts';

export interface FakeFile {
  path: string;
  size: number;
  mime: string;
  /** The bytes written, when the download saved known bytes (a `blob:` URL of the transfer fake). */
  bytes?: Uint8Array;
}

export type FakeOutcome =
  | { end: 'complete'; mime: string; size: number; bytes?: Uint8Array }
  | { end: 'interrupt'; reason: string }
  /** Chrome's verdict flags it: it stays in progress with `danger` set. */
  | { end: 'dangerous'; danger: string }
  | { end: 'manual' };

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
  behaviour: (url: string) => FakeOutcome = (url) => {
    const blob = this.blobs?.(url);
    if (blob) return { end: 'complete', mime: blob.mimeType, size: blob.bytes.length, bytes: blob.bytes };
    // A revoked or unknown blob: URL gives Chrome nothing to read.
    if (url.startsWith('blob:')) return { end: 'interrupt', reason: 'NETWORK_FAILED' };
    return { end: 'complete', mime: 'image/png', size: 1234 };
  };
  /** The bytes behind a `blob:` URL (the transfer fake's `blobAt`). */
  blobs?: (url: string) => { bytes: Uint8Array; mimeType: string } | undefined;

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
    // Chromium's onCreated item has no byExtensionId (seen in 156); search has it.
    this.created({ ...this.must(id), byExtensionId: undefined });
    const outcome = this.behaviour(options.url);
    queueMicrotask(() => {
      if (outcome.end === 'complete') this.complete(id, outcome.mime, outcome.size, outcome.bytes);
      else if (outcome.end === 'interrupt') this.interrupt(id, outcome.reason);
      else if (outcome.end === 'dangerous') this.flag(id, outcome.danger);
    });
    return id;
  }

  /** A download the user (or another extension: `byExtensionId`) started, still running, not ours. */
  foreignRunning(url: string, byExtensionId?: string): number {
    const id = this.nextId++;
    this.items.set(id, {
      id, url, finalUrl: url, filename: this.uniquePath('Other/file.bin', 'uniquify'), state: 'in_progress', paused: false, canResume: false,
      bytesReceived: 0, totalBytes: 0, fileSize: 0, mime: '', exists: true, danger: 'safe', startTime: new Date(this.clock()).toISOString(),
      ...(byExtensionId ? { byExtensionId } : {}),
    });
    this.created({ ...this.must(id) });
    return id;
  }

  /** Chrome's verdict: the item stays in progress, flagged, until accepted or cancelled. */
  flag(id: number, danger: string): void {
    const item = this.must(id);
    if (item.state !== 'in_progress') return;
    item.danger = danger;
    this.listener({ id, danger });
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

  complete(id: number, mime: string, size: number, bytes?: Uint8Array): void {
    const item = this.must(id);
    if (item.state !== 'in_progress' || !['safe', 'accepted'].includes(item.danger)) return;
    // The delta names every field that changed (but bytesReceived), as Chromium's does.
    const delta: DownloadDelta = { id, state: 'complete', ...(item.mime !== mime ? { mime } : {}), ...(item.fileSize !== size ? { fileSize: size } : {}), ...(item.totalBytes !== size ? { totalBytes: size } : {}) };
    Object.assign(item, { state: 'complete', mime, fileSize: size, bytesReceived: size, totalBytes: size });
    this.files.set(item.filename, { path: item.filename, size, mime, ...(bytes ? { bytes } : {}) });
    this.listener(delta);
  }

  interrupt(id: number, reason: string): void {
    const item = this.must(id);
    if (item.state !== 'in_progress') return;
    const canResume = reason === 'SERVER_FAILED' || reason.startsWith('NETWORK_');
    Object.assign(item, { state: 'interrupted', error: reason, canResume });
    this.listener({ id, state: 'interrupted', error: reason, ...(canResume ? { canResume } : {}) });
  }

  async search(query: { id?: number; url?: string; startedAfter?: string; urlRegex?: string; filename?: string }): Promise<DownloadItemView[]> {
    return [...this.items.values()]
      .filter(
        (item) =>
          (query.id === undefined || item.id === query.id) &&
          (query.filename === undefined || item.filename === query.filename) &&
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

  readonly cancelled: number[] = [];
  readonly removed: number[] = [];

  async cancel(id: number): Promise<void> {
    const item = this.items.get(id);
    if (!item || item.state === 'complete') return;
    this.cancelled.push(id);
    if (item.state === 'in_progress') this.interrupt(id, 'USER_CANCELED');
  }

  async removeFile(id: number): Promise<void> {
    const item = this.must(id);
    if (item.state !== 'complete') throw new Error('Download must be complete');
    this.removed.push(id);
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
