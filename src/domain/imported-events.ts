/**
 * What an imported event must be before it is written: history of a download, with file names, addresses and
 * text held to the same rules as the saga's own (docs/decisions/0020-imports-are-history.md). Pure: the caller
 * passes the event at its current schema version and the time.
 */
import type { EventData, EventType } from './events.ts';
import { extensionOf, safePathProblem } from './filename.ts';
import { isImageMime } from './image-type.ts';
import { validateSourceUrl } from './urls.ts';
import { folderTemplateProblem } from './path-template.ts';

/**
 * The types a download's stream holds. Notifications, alerts, dead-letter discards and forget records are this
 * browser's own records about its own downloads: another log's copies are refused, never merged.
 */
export const IMPORTABLE_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'GoogleImageDownloadRequested',
  'ImageSourceValidated',
  'ImageFetched',
  'DownloadInitiated',
  'ImageConverted',
  'ImageConversionSkipped',
  'DownloadStarted',
  'ImageScanned',
  'DownloadPaused',
  'DownloadResumed',
  'GoogleImageDownloadCompleted',
  'GoogleImageDownloadFailed',
  'GoogleImageDownloadRetryRequested',
  'BiggerOriginalTried',
  'BiggerOriginalChosen',
  'BiggerOriginalRejected',
]);

/** Inline (`data:`) thumbnails longer than this are not kept in the log (the request's `thumbnailUrl` is dropped). */
export const INLINE_THUMBNAIL_MAX_CHARS = 8 * 1024;

/** An event dated more than this after the importer's clock is refused (clocks of two machines differ a little). */
export const FUTURE_TOLERANCE_MS = 24 * 60 * 60_000;

/** Ids of events, streams and actions: what this extension makes (UUIDs, `notifications`, …), nothing else. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

// eslint-disable-next-line no-control-regex -- control characters are exactly what text must not hold
const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The request without an inline thumbnail too big to keep (a `data:` address over INLINE_THUMBNAIL_MAX_CHARS). */
export function withoutLargeInlineThumbnail<T extends { thumbnailUrl?: string | undefined }>(candidate: T): T {
  const thumbnail = candidate.thumbnailUrl;
  if (typeof thumbnail !== 'string' || !/^data:/i.test(thumbnail) || thumbnail.length <= INLINE_THUMBNAIL_MAX_CHARS) return candidate;
  const { thumbnailUrl: _dropped, ...rest } = candidate;
  return rest as T;
}

export function idProblem(what: string, id: unknown): string | null {
  return typeof id === 'string' && ID.test(id) ? null : `${what} is not an id this extension makes (letters, digits, . _ : -, at most 100)`;
}

function textProblem(what: string, value: unknown, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return `${what} is not text`;
  if (value.length > max) return `${what} is longer than ${max} characters`;
  return CONTROL_OR_BIDI.test(value) ? `${what} holds control or direction-changing characters` : null;
}

function addressProblem(what: string, value: unknown, allowDataImage = false): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return `${what} is not text`;
  const problem = validateSourceUrl(value, { allowDataImage });
  return problem ? `${what}: ${problem}` : null;
}

function mimeProblem(what: string, value: unknown): string | null {
  return typeof value === 'string' && isImageMime(value) && /^image\/[a-z0-9.+-]{1,50}$/i.test(value) ? null : `${what} is not an image type`;
}

function pathProblem(what: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${what} is not text`;
  const problem = safePathProblem(value);
  return problem ? `${what}: ${problem}` : null;
}

/** A saved file's absolute path on the machine that wrote the log: any folders, but a safe name at the end. */
function savedPathProblem(value: unknown): string | null {
  const text = textProblem('filePath', value, 4096);
  if (text) return text;
  if (typeof value !== 'string' || value === '') return 'filePath is empty';
  const name = value.split(/[\\/]/).pop() ?? '';
  const problem = safePathProblem(name);
  return problem ? `filePath: ${problem}` : null;
}

const first = (...problems: (string | null)[]): string | null => problems.find((problem) => problem !== null) ?? null;

/**
 * Why an imported event of `type` with `data` (at its type's current schema version) may not be written, or null.
 * `createdAt` is refused when it lies more than FUTURE_TOLERANCE_MS after `now`.
 */
export function importRefusal(event: { type: EventType; data: unknown; createdAt: number }, now: number): string | null {
  if (!IMPORTABLE_TYPES.has(event.type)) return `${event.type} is a record this browser keeps about its own downloads: another log's is not imported`;
  if (event.createdAt > now + FUTURE_TOLERANCE_MS) return 'the event is dated in the future';
  const what = event.type;
  const problem = dataProblem(event.type, event.data);
  return problem ? `${what}: ${problem}` : null;
}

function dataProblem(type: EventType, raw: unknown): string | null {
  switch (type) {
    case 'GoogleImageDownloadRequested': {
      const data = raw as EventData<'GoogleImageDownloadRequested'>;
      return first(
        addressProblem('imageUrl', data.imageUrl, data.strategy === 'thumbnail'),
        addressProblem('sourcePageUrl', data.sourcePageUrl),
        addressProblem('pageUrl', data.pageUrl),
        addressProblem('thumbnailUrl', data.thumbnailUrl, true),
        textProblem('title', data.title, 2000),
        textProblem('query', data.query, 2000),
        data.fileName === undefined ? null : pathProblem('fileName', data.fileName),
        (data.width ?? 0) > 1_000_000 || (data.height ?? 0) > 1_000_000 ? 'width or height is over 1,000,000 pixels' : null,
        data.folder === undefined ? null : folderTemplateProblem(data.folder),
      );
    }
    case 'ImageSourceValidated': {
      const data = raw as EventData<'ImageSourceValidated'>;
      return first(
        mimeProblem('mimeType', data.mimeType),
        /^[a-z0-9]{1,5}$/.test(data.extension) ? null : 'extension is not 1 to 5 lower-case letters or digits',
        pathProblem('filename', data.filename),
        extensionOf(data.filename) === data.extension ? null : `filename does not end in .${data.extension}, the image's type`,
        addressProblem('referer', data.referer),
        data.convertTo === undefined || data.convertTo === null ? null : mimeProblem('convertTo', data.convertTo),
        data.transferId === undefined ? null : idProblem('transferId', data.transferId),
      );
    }
    case 'ImageFetched': {
      const data = raw as EventData<'ImageFetched'>;
      return first(mimeProblem('mimeType', data.mimeType), idProblem('transferId', data.transferId));
    }
    case 'ImageScanned': {
      const data = raw as EventData<'ImageScanned'>;
      return textProblem('danger', data.danger, 100);
    }
    case 'DownloadInitiated': {
      const data = raw as EventData<'DownloadInitiated'>;
      return first(pathProblem('filename', data.filename), addressProblem('url', data.url, true), data.sidecar === undefined ? null : pathProblem('sidecar', data.sidecar));
    }
    case 'ImageConverted': {
      const data = raw as EventData<'ImageConverted'>;
      return first(mimeProblem('from', data.from), mimeProblem('to', data.to), pathProblem('filename', data.filename));
    }
    case 'ImageConversionSkipped': {
      const data = raw as EventData<'ImageConversionSkipped'>;
      return first(mimeProblem('from', data.from), mimeProblem('to', data.to), textProblem('reason', data.reason, 500));
    }
    case 'GoogleImageDownloadCompleted': {
      const data = raw as EventData<'GoogleImageDownloadCompleted'>;
      return first(
        addressProblem('imageUrl', data.imageUrl, true),
        savedPathProblem(data.filePath),
        mimeProblem('mimeType', data.mimeType),
        data.duplicateOf === undefined ? null : idProblem('duplicateOf', data.duplicateOf),
      );
    }
    case 'GoogleImageDownloadFailed': {
      const data = raw as EventData<'GoogleImageDownloadFailed'>;
      return first(addressProblem('imageUrl', data.imageUrl, true), textProblem('error', data.error, 2000));
    }
    case 'BiggerOriginalTried': {
      const data = raw as EventData<'BiggerOriginalTried'>;
      return first(addressProblem('url', data.url), idProblem('transferId', data.transferId));
    }
    case 'BiggerOriginalChosen':
      return addressProblem('url', (raw as EventData<'BiggerOriginalChosen'>).url);
    case 'BiggerOriginalRejected': {
      const data = raw as EventData<'BiggerOriginalRejected'>;
      return first(addressProblem('url', data.url), textProblem('reason', data.reason, 500));
    }
    case 'DownloadStarted':
    case 'DownloadPaused':
    case 'DownloadResumed':
    case 'GoogleImageDownloadRetryRequested':
      return null; // numbers or nothing, checked by the schema
    default:
      return `${type} is not imported`;
  }
}
