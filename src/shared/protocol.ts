/**
 * The one typed protocol between the content script, the extension pages and the worker. Every message is
 * parsed with zod on the receiving side: a content script runs on a page we do not control, so its messages are
 * untrusted input.
 */
import { z } from 'zod';
import { ImageCandidate } from '../domain/events.ts';
import type { BatchReport } from '../domain/batch-report.ts';

const streamId = z.string().min(1).max(100);
const pageCount = z.number().int().min(0).max(1_000_000);
const busDeadLetters = z.union([z.literal('all'), z.object({ subscriberId: z.string().min(1).max(100), streamId })]);

export const WorkerRequest = z.discriminatedUnion('type', [
  /** A click on a control: the user wants this original. */
  /** `force`: save again even if this image was saved before and is still on disk. */
  z.object({ type: z.literal('download.request'), commandId: z.uuid(), image: ImageCandidate, force: z.boolean().optional() }),
  /** Bulk select: "Download N selected" on a Google Images page. One user action: one correlation id. */
  /**
   * `folder`: the folder (template) chosen in the selection bar; the worker takes it only when it is one of the
   * user's recent folders or a valid template (domain/path-template.ts). `skipped.smaller`: results the page left
   * out as smaller than the size filter (for the batch report), since its last message of the batch.
   * "Download all" sends its results as they are found: `more` keeps the batch open (answered with its `batchId`),
   * `batchId` continues an open batch of the same tab (docs/decisions/0065-download-all-pipelined.md).
   */
  z.object({
    type: z.literal('download.batch'),
    commandId: z.uuid(),
    images: z.array(ImageCandidate).min(1).max(1000),
    folder: z.string().max(200).optional(),
    skipped: z.object({ smaller: pageCount }).optional(),
    batchId: z.uuid().optional(),
    more: z.boolean().optional(),
  }),
  /** The latest batch's report (domain/batch-report.ts), made by the worker for the popup. Read-only, pages only. */
  z.object({ type: z.literal('batch.report') }),
  /** The user's last few folders (newest first), for the selection bar's folder choice. Read-only. */
  z.object({ type: z.literal('folders.recent') }),
  /** The content script asks for the current state of downloads it shows (after a reload of the page). */
  z.object({ type: z.literal('download.states'), imageUrls: z.array(z.string().max(8192)).max(20_000) }),
  z.object({ type: z.literal('download.retry'), streamIds: z.array(streamId).min(1).max(10_000) }),
  z.object({ type: z.literal('download.retryAllDeadLetters') }),
  z.object({ type: z.literal('download.discard'), streamIds: z.array(streamId).min(1).max(10_000) }),
  z.object({ type: z.literal('download.pause'), streamId }),
  z.object({ type: z.literal('download.resume'), streamId }),
  z.object({ type: z.literal('download.cancel'), streamId }),
  z.object({ type: z.literal('download.show'), streamId }),
  z.object({ type: z.literal('ping') }),
  /**
   * A result whose Google page holds no original: look for it on the page the image is on (the worker's
   * source-page finder). Answered with `original` or, when nothing there is the same picture, `reason`.
   */
  z.object({ type: z.literal('source.resolve'), sourcePageUrl: z.string().max(8192), thumbnailUrl: z.string().max(2_000_000) }),
  /** A Google Images page's markup health: how many results, how many with an original (domain/page-health.ts). */
  z.object({ type: z.literal('page.health'), results: pageCount, originals: pageCount, basic: pageCount }).refine(
    (counts) => counts.originals <= counts.results && counts.basic <= counts.results,
    'More originals than results.',
  ),
  /** "Download all" cancelled on a Google page: its batch's downloads still running (only ones a Google page asked for). */
  z.object({ type: z.literal('download.cancelBatch'), streamIds: z.array(streamId).min(1).max(1000) }),
  /** A result's menu, "Copy image": the worker fetches the original and answers it as PNG (`dataUrl`). */
  z.object({ type: z.literal('image.copy'), imageUrl: z.string().max(8192) }),
  /** The settings a Google page's bulk actions honour ("skip smaller than"): read-only, nothing else of the settings. */
  z.object({ type: z.literal('bulk.settings') }),
  /** "Forget this download" (popup): its events leave the log and every read model; its file only if asked. */
  z.object({ type: z.literal('history.forget'), streamIds: z.array(streamId).min(1).max(1000), deleteFiles: z.boolean() }),
  /** "Clear history" (options page): everything (`before: null`), or the downloads asked for before `before` (epoch ms). */
  z.object({ type: z.literal('history.clear'), before: z.number().int().nonnegative().nullable(), deleteFiles: z.boolean() }),
  /** Rebuild the history (downloads read model) by replaying the log. */
  z.object({ type: z.literal('history.rebuild') }),
  /** The bus's dead letters (options page, monitoring): one subscriber's stream of them, or all. */
  z.object({ type: z.literal('bus.retryDeadLetters'), which: busDeadLetters }),
  z.object({ type: z.literal('bus.discardDeadLetters'), which: busDeadLetters }),
  /** Compact settled downloads unchanged for this many days (0: all settled ones). */
  z.object({ type: z.literal('history.compact'), olderThanDays: z.number().int().min(0).max(3650) }),
]);
export type WorkerRequest = z.infer<typeof WorkerRequest>;
export type WorkerRequestType = WorkerRequest['type'];

/** Requests a content script may send; everything else needs an extension page. */
export const CONTENT_SCRIPT_REQUESTS: ReadonlySet<WorkerRequestType> = new Set([
  'download.request', 'download.batch', 'download.states', 'download.show', 'ping', 'source.resolve', 'page.health', 'folders.recent',
  'bulk.settings', 'download.cancelBatch', 'image.copy',
]);

export const ControlStateSchema = z.enum(['idle', 'queued', 'downloading', 'completed', 'failed']);

export const ControlUpdate = z.object({
  streamId,
  imageUrl: z.string(),
  state: ControlStateSchema,
  /** 0..1 while downloading, when the size is known. */
  progress: z.number().min(0).max(1).nullable(),
  /** Shown on hover: the file name when done, the reason when failed. */
  message: z.string().nullable(),
});
export type ControlUpdate = z.infer<typeof ControlUpdate>;

/**
 * Worker → content script: a download's new state, or the keyboard shortcut asking to save the open preview.
 * The content script checks these by hand (src/content/tab-message.ts) so that zod stays out of its bundle.
 */
export const TabMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('control.update'), update: ControlUpdate }),
  z.object({ type: z.literal('preview.download') }),
]);
export type TabMessage = z.infer<typeof TabMessage>;

/** Worker → extension pages: live progress that is not worth an event (bytes received). */
export const ProgressMessage = z.object({
  type: z.literal('progress'),
  items: z.array(z.object({ streamId, bytesReceived: z.number(), totalBytes: z.number(), bytesPerSecond: z.number() })),
});
export type ProgressMessage = z.infer<typeof ProgressMessage>;

/** `source.resolve`'s answer: the original found on the source page (decoded size), or why none was. */
export interface SourceOriginal {
  imageUrl: string;
  width: number;
  height: number;
}

export type WorkerResponse =
  | {
      ok: true;
      streamId?: string;
      joined?: boolean;
      alreadySaved?: boolean;
      updates?: ControlUpdate[];
      count?: number;
      streamIds?: string[];
      /** `download.batch` with `more`: the open batch's id, for the messages that continue it. */
      batchId?: string;
      forgotten?: ForgetReport;
      compacted?: CompactionSummary;
      original?: SourceOriginal;
      reason?: string;
      /** `folders.recent`: the user's last few folders, newest first. */
      folders?: string[];
      /** `batch.report`: the latest batch's report, or null before any batch. */
      report?: BatchReport | null;
      /** `bulk.settings`: bulk actions skip images whose known width or height is under this (0: off). */
      skipSmallerThanPx?: number;
      /** `image.copy`: the original as a PNG `data:` URL, for the clipboard. */
      dataUrl?: string;
    }
  | { ok: false; error: string };

/** What forgetting (or clearing) did: downloads and events gone, downloads left running, files deleted. */
export interface ForgetReport {
  downloads: number;
  events: number;
  running: number;
  filesDeleted: number;
}

/** What a compaction removed (src/store/compaction.ts's report, as the options page shows it). */
export interface CompactionSummary {
  streamsSeen: number;
  streamsCompacted: number;
  eventsRemoved: number;
  removedByType: Record<string, number>;
}

/** Worker → options page: how far a long job has come (not an event). */
export const MaintenanceProgress = z.object({
  type: z.literal('maintenance.progress'),
  job: z.enum(['rebuild', 'compact', 'forget']),
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
});
export type MaintenanceProgress = z.infer<typeof MaintenanceProgress>;

/** The port an options page opens to stream an NDJSON file to the worker (`runtime.connect`, this name). */
export const IMPORT_PORT = 'semantest:import';

/** Options page → worker, on the import port: the file's size, then its text chunk by chunk, as asked. */
export const ImportPortRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('import.begin'), size: z.number().int().nonnegative() }),
  /** The next piece of the file's text for `reading`; `done` with the last one. */
  z.object({ type: z.literal('import.chunk'), reading: z.number().int().positive(), text: z.string(), bytes: z.number().int().nonnegative(), done: z.boolean() }),
]);
export type ImportPortRequest = z.infer<typeof ImportPortRequest>;

/** Worker → options page, on the import port. `import.next`: send the next chunk of reading `reading` (a new reading starts at byte 0). */
export type ImportPortAnswer =
  | { type: 'import.next'; reading: number }
  | { type: 'import.report'; report: { taken: number; alreadyThere: number; refused: { line: number; reason: string }[]; refusedWhole?: string } }
  | { type: 'import.failed'; error: string };
