/**
 * The source-page finder (issue 18, docs/decisions/0031-source-page-originals.md): for a result whose Google page
 * holds no original (basic-HTML pages, results without page data), look on the page the image is on. The worker
 * reads that page without credentials (bounded in bytes and time), takes its candidates (domain/source-page.ts),
 * reads a few of them (bounded), and keeps one only when its decoded pixels are larger than Google's thumbnail and
 * the same picture (domain/perceptual-hash.ts). It runs in the worker, not the content script: the page's bundle
 * stays small, and the worker may read any host (the content script may not).
 */
import { comparePictures, isLarger, type Fingerprint } from '../domain/perceptual-hash.ts';
import { sourcePageCandidates, type SourceCandidate, type SourceKind } from '../domain/source-page.ts';
import { declaredDimensions, sniffImageType } from '../domain/image-type.ts';
import { validateSourceUrl } from '../domain/urls.ts';

export interface SourcePageLimits {
  /** Bytes of the source page read (the rest is not looked at: the candidates are in its head and first images). */
  pageBytes: number;
  /** Bytes of one candidate image (over it: not checked). */
  imageBytes: number;
  /** Bytes of Google's thumbnail. */
  thumbnailBytes: number;
  /** Time for one request (page, thumbnail or candidate), headers and body. */
  requestMs: number;
  /** Time for the whole search. */
  totalMs: number;
  /** Candidates read at most (best first). */
  candidates: number;
  /** An image declaring more pixels than this is not decoded (a small file may declare 30,000 × 30,000). */
  maxPixels: number;
}

export const DEFAULT_SOURCE_PAGE_LIMITS: SourcePageLimits = {
  pageBytes: 2 * 1_048_576,
  imageBytes: 15 * 1_048_576,
  thumbnailBytes: 2 * 1_048_576,
  requestMs: 8_000,
  totalMs: 20_000,
  candidates: 4,
  maxPixels: 100_000_000,
};

export interface SourcePageDeps {
  fetch: typeof fetch;
  /** Decodes an image and fingerprints it (picture-decoder.ts); throws when it cannot be decoded. */
  fingerprint: (blob: Blob) => Promise<Fingerprint>;
  now: () => number;
}

export interface SourcePageQuery {
  sourcePageUrl: string;
  /** Google's thumbnail of the result: an http(s) address or an inline `data:image/…`. */
  thumbnailUrl: string;
}

export type SourcePageAnswer =
  | { found: true; imageUrl: string; width: number; height: number; kind: SourceKind; distance: number; checked: number }
  | { found: false; reason: string; checked: number };

class Refused extends Error {}

/**
 * The picture's pixel count as its header declares it (domain/image-type.ts), read in growing prefixes; null when
 * the bytes are not an image whose header says its size. Nothing is decoded.
 */
async function declaredPixels(blob: Blob): Promise<number | null> {
  const type = sniffImageType(new Uint8Array(await blob.slice(0, 512).arrayBuffer()));
  if (!type) return null;
  for (let size = 64 * 1024; ; size *= 4) {
    const found = declaredDimensions(new Uint8Array(await blob.slice(0, size).arrayBuffer()), type.mimeType);
    if (found !== 'more') return found ? found.width * found.height : null;
    if (size >= blob.size || size >= 4 * 1_048_576) return null;
  }
}

/** Decodes and fingerprints `blob` only when its header declares a size within the limit. */
export async function fingerprintWithin(deps: Pick<SourcePageDeps, 'fingerprint'>, blob: Blob, maxPixels: number): Promise<Fingerprint> {
  const pixels = await declaredPixels(blob);
  if (pixels === null || pixels > maxPixels) throw new Refused(pixels === null ? 'not an image of known size' : 'too many pixels');
  return deps.fingerprint(blob);
}

/** A request's body as a Blob, at most `limit` bytes (more: refused), within `deadline`. */
export async function readBounded(deps: Pick<SourcePageDeps, 'fetch' | 'now'>, url: string, limit: number, deadline: number, accept: string): Promise<{ blob: Blob; type: string; finalUrl: string; truncated: boolean }> {
  const remaining = deadline - deps.now();
  if (remaining <= 0) throw new Refused('time');
  const signal = AbortSignal.timeout(remaining);
  // No cookies, no HTTP auth, no client certificates: the page is read as a stranger would (as Google's crawler did).
  const response = await deps.fetch(url, { credentials: 'omit', redirect: 'follow', cache: 'no-store', referrerPolicy: 'no-referrer', signal, headers: { accept } });
  if (!response.ok) {
    void response.body?.cancel().catch(() => undefined);
    throw new Refused(`HTTP ${response.status}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  const reader = response.body?.getReader();
  if (reader) {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
        if (size > limit) {
          truncated = true;
          break;
        }
      }
    } finally {
      if (truncated) void reader.cancel().catch(() => undefined);
    }
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return { blob: new Blob(chunks as BlobPart[]).slice(0, limit), type, finalUrl: response.url || url, truncated };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function why(error: unknown): string {
  if (error instanceof Refused) return error.message === 'time' ? 'it took too long' : error.message;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'it took too long';
  return 'it could not be reached';
}

/**
 * Looks for the original of a result on its source page. Never throws: every way it can end is an answer, and a
 * "not found" says why in words the control shows.
 */
export async function findOnSourcePage(query: SourcePageQuery, deps: SourcePageDeps, limits: SourcePageLimits = DEFAULT_SOURCE_PAGE_LIMITS): Promise<SourcePageAnswer> {
  const deadline = deps.now() + limits.totalMs;
  const host = hostOf(query.sourcePageUrl);
  const badPage = validateSourceUrl(query.sourcePageUrl);
  if (badPage) return { found: false, reason: `The result's page cannot be read: ${badPage}`, checked: 0 };
  if (validateSourceUrl(query.thumbnailUrl, { allowDataImage: true })) return { found: false, reason: 'Google gave no thumbnail to compare with.', checked: 0 };

  let thumbnail: Fingerprint;
  try {
    const read = await readBounded(deps, query.thumbnailUrl, limits.thumbnailBytes, Math.min(deadline, deps.now() + limits.requestMs), 'image/*');
    if (read.truncated) throw new Refused('too large');
    thumbnail = await fingerprintWithin(deps, read.blob, limits.maxPixels);
  } catch {
    return { found: false, reason: 'Google’s thumbnail could not be read, so nothing can be compared with it.', checked: 0 };
  }

  let candidates: SourceCandidate[];
  try {
    const page = await readBounded(deps, query.sourcePageUrl, limits.pageBytes, Math.min(deadline, deps.now() + limits.requestMs), 'text/html,application/xhtml+xml');
    if (page.type && !/^(text\/html|application\/xhtml\+xml)$/.test(page.type)) return { found: false, reason: `The image’s page (${host}) is not a web page.`, checked: 0 };
    // Addresses in HTML are ASCII (or percent-encoded) whatever the page's charset: UTF-8 reads them right.
    const html = new TextDecoder('utf-8', { fatal: false }).decode(await page.blob.arrayBuffer());
    candidates = sourcePageCandidates(html, page.finalUrl).filter((candidate) => candidate.url !== query.thumbnailUrl);
  } catch (error) {
    return { found: false, reason: `The image’s page (${host}) could not be read: ${why(error)}.`, checked: 0 };
  }
  if (candidates.length === 0) return { found: false, reason: `The image’s page (${host}) shows no image to compare with Google’s thumbnail.`, checked: 0 };

  let best: Extract<SourcePageAnswer, { found: true }> | null = null;
  let checked = 0;
  let smaller = 0;
  for (const candidate of candidates.slice(0, limits.candidates)) {
    if (deps.now() >= deadline) break;
    checked += 1;
    try {
      const read = await readBounded(deps, candidate.url, limits.imageBytes, Math.min(deadline, deps.now() + limits.requestMs), 'image/*');
      if (read.truncated) continue;
      // The bytes decide what it is, not the address or the header (a page may serve HTML under `.jpg`), and how
      // large: decoded only within the pixel limit.
      const picture = await fingerprintWithin(deps, read.blob, limits.maxPixels);
      const same = comparePictures(thumbnail, picture);
      if (!same.same) continue;
      if (!isLarger(thumbnail, picture)) {
        smaller += 1;
        continue;
      }
      if (!best || picture.width * picture.height > best.width * best.height) {
        best = { found: true, imageUrl: candidate.url, width: picture.width, height: picture.height, kind: candidate.kind, distance: same.distance, checked };
      }
    } catch {
      // Unreachable, too slow or undecodable: the next candidate.
    }
  }
  if (best) return { ...best, checked };
  const images = `${checked} image${checked === 1 ? '' : 's'}`;
  if (smaller > 0) return { found: false, reason: `The image’s page (${host}) has this picture only at Google’s thumbnail size or smaller (${images} checked).`, checked };
  return { found: false, reason: `No image on its page (${host}) is this picture (${images} checked).`, checked };
}

/**
 * The finder as the worker uses it: at most `parallel` searches at once (a page of results clicked in a row must
 * not open dozens of connections), and each original found remembered for `keepMs` (a second click on the same
 * result, or the same image on the page twice, is answered at once; a search that found nothing is not kept).
 * Memory only: lost with the worker, which costs a search.
 */
export class SourcePageResolver {
  private readonly answers = new Map<string, { at: number; answer: Promise<SourcePageAnswer> }>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly deps: SourcePageDeps,
    private readonly limits: SourcePageLimits = DEFAULT_SOURCE_PAGE_LIMITS,
    private readonly parallel = 2,
    private readonly keepMs = 10 * 60_000,
    private readonly keepAtMost = 200,
  ) {}

  resolve(query: SourcePageQuery): Promise<SourcePageAnswer> {
    const key = `${query.sourcePageUrl}\n${query.thumbnailUrl}`;
    const now = this.deps.now();
    const known = this.answers.get(key);
    if (known && now - known.at < this.keepMs) return known.answer;
    const answer = this.queued(() => findOnSourcePage(query, this.deps, this.limits));
    this.answers.delete(key);
    this.answers.set(key, { at: now, answer });
    // Only what was found is kept: a page that could not be read may be readable on the next try.
    void answer.then((found) => {
      if (!found.found && this.answers.get(key)?.answer === answer) this.answers.delete(key);
    });
    // The oldest answers go first (a Map keeps insertion order).
    for (const old of this.answers.keys()) {
      if (this.answers.size <= this.keepAtMost) break;
      this.answers.delete(old);
    }
    return answer;
  }

  private async queued<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.parallel) await new Promise<void>((resume) => this.waiting.push(resume));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
