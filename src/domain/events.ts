/**
 * The events of a download, as zod schemas: the single source of their types (`z.infer`).
 * Past tense, one stream per download. Every type has a schema per `schemaVersion`; a new version adds its
 * schema here and an upcaster from the one before (src/domain/upcasters.ts). Version 1 of the three seed events
 * is the seed's own shape (shared/seed/event-driven-architecture.md).
 */
import { z } from 'zod';
import { BIGGER_RULES } from './bigger-original.ts';

const httpUrl = z.string().max(8192);

/** How the original's URL was found on the page; the popup shows it and tests pin it. */
export const Strategy = z.enum(['legacy', 'rg_meta', 'af_init_data', 'udm2_inline', 'imgres_link', 'preview_panel', 'context_menu', 'thumbnail', 'source_page']);
export type Strategy = z.infer<typeof Strategy>;

export const ImageCandidate = z.object({
  imageUrl: httpUrl,
  thumbnailUrl: z.string().max(2_000_000).optional(),
  sourcePageUrl: httpUrl.optional(),
  title: z.string().max(2000).optional(),
  width: z.number().int().nonnegative().optional(),
  height: z.number().int().nonnegative().optional(),
  query: z.string().max(2000).optional(),
  pageUrl: httpUrl.optional(),
  strategy: Strategy,
});
export type ImageCandidate = z.infer<typeof ImageCandidate>;

export const FailureCode = z.enum([
  'network', 'timeout', 'http_server_error', 'http_rate_limited', 'http_client_error', 'not_an_image',
  'empty_body', 'too_large', 'invalid_url', 'download_interrupted', 'user_canceled', 'file_error', 'unknown',
  /** Chrome's own verdict on the saved file (`DownloadItem.danger`) flagged it: never accepted for the user. */
  'flagged_by_browser',
]);
export type FailureCode = z.infer<typeof FailureCode>;

export const eventSchemas = {
  GoogleImageDownloadRequested: {
    1: z.object({ imageUrl: httpUrl, fileName: z.string().max(1024).optional(), metadata: z.record(z.string(), z.unknown()).optional() }),
    2: ImageCandidate.extend({
      fileName: z.string().max(1024).optional(),
      /** The user asked to save it even if the same image (URL or content) was saved before. */
      force: z.boolean().optional(),
      /** "Save as type" for this download only (else the settings' default). */
      saveAs: z.enum(['original', 'png', 'jpeg', 'webp']).optional(),
      /** The folder template chosen for this download's batch (checked by the worker), else the settings'. */
      folder: z.string().max(200).optional(),
      /** Its place in its batch, 1-based (the `{index}` token). */
      batchIndex: z.number().int().positive().max(1_000_000).optional(),
    }),
  },
  /** The source answered and its first bytes are an image: the saga knows the type and the file name. */
  ImageSourceValidated: {
    1: z.object({
      attempt: z.number().int().positive(),
      mimeType: z.string(),
      extension: z.string(),
      filename: z.string(),
      contentLength: z.number().int().nonnegative().nullable(),
      /**
       * `url`: Chrome fetches the original itself. `inline`: the host's Content-Type disagrees with the bytes, and
       * Chrome would rename the file after the header, so the saga saves the checked bytes itself.
       */
      transfer: z.enum(['url', 'inline']),
      /** The page sent as Referer because the host refused the original without it (hotlink protection). */
      referer: z.string().max(8192).nullable().optional(),
      /** sha-256 (hex) of the whole original, when the check read it all (duplicates by content). */
      contentHash: z.string().regex(/^[0-9a-f]{64}$/).nullable().optional(),
      /** "Save as type": the MIME type the saved file is to have (the saga then fetches and converts the bytes). */
      convertTo: z.string().max(100).nullable().optional(),
    }),
    /**
     * v2 (saga v2, docs/decisions/0002-saga-v2-decider.md): the original is fetched once by the transfer side and
     * these are its first bytes; the body goes on streaming into a Blob (`transferId`), and what was checked is
     * what is saved, so there is no `transfer` choice any more. Upcast v1 events have no `transferId`.
     */
    2: z.object({
      attempt: z.number().int().positive(),
      mimeType: z.string(),
      extension: z.string(),
      filename: z.string(),
      contentLength: z.number().int().nonnegative().nullable(),
      referer: z.string().max(8192).nullable().optional(),
      /** The transfer that sniffed these bytes (`<streamId>:v<version>`, `…:referer` for the Referer retry). */
      transferId: z.string().max(200).optional(),
      /** Only in upcast v1 events (v2 records the hash in ImageFetched). */
      contentHash: z.string().regex(/^[0-9a-f]{64}$/).nullable().optional(),
      convertTo: z.string().max(100).nullable().optional(),
      /** Dimensions the image's header declares (the conversion's pixel budget is checked against them). */
      width: z.number().int().nonnegative().optional(),
      height: z.number().int().nonnegative().optional(),
    }),
  },
  /** The whole original is in the transfer side's Blob: its size and sha-256, hashed as it streamed. */
  ImageFetched: {
    1: z.object({
      attempt: z.number().int().positive(),
      transferId: z.string().max(200),
      size: z.number().int().nonnegative(),
      contentHash: z.string().regex(/^[0-9a-f]{64}$/),
      mimeType: z.string(),
    }),
  },
  /**
   * Chrome's verdict on the saved file (`DownloadItem.danger`), the seed's "VirusScanning": `clean`, or `flagged`
   * with the `danger` value (the file is then removed and the download fails; it is never accepted for the user).
   */
  ImageScanned: {
    1: z.object({
      attempt: z.number().int().positive(),
      chromeDownloadId: z.number().int().nonnegative(),
      verdict: z.enum(['clean', 'flagged']),
      danger: z.string().max(100),
    }),
  },
  /** Intent, written before `chrome.downloads.download` is called, so a restarted worker can find what it began. */
  DownloadInitiated: {
    /** `sidecar`: the metadata JSON asked for beside the image (a setting). */
    1: z.object({ attempt: z.number().int().positive(), filename: z.string(), url: httpUrl, sidecar: z.string().max(1100).optional() }),
  },
  /** The optimising step: the original was converted ("Save as type"); the file to save has a new name and type. */
  ImageConverted: {
    1: z.object({
      attempt: z.number().int().positive(),
      from: z.string(),
      to: z.string(),
      fromSize: z.number().int().nonnegative(),
      toSize: z.number().int().nonnegative(),
      width: z.number().int().nonnegative(),
      height: z.number().int().nonnegative(),
      filename: z.string(),
      /** The original's own file is saved too, per the settings. */
      originalKept: z.boolean(),
    }),
  },
  /** The optimising step left the original as it is, with the reason (SVG, animated, undecodable). */
  ImageConversionSkipped: {
    1: z.object({ attempt: z.number().int().positive(), from: z.string(), to: z.string(), reason: z.string().max(500) }),
  },
  DownloadStarted: {
    1: z.object({ attempt: z.number().int().positive(), chromeDownloadId: z.number().int().nonnegative() }),
  },
  /**
   * Bigger originals (docs/decisions/0046-bigger-originals.md): a rule of domain/bigger-original.ts gave a bigger
   * address for the image, and it is asked first (its own transfer, `transferId`).
   */
  BiggerOriginalTried: {
    1: z.object({ attempt: z.number().int().positive(), rule: z.enum(BIGGER_RULES), url: httpUrl, transferId: z.string().max(200) }),
  },
  /** The bigger copy is an image, the same picture as Google's thumbnail and larger: it is the one saved. */
  BiggerOriginalChosen: {
    1: z.object({ attempt: z.number().int().positive(), rule: z.enum(BIGGER_RULES), url: httpUrl, width: z.number().int().nonnegative(), height: z.number().int().nonnegative() }),
  },
  /** The bigger copy was missing, not an image, not the same picture or not larger: Google's original is fetched. */
  BiggerOriginalRejected: {
    1: z.object({ attempt: z.number().int().positive(), rule: z.enum(BIGGER_RULES), url: httpUrl, reason: z.string().max(500) }),
  },
  DownloadPaused: { 1: z.object({}) },
  DownloadResumed: { 1: z.object({}) },
  GoogleImageDownloadCompleted: {
    1: z.object({ imageUrl: httpUrl, filePath: z.string(), fileSize: z.number().int().nonnegative(), downloadTime: z.number().nonnegative() }),
    2: z.object({
      imageUrl: httpUrl,
      filePath: z.string(),
      fileSize: z.number().int().nonnegative(),
      downloadTime: z.number().nonnegative(),
      mimeType: z.string(),
      /** Nothing new was saved: the same content is already on disk as this earlier download's file. */
      duplicateOf: z.string().optional(),
    }),
  },
  GoogleImageDownloadFailed: {
    1: z.object({ imageUrl: httpUrl, error: z.string(), retryable: z.boolean() }),
    2: z.object({
      imageUrl: httpUrl,
      error: z.string(),
      code: FailureCode,
      retryable: z.boolean(),
      attempt: z.number().int().positive(),
      /** Epoch ms of the next attempt; null when this failure is final. */
      nextAttemptAt: z.number().nullable(),
      /** Retries used up: the download waits in the dead-letter queue for the user. */
      deadLettered: z.boolean(),
    }),
  },
  /**
   * A batch ("Download N selected", "Download all") was asked for: its own stream (the batch's correlation id), written
   * once its downloads are requested. `alreadySaved`: images saved before and still on disk (nothing new started);
   * `skippedSmaller`: results the page left out as smaller than its size filter. The batch report's source.
   */
  DownloadBatchRequested: {
    1: z.object({
      size: z.number().int().min(1).max(1000),
      streamIds: z.array(z.string().max(100)).max(1000),
      alreadySaved: z.array(z.string().max(100)).max(1000),
      folder: z.string().max(200).nullable(),
      skippedSmaller: z.number().int().min(0).max(1_000_000),
    }),
  },
  /** A user asked again for a dead-lettered or failed download (a new user action, a new correlation id). */
  GoogleImageDownloadRetryRequested: { 1: z.object({}) },
  /** The user removed a dead-lettered download from the queue; the download's own stream stays settled. */
  DeadLetterDiscarded: { 1: z.object({ downloadId: z.string() }) },
  /**
   * The seed's NotificationEvent: something was told to someone (`recipient`) on a `channel` (`desktop`: a
   * chrome.notifications toast). `actions` are its buttons, in order, so a click is answered from the log.
   */
  NotificationSent: {
    1: z.object({
      recipient: z.string().max(200),
      channel: z.enum(['desktop']),
      kind: z.enum(['download-failed', 'download-saved', 'bulk-finished', 'failure-rate']),
      notificationId: z.string().max(300),
      /** The download's stream, or the batch's correlation id, the notification is about. */
      subject: z.string().max(300),
      title: z.string().max(500),
      message: z.string().max(2000),
      actions: z.array(z.object({ action: z.enum(['retry', 'show']), streamIds: z.array(z.string().max(100)).max(10_000) })).max(2),
    }),
  },
  /** The share of failures among the last `window` settled downloads reached the user's threshold. */
  FailureRateAlertRaised: {
    1: z.object({ failed: z.number().int().nonnegative(), settled: z.number().int().positive(), thresholdPercent: z.number().int().min(1).max(100) }),
  },
  /** The failure rate fell below the threshold again: the alert is armed for the next time. */
  FailureRateAlertCleared: {
    1: z.object({ failed: z.number().int().nonnegative(), settled: z.number().int().positive(), thresholdPercent: z.number().int().min(1).max(100) }),
  },
  /**
   * The user had downloads forgotten, or the history cleared (everything, or what was asked for before `before`):
   * their events left the log. Ids and counts only, nothing of what they were; the outbox sends it so that a
   * receiver can forget its copies too (docs/decisions/0021-forget-and-clear.md).
   */
  HistoryForgotten: {
    1: z.object({
      scope: z.enum(['downloads', 'before', 'all']),
      /** With `downloads`: the streams forgotten (at most 1,000 per event). */
      streamIds: z.array(z.string().max(100)).max(1000),
      before: z.number().nullable(),
      downloads: z.number().int().nonnegative(),
      events: z.number().int().nonnegative(),
      filesDeleted: z.number().int().nonnegative(),
    }),
  },
} as const;

export type EventType = keyof typeof eventSchemas;
type Versions<T extends EventType> = (typeof eventSchemas)[T];
type HighestVersion<V> = 3 extends keyof V ? 3 : 2 extends keyof V ? 2 : 1;
type Latest<T extends EventType> = Versions<T>[HighestVersion<Versions<T>> & keyof Versions<T>];
export type EventData<T extends EventType> = T extends EventType ? z.infer<Latest<T>> : never;

export const CURRENT_SCHEMA_VERSION: Record<EventType, number> = Object.fromEntries(
  Object.entries(eventSchemas).map(([type, versions]) => [type, Math.max(...Object.keys(versions).map(Number))]),
) as Record<EventType, number>;

export const EVENT_TYPES = Object.keys(eventSchemas) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}

/** An event as the domain sees it: typed payload, current schema. */
export type DomainEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

export interface EventMetadata {
  correlationId: string;
  causationId: string;
  /** Where the user action came from (tab of the Google page), when it matters to later steps. */
  tabId?: number;
  /** On a download requested as part of a bulk selection: how many images the batch asked for (its id is the correlationId). */
  batchSize?: number;
  /**
   * Stamped by the NDJSON import on every event it writes (never by anything else): the stream is history from
   * another log, and nothing of this extension acts on it (docs/decisions/0001-one-design-for-16-21.md).
   */
  imported?: { at: number };
  [key: string]: unknown;
}

/** A stored event: the contract's row shape in IndexedDB. */
export interface StoredEvent<E extends DomainEvent = DomainEvent> {
  position: number;
  eventId: string;
  streamId: string;
  version: number;
  type: E['type'];
  schemaVersion: number;
  data: E['data'];
  metadata: EventMetadata;
  correlationId: string;
  causationId: string;
  createdAt: number;
}

export class EventSchemaError extends Error {
  constructor(
    readonly eventType: string,
    readonly schemaVersion: number,
    detail: string,
  ) {
    super(`Event ${eventType} v${schemaVersion} does not match its schema: ${detail}`);
    this.name = 'EventSchemaError';
  }
}

/** The schema of `type` at `version`, if there is one. */
export function schemaOf(type: EventType, version: number): z.ZodType | undefined {
  return (eventSchemas[type] as Record<number, z.ZodType>)[version];
}

/** Validates a payload against the current schema of its type; throws `EventSchemaError` with the reason. */
export function parseEventData<T extends EventType>(type: T, data: unknown): EventData<T> {
  const version = CURRENT_SCHEMA_VERSION[type];
  // The map's index type is a union of schemas; the one at `type` is the one for EventData<T>.
  const schema = schemaOf(type, version) as z.ZodType<EventData<T>>;
  const result = schema.safeParse(data);
  if (!result.success) throw new EventSchemaError(type, version, z.prettifyError(result.error));
  return result.data;
}
