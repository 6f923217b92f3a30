/**
 * What a host's answer means for a transfer (docs/decisions/0010-transfer-in-a-document.md): the first answer,
 * the answer to a resume (`Range: bytes=N-`), and the failures in words. Pure: headers come in as a lookup.
 */
import { classifyHttpStatus, type Failure } from './failure.ts';

/** A response's headers, case-insensitive (`Headers.get`). */
export interface HeaderLookup {
  get(name: string): string | null;
}

const mb = (n: number): string => `${(n / 1_048_576).toFixed(1)} MB`;

export function tooLargeFailure(size: number | null, max: number): Failure {
  const what = size === null ? 'The image is' : `The image is ${mb(size)},`;
  return { code: 'too_large', retryable: false, message: `${what} over the ${mb(max)} limit in the settings.` };
}

export const EMPTY_BODY_FAILURE: Failure = { code: 'empty_body', retryable: false, message: 'The image server sent an empty file.' };
export const HEADERS_TIMEOUT_FAILURE: Failure = { code: 'timeout', retryable: true, message: 'The image server did not answer in time.' };

export function stallFailure(stallMs: number): Failure {
  return { code: 'timeout', retryable: true, message: `The image server stopped sending the image (nothing for ${Math.round(stallMs / 1000)} s).` };
}

/** A fetch that threw: a timeout or abort by its name, anything else the network. */
export function networkFailure(errorName: string): Failure {
  if (errorName === 'TimeoutError' || errorName === 'AbortError') return HEADERS_TIMEOUT_FAILURE;
  return { code: 'network', retryable: true, message: 'The image server could not be reached.' };
}

/** The first bytes are no image: a web page (hotlink protection, say) or anything else. */
export function notAnImageFailure(head: Uint8Array): Failure {
  const text = new TextDecoder().decode(head.subarray(0, Math.min(head.length, 256))).trimStart().toLowerCase();
  const isPage = text.startsWith('<!doctype html') || text.startsWith('<html') || text.includes('<head') || text.includes('<body');
  return {
    code: 'not_an_image',
    retryable: false,
    message: isPage ? 'The address gives a web page, not an image.' : 'The server sent something that is not an image.',
    hotlinkSuspect: isPage,
  };
}

/** The sniffed type differs after a clean restart: the host now serves another file under the address. */
export const CHANGED_ON_RESTART_FAILURE: Failure = {
  code: 'not_an_image',
  retryable: true,
  message: 'The image changed on its server while the download was paused; it is fetched again from the start.',
};

/** `Content-Length` when the host gave a usable one. */
export function declaredLength(headers: HeaderLookup): number | null {
  const raw = headers.get('content-length');
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : null;
}

/** The Content-Type, lower case, without parameters ('' when none). */
export function declaredMime(headers: HeaderLookup): string {
  return (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * What a resume may send as `If-Range`: a strong ETag, else Last-Modified (RFC 9110 §13.1.5: a weak ETag must not
 * be used there), else nothing.
 */
export function rangeValidator(headers: HeaderLookup): string | null {
  const etag = headers.get('etag')?.trim();
  if (etag && !etag.startsWith('W/')) return etag;
  return headers.get('last-modified')?.trim() || null;
}

export type FirstAnswer = { ok: true; contentLength: number | null; declaredMime: string; validator: string | null } | { ok: false; failure: Failure };

/** The answer to the first request: an error status or a declared size over the limit is a failure. */
export function judgeFirstAnswer(status: number, headers: HeaderLookup, maxBytes: number): FirstAnswer {
  const failure = classifyHttpStatus(status);
  if (failure) return { ok: false, failure };
  const contentLength = declaredLength(headers);
  if (contentLength !== null && contentLength > maxBytes) return { ok: false, failure: tooLargeFailure(contentLength, maxBytes) };
  return { ok: true, contentLength, declaredMime: declaredMime(headers), validator: rangeValidator(headers) };
}

/** `Content-Range: bytes first-last/complete` (complete may be `*`), or null when it is not that. */
export function parseContentRange(raw: string | null): { first: number; last: number; complete: number | null } | null {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(raw ?? '');
  if (!match) return null;
  const first = Number(match[1]);
  const last = Number(match[2]);
  const complete = match[3] === '*' ? null : Number(match[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return null;
  if (complete !== null && (!Number.isSafeInteger(complete) || last >= complete)) return null;
  return { first, last, complete };
}

export type ResumeAnswer =
  /** 206 from byte `from`: the bytes kept and the hasher go on. */
  | { kind: 'continue'; totalBytes: number | null }
  /** 200: the host ignored Range (or the file changed, by If-Range): read again from the start. */
  | { kind: 'restart'; contentLength: number | null; validator: string | null }
  | { kind: 'failed'; failure: Failure };

/** The answer to `Range: bytes=from-`: only a 206 starting exactly at `from` continues the bytes kept. */
export function judgeResumeAnswer(status: number, headers: HeaderLookup, from: number, maxBytes: number): ResumeAnswer {
  if (status === 200) {
    const first = judgeFirstAnswer(status, headers, maxBytes);
    return first.ok ? { kind: 'restart', contentLength: first.contentLength, validator: first.validator } : { kind: 'failed', failure: first.failure };
  }
  if (status === 206) {
    const range = parseContentRange(headers.get('content-range'));
    if (!range || range.first !== from) {
      return {
        kind: 'failed',
        failure: {
          code: 'http_server_error',
          retryable: true,
          message: `The image server did not continue from byte ${from} as asked (${range ? `it sent bytes ${range.first}-${range.last}` : 'no usable Content-Range'}).`,
        },
      };
    }
    if (range.complete !== null && range.complete > maxBytes) return { kind: 'failed', failure: tooLargeFailure(range.complete, maxBytes) };
    return { kind: 'continue', totalBytes: range.complete };
  }
  if (status === 416) {
    return { kind: 'failed', failure: { code: 'http_client_error', retryable: true, message: `The image server could not continue from byte ${from} (HTTP 416): the file may have changed.` } };
  }
  const failure = classifyHttpStatus(status);
  return {
    kind: 'failed',
    failure: failure ?? { code: 'http_server_error', retryable: true, message: `The image server answered the resume with HTTP ${status}, not the rest of the image.` },
  };
}
