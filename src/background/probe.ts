/**
 * "Fetching metadata / validating the source": ask the host for the original and read only its first bytes, to
 * learn the real type before anything is written to disk. The file itself is then saved by chrome.downloads.
 */
import { classifyHttpStatus, type Failure } from '../domain/failure.ts';
import { SNIFF_BYTES, sniffImageType, type ImageType } from '../domain/image-type.ts';
import { validateSourceUrl } from '../domain/urls.ts';

export type ProbeResult =
  | {
      ok: true;
      type: ImageType;
      contentLength: number | null;
      declaredMime: string;
      /** sha-256 (hex) of the whole body when it was read to its end within `hashLimitBytes`; else null. */
      contentHash?: string | null;
    }
  | { ok: false; failure: Failure };

/** Originals up to this size are read whole by the check and hashed (duplicates by content). */
export const DEFAULT_HASH_LIMIT_BYTES = 8 * 1_048_576;
/**
 * How long the check may keep reading past the first bytes for the hash: a slow host must not delay the
 * download's start (it then goes without a hash, and without the duplicate check by content).
 */
export const HASH_BUDGET_MS = 500;

export interface ProbeOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  maxBytes: number;
  /** Accept a `data:image/…` address: only for a thumbnail the user chose explicitly (`strategy: 'thumbnail'`). */
  allowDataImage?: boolean;
  /**
   * Read bodies up to this size to their end and hash them (duplicates by content). Past the first bytes a read
   * error or timeout only means "no hash", never a failure. 0: only the first bytes are read. Default
   * DEFAULT_HASH_LIMIT_BYTES.
   */
  hashLimitBytes?: number;
  /** Default HASH_BUDGET_MS. */
  hashBudgetMs?: number;
}

/** Checks the address, asks the host, and turns a network error or an error status into a failure. */
async function request(url: string, options: ProbeOptions, timeoutMs: number): Promise<{ ok: true; response: Response } | { ok: false; failure: Failure }> {
  const invalid = validateSourceUrl(url, { allowDataImage: options.allowDataImage === true });
  if (invalid) return { ok: false, failure: { code: 'invalid_url', retryable: false, message: invalid } };
  let response: Response;
  try {
    response = await options.fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow', credentials: 'include', cache: 'no-store' });
  } catch (error) {
    return { ok: false, failure: networkFailure(error) };
  }
  const httpFailure = classifyHttpStatus(response.status);
  if (httpFailure) {
    void response.body?.cancel().catch(() => undefined);
    return { ok: false, failure: httpFailure };
  }
  return { ok: true, response };
}

export async function probeImage(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const answer = await request(url, options, options.timeoutMs);
  if (!answer.ok) return answer;
  const { response } = answer;
  const declared = Number(response.headers.get('content-length'));
  const contentLength = Number.isFinite(declared) && response.headers.has('content-length') ? declared : null;
  if (contentLength !== null && contentLength > options.maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    return { ok: false, failure: tooLarge(contentLength, options.maxBytes) };
  }
  const hashLimit = options.hashLimitBytes ?? DEFAULT_HASH_LIMIT_BYTES;
  const wantHash = hashLimit > 0 && (contentLength === null || contentLength <= hashLimit);
  let head: Uint8Array;
  let whole: Uint8Array | null = null;
  try {
    const read = await readUpTo(response, wantHash ? hashLimit + 1 : SNIFF_BYTES, SNIFF_BYTES, options.hashBudgetMs ?? HASH_BUDGET_MS);
    head = read.bytes.subarray(0, SNIFF_BYTES);
    if (wantHash && read.ended && read.bytes.length <= hashLimit) whole = read.bytes;
  } catch (error) {
    return { ok: false, failure: networkFailure(error) };
  }
  if (head.length === 0) {
    return { ok: false, failure: { code: 'empty_body', retryable: false, message: 'The image server sent an empty file.' } };
  }
  const type = sniffImageType(head);
  if (!type) {
    const text = new TextDecoder().decode(head.subarray(0, 256)).trimStart().toLowerCase();
    const isPage = text.startsWith('<!doctype html') || text.startsWith('<html') || text.includes('<head') || text.includes('<body');
    return {
      ok: false,
      failure: {
        code: 'not_an_image',
        retryable: false,
        message: isPage ? 'The address gives a web page, not an image.' : 'The server sent something that is not an image.',
        hotlinkSuspect: isPage,
      },
    };
  }
  const declaredMime = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return { ok: true, type, contentLength, declaredMime, contentHash: whole ? await sha256Hex(whole) : null };
}

/** sha-256 of the bytes, as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Reads up to `limit` bytes. A read error before `required` bytes is thrown; after them, what was read is
 * returned with `ended: false` (the rest was only wanted for the hash), as it is once `budgetMs` have passed
 * since the required bytes arrived.
 */
async function readUpTo(response: Response, limit: number, required: number, budgetMs: number): Promise<{ bytes: Uint8Array; ended: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(), ended: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let budget: Promise<'over'> | null = null;
  try {
    while (size < limit) {
      if (size >= required && budget === null) budget = new Promise<'over'>((resolve) => (timer = setTimeout(() => resolve('over'), budgetMs)));
      let next: ReadableStreamReadResult<Uint8Array> | 'over';
      try {
        next = budget === null ? await reader.read() : await Promise.race([reader.read(), budget]);
      } catch (error) {
        if (size < required) throw error;
        break;
      }
      if (next === 'over') break;
      if (next.done) {
        ended = true;
        break;
      }
      chunks.push(next.value);
      size += next.value.length;
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (!ended) void reader.cancel().catch(() => undefined);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return { bytes: out, ended };
}

export type BodyResult = { ok: true; bytes: Uint8Array; type: ImageType } | { ok: false; failure: Failure };

/**
 * The whole original, checked again by its bytes: for hosts whose Content-Type lies (Chrome would rename the
 * file after the lie), the saga saves these exact bytes under the real type instead of letting Chrome fetch.
 */
export async function fetchImageBytes(url: string, options: ProbeOptions): Promise<BodyResult> {
  // The whole body may take longer than its first bytes: four request timeouts.
  const answer = await request(url, options, options.timeoutMs * 4);
  if (!answer.ok) return answer;
  const { response } = answer;
  let bytes: Uint8Array;
  try {
    bytes = await readHead(response, options.maxBytes + 1);
  } catch (error) {
    return { ok: false, failure: networkFailure(error) };
  }
  if (bytes.length > options.maxBytes) return { ok: false, failure: tooLarge(bytes.length, options.maxBytes) };
  if (bytes.length === 0) return { ok: false, failure: { code: 'empty_body', retryable: false, message: 'The image server sent an empty file.' } };
  const type = sniffImageType(bytes);
  if (!type) return { ok: false, failure: { code: 'not_an_image', retryable: false, message: 'The server sent something that is not an image.' } };
  return { ok: true, bytes, type };
}

/** A `data:` URL of the bytes (an MV3 worker has no `URL.createObjectURL`). */
export function toDataUrl(bytes: Uint8Array, mimeType: string): string {
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) binary += String.fromCharCode(...bytes.subarray(i, i + step));
  return `data:${mimeType};base64,${btoa(binary)}`;
}

async function readHead(response: Response, bytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < bytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out.subarray(0, Math.min(size, bytes));
}

function networkFailure(error: unknown): Failure {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { code: 'timeout', retryable: true, message: 'The image server did not answer in time.' };
  }
  return { code: 'network', retryable: true, message: 'The image server could not be reached.' };
}

function tooLarge(size: number, max: number): Failure {
  const mb = (n: number): string => `${(n / 1_048_576).toFixed(1)} MB`;
  return { code: 'too_large', retryable: false, message: `The image is ${mb(size)}, over the ${mb(max)} limit in the settings.` };
}
