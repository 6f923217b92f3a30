/**
 * The download saga, assembled: the decider's core and its runners, and the commands the worker's messages,
 * the context menu and the notifications use. Runners report facts to the core and never call one another;
 * what they keep in memory is a cache of the store. The decisions are all in src/domain/download-workflow.ts.
 */
import { PictureChecks, type PictureDeps } from './picture-check.ts';
import { KeyedMutex } from '../../shared/mutex.ts';
import { mayJoin } from '../../domain/download-workflow.ts';
import type { Effect, Reply, RequestTrigger, WorkflowSettings } from '../../domain/download-triggers.ts';
import { assertNever, hostOf, isSettled, type DownloadState } from '../../domain/download.ts';
import type { ImageCandidate } from '../../domain/events.ts';
import type { AlarmsPort, DownloadDelta, DownloadItemView, DownloadsPort, PagesPort, RefererPort, TabsPort } from '../../platform/ports.ts';
import type { TransferPort } from '../../platform/transfer-port.ts';
import type { EventStore } from '../../store/event-store.ts';
import type { DownloadQueries } from '../../store/download-queries.ts';
import { ChromeItemsCache, ChromeMirror } from './chrome-mirror.ts';
import { ChromeSaves } from './chrome-saves.ts';
import type { Clock } from './clock.ts';
import { SagaCore, type Report } from './core.ts';
import { DuplicateLookup } from './duplicates.ts';
import { groupedRead } from './grouped-read.ts';
import { recover } from './recovery.ts';
import { RefererRunner } from './referer.ts';
import { TransferSlots } from './slots.ts';
import { TabUpdates } from './tab-updates.ts';
import { Timers, WAKE_ALARM } from './timers.ts';
import { TransferRunner } from './transfer.ts';
import { UnsettledCache } from './unsettled-cache.ts';

export { WAKE_ALARM } from './timers.ts';
export { toControlUpdate } from './tab-updates.ts';

export interface SagaDeps {
  store: EventStore;
  queries: DownloadQueries;
  transfers: TransferPort;
  downloads: DownloadsPort;
  alarms: AlarmsPort;
  tabs: TabsPort;
  pages: PagesPort;
  referer: RefererPort;
  settings: () => WorkflowSettings & { concurrency: number; hostRequestsPerSecond?: number };
  clock: Clock;
  random: () => number;
  newId: () => string;
  extensionId: string;
  /** The bigger-original check (picture-check.ts); absent: no bigger copy is ever kept. */
  pictures?: PictureDeps;
}

export interface RequestOptions {
  force?: boolean;
  saveAs?: WorkflowSettings['saveAs'];
  batch?: { correlationId: string; size: number; index?: number; folder?: string };
  /** A single download's folder (the context menu's recent folders), already checked. */
  folder?: string;
  /** The asking tab's control shows `queued` by itself (the content script sets it when clicked). */
  senderShowsQueued?: boolean;
}

export interface RequestResult {
  streamId: string;
  joined: boolean;
  /** The image was saved before and the file is still there: nothing new was started. */
  alreadySaved?: boolean;
}

/** The host a download's next transfer asks (the bigger original's once it was chosen): what the pace counts. */
function paceHost(state: DownloadState | undefined): string {
  if (!state) return '';
  return hostOf(state.bigger?.outcome === 'chosen' ? state.bigger.url : state.request.imageUrl);
}

/** How many single-download correlation ids are remembered (see isSingle). */
const SINGLES_KEPT = 2000;

export class DownloadSaga {
  private readonly cache: UnsettledCache;
  private readonly core: SagaCore;
  private readonly slots: TransferSlots;
  private readonly timers: Timers;
  private readonly mirror: ChromeMirror;
  private readonly byUrl: (imageUrl: string) => Promise<DownloadState[]>;
  /** Requests in flight per address: a second click while the first is being recorded joins it. */
  private readonly requesting = new KeyedMutex<string>();
  private readonly singles = new Set<string>();
  private recovering: Promise<void> | null = null;
  private readonly unlisten: () => void;

  constructor(private readonly deps: SagaDeps) {
    const { queries, clock } = deps;
    const cache = (this.cache = new UnsettledCache(queries));
    const report: Report = (streamId, trigger) => void this.core.handle(streamId, trigger).catch(() => undefined);
    const items = new ChromeItemsCache();
    const concurrency = (): number => deps.settings().concurrency;
    const pace = { perSecond: () => deps.settings().hostRequestsPerSecond ?? 0, clock };
    // As many granted ahead as run: each lane has its next transfer waiting on the transfer side.
    const slots = (this.slots = new TransferSlots(concurrency, report, pace, concurrency));
    const transfer = new TransferRunner(deps.transfers, report, concurrency);
    const saves = new ChromeSaves({
      knownUrl: (transferId) => transfer.urlToSave(transferId),
      port: deps.transfers,
      downloads: deps.downloads,
      items,
      extensionId: deps.extensionId,
      clock,
      timeoutMs: () => deps.settings().requestTimeoutMs,
      report,
      started: (chromeDownloadId, streamId) => cache.noteChromeId(chromeDownloadId, streamId),
    });
    const referer = new RefererRunner(deps.referer, report);
    const pictures = new PictureChecks(deps.pictures, report);
    const duplicates = new DuplicateLookup(queries, deps.downloads, deps.extensionId, report);
    const tabs = new TabUpdates(deps.tabs, deps.pages, () => clock.now());
    const timers = (this.timers = new Timers(clock, deps.alarms, cache, report));
    this.mirror = new ChromeMirror(items, deps.downloads, deps.extensionId, (item) => void this.routeChromeItem(item));
    const run = (effect: Effect, streamId: string, state: DownloadState | undefined): void => {
      switch (effect.type) {
        case 'request-slot':
          return slots.request(streamId, effect.requestedAt, paceHost(state));
        case 'claim-slot':
          return slots.claim(streamId);
        case 'release-slot':
          return slots.release(streamId);
        case 'start-transfer':
          return transfer.start(effect);
        case 'pause-transfer':
          return transfer.pause(effect);
        case 'resume-transfer':
          return transfer.resume(effect);
        case 'drop-transfer':
          return saves.after(streamId, () => transfer.drop(effect));
        case 'convert':
          return transfer.convert(effect);
        case 'check-picture':
          return pictures.check(effect);
        case 'hold-referer':
          return referer.hold(streamId, effect);
        case 'release-referer':
          return referer.release(streamId);
        case 'look-up-duplicate':
          return duplicates.lookUp(streamId, effect.contentHash);
        case 'save':
          return saves.save(streamId, effect);
        case 'discard-chrome-item':
          return saves.discard(effect);
        case 'show-file':
          return saves.show(effect);
        case 'arm-timer':
          return timers.arm(streamId, effect.at);
        case 'tell-tab':
          return tabs.tell(effect, state);
        case 'report-progress':
          return tabs.progress(effect, state);
        default:
          return assertNever(effect);
      }
    };
    this.core = new SagaCore({
      store: deps.store,
      queries,
      cache,
      newId: deps.newId,
      effects: run,
      context: () => ({ now: clock.now(), random: deps.random(), settings: deps.settings(), extensionId: deps.extensionId }),
    });
    cache.onChange(() => timers.standBy());
    this.byUrl = groupedRead((url) => queries.byImageUrl(url), queries.byImageUrls?.bind(queries), (row) => row.request.imageUrl);
    this.unlisten = transfer.listen();
  }

  /** Stops hearing the transfer side (a worker that is gone hears nothing; tests stop a worker this way). */
  detach(): void {
    this.unlisten();
  }

  /**
   * A click: start a download of this image, join the one queued or running for it, or point at the file saved
   * before. Clicks on one address are taken in turn, so a second click made while the first is recorded joins it.
   */
  request(image: ImageCandidate, commandId: string, tabId: number | null, options: RequestOptions = {}): Promise<RequestResult> {
    return this.requesting.run(image.imageUrl, () => this.requestOnce(image, commandId, tabId, options));
  }

  private async requestOnce(image: ImageCandidate, commandId: string, tabId: number | null, options: RequestOptions): Promise<RequestResult> {
    const trigger: RequestTrigger = {
      type: 'request',
      image,
      force: options.force === true,
      ...(options.saveAs ? { saveAs: options.saveAs } : {}),
      commandId,
      correlationId: '',
      tabId,
      senderShowsQueued: options.senderShowsQueued === true,
    };
    const earlier = (await this.byUrl(image.imageUrl)).filter((row) => mayJoin(row, image.strategy));
    const running = earlier.find((row) => !isSettled(row)) ?? this.cache.unsettledOf(image.imageUrl).find((row) => mayJoin(row, image.strategy));
    if (running && joined(await this.core.handle(running.streamId, trigger))) return { streamId: running.streamId, joined: true };
    if (!trigger.force) {
      for (const row of earlier.filter((candidate) => candidate.phase === 'completed' && candidate.chromeDownloadId !== null)) {
        const [item] = await this.deps.downloads.search({ id: row.chromeDownloadId as number });
        if (item?.state !== 'complete' || !item.exists || item.byExtensionId !== this.deps.extensionId) continue;
        if (joined(await this.core.handle(row.streamId, { ...trigger, fileOnDisk: true }))) return { streamId: row.streamId, joined: true, alreadySaved: true };
      }
    }
    const streamId = this.deps.newId();
    const correlationId = options.batch?.correlationId ?? this.deps.newId();
    if (!options.batch) this.rememberSingle(correlationId);
    this.cache.markFresh(streamId);
    const batch = options.batch;
    await this.core.handle(streamId, {
      ...trigger,
      correlationId,
      ...(batch ? { batchSize: batch.size } : {}),
      ...(batch?.index !== undefined ? { batchIndex: batch.index } : {}),
      ...((batch?.folder ?? options.folder) !== undefined ? { folder: batch?.folder ?? options.folder } : {}),
    });
    return { streamId, joined: false };
  }

  /** A user's retry of a failed or dead-lettered download: the same stream, a new correlation id. */
  async retry(streamId: string, commandId: string): Promise<boolean> {
    const correlationId = this.deps.newId();
    const done = isDone(await this.core.handle(streamId, { type: 'retry', commandId, correlationId }));
    if (done) this.rememberSingle(correlationId);
    return done;
  }

  async discard(streamId: string, commandId: string): Promise<boolean> {
    return isDone(await this.core.handle(streamId, { type: 'discard', commandId, correlationId: this.deps.newId() }));
  }

  async pause(streamId: string): Promise<boolean> {
    return isDone(await this.core.handle(streamId, { type: 'pause' }));
  }

  async resume(streamId: string): Promise<boolean> {
    return isDone(await this.core.handle(streamId, { type: 'resume' }));
  }

  async cancel(streamId: string): Promise<boolean> {
    return isDone(await this.core.handle(streamId, { type: 'cancel' }));
  }

  async show(streamId: string): Promise<boolean> {
    return isDone(await this.core.handle(streamId, { type: 'show' }));
  }

  /** Once per worker: reconcile every unsettled download, then hand out transfer slots. */
  recover(): Promise<void> {
    this.recovering ??= recover({ cache: this.cache, queries: this.deps.queries, port: this.deps.transfers, downloads: this.deps.downloads, extensionId: this.deps.extensionId, core: this.core })
      .catch((error: unknown) => console.error('Semantest: recovery failed', error))
      .finally(() => {
        this.core.recovered();
        this.slots.open();
        this.timers.standBy();
      });
    return this.recovering;
  }

  /** A saga alarm rang: the first start-up recovers; a running worker goes on with what is due. */
  alarm(name: string): void {
    if (name !== WAKE_ALARM) return;
    const first = this.recovering === null;
    void this.recover().then(() => {
      if (!first) this.timers.rang();
    });
  }

  downloadCreated(item: DownloadItemView): void {
    this.mirror.created(item);
  }

  downloadChanged(delta: DownloadDelta): Promise<void> {
    return this.mirror.changed(delta);
  }

  /** True while downloads are being worked on (a backoff does not count): the bus's passes yield to the saga. */
  busy(): boolean {
    return this.core.working() || this.cache.unsettled().some((row) => row.phase !== 'retry-wait');
  }

  /** True when `correlationId` was made by this worker for one download alone (no batch shares it). */
  isSingle(correlationId: string): boolean {
    return this.singles.has(correlationId);
  }

  private rememberSingle(correlationId: string): void {
    this.singles.add(correlationId);
    if (this.singles.size > SINGLES_KEPT) this.singles.delete(this.singles.values().next().value as string);
  }

  /** An item's change goes to the download whose save it is: known by id in the cache, else in the store. */
  private async routeChromeItem(item: DownloadItemView): Promise<void> {
    const streamId = this.cache.streamOfChromeId(item.id) ?? (await this.deps.queries.byChromeDownloadId(item.id))?.streamId;
    if (streamId) await this.core.handle(streamId, { type: 'chrome-item', item });
  }
}

const joined = (reply: Reply | undefined): boolean => reply?.kind === 'joined';
const isDone = (reply: Reply | undefined): boolean => reply?.kind === 'done';
