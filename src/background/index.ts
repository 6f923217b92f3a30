/**
 * The service worker's composition root. Listeners are registered synchronously, first thing, so the event
 * that woke a stopped worker reaches them; everything they need is built lazily behind `ready`.
 */
import { registerWorkerListeners } from '../platform/listeners.ts';
import { chromeAlarms, chromeBadge, chromeContextMenu, chromeDownloads, chromeNotifications, chromePages, chromeReferer, chromeTabs, extensionId, extensionOrigin } from '../platform/chrome-adapters.ts';
import { loadSettings, onSettingsChanged } from '../platform/settings-store.ts';
import { openDatabase } from '../store/database.ts';
import { DexieEventStore } from '../store/dexie-event-store.ts';
import { downloadQueries } from '../store/download-queries.ts';
import { DownloadSaga, WAKE_ALARM } from './download-saga.ts';
import { EventBus } from '../bus/subscriptions.ts';
import { metricsSubscriber, observeBus } from '../projections/metrics.ts';
import { compactOldDownloads } from '../store/compaction.ts';
import { badgeSubscriber } from '../projections/badge.ts';
import { notificationsSubscriber } from './notifications.ts';
import { CONTEXT_MENU_ID, CONTEXT_MENU_TITLE, handleContextMenuClick } from './context-menu.ts';
import { handleCommand } from './commands.ts';
import { handleMessage } from './messages.ts';
import { fetchImageBytes, probeImage, type ProbeOptions } from './probe.ts';
import { DEFAULT_SETTINGS, type Settings } from './settings.ts';
import type { Strategy } from '../domain/events.ts';

const probeOptions = (settings: Settings, strategy: Strategy): ProbeOptions => ({
  fetch: (input, init) => fetch(input, init),
  timeoutMs: settings.requestTimeoutMs,
  maxBytes: settings.maxBytes,
  // A data: thumbnail is accepted only when the user chose the thumbnail because the original was missing.
  allowDataImage: strategy === 'thumbnail',
});

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

const db = openDatabase();
const store = new DexieEventStore(db);
const queries = downloadQueries(db);
const newId = (): string => crypto.randomUUID();
const saga = new DownloadSaga({
  store,
  queries,
  downloads: chromeDownloads,
  alarms: chromeAlarms,
  tabs: chromeTabs,
  pages: chromePages,
  referer: chromeReferer,
  probe: (url, settings, strategy) => probeImage(url, probeOptions(settings, strategy)),
  fetchBody: (url, settings, strategy) => fetchImageBytes(url, probeOptions(settings, strategy)),
  settings: () => settings,
  now: () => Date.now(),
  random: () => Math.random(),
  newId,
});

// The bus's durable subscribers: monitoring counters, the toolbar badge, desktop notifications.
const BUS_ALARM = 'semantest:bus-wake';
const bus = new EventBus({
  db,
  store,
  now: () => Date.now(),
  random: () => Math.random(),
  wakeAt: (when) => chromeAlarms.wakeAt(BUS_ALARM, when),
  observe: observeBus(db, () => Date.now()),
});
bus.subscribe(metricsSubscriber(db));
const badge = badgeSubscriber({ deadLettered: () => queries.deadLettered(), badge: chromeBadge });
bus.subscribe(badge);
bus.subscribe(notificationsSubscriber({ notifications: chromeNotifications, settings: () => settings, download: (id) => queries.get(id), now: () => Date.now() }));

const logError = (what: string) => (error: unknown) => console.error(`Semantest: ${what}`, error);

// Every worker start (first install, browser start, or a wake-up after being stopped) reconciles what a
// stopped worker left in flight; steps are idempotent, so a second recover() from onStartup is harmless.
const ready = settingsLoaded.then(() => saga.recover()).catch(logError('recovery failed'));
// Retention, if the user turned it on: compact the downloads that became old enough since the last run.
void ready.then(() => compactOldDownloads(db, settings.retentionDays, Date.now())).catch(logError('compaction failed'));
// The badge is not kept across browser restarts: set it from the read model on every start.
void badge.refresh().catch(logError('badge update failed'));

registerWorkerListeners({
  message: async (message, sender) => {
    // A click must not wait for recovery (the contract's "within a second", also from a stopped worker):
    // requests need only the settings; recovery of older downloads runs alongside, stream by stream.
    await settingsLoaded;
    return handleMessage(message, sender, { saga, queries, extensionId: extensionId(), extensionOrigin: extensionOrigin(), newId });
  },
  downloadChanged: (delta) => void ready.then(() => saga.onDownloadChanged(delta)).catch(logError('download update failed')),
  alarm: (name) => {
    if (name === WAKE_ALARM) void ready.then(() => saga.recover()).catch(logError('wake-up failed'));
    if (name === BUS_ALARM) bus.poke();
  },
  started: (reason) => {
    // Menu entries outlive the worker; they are (re)made when the extension is installed or updated.
    if (reason === 'installed') void chromeContextMenu.install(CONTEXT_MENU_ID, CONTEXT_MENU_TITLE).catch(logError('context menu not created'));
    void ready.then(() => saga.recover()).catch(logError('start-up failed'));
  },
  command: (name, tabId) => void handleCommand(name, tabId, chromeTabs),
  contextMenuClicked: (click, tabId) =>
    // Like a click on Google Images: the request needs only the settings, not the recovery of older downloads.
    void settingsLoaded
      .then(() => handleContextMenuClick(click, tabId, { saga, newId, warn: (message) => console.warn(message) }))
      .catch(logError('context menu request failed')),
});
