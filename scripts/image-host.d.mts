export interface ImagePair {
  original: Buffer;
  thumb: Buffer;
  contentType: string;
}
export interface ImageHost {
  origin: string;
  images: Map<string, ImagePair>;
  /** Answers by host name + path + query (`i.redd.it/x.png`), path + query (`/media/x?name=orig`) or path: checked first. */
  served: Map<string, { body: Buffer | string; type: string; status?: number }>;
  /** Paths requested, in order (query strings kept). */
  requests: string[];
  /** Names served by /fault/switch/<name> with HTTP 503 while they are in this set, as images after. */
  failing: Set<string>;
  /** How /fault/slow/<name> sends: the image padded to `bytes`, in `chunks` pieces `intervalMs` apart (10 s by default). */
  slow: { bytes: number; chunks: number; intervalMs: number };
  /** How long /numbered/<n>.jpg (distinct JPEGs, as many as asked for) holds each answer. */
  numbered: { holdMs: number };
  hits(pathPrefix: string): number;
  /** The bytes the host serves for a generated path (`/pic/<seed>/<w>x<h>.png`, `/real/<name>`), else undefined. */
  generated(path: string): { body: Buffer; type: string } | undefined;
  /** Body bytes written for paths starting with the prefix ('' for every path). */
  bytesSent(pathPrefix?: string): number;
  /** The most requests for paths starting with the prefix that were open at once (arrival to close). */
  peakInFlight(pathPrefix?: string): number;
  /** The Range (and If-Range) of each request that had one, in order. */
  rangeRequests: Array<{ path: string; range: string; ifRange: string | null }>;
  /** True: every Range request gets 200 and the whole body (a host without range support). */
  ignoreRange: boolean;
  /** Realistic mode: a wait before each answer's first byte, and one shared line for every body; null: off. */
  realistic: { firstByteMs: number; bytesPerSecond: number } | null;
  close(): Promise<void>;
}
export function makePng(width: number, height: number, seed: number): Buffer;
export function makeJpeg(label: string, padding?: number): Buffer;
export function makePicture(seed: number, width: number, height: number): Buffer;
export function pictureSeed(text: string): number;
export const TINY_WEBP: Buffer;
/** What /docs/report.pdf serves: a PDF, not an image. */
export const PDF: Buffer;
export function sha256(bytes: Buffer): string;
export function fixtureImages(): Map<string, ImagePair>;
export function startImageHost(options?: { port?: number; realistic?: boolean }): Promise<ImageHost>;
/** Bytes [start, end) of the /large/ original of `size` bytes. */
export function largeBytes(size: number, start: number, end: number): Buffer;
/** sha-256 (hex) of the /large/<kind>/<megabytes>/… original (computed once, streamed). */
export function largeSha256(megabytes: number): string;
/** The JPEG /sized/<size>/<name> serves. */
export function sizedJpeg(name: string, size: number): Buffer;
/** An https front (self-signed) for the image host: for hosts Chromium only asks over https (HSTS preload). */
export function startTlsFront(origin: string, tls: { key: Buffer; cert: Buffer }): Promise<{ port: number; close(): Promise<void> }>;
