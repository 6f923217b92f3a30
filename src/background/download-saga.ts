/**
 * The download saga (the seed's process manager): queued → validating the source → initiating → downloading
 * (⇄ paused) → completed, or failed → retry after a backoff → … → dead-lettered.
 *
 * Its state lives in the event store, never only in memory. Each step reads the download's row (kept in step
 * with its stream inside every append), decides, appends with the row's version as the expected version, and only
 * then acts on the browser. Before `chrome.downloads.download` an intent is stored: `DownloadInitiated`, or, for a
 * download started the moment a slot frees, its stored check (`ImageSourceValidated`: address and file name; its
 * `DownloadInitiated` is then stored with its start, see startsAhead). So a worker stopped at any point can find on
 * restart what it had begun (`recover`, `adoptStartedAhead`) and finish it exactly once.
 */
import { SETTLED_PHASES, controlState, evolve, isSettled, type DownloadPhase, type DownloadState } from '../domain/download.ts';
import type { EventData, ImageCandidate, Strategy } from '../domain/events.ts';
import { classifyInterrupt, failureEvent, type Failure, type RetryPolicy } from '../domain/failure.ts';
import { buildDownloadPath } from '../domain/filename.ts';
import { CONVERTIBLE_TARGETS, conversionBlocker, isImageMime } from '../domain/image-type.ts';
import { convertImage, type ConvertImage } from './convert.ts';
import { ConcurrencyError, type EventStore, type NewEvent } from '../store/event-store.ts';
import type { AlarmsPort, RefererPort, DownloadDelta, DownloadItemView, DownloadsPort, PagesPort, TabsPort } from '../platform/ports.ts';
import type { ControlUpdate, ProgressMessage } from '../shared/protocol.ts';
import { toDataUrl, type BodyResult, type ProbeResult } from './probe.ts';
import type { Settings } from './settings.ts';

export interface DownloadQueries {
  get(streamId: string): Promise<DownloadState | undefined>;
  unsettled(): Promise<DownloadState[]>;
  byChromeDownloadId(id: number): Promise<DownloadState | undefined>;
  byImageUrl(imageUrl: string): Promise<DownloadState[]>;
  /** `byImageUrl` for several addresses in one read (clicks that arrive together); optional. */
  byImageUrls?(imageUrls: readonly string[]): Promise<DownloadState[]>;
  /** Downloads whose checked bytes had this sha-256 (duplicates by content; an index, not a scan). */
  byContentHash(contentHash: string): Promise<DownloadState[]>;
  /** `byContentHash` for several hashes in one read (checks that end together); optional. */
  byContentHashes?(contentHashes: readonly string[]): Promise<DownloadState[]>;
  deadLettered(): Promise<DownloadState[]>;
}

export interface SagaDeps {
  store: EventStore;
  queries: DownloadQueries;
  downloads: DownloadsPort;
  alarms: AlarmsPort;
  tabs: TabsPort;
  /** Open extension pages (popup, options): live progress goes there. */
  pages: PagesPort;
  /** `strategy` tells the probe whether a `data:` address is allowed (only for an explicit thumbnail choice). */
  probe: (url: string, settings: Settings, strategy: Strategy) => Promise<ProbeResult>;
  fetchBody: (url: string, settings: Settings, strategy: Strategy) => Promise<BodyResult>;
  /** Request-scoped Referer rules for hosts with hotlink protection. */
  referer: RefererPort;
  settings: () => Settings;
  now: () => number;
  random: () => number;
  newId: () => string;
  /** "Save as type" (the optimising step); OffscreenCanvas in the worker by default. */
  convert?: ConvertImage;
  /** Test hook: the worker's timers; real ones by default. */
  setTimeout?: (fn: () => void, ms: number) => unknown;
}

export const WAKE_ALARM = 'semantest:saga-wake';

/**
 * Test hooks for the end-to-end fault tests: a harness sets them on the worker's global scope (Playwright's
 * `worker.evaluate`) to hold a step at a moment a real stop could hit. Nothing sets them in production, where the
 * cost is one property read per completion.
 */
export interface SagaTestHooks {
  /** Called after Chrome reported the file complete and before GoogleImageDownloadCompleted is appended. */
  beforeCompletionRecorded?: (streamId: string) => Promise<void>;
}
export const TEST_HOOKS_GLOBAL = '__semantestSagaHooks';

function hooked(name: keyof SagaTestHooks): boolean {
  const hooks = (globalThis as Record<string, unknown>)[TEST_HOOKS_GLOBAL] as SagaTestHooks | undefined;
  return hooks?.[name] !== undefined;
}

async function runHook(name: keyof SagaTestHooks, streamId: string): Promise<void> {
  const hooks = (globalThis as Record<string, unknown>)[TEST_HOOKS_GLOBAL] as SagaTestHooks | undefined;
  const hook = hooks?.[name];
  if (hook) await hook(streamId);
}
/** Chrome's shortest alarm delay for packed extensions (30 s). */
const WATCHDOG_MS = 30_000;

/**
 * Phases that hold one of the `concurrency` download slots. Checking the source (the probe) runs ahead of the
 * slots, at most `concurrency` at a time, so a slot is spent on Chrome's download alone.
 */
const SLOT_PHASES: ReadonlySet<DownloadPhase> = new Set(['initiating', 'downloading', 'paused']);
const PROGRESS_INTERVAL_MS = 500;
/** Checked downloads kept ready for a slot, per slot (see pumpOnce). */
const READY_AHEAD = 2;
/** How long a started download may end before its start is stored alone (see startChromeDownload). */
const STARTED_GRACE_MS = 200;
/** How many of Chrome's items the mirror keeps (see chromeItems). */
const CHROME_ITEMS_KEPT = 256;
/** How many settled downloads the saga remembers (see `settled`). */
const SETTLED_KEPT = 256;
/** How many single-download correlation ids the saga remembers (see `singles`). */
const SINGLES_KEPT = 2000;

export interface RequestOptions {
  force?: boolean;
  saveAs?: Settings['saveAs'];
  batch?: { correlationId: string; size: number };
  /**
   * The asking tab's control shows `queued` already (the content script sets it when clicked, and learns the
   * stream from the answer): a new download's first state is not sent to it again. Joins are always told.
   */
  senderShowsQueued?: boolean;
}

export interface RequestResult {
  streamId: string;
  joined: boolean;
  /** The image was saved before and the file is still there: nothing new was started. */
  alreadySaved?: boolean;
}

export class DownloadSaga {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Streams a step is working on in this worker instance (a queued download being validated counts). */
  private readonly active = new Set<string>();
  /** Downloads whose Chrome download is over while its outcome is being recorded (see releaseSlot). */
  private readonly finishing = new Set<string>();
  /** Validated downloads given a slot whose intent is not stored yet. */
  private readonly starting = new Set<string>();
  /** Downloads whose source is being checked. */
  private readonly probing = new Set<string>();
  /**
   * Sources checked while every slot was busy, not stored yet: the ImageSourceValidated event is appended with the
   * download's intent when it gets its slot (one transaction for both, the previous download's completion
   * included), at the row's version it was checked at. A stop forgets them: the download is still `queued` in
   * the store and is checked again (a GET, never a second download).
   */
  private readonly checked = new Map<string, { version: number; data: EventData<'ImageSourceValidated'> }>();

  /** Validated (stored, or checked and kept in `checked`) and waiting for a slot. */
  private isReady(row: DownloadState): boolean {
    return row.phase === 'validating' || this.checked.get(row.streamId)?.version === row.version;
  }
  private pumping: Promise<void> = Promise.resolve();
  private pumpAgain = false;
  /** Due times of the retry timers already set in this worker. */
  private readonly timerDue = new Set<number>();
  private progressTimer: unknown = null;
  private readonly lastBytes = new Map<string, { bytes: number; at: number }>();
  private readonly speeds = new Map<string, number>();
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  /**
   * The unsettled downloads as this worker last wrote or read them: a cache of the read model, filled from the
   * store on first use (so after a stop it is rebuilt from what is stored) and kept current by the saga's own
   * appends, which are the only writes to download streams. The store stays the truth: every append still checks
   * the stream's version, and a conflict reloads the row.
   */
  private readonly index = new Map<string, DownloadState>();
  private readonly byChromeId = new Map<number, string>();
  private indexLoaded: Promise<void> | null = null;
  /** Due time of the wake-up alarm this worker set; null when unknown (a fresh worker) or spent. */
  private alarmAt: number | 'none' | null = null;

  constructor(private readonly deps: SagaDeps) {
    this.setTimer = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    const { queries } = deps;
    this.byUrl = groupedRead(
      (url) => queries.byImageUrl(url),
      queries.byImageUrls?.bind(queries),
      (row) => row.request.imageUrl,
    );
    this.byHash = groupedRead(
      (hash) => queries.byContentHash(hash),
      queries.byContentHashes?.bind(queries),
      (row) => row.contentHash ?? '',
    );
  }

  /** Requests in flight per image address (see request). */
  private readonly requesting = new Map<string, Promise<unknown>>();

  /**
   * A click: start a download of this image, or join the one already queued or running for it. Clicks on the
   * same address are taken one after the other, so that a second click made while the first is being recorded
   * joins it instead of starting a second download.
   */
  request(
    image: ImageCandidate,
    commandId: string,
    tabId: number | null,
    options: RequestOptions = {},
  ): Promise<RequestResult> {
    const url = image.imageUrl;
    const before = this.requesting.get(url) ?? Promise.resolve();
    const mine = before.then(() => this.requestOnce(image, commandId, tabId, options));
    const settled = mine.catch(() => undefined);
    this.requesting.set(url, settled);
    void settled.then(() => {
      if (this.requesting.get(url) === settled) this.requesting.delete(url);
    });
    return mine;
  }

  private async requestOnce(
    image: ImageCandidate,
    commandId: string,
    tabId: number | null,
    options: RequestOptions,
  ): Promise<RequestResult> {
    const earlier = await this.lookUp(image.imageUrl);
    // A request of this worker whose row the read did not see yet (it was appended meanwhile) is found here.
    const running = earlier.find((row) => !isSettled(row)) ?? [...this.index.values()].find((row) => row.request.imageUrl === image.imageUrl && !isSettled(row));
    if (running) {
      this.notify(running, null, tabId);
      return { streamId: running.streamId, joined: true };
    }
    // Already saved and still on disk: not saved twice unless the user asks (`force`).
    if (!options.force) {
      for (const row of earlier.filter((candidate) => candidate.phase === 'completed' && candidate.chromeDownloadId !== null)) {
        const [item] = await this.deps.downloads.search({ id: row.chromeDownloadId as number });
        if (item?.state === 'complete' && item.exists) {
          this.notify(row, null, tabId);
          return { streamId: row.streamId, joined: true, alreadySaved: true };
        }
      }
    }
    const streamId = this.deps.newId();
    const correlationId = options.batch?.correlationId ?? this.deps.newId();
    if (!options.batch) this.rememberSingle(correlationId);
    const event: NewEvent = {
      type: 'GoogleImageDownloadRequested',
      data: { ...image, ...(options.force ? { force: true } : {}), ...(options.saveAs ? { saveAs: options.saveAs } : {}) },
      metadata: {
        correlationId,
        causationId: commandId,
        ...(tabId !== null ? { tabId } : {}),
        ...(options.batch ? { batchSize: options.batch.size } : {}),
      },
    };
    const appended = await this.deps.store.appendToStream(streamId, [event], { expectedVersion: 'no-stream', aggregateType: 'Download' });
    let row: DownloadState | undefined;
    for (const stored of appended.events) row = evolve(row, stored);
    row ??= await this.deps.queries.get(streamId);
    if (row) {
      this.track(row);
      this.notify(row, null, null, options.senderShowsQueued === true);
    }
    this.pump();
    return { streamId, joined: false };
  }

  /**
   * The stored downloads of an image address. Clicks that come while a read is in flight (a bulk selection sends
   * a message per image) are looked up together in the next read: one transaction for many, not one each.
   */
  private readonly byUrl: (imageUrl: string) => Promise<DownloadState[]>;

  private lookUp(imageUrl: string): Promise<DownloadState[]> {
    return this.byUrl(imageUrl);
  }

  /**
   * Downloads saved with these bytes before. Checks that end while a read is in flight are looked up together
   * (a readonly transaction on the read model also waits behind, and holds up, the saga's own appends).
   */
  private readonly byHash: (contentHash: string) => Promise<DownloadState[]>;

  /**
   * Correlation ids this worker made for one download outside any batch (a click, a retry), newest last and
   * bounded: whoever asks (the notifications) knows without a read that no batch shares them.
   */
  private readonly singles = new Set<string>();

  private rememberSingle(correlationId: string): void {
    this.singles.add(correlationId);
    if (this.singles.size > SINGLES_KEPT) {
      const oldest = this.singles.values().next();
      if (!oldest.done) this.singles.delete(oldest.value);
    }
  }

  /** True when `correlationId` was made by this worker for one download alone (see `singles`). */
  isSingle(correlationId: string): boolean {
    return this.singles.has(correlationId);
  }

  /** A user's retry of a failed or dead-lettered download: the same stream, a new correlation id. */
  async retry(streamId: string, commandId: string): Promise<boolean> {
    const done = await this.withLock(streamId, async () => {
      const row = await this.deps.queries.get(streamId);
      if (!row || (row.phase !== 'failed' && row.phase !== 'dead-lettered')) return false;
      const correlationId = this.deps.newId();
      this.rememberSingle(correlationId);
      await this.append(row, [{ type: 'GoogleImageDownloadRetryRequested', data: {} }], { correlationId, causationId: commandId });
      return true;
    });
    if (done) this.pump();
    return done;
  }

  async discard(streamId: string, commandId: string): Promise<boolean> {
    const row = await this.deps.queries.get(streamId);
    if (!row || row.phase !== 'dead-lettered' || row.discarded) return false;
    await this.deps.store.appendToStream(
      'dead-letter-queue',
      [{ type: 'DeadLetterDiscarded', data: { downloadId: streamId }, metadata: { correlationId: this.deps.newId(), causationId: commandId } }],
      { expectedVersion: 'any', aggregateType: 'DeadLetterQueue' },
    );
    return true;
  }

  async pause(streamId: string): Promise<boolean> {
    const row = await this.deps.queries.get(streamId);
    if (row?.phase !== 'downloading' || row.chromeDownloadId === null) return false;
    await this.deps.downloads.pause(row.chromeDownloadId);
    await this.refresh(row.chromeDownloadId);
    return true;
  }

  async resume(streamId: string): Promise<boolean> {
    const row = await this.deps.queries.get(streamId);
    if (row?.phase !== 'paused' || row.chromeDownloadId === null) return false;
    await this.deps.downloads.resume(row.chromeDownloadId);
    await this.refresh(row.chromeDownloadId);
    return true;
  }

  async cancel(streamId: string): Promise<boolean> {
    const row = await this.deps.queries.get(streamId);
    if (!row || isSettled(row)) return false;
    // A download started moments ago may not have its start stored yet (see startChromeDownload): its id is known here.
    const chromeId = row.chromeDownloadId ?? this.chromeIdOf(streamId);
    if (chromeId !== null) {
      await this.deps.downloads.cancel(chromeId).catch(() => undefined);
      await this.refresh(chromeId);
      return true;
    }
    return this.withLock(streamId, async () => {
      const current = await this.deps.queries.get(streamId);
      if (!current || isSettled(current) || current.chromeDownloadId !== null) return false;
      await this.fail(current, classifyInterrupt('USER_CANCELED'));
      return true;
    });
  }

  async show(streamId: string): Promise<boolean> {
    const row = await this.deps.queries.get(streamId);
    if (row?.phase !== 'completed' || row.chromeDownloadId === null) return false;
    this.deps.downloads.show(row.chromeDownloadId);
    return true;
  }

  /** On every worker start: finish what a stopped worker had begun, then start what waits. */
  async recover(): Promise<void> {
    // Called on start and by the wake-up alarm, which is then spent.
    this.alarmAt = null;
    await this.loadIndex();
    const rows = [...this.index.values()];
    await Promise.all(rows.filter((row) => SLOT_PHASES.has(row.phase)).map((row) => this.run(row.streamId)));
    await this.adoptStartedAhead();
    this.pump();
  }

  /** Fills the index from the read model, once per worker instance. */
  private loadIndex(): Promise<void> {
    this.indexLoaded ??= this.deps.queries.unsettled().then(
      (rows) => {
        for (const row of rows) this.track(row);
      },
      (error: unknown) => {
        this.indexLoaded = null;
        throw error;
      },
    );
    return this.indexLoaded;
  }

  /** Records a download's newest known state in the index (older versions are ignored). */
  private track(row: DownloadState): void {
    const known = this.index.get(row.streamId);
    if (known && known.version > row.version) return;
    if (known?.chromeDownloadId != null) this.byChromeId.delete(known.chromeDownloadId);
    if (isSettled(row)) {
      this.rememberSettled(row);
      this.checked.delete(row.streamId);
      if (row.chromeDownloadId !== null) {
        this.byChromeId.delete(row.chromeDownloadId);
        this.chromeItems.delete(row.chromeDownloadId);
      }
      this.index.delete(row.streamId);
      return;
    }
    this.settled.delete(row.streamId);
    this.index.set(row.streamId, row);
    if (row.chromeDownloadId !== null) this.byChromeId.set(row.chromeDownloadId, row.streamId);
  }

  /**
   * Downloads this worker saw settle, newest last (bounded): a step asked for one of them afterwards (the
   * onChanged that reported the end queues a step behind the one that records it) needs no read to find it done.
   * Only the saga appends to download streams, and a later append here (a user's retry) takes it out again.
   */
  private readonly settled = new Map<string, DownloadState>();

  private rememberSettled(row: DownloadState): void {
    this.settled.delete(row.streamId);
    this.settled.set(row.streamId, row);
    if (this.settled.size > SETTLED_KEPT) {
      const oldest = this.settled.keys().next();
      if (!oldest.done) this.settled.delete(oldest.value);
    }
  }

  /** The download's row: the index's when it has one (or it settled here), else the stored one. */
  private async current(streamId: string): Promise<DownloadState | undefined> {
    const known = this.index.get(streamId) ?? this.settled.get(streamId);
    if (known) return known;
    const row = await this.deps.queries.get(streamId);
    if (row) this.track(row);
    return row;
  }

  /**
   * Chrome's items as `onCreated` showed them and `onChanged` changed them since: what `search` would return
   * (but for `bytesReceived`), known without a round trip per step. Only for downloads created while this worker
   * runs; after a stop, and for anything not seen whole, the step searches as before. Bounded: any download (the
   * user's own too) is seen, and the oldest is forgotten first.
   */
  private readonly chromeItems = new Map<number, DownloadItemView>();

  /** The Chrome download this worker started for a stream, by memory (none when unknown). */
  private chromeIdOf(streamId: string): number | null {
    for (const [id, stream] of this.byChromeId) if (stream === streamId) return id;
    return null;
  }

  /** Steps waiting for a download's state to change (see startChromeDownload), by Chrome id. */
  private readonly endWaiters = new Map<number, () => void>();

  /** Resolves when onChanged reports a change of the download's state or pause, or after `ms`. */
  private changeOrTimeout(id: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (this.endWaiters.get(id) === done) this.endWaiters.delete(id);
        resolve();
      };
      this.endWaiters.set(id, done);
      this.setTimer(done, ms);
    });
  }

  /** `chrome.downloads.onCreated`. */
  onDownloadCreated(item: DownloadItemView): void {
    this.chromeItems.set(item.id, { ...item });
    if (this.chromeItems.size > CHROME_ITEMS_KEPT) {
      const oldest = this.chromeItems.keys().next();
      if (!oldest.done) this.chromeItems.delete(oldest.value);
    }
  }

  /** The item as Chrome has it now: from the mirror when it was seen whole, else by a search. */
  private async chromeItem(id: number): Promise<DownloadItemView | undefined> {
    const known = this.chromeItems.get(id);
    // A finished item is used only with its file's name and size known (a size Chrome learns late comes as a delta).
    if (known && (known.state === 'in_progress' || (known.filename !== '' && known.fileSize > 0))) {
      return { ...known, bytesReceived: known.state === 'complete' ? known.fileSize : known.bytesReceived };
    }
    const [item] = await this.deps.downloads.search({ id });
    return item;
  }

  /**
   * `chrome.downloads.onChanged`: the mirror is updated at once; then (after `after`, the worker's recovery) the
   * download's stream is found and brought up to date.
   */
  async onDownloadChanged(delta: DownloadDelta, after?: Promise<unknown>): Promise<void> {
    const known = this.chromeItems.get(delta.id);
    if (known) Object.assign(known, delta);
    if (delta.state !== undefined || delta.paused !== undefined) this.endWaiters.get(delta.id)?.();
    if (after) await after;
    if (delta.state === undefined && delta.paused === undefined) return;
    // The slot is freed in handleItem, right before the outcome is appended, not here: freed here, the next
    // download's DownloadInitiated could be stored before this one's outcome, and the log would show more than
    // `concurrency` downloads open at once (bulk-select.spec checks the log for that).
    await this.refresh(delta.id);
  }

  private async refresh(chromeDownloadId: number): Promise<void> {
    await this.loadIndex();
    const streamId = this.byChromeId.get(chromeDownloadId) ?? (await this.deps.queries.byChromeDownloadId(chromeDownloadId))?.streamId;
    if (streamId) await this.run(streamId);
  }

  /** Starts queued downloads while fewer than `concurrency` run; arranges a wake-up for the next retry. */
  pump(): void {
    if (this.pumpAgain) return;
    this.pumpAgain = true;
    this.pumping = this.pumping.then(async () => {
      this.pumpAgain = false;
      try {
        await this.pumpOnce();
      } catch (error) {
        console.error('Semantest: scheduling downloads failed', error);
      }
    });
  }

  /** True while downloads are being worked on (queued, checked, started or running; a backoff does not count). */
  busy(): boolean {
    if (this.active.size > 0) return true;
    for (const row of this.index.values()) if (row.phase !== 'retry-wait') return true;
    return false;
  }

  /** Resolves once the pumps asked for so far have run (tests and the benchmark wait on it). */
  async idle(): Promise<void> {
    await this.pumping;
  }

  private async pumpOnce(): Promise<void> {
    await this.loadIndex();
    await this.adoptStartedAhead();
    let now = this.deps.now();
    let rows = [...this.index.values()];
    const nextDue = Math.min(...rows.filter((row) => row.phase === 'retry-wait' && (row.nextAttemptAt ?? 0) > now).map((row) => row.nextAttemptAt ?? Infinity));
    if (Number.isFinite(nextDue) && !this.timerDue.has(nextDue)) {
      this.timerDue.add(nextDue);
      this.setTimer(() => {
        this.timerDue.delete(nextDue);
        this.pump();
      }, nextDue - now);
    }
    // While anything is unsettled, an alarm stands by: if Chrome stops the worker (mid-probe, mid-backoff), it
    // wakes it by the next retry's due time or within WATCHDOG_MS, and the wake-up calls recover(). It is set
    // before any step starts, so that no step runs while the last alarm is already spent (seen: a stop between an
    // alarm that fired and the next one being set left a download waiting for ever). It is only set again when
    // it is spent or must ring earlier: a chrome.alarms call per pump was a large part of a bulk download's time.
    // The call is made (sent to the browser) before any step starts, but not waited for: its answer took 200+ ms
    // while a bulk selection's clicks came in, and every first step of a burst (or of a cold start) waited for it.
    if (rows.length > 0) {
      const wanted = Math.min(nextDue, now + WATCHDOG_MS);
      if (typeof this.alarmAt !== 'number' || this.alarmAt <= now || wanted < this.alarmAt) {
        this.alarmAt = wanted;
        void this.deps.alarms.wakeAt(WAKE_ALARM, wanted).catch(() => undefined);
      }
    } else if (this.alarmAt !== 'none') {
      this.alarmAt = 'none';
      void this.deps.alarms.clear(WAKE_ALARM).catch(() => undefined);
    }
    // The awaits above let steps run: decide on the index as it is now.
    now = this.deps.now();
    rows = [...this.index.values()];
    const concurrency = this.deps.settings().concurrency;
    const byRequest = (a: DownloadState, b: DownloadState): number => a.requestedAt - b.requestedAt;
    // Slots first: validated downloads start in the order they were asked for.
    const holders = this.slotHolders(rows);
    let free = concurrency - holders.size;
    for (const row of rows.filter((r) => this.isReady(r) && !holders.has(r.streamId) && !this.active.has(r.streamId)).sort(byRequest)) {
      if (free <= 0) break;
      free -= 1;
      this.starting.add(row.streamId);
      void this.run(row.streamId);
    }
    // Then check the sources of the next waiting downloads, ahead of the slots: at most `concurrency` at once, and
    // only while fewer than READY_AHEAD × `concurrency` checked (or being checked) downloads wait for a slot, so a
    // slot that frees finds the next download checked, and no check is made long before its download starts.
    const ready = rows.filter((r) => this.isReady(r) && !holders.has(r.streamId) && !this.starting.has(r.streamId)).length;
    let probes = Math.min(concurrency - this.probing.size, READY_AHEAD * concurrency - ready - this.probing.size);
    const waiting = rows
      .filter((row) => !this.active.has(row.streamId) && !this.probing.has(row.streamId) && !this.isReady(row))
      .filter((row) => row.phase === 'queued' || (row.phase === 'retry-wait' && (row.nextAttemptAt ?? 0) <= now))
      .sort(byRequest);
    for (const row of waiting) {
      if (probes <= 0) break;
      probes -= 1;
      this.probing.add(row.streamId);
      void this.run(row.streamId);
    }
  }

  /** One step of one stream, serialised with every other step of that stream in this worker. */
  private run(streamId: string): Promise<void> {
    return this.runLocked(streamId, () => {
      this.active.add(streamId);
      return this.step(streamId);
    });
  }

  /**
   * A step's work under the stream's lock: a conflict with another context reloads the row, the step's marks are
   * cleared, and the scheduler runs again afterwards.
   */
  private runLocked(streamId: string, work: () => Promise<void>): Promise<void> {
    return this.withLock(streamId, async () => {
      try {
        await work();
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        // Another context wrote to this stream first: the next step starts from what is stored now.
        const stored = await this.deps.queries.get(streamId);
        if (stored) this.track(stored);
        else this.index.delete(streamId);
      } finally {
        this.active.delete(streamId);
        this.starting.delete(streamId);
        this.finishing.delete(streamId);
        this.probing.delete(streamId);
      }
    })
      .catch((error: unknown) => console.error('Semantest: download step failed', streamId, error))
      .finally(() => this.pump());
  }

  private async step(streamId: string): Promise<void> {
    const row = await this.current(streamId);
    if (!row || SETTLED_PHASES.has(row.phase)) return;
    switch (row.phase) {
      case 'queued':
      case 'retry-wait':
        if (this.isReady(row)) return this.initiate(row);
        if (row.phase === 'retry-wait' && (row.nextAttemptAt ?? 0) > this.deps.now()) return;
        return this.validate(row);
      case 'validating':
        return this.initiate(row);
      case 'initiating':
        return this.adoptOrInitiate(row);
      case 'downloading':
      case 'paused':
        return this.reconcile(row);
      default:
        return;
    }
  }

  private async validate(row: DownloadState): Promise<void> {
    const settings = this.deps.settings();
    let result = await this.deps.probe(row.request.imageUrl, settings, row.request.strategy);
    let referer: string | null = null;
    const page = row.request.sourcePageUrl;
    if (!result.ok && result.failure.hotlinkSuspect && page && /^https?:/i.test(page)) {
      // Hotlink protection: ask once more with the image's own page as Referer before giving up.
      const refused = result.failure;
      try {
        await this.deps.referer.hold(row.streamId, row.request.imageUrl, page);
        result = await this.deps.probe(row.request.imageUrl, settings, row.request.strategy);
      } catch {
        result = { ok: false, failure: refused };
      }
      if (result.ok) referer = page;
      else await this.deps.referer.release(row.streamId).catch(() => undefined);
    }
    // The source is checked: its probe lane is free for the next download (the append, and a download started
    // at once, must not hold it).
    if (this.probing.delete(row.streamId)) this.pump();
    if (!result.ok) return this.fail(row, result.failure);
    const contentHash = result.contentHash ?? null;
    // "Save as type": a conversion needs the bytes in the worker, so such a download is saved inline.
    const saveAs = row.request.saveAs ?? settings.saveAs;
    const convertTo = saveAs === 'original' || CONVERTIBLE_TARGETS[saveAs].mimeType === result.type.mimeType ? null : CONVERTIBLE_TARGETS[saveAs].mimeType;
    const earlier = contentHash && !row.request.force ? await this.savedWithContent(contentHash, row.streamId) : undefined;
    const filename = buildDownloadPath({
      imageUrl: row.request.imageUrl,
      title: row.request.title,
      folder: settings.folder,
      extension: result.type.extension,
      pattern: settings.fileNamePattern,
      site: row.sourceHost,
      date: new Date(this.deps.now()).toISOString().slice(0, 10),
      query: row.request.query,
    });
    const data: EventData<'ImageSourceValidated'> = {
      attempt: row.attempt,
      mimeType: result.type.mimeType,
      extension: result.type.extension,
      filename,
      contentLength: result.contentLength,
      // A declarativeNetRequest rule reaches the worker's fetch but not chrome.downloads' own request (seen in
      // Chromium 156: the download got 403 where the fetch got 200), so a download that needs its Referer is
      // fetched here and saved from the checked bytes, like one whose Content-Type lies.
      transfer: convertTo === null && referer === null && sameMime(result.declaredMime, result.type.mimeType) ? 'url' : 'inline',
      referer,
      contentHash,
      convertTo,
    };
    if (earlier) {
      // The same bytes are on disk already (another address of the same image): like a click on an image saved
      // before, nothing new is saved; the download ends completed as a duplicate of the earlier one's file.
      if (referer) await this.deps.referer.release(row.streamId).catch(() => undefined);
      await this.append(row, [
        { type: 'ImageSourceValidated', data },
        {
          type: 'GoogleImageDownloadCompleted',
          data: {
            imageUrl: row.request.imageUrl,
            filePath: earlier.filePath ?? '',
            fileSize: earlier.fileSize ?? 0,
            downloadTime: Math.max(0, this.deps.now() - row.requestedAt),
            mimeType: earlier.mimeType ?? result.type.mimeType,
            duplicateOf: earlier.streamId,
          },
        },
      ]);
      return;
    }
    // The download itself waits for a slot: pump() hands them out in request order. When one is free now and
    // nobody asked earlier, the intent goes into the same append and the download starts at once (one
    // transaction and one pump less per download).
    if (!this.claimSlot(row)) {
      // A download that needs a Referer rule is recorded at once (the rule is released by what is stored).
      if (referer !== null) {
        await this.append(row, [{ type: 'ImageSourceValidated', data }]);
        return;
      }
      this.checked.set(row.streamId, { version: row.version, data });
      this.pump();
      return;
    }
    const next = await this.append(row, [
      { type: 'ImageSourceValidated', data },
      { type: 'DownloadInitiated', data: { attempt: row.attempt, filename, url: row.request.imageUrl } },
    ]);
    return this.startChromeDownload(next);
  }

  /** The completed download whose file holds these bytes and is still on disk, if any. */
  private async savedWithContent(contentHash: string, except: string): Promise<DownloadState | undefined> {
    const saved = (await this.byHash(contentHash))
      .filter((row) => row.phase === 'completed' && !row.duplicateOf && row.streamId !== except)
      .sort((a, b) => b.requestedAt - a.requestedAt);
    // The newest file first; an older copy still on disk counts when a newer one was deleted.
    for (const row of saved) {
      if (row.chromeDownloadId === null) continue;
      const [item] = await this.deps.downloads.search({ id: row.chromeDownloadId });
      if (item?.state === 'complete' && item.exists) return row;
    }
    return undefined;
  }


  /** Streams holding a download slot: Chrome is (or is about to be) downloading for them. */
  private slotHolders(rows: readonly DownloadState[]): Set<string> {
    const holders = new Set(rows.filter((row) => SLOT_PHASES.has(row.phase) && !this.finishing.has(row.streamId)).map((row) => row.streamId));
    for (const streamId of this.starting) if (!this.finishing.has(streamId)) holders.add(streamId);
    return holders;
  }

  /**
   * Chrome's download is over (complete or interrupted) and only its record is left to write: the slot is free
   * already, so the next download's intent is written alongside (group commit) instead of after it.
   */
  private releaseSlot(streamId: string): void {
    if (this.finishing.has(streamId)) return;
    this.finishing.add(streamId);
    this.pump();
  }

  /** Takes a download slot for `row` if one is free and no download validated earlier waits for one. */
  private claimSlot(row: DownloadState): boolean {
    const rows = [...this.index.values()];
    const holders = this.slotHolders(rows);
    if (holders.size >= this.deps.settings().concurrency) return false;
    const earlier = rows.some((other) => this.isReady(other) && !holders.has(other.streamId) && other.requestedAt <= row.requestedAt && other.streamId !== row.streamId);
    if (earlier) return false;
    this.starting.add(row.streamId);
    return true;
  }

  private async initiate(row: DownloadState): Promise<void> {
    const next = await this.append(row, this.intentOf(row));
    return this.startChromeDownload(next);
  }

  /** The events that give `row` its slot: its intent, after its check's record when that is still kept in memory. */
  private intentOf(row: DownloadState): DistributiveOmit<NewEvent, 'metadata'>[] {
    const kept = this.checked.get(row.streamId);
    this.checked.delete(row.streamId);
    const check = row.phase !== 'validating' && kept?.version === row.version ? kept.data : null;
    const filename = check?.filename ?? row.filename ?? buildDownloadPath({ imageUrl: row.request.imageUrl, folder: this.deps.settings().folder, extension: 'jpg' });
    const intent: DistributiveOmit<NewEvent, 'metadata'> = { type: 'DownloadInitiated', data: { attempt: row.attempt, filename, url: row.request.imageUrl } };
    return check ? [{ type: 'ImageSourceValidated', data: check }, intent] : [intent];
  }

  /** After a stop between the intent and `DownloadStarted`: adopt the download Chrome has, or start it now. */
  private async adoptOrInitiate(row: DownloadState): Promise<void> {
    const since = new Date((row.initiatedAt ?? 0) - 2000).toISOString();
    const items = await this.deps.downloads.search({ startedAfter: since });
    const wanted = (row.filename ?? '').split('/').pop()?.replace(/\.[^.]+$/, '') ?? '';
    const mine = items
      .filter((item) => !this.claimedElsewhere.has(item.id))
      .filter((item) =>
        row.transfer === 'inline'
          ? item.url.startsWith(`data:${row.convertedTo ?? row.mimeType ?? ''};`) && (item.filename.split(/[\\/]/).pop() ?? '').startsWith(wanted)
          : item.url === row.request.imageUrl,
      )
      .sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime))[0];
    if (mine && !(await this.deps.queries.byChromeDownloadId(mine.id))) {
      const next = await this.append(row, [{ type: 'DownloadStarted', data: { attempt: row.attempt, chromeDownloadId: mine.id } }]);
      return this.handleItem(next, mine);
    }
    return this.startChromeDownload(row);
  }

  /** Ids a timed-out `download()` resolved to after we gave up on it: cancelled, never adopted. */
  private readonly claimedElsewhere = new Set<number>();

  private async startChromeDownload(row: DownloadState): Promise<void> {
    const settings = this.deps.settings();
    let url = row.request.imageUrl;
    if (row.transfer === 'inline') {
      const body = await this.deps.fetchBody(row.request.imageUrl, settings, row.request.strategy);
      if (!body.ok) return this.fail(row, body.failure);
      if (body.type.mimeType !== row.mimeType) {
        return this.fail(row, { code: 'not_an_image', retryable: false, message: 'The image server sent a different file the second time.' });
      }
      const optimised = await this.optimise(row, body.bytes, body.type.mimeType);
      url = optimised.url;
      row = optimised.row;
    }
    let id: number;
    try {
      id = await withTimeout(
        this.deps.downloads.download({ url, filename: row.filename ?? 'Semantest/image.jpg', conflictAction: settings.conflictAction }),
        settings.requestTimeoutMs,
        (late) => {
          this.claimedElsewhere.add(late);
          void this.deps.downloads.cancel(late).catch(() => undefined);
        },
      );
    } catch (error) {
      const timedOut = error instanceof TimeoutError;
      return this.fail(row, {
        code: timedOut ? 'timeout' : 'download_interrupted',
        retryable: timedOut,
        message: timedOut ? 'Chrome did not start the download in time.' : `Chrome refused the download: ${errorText(error)}`,
      });
    }
    // Known in memory at once, so an onChanged that arrives before anything is stored finds its stream (and waits
    // for this step's lock). A stop before the append is what adoptOrInitiate() (or, for a download started
    // ahead of its DownloadInitiated, adoptStartedAhead()) recovers from.
    this.byChromeId.set(id, row.streamId);
    const begun: DistributiveOmit<NewEvent, 'metadata'>[] =
      row.phase === 'validating' ? [{ type: 'DownloadInitiated', data: { attempt: row.attempt, filename: row.filename ?? 'Semantest/image.jpg', url: row.request.imageUrl } }] : [];
    const started: DistributiveOmit<NewEvent, 'metadata'> = { type: 'DownloadStarted', data: { attempt: row.attempt, chromeDownloadId: id } };
    // It may be finished already (small files; its onChanged may even have come before its id did): look now, and
    // then record the start and the completion in one append. The mirror answers without a round trip; only an
    // item not seen created is searched for.
    const seen = this.chromeItems.get(id);
    let item = seen?.state === 'in_progress' ? { ...seen } : await this.chromeItem(id);
    // Small files end within moments: wait a little for the end, so that the start, the end and the next download's
    // intent go into one transaction (one per download instead of two). Until then the row says `initiating`; a stop
    // meanwhile is what adoptOrInitiate() recovers from, as for a stop right after download().
    if (seen && item?.state === 'in_progress') {
      await this.changeOrTimeout(id, STARTED_GRACE_MS);
      item = await this.chromeItem(id);
    }
    if (item?.state === 'complete') {
      const outcome = this.completion(row, item);
      if (outcome.ok) return this.recordCompletion(row, [...begun, started, { type: 'GoogleImageDownloadCompleted', data: outcome.data }]);
    }
    const next = await this.append(row, [...begun, started]);
    if (item) await this.handleItem(next, item);
    this.ensureProgressPolling();
  }

  /**
   * The optimising step ("Save as type"): the bytes to save, as a data: URL. Converted when asked and possible,
   * recorded as ImageConverted (new name and type) or ImageConversionSkipped (why the original is kept as it is).
   * After a restart that finds the conversion recorded, it is made again (same input, same output) without a
   * second event.
   */
  private async optimise(row: DownloadState, bytes: Uint8Array, mimeType: string): Promise<{ url: string; row: DownloadState }> {
    const target = row.convertTo;
    if (!target || target === mimeType) return { url: toDataUrl(bytes, mimeType), row };
    const settings = this.deps.settings();
    const recorded = row.convertedTo === target;
    const blocker = conversionBlocker(bytes, mimeType);
    let converted: Awaited<ReturnType<ConvertImage>> | null = null;
    let reason = blocker;
    if (!blocker) {
      try {
        converted = await (this.deps.convert ?? convertImage)(bytes, mimeType, target, settings.convertQuality);
      } catch (error) {
        reason = `The image could not be converted (${errorText(error)}): it is kept as it is.`;
      }
    }
    if (!converted) {
      const next = recorded
        ? row
        : await this.append(row, [{ type: 'ImageConversionSkipped', data: { attempt: row.attempt, from: mimeType, to: target, reason: reason ?? 'unknown' } }]);
      return { url: toDataUrl(bytes, mimeType), row: next };
    }
    if (recorded) return { url: toDataUrl(converted.bytes, target), row };
    const extension = Object.values(CONVERTIBLE_TARGETS).find((candidate) => candidate.mimeType === target)?.extension ?? 'img';
    const originalName = row.filename ?? `Semantest/image.${mimeType.split('/')[1] ?? 'img'}`;
    const next = await this.append(row, [
      {
        type: 'ImageConverted',
        data: {
          attempt: row.attempt,
          from: mimeType,
          to: target,
          fromSize: bytes.length,
          toSize: converted.bytes.length,
          width: converted.width,
          height: converted.height,
          filename: originalName.replace(/\.[^./]*$/, '') + `.${extension}`,
          originalKept: settings.keepOriginal,
        },
      },
    ]);
    // The original's own file, per the settings: started after the conversion is recorded, so that a restart
    // never takes it for the converted file (it looks for a data: URL of the new type). Not followed further.
    if (settings.keepOriginal) {
      await this.deps.downloads.download({ url: toDataUrl(bytes, mimeType), filename: originalName, conflictAction: settings.conflictAction }).catch(() => undefined);
    }
    return { url: toDataUrl(converted.bytes, target), row: next };
  }

  private async reconcile(row: DownloadState): Promise<void> {
    if (row.chromeDownloadId === null) return this.startChromeDownload(row);
    const item = await this.chromeItem(row.chromeDownloadId);
    if (!item) {
      return this.fail(row, { code: 'download_interrupted', retryable: true, message: 'The download disappeared from Chrome’s list.' });
    }
    await this.handleItem(row, item);
    this.ensureProgressPolling();
  }

  private async handleItem(row: DownloadState, item: DownloadItemView): Promise<void> {
    // A complete download's slot is handed on in complete() (with its record); an interrupted one's is free now.
    if (item.state === 'interrupted') this.releaseSlot(row.streamId);
    if (item.state === 'complete') return this.complete(row, item);
    if (item.state === 'interrupted') {
      const failure = classifyInterrupt(item.error ?? 'NETWORK_FAILED');
      // A retry starts a fresh download: drop the partial one so nothing half-written stays on disk.
      if (item.error !== 'USER_CANCELED') await this.deps.downloads.cancel(item.id).catch(() => undefined);
      return this.fail(row, failure);
    }
    if (item.paused && row.phase === 'downloading') {
      await this.append(row, [{ type: 'DownloadPaused', data: {} }]);
    } else if (!item.paused && row.phase === 'paused') {
      await this.append(row, [{ type: 'DownloadResumed', data: {} }]);
    }
  }

  /** What a finished Chrome download means: the completion to record, or why the file must not stay. */
  private completion(row: DownloadState, item: DownloadItemView): { ok: true; data: EventData<'GoogleImageDownloadCompleted'> } | { ok: false; failure: Failure } {
    const size = item.fileSize || item.bytesReceived;
    // The bytes were checked at the start; a server that then sent something else must not leave it on disk.
    if (size === 0 || (item.mime && !isImageMime(item.mime) && /^(text\/|application\/(json|xhtml|xml))/i.test(item.mime))) {
      return {
        ok: false,
        failure: {
          code: size === 0 ? 'empty_body' : 'not_an_image',
          retryable: false,
          message: size === 0 ? 'The image server sent an empty file.' : 'The server sent a web page instead of the image.',
        },
      };
    }
    return {
      ok: true,
      data: {
        imageUrl: row.request.imageUrl,
        filePath: item.filename,
        fileSize: size,
        downloadTime: Math.max(0, this.deps.now() - row.requestedAt),
        mimeType: row.convertedTo ?? row.mimeType ?? item.mime,
      },
    };
  }

  private async complete(row: DownloadState, item: DownloadItemView): Promise<void> {
    const outcome = this.completion(row, item);
    if (!outcome.ok) {
      this.releaseSlot(row.streamId);
      await this.deps.downloads.removeFile(item.id).catch(() => undefined);
      return this.fail(row, outcome.failure);
    }
    return this.recordCompletion(row, [{ type: 'GoogleImageDownloadCompleted', data: outcome.data }]);
  }

  /**
   * Records a finished download's completion and hands its slot on. The next download's intent
   * (`DownloadInitiated`) is appended in the same tick, right after the completion, so that the store commits
   * both in one transaction (its group commit takes what was appended before its flush runs), in that order: the
   * log never shows more than `concurrency` downloads open, and the next download() waits only for that one
   * transaction (through pump() it waited for two: the completion's, then the intent's).
   * With a Referer rule to remove or a test hook holding the record, the slot is freed first, as before.
   */
  private async recordCompletion(row: DownloadState, events: DistributiveOmit<NewEvent, 'metadata'>[]): Promise<void> {
    if (row.referer || hooked('beforeCompletionRecorded')) {
      this.releaseSlot(row.streamId);
      if (row.referer) await this.deps.referer.release(row.streamId).catch(() => undefined);
      await runHook('beforeCompletionRecorded', row.streamId);
      this.remember(await this.append(row, events));
      return;
    }
    this.finishing.add(row.streamId);
    const next = this.nextForSlot();
    const recorded = this.append(row, events);
    if (next && this.startsAhead(next)) void this.runLocked(next.streamId, () => this.startChromeDownload(next));
    else if (next) this.initiateHandedOn(next);
    this.storeChecks();
    this.pump();
    this.remember(await recorded);
  }

  /**
   * Whether `row`'s download may be started without a DownloadInitiated stored first: its check is stored
   * (ImageSourceValidated: the address, the file's name), which is the intent a restart looks for (see
   * adoptStartedAhead), and Chrome fetches the address itself. Its DownloadInitiated is then appended with its
   * DownloadStarted, after the completion that freed its slot, so the log still never shows more than
   * `concurrency` downloads open, and the slot's next download() waits for no transaction.
   */
  private startsAhead(row: DownloadState): boolean {
    return row.phase === 'validating' && row.transfer === 'url' && row.referer === null && this.adoptedAhead;
  }

  /**
   * Stores the checks kept in memory (see `checked`) in the transaction being formed now (a completion's), so
   * that when a slot frees they can start at once (see startsAhead). Outside the streams' locks, like
   * initiateHandedOn: a lock entry is held until the append settles, and the download counts as worked on.
   */
  private storeChecks(): void {
    for (const [streamId, kept] of [...this.checked]) {
      const row = this.index.get(streamId);
      if (!row || row.version !== kept.version || this.locks.has(streamId) || this.active.has(streamId)) continue;
      this.checked.delete(streamId);
      this.active.add(streamId);
      const stored = this.append(row, [{ type: 'ImageSourceValidated', data: kept.data }]);
      void this.withLock(streamId, async () => {
        try {
          await stored;
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) console.error('Semantest: a check could not be stored', streamId, error);
          // Checked again from what is stored (a GET more, never a second download).
          const current = await this.deps.queries.get(streamId).catch(() => undefined);
          if (current) this.track(current);
        } finally {
          this.active.delete(streamId);
          this.pump();
        }
      });
    }
  }

  /** False until a restart's look for downloads started ahead (see adoptStartedAhead) is done. */
  private adoptedAhead = false;
  private adopting: Promise<void> | null = null;

  /**
   * Once per worker, before any slot is handed out: a stopped worker may have started checked downloads whose
   * DownloadInitiated was not stored yet (see startsAhead). Chrome's downloads of their addresses, started since
   * their check, are adopted (DownloadInitiated and DownloadStarted with Chrome's id) before anything else starts,
   * so nothing is downloaded twice and no more than `concurrency` run; the others wait for a slot as before.
   */
  private adoptStartedAhead(): Promise<void> {
    this.adopting ??= (async () => {
      await this.loadIndex();
      const rows = [...this.index.values()].filter((row) => row.phase === 'validating' && row.transfer === 'url');
      if (rows.length > 0) {
        const since = Math.min(...rows.map((row) => row.updatedAt)) - 2000;
        const items = (await this.deps.downloads.search({ startedAfter: new Date(since).toISOString() })).sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
        const taken = new Set<number>();
        const adopted: string[] = [];
        for (const row of rows) {
          const item = items.find(
            (candidate) =>
              candidate.url === row.request.imageUrl &&
              Date.parse(candidate.startTime) >= row.updatedAt - 2000 &&
              !taken.has(candidate.id) &&
              !this.claimedElsewhere.has(candidate.id) &&
              !this.byChromeId.has(candidate.id),
          );
          if (!item || (await this.deps.queries.byChromeDownloadId(item.id))) continue;
          taken.add(item.id);
          await this.withLock(row.streamId, async () => {
            const current = this.index.get(row.streamId);
            if (current?.phase !== 'validating') return;
            await this.append(current, [
              { type: 'DownloadInitiated', data: { attempt: current.attempt, filename: current.filename ?? '', url: current.request.imageUrl } },
              { type: 'DownloadStarted', data: { attempt: current.attempt, chromeDownloadId: item.id } },
            ]);
          });
          adopted.push(row.streamId);
        }
        // Every adopted one is recorded as started before any of them is followed (a completion hands its slot on).
        await Promise.all(adopted.map((streamId) => this.run(streamId)));
      }
      this.adoptedAhead = true;
    })().catch((error: unknown) => {
      this.adopting = null;
      throw error;
    });
    return this.adopting;
  }

  /**
   * The validated download that gets a free slot now, if any (the one asked for first, as pump() would choose),
   * claimed at once. Only one no step of this worker is on: its intent is appended outside its lock.
   */
  private nextForSlot(): DownloadState | undefined {
    const rows = [...this.index.values()];
    const holders = this.slotHolders(rows);
    if (holders.size >= this.deps.settings().concurrency) return undefined;
    const next = rows
      .filter((r) => this.isReady(r) && !holders.has(r.streamId) && !this.active.has(r.streamId))
      .sort((a, b) => a.requestedAt - b.requestedAt)[0];
    // A stored check may have been started by a stopped worker: none is handed a slot before that is looked at.
    if (!next || this.locks.has(next.streamId) || (next.phase === 'validating' && !this.adoptedAhead)) return undefined;
    this.starting.add(next.streamId);
    this.active.add(next.streamId);
    return next;
  }

  /** initiate() for a download handed a slot by recordCompletion: the intent is appended now, the rest under its lock. */
  private initiateHandedOn(row: DownloadState): void {
    const intent = this.append(row, this.intentOf(row));
    void this.runLocked(row.streamId, async () => this.startChromeDownload(await intent));
  }

  /** A completed download: forget its progress (its content hash is found through the read model's index). */
  private remember(done: DownloadState): void {
    this.lastBytes.delete(done.streamId);
    this.speeds.delete(done.streamId);
  }

  private async fail(row: DownloadState, failure: Failure): Promise<void> {
    if (row.referer) await this.deps.referer.release(row.streamId).catch(() => undefined);
    const settings = this.deps.settings();
    const policy: RetryPolicy = { maxRetries: settings.maxRetries, baseDelayMs: settings.baseDelayMs, maxDelayMs: 60_000, jitter: 0.2 };
    const data = failureEvent(row.request.imageUrl, failure, row.attempt, policy, this.deps.now(), this.deps.random());
    await this.append(row, [{ type: 'GoogleImageDownloadFailed', data }]);
    this.lastBytes.delete(row.streamId);
    this.speeds.delete(row.streamId);
  }

  /** Appends to the download's stream at its current version, with correlation and causation carried over. */
  private async append(
    row: DownloadState,
    events: DistributiveOmit<NewEvent, 'metadata'>[],
    ids?: { correlationId: string; causationId: string },
  ): Promise<DownloadState> {
    let causationId = ids?.causationId ?? row.lastEventId;
    const withMetadata = events.map((event) => {
      const eventId = this.deps.newId();
      const full = {
        ...event,
        eventId,
        metadata: { correlationId: ids?.correlationId ?? row.correlationId, causationId, ...(row.tabId !== null ? { tabId: row.tabId } : {}) },
      } as NewEvent;
      causationId = eventId;
      return full;
    });
    const result = await this.deps.store.appendToStream(row.streamId, withMetadata, { expectedVersion: row.version });
    // The next state is the fold of what was just stored, as the read model has it (no read needed).
    let next: DownloadState | undefined = row;
    for (const event of result.events) next = evolve(next, event);
    if (result.duplicate) next = await this.deps.queries.get(row.streamId);
    if (!next) throw new Error(`Download ${row.streamId} vanished after an append`);
    this.track(next);
    this.notify(next);
    return next;
  }

  /**
   * Pushes a download's state to the Google tab that asked for it. `shownAlready`: the tab shows this state by
   * itself (see RequestOptions.senderShowsQueued); it is only remembered as told.
   */
  notify(row: DownloadState, progress: number | null = null, tabId: number | null = null, shownAlready = false): void {
    const target = tabId ?? row.tabId;
    if (target === null) return;
    const update = toControlUpdate(row, progress);
    // A step that changes nothing the control shows (checked, intent stored: still `queued`) sends nothing: a
    // message to a tab per step was a good part of the worker's time in a bulk run. A click is always answered.
    const shown = `${target} ${update.state} ${update.progress} ${update.message}`;
    if (tabId === null && this.shown.get(row.streamId) === shown) return;
    if (isSettled(row)) this.shown.delete(row.streamId);
    else this.shown.set(row.streamId, shown);
    if (shownAlready && update.state === 'queued') return;
    this.deps.tabs.send(target, { type: 'control.update', update });
  }

  /** What each unsettled download's control was last told (see notify). */
  private readonly shown = new Map<string, string>();

  private ensureProgressPolling(): void {
    if (this.progressTimer !== null) return;
    this.progressTimer = this.setTimer(() => void this.pollProgress(), PROGRESS_INTERVAL_MS);
  }

  /** `onChanged` never reports bytes: poll running downloads for progress, and stop those that stall. */
  private async pollProgress(): Promise<void> {
    this.progressTimer = null;
    const rows = [...this.index.values()].filter((row) => row.phase === 'downloading' && row.chromeDownloadId !== null);
    if (rows.length === 0) return;
    const now = this.deps.now();
    const stallMs = this.deps.settings().stallTimeoutMs;
    const progress: ProgressMessage['items'] = [];
    for (const row of rows) {
      const [item] = await this.deps.downloads.search({ id: row.chromeDownloadId as number });
      if (!item) continue;
      if (item.state !== 'in_progress') {
        await this.run(row.streamId);
        continue;
      }
      const seen = this.lastBytes.get(row.streamId);
      const speed = this.speeds.get(row.streamId) ?? 0;
      if (!seen || seen.bytes !== item.bytesReceived) {
        const elapsed = seen ? now - seen.at : 0;
        // Smoothed bytes per second since the last change; the first sample has no rate yet.
        const rate = seen && elapsed > 0 ? ((item.bytesReceived - seen.bytes) * 1000) / elapsed : 0;
        this.speeds.set(row.streamId, speed > 0 ? speed * 0.5 + rate * 0.5 : rate);
        this.lastBytes.set(row.streamId, { bytes: item.bytesReceived, at: now });
      } else if (!item.paused && now - seen.at > stallMs) {
        await this.deps.downloads.cancel(item.id).catch(() => undefined);
        await this.withLock(row.streamId, async () => {
          const current = await this.deps.queries.get(row.streamId);
          if (current?.phase === 'downloading') {
            await this.fail(current, { code: 'timeout', retryable: true, message: 'The image server stopped sending data.' });
          }
        });
        this.pump();
        continue;
      }
      this.notify(row, item.totalBytes > 0 ? Math.min(1, item.bytesReceived / item.totalBytes) : null);
      progress.push({
        streamId: row.streamId,
        bytesReceived: item.bytesReceived,
        totalBytes: item.totalBytes,
        bytesPerSecond: item.paused ? 0 : Math.round(this.speeds.get(row.streamId) ?? 0),
      });
    }
    if (progress.length > 0) this.deps.pages.broadcast({ type: 'progress', items: progress } satisfies ProgressMessage);
    this.ensureProgressPolling();
  }

  private withLock<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(streamId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.locks.set(streamId, settled);
    void settled.then(() => {
      if (this.locks.get(streamId) === settled) this.locks.delete(streamId);
    });
    return next;
  }
}

const MIME_ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'image/x-png': 'image/png', 'image/vnd.microsoft.icon': 'image/x-icon' };

/** True when the host's Content-Type names the type the bytes have (Chrome then keeps our extension). */
function sameMime(declared: string, actual: string): boolean {
  return (MIME_ALIASES[declared] ?? declared) === actual;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A read by key whose callers, while a read is in flight, wait and are answered together by the next one (one
 * transaction for many). The first caller reads at once (alone, with `one`). Without `many`, each reads alone.
 */
export function groupedRead<K, R>(one: (key: K) => Promise<R[]>, many: ((keys: readonly K[]) => Promise<R[]>) | undefined, keyOf: (row: R) => K): (key: K) => Promise<R[]> {
  if (!many) return one;
  let waiting = new Map<K, { resolve: (rows: R[]) => void; reject: (error: unknown) => void }[]>();
  let reading = false;
  const drain = async (): Promise<void> => {
    while (waiting.size > 0) {
      const batch = waiting;
      waiting = new Map();
      try {
        const keys = [...batch.keys()];
        // One key: the plain read (an `anyOf` walks a cursor, an `equals` gets all at once).
        const rows = keys.length === 1 ? await one(keys[0] as K) : await many(keys);
        const byKey = new Map<K, R[]>();
        for (const row of rows) {
          const key = keyOf(row);
          const list = byKey.get(key);
          if (list) list.push(row);
          else byKey.set(key, [row]);
        }
        for (const [key, callers] of batch) for (const caller of callers) caller.resolve([...(byKey.get(key) ?? [])]);
      } catch (error) {
        for (const callers of batch.values()) for (const caller of callers) caller.reject(error);
      }
    }
    reading = false;
  };
  return (key) =>
    new Promise((resolve, reject) => {
      const callers = waiting.get(key) ?? [];
      callers.push({ resolve, reject });
      waiting.set(key, callers);
      if (reading) return;
      reading = true;
      void drain();
    });
}

export function toControlUpdate(row: DownloadState, progress: number | null = null): ControlUpdate {
  const state = controlState(row.phase);
  const fileName = row.filePath ? row.filePath.split(/[\\/]/).pop() ?? null : null;
  const message =
    state === 'completed'
      ? fileName
      : state === 'failed'
        ? row.error
        : row.phase === 'retry-wait'
          ? `Retrying: ${row.error ?? 'the last attempt failed'}`
          : null;
  return { streamId: row.streamId, imageUrl: row.request.imageUrl, state, progress, message };
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Races `promise` against a timer; a value that arrives after the timeout is handed to `onLate`. */
function withTimeout<T>(promise: Promise<T>, ms: number, onLate: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new TimeoutError(`timed out after ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        if (timedOut) onLate(value);
        else {
          clearTimeout(timer);
          resolve(value);
        }
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!timedOut) reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
