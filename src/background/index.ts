/**
 * The service worker's composition root. Listeners are registered synchronously, first thing, so the event
 * that woke a stopped worker reaches them; everything they need is built lazily behind `ready`.
 */
import { registerWorkerListeners } from '../platform/listeners.ts';
import { chromeAlarms, chromeDownloads, chromeTabs, extensionId, extensionOrigin } from '../platform/chrome-adapters.ts';
import { openDatabase } from '../store/database.ts';
import { DexieEventStore } from '../store/dexie-event-store.ts';
import { downloadQueries } from '../store/download-queries.ts';
import { DownloadSaga, WAKE_ALARM } from './download-saga.ts';
import { handleMessage } from './messages.ts';
import { fetchImageBytes, probeImage, type ProbeOptions } from './probe.ts';
import { DEFAULT_SETTINGS, type Settings } from './settings.ts';

const probeOptions = (settings: Settings): ProbeOptions => ({
  fetch: (input, init) => fetch(input, init),
  timeoutMs: settings.requestTimeoutMs,
  maxBytes: settings.maxBytes,
});

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
  probe: (url, settings) => probeImage(url, probeOptions(settings)),
  fetchBody: (url, settings) => fetchImageBytes(url, probeOptions(settings)),
  settings: () => DEFAULT_SETTINGS,
  now: () => Date.now(),
  random: () => Math.random(),
  newId,
});

const logError = (what: string) => (error: unknown) => console.error(`Semantest: ${what}`, error);

// Every worker start (first install, browser start, or a wake-up after being stopped) reconciles what a
// stopped worker left in flight; steps are idempotent, so a second recover() from onStartup is harmless.
const ready = saga.recover().catch(logError('recovery failed'));

registerWorkerListeners({
  message: async (message, sender) => {
    await ready;
    return handleMessage(message, sender, { saga, queries, extensionId: extensionId(), extensionOrigin: extensionOrigin(), newId });
  },
  downloadChanged: (delta) => void ready.then(() => saga.onDownloadChanged(delta)).catch(logError('download update failed')),
  alarm: (name) => {
    if (name === WAKE_ALARM) void ready.then(() => saga.recover()).catch(logError('wake-up failed'));
  },
  started: () => void ready.then(() => saga.recover()).catch(logError('start-up failed')),
});
