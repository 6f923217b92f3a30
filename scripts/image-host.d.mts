export interface ImagePair {
  original: Buffer;
  thumb: Buffer;
  contentType: string;
}
export interface ImageHost {
  origin: string;
  images: Map<string, ImagePair>;
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
export function startImageHost(options?: { port?: number }): Promise<ImageHost>;
