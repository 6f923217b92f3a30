/**
 * The service worker's composition root. Listeners are registered synchronously, first thing, so the event
 * that woke a stopped worker reaches them; everything they need is built lazily behind `ready`.
 */
import { downloadsProjection } from '../projections/downloads.ts';
import { target } from '#target';
import { registerWorkerListeners } from '../platform/listeners.ts';
import { browserAlarms, browserBadge, browserContextMenu, browserDownloads, browserPages, browserPermissions, browserReferer, browserTabs, extensionId, extensionOrigin, inIncognito, workerHttp } from '../platform/browser-adapters.ts';
import { loadSettings, onSettingsChanged, saveSettings } from '../platform/settings-store.ts';
import { openDatabase } from '../store/database.ts';
import { DexieEventStore } from '../store/dexie-event-store.ts';
import { downloadQueries } from '../store/download-queries.ts';
import { DownloadSaga } from './saga/index.ts';
import { systemClock } from './saga/clock.ts';
import { EventBus } from '../bus/subscriptions.ts';
import { dexieBusStorage } from '../bus/dexie-bus-storage.ts';
import { metricsSubscriber, observeBus } from '../projections/metrics.ts';
import { batchRowOf, batchesSubscriber } from '../projections/batches.ts';
import { batchReport } from '../domain/batch-report.ts';
import type { BatchRequested } from './messages.ts';
import { badgeSubscriber } from '../projections/badge.ts';
import { searchIndexSubscriber } from '../projections/search-index.ts';
import { notificationsSubscriber } from './notifications.ts';
import { notificationLog } from './notification-log.ts';
import { handleNotificationButton } from './notification-button.ts';
import { Outbox, OUTBOX_ALARM } from '../outbox/outbox.ts';
import { cloudEventSource } from '../outbox/cloudevents.ts';
import { dexieOutboxCheckpoints, handleOutboxRequest, isOutboxMessage, lastPositionOf } from '../outbox/protocol.ts';
import { CONTEXT_MENU_ID, CONTEXT_MENU_TITLE, FOLDERS_MENU_ID, FOLDERS_MENU_TITLE, handleContextMenuClick } from './context-menu.ts';
import { handleCommand } from './commands.ts';
import { handleMessage, senderRefusal } from './messages.ts';
import { OpenBatches } from './batch-requests.ts';
import { imageForClipboard, toPng, type ImageCopyAnswer } from './image-copy.ts';
import { DEFAULT_SETTINGS, withRecentFolder, type Settings } from '../shared/settings.ts';
import { DEFAULT_SOURCE_PAGE_LIMITS, SourcePageResolver, fingerprintWithin, readBounded } from './source-page-finder.ts';
import { fingerprintImage } from './picture-decoder.ts';
import { validateSourceUrl } from '../domain/urls.ts';
import { savePageHealth } from '../platform/page-health-store.ts';
import { Maintenance } from './maintenance.ts';
import { serveImportPort } from './import-port.ts';
import { DOWNLOADS_CHANGED } from '../shared/page-messages.ts';

// First thing: a fact from the transfer side (Chrome's offscreen document) may be what woke this worker.
const transfers = target.registerTransfers();
// Ports on the worker's global scope for the end-to-end tests and the bench (`worker.evaluate`).
(globalThis as Record<string, unknown>).__semantestPorts = { transfers, referer: browserReferer };

// Only the extension's pages and this worker may read or change the settings (they steer data out: the outbox).
// Firefox cannot (README "Firefox").
void target
  .restrictSettingsToExtensionPages()
  .then((restricted) => restricted || console.info('Semantest: this browser cannot keep content scripts away from storage.local'))
  .catch((error: unknown) => console.warn('Semantest: content scripts could not be kept away from the settings', error));

// The settings the user saved, kept fresh by storage.onChanged: a change applies to the next step, no reload.
let settings: Settings = DEFAULT_SETTINGS;
onSettingsChanged((next) => {
  settings = next;
});
const settingsLoaded = loadSettings().then(
  (loaded) => {
    settings = loaded;
  },
  (error: unknown) => console.error('Semantest: settings could not be read, using the defaults', error),
);

const incognito = inIncognito();
const db = openDatabase();
const store = new DexieEventStore(db, { projection: downloadsProjection });
const queries = downloadQueries(db);
const newId = (): string => crypto.randomUUID();
const saga = new DownloadSaga({
  store,
  queries,
  transfers,
  downloads: browserDownloads,
  alarms: browserAlarms,
  tabs: browserTabs,
  pages: browserPages,
  referer: browserReferer,
  settings: () => settings,
  clock: systemClock,
  random: () => Math.random(),
  newId,
  extensionId: extensionId(),
  // Bigger originals: the fetched Blob (read back by its blob: URL) and Google's thumbnail, compared as pictures.
  pictures: {
    blobOf: async (transferId) => {
      const url = await transfers.saveUrl(transferId);
      return url ? (await fetch(url)).blob() : null;
    },
    thumbnail: async (url) => {
      const problem = validateSourceUrl(url, { allowDataImage: true });
      if (problem) throw new Error(problem);
      const limits = DEFAULT_SOURCE_PAGE_LIMITS;
      const read = await readBounded({ fetch: (input, init) => fetch(input, init), now: () => Date.now() }, url, limits.thumbnailBytes, Date.now() + limits.requestMs, 'image/*');
      if (read.truncated) throw new Error('the thumbnail is too large');
      return read.blob;
    },
    fingerprint: (blob) => fingerprintWithin({ fingerprint: fingerprintImage }, blob, DEFAULT_SOURCE_PAGE_LIMITS.maxPixels),
  },
});

// The bus's durable subscribers: monitoring counters, the toolbar badge, desktop notifications.
const BUS_ALARM = 'semantest:bus-wake';
const bus = new EventBus({
  storage: dexieBusStorage(db),
  store,
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  random: () => Math.random(),
  wakeAt: (when) => browserAlarms.wakeAt(BUS_ALARM, when),
  observe: observeBus(db, () => Date.now(), (fn, ms) => setTimeout(fn, ms)),
  // While downloads run, the bus's passes wait longer and cover more events: they yield to the saga's steps.
  busy: () => saga.busy(),
});
// The end-to-end tests subscribe a handler made to fail, to see its dead letters on the options page.
Object.assign((globalThis as Record<string, unknown>).__semantestPorts as object, { bus });
bus.subscribe(metricsSubscriber(db));
bus.subscribe(batchesSubscriber(db));
bus.subscribe(searchIndexSubscriber(db));
const badge = badgeSubscriber({ deadLettered: () => queries.deadLettered(), badge: browserBadge });
bus.subscribe(badge);
const notifications = notificationLog(db);
bus.subscribe(
  notificationsSubscriber({
    notifications: target.notifications,
    settings: () => settings,
    download: (id) => queries.get(id),
    now: () => Date.now(),
    log: notifications,
    knownSingle: (correlationId) => saga.isSingle(correlationId),
  }),
);

// The integrations outbox (off by default): the log as CloudEvents to the user's URL, after every append.
const outbox = new Outbox({
  readAll: (after, limit) => store.readAll(after, limit),
  checkpoints: dexieOutboxCheckpoints(db),
  http: workerHttp,
  // In an incognito window's worker nothing is ever sent: what happens there stays in its memory (README "Incognito").
  config: () => ({
    enabled: settings.outboxEnabled && !incognito,
    url: settings.outboxUrl,
    batchSize: settings.outboxBatchSize,
    maxAttempts: settings.outboxMaxAttempts,
    sendImported: settings.outboxSendImported,
  }),
  source: cloudEventSource(extensionId()),
  mayReach: (origin) => browserPermissions.contains(origin),
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  random: () => Math.random(),
  wakeAt: (when) => browserAlarms.wakeAt(OUTBOX_ALARM, when),
});
store.onAppended(() => outbox.poke());
// The pages re-read the downloads when told (the worker is their one writer): at most every CHANGED_EVERY_MS, the
// last change always told. A batch appends hundreds of times a second, and every extension page (the transfer
// document too) wakes for each message; the pages wait 150 ms after one before they read anyway.
const CHANGED_EVERY_MS = 100;
let changedSoon: ReturnType<typeof setTimeout> | null = null;
let changedAgain = false;
const downloadsChanged = (): void => {
  if (changedSoon !== null) {
    changedAgain = true;
    return;
  }
  browserPages.broadcast({ type: DOWNLOADS_CHANGED });
  changedSoon = setTimeout(() => {
    changedSoon = null;
    if (!changedAgain) return;
    changedAgain = false;
    downloadsChanged();
  }, CHANGED_EVERY_MS);
};
store.onAppended(downloadsChanged);
onSettingsChanged(() => outbox.poke());
void settingsLoaded.then(() => outbox.poke());

const logError = (what: string) => (error: unknown) => console.error(`Semantest: ${what}`, error);

// "Download all"'s batches still open while its page scrolls (batch-requests.ts).
const openBatches = new OpenBatches();
// Each batch's record, in its own stream (the batch's correlation id): the batch report's source.
const batches = {
  requested: async (batch: BatchRequested): Promise<void> => {
    const { batchId, commandId, ...data } = batch;
    const appended = await store.appendToStream(batchId, [{ type: 'DownloadBatchRequested', data, metadata: { correlationId: batchId, causationId: commandId } }], { expectedVersion: 'any', aggregateType: 'Batch' });
    // In step at once (the popup may open before the bus's next pass); the subscriber writes the same row again.
    await db.batches.bulkPut(appended.events.map(batchRowOf));
  },
  latest: async () => {
    const batch = await db.batches.orderBy('requestedAt').last();
    if (!batch) return null;
    const rows = (await db.downloads.bulkGet(batch.streamIds)).filter((row) => row !== undefined);
    return batchReport(batch, new Map(rows.map((row) => [row.streamId, row])));
  },
};

// The context menu's submenu of the recent folders, made again when they change (one change at a time).
let folderMenu: Promise<void> = Promise.resolve();
let folderMenuOf = '';
// The folders the menu shows now: an entry names its folder by place, and the recent ones reorder on each use.
let menuFolders: readonly string[] = [];
const refreshFolderMenu = (force = false): void => {
  const key = JSON.stringify(settings.recentFolders);
  if (!force && key === folderMenuOf) return;
  folderMenuOf = key;
  const folders = settings.recentFolders;
  folderMenu = folderMenu
    .then(() => browserContextMenu.setFolders(FOLDERS_MENU_ID, FOLDERS_MENU_TITLE, folders))
    .then(() => void (menuFolders = folders))
    .catch(logError('folder menu not made'));
};
onSettingsChanged(() => refreshFolderMenu());
void settingsLoaded.then(() => refreshFolderMenu());

// The folders last used, kept in the settings (written only when the newest one changes).
const folders = {
  current: () => settings.folder,
  recent: () => settings.recentFolders,
  used: async (folder: string): Promise<void> => {
    if (settings.recentFolders[0] === folder) return;
    settings = { ...settings, recentFolders: withRecentFolder(settings.recentFolders, folder) };
    await saveSettings(settings).catch(logError('recent folders not saved'));
  },
};

// "Copy image" from a result's menu: the worker fetches the original (a page cannot) and answers it as PNG.
const copyImage = (imageUrl: string): Promise<ImageCopyAnswer> => imageForClipboard(imageUrl, { fetch: (input, init) => fetch(input, init), toPng });

// Originals of results whose Google page holds none, looked for on their source pages (issue 18).
const sourcePages = new SourcePageResolver({ fetch: (input, init) => fetch(input, init), fingerprint: fingerprintImage, now: () => Date.now() });
const pageHealth = { report: savePageHealth, now: () => Date.now() };

// Every write to the log besides the saga's and the bus's: import, rebuild, compaction, forget, clear.
const maintenance = new Maintenance({
  db,
  projection: downloadsProjection,
  store,
  bus,
  outbox,
  downloads: browserDownloads,
  extensionId: extensionId(),
  refreshBadge: () => badge.refresh(),
  progress: (message) => browserPages.broadcast(message),
  changed: downloadsChanged,
  now: () => Date.now(),
  newId,
});

// Every worker start (first install, browser start, or a wake-up after being stopped) reconciles what a
// stopped worker left in flight, once (a second recover() from onStartup or the alarm is the same promise).
const ready = settingsLoaded.then(() => saga.recover()).catch(logError('recovery failed'));
// Retention, if the user turned it on: compact the downloads that became old enough since the last run.
void ready.then(() => (settings.retentionDays > 0 ? maintenance.compact(settings.retentionDays, true) : null)).catch(logError('compaction failed'));
// The badge is not kept across browser restarts: set it from the read model on every start.
void badge.refresh().catch(logError('badge update failed'));

registerWorkerListeners({
  message: async (message, sender) => {
    // A click must not wait for recovery (the contract's "within a second", also from a stopped worker):
    // requests need only the settings; recovery of older downloads runs alongside, stream by stream.
    await settingsLoaded;
    if (isOutboxMessage(message)) {
      const refusal = senderRefusal(sender, { extensionId: extensionId(), extensionOrigin: extensionOrigin() });
      if (refusal || sender.fromContentScript) return { ok: false, error: refusal ?? 'A Google page may not steer the outbox.' };
      return handleOutboxRequest(message, outbox, () => lastPositionOf(db));
    }
    return handleMessage(message, sender, { saga, queries, extensionId: extensionId(), extensionOrigin: extensionOrigin(), newId, sourcePages, pageHealth, maintenance, busDeadLetters: bus, folders, batches, openBatches, settings: () => settings, copyImage });
  },
  connected: (port) =>
    serveImportPort(port, {
      refusal: ({ sender }) => senderRefusal(sender, { extensionId: extensionId(), extensionOrigin: extensionOrigin() }) ?? (sender.fromContentScript ? 'A Google page may not import events.' : null),
      importLog: (source) => maintenance.importLog(source),
    }),
  // The saga's mirror of Chrome's items takes the change at once; the download's step waits for recovery.
  downloadChanged: (delta) => void saga.downloadChanged(delta).catch(logError('download update failed')),
  downloadCreated: (item) => saga.downloadCreated(item),
  alarm: (name) => {
    void settingsLoaded.then(() => saga.alarm(name));
    if (name === BUS_ALARM) bus.poke();
    if (name === OUTBOX_ALARM) void settingsLoaded.then(() => outbox.poke());
  },
  started: (reason) => {
    // Menu entries outlive the worker; they are (re)made when the extension is installed or updated.
    if (reason === 'installed') {
      void browserContextMenu
        .install(CONTEXT_MENU_ID, CONTEXT_MENU_TITLE)
        .then(() => settingsLoaded.then(() => refreshFolderMenu(true)))
        .catch(logError('context menu not created'));
    }
    void ready.then(() => saga.recover()).catch(logError('start-up failed'));
  },
  command: (name, tabId) => void handleCommand(name, tabId, browserTabs),
  contextMenuClicked: (click, tabId) =>
    // Like a click on Google Images: the request needs only the settings, not the recovery of older downloads.
    void settingsLoaded
      .then(() => handleContextMenuClick(click, tabId, { saga, newId, warn: (message) => console.warn(message), folders: () => menuFolders }))
      .catch(logError('context menu request failed')),
  notificationButtonClicked: (notificationId, buttonIndex) =>
    void settingsLoaded
      .then(() => handleNotificationButton(notificationId, buttonIndex, { log: notifications, retry: (id, commandId) => saga.retry(id, commandId), show: (id) => saga.show(id), newId }))
      .catch(logError('notification button failed')),
});
