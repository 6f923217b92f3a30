/**
 * Where a body's bytes wait while it streams: one buffer of `partBytes`, filled in place and turned into a
 * part-Blob when full (the Blob constructor copies the bytes to the blob registry, so the buffer is reused). The JS
 * heap holds this one buffer, never the body: with the stream's own chunks, 200 MB of short-lived array buffers
 * outran the collector (a peak of 94 MB of backing stores, docs/decisions/0011-transfer-memory.md).
 */
export class BodyParts {
  private parts: Blob[] = [];
  private buffer: Uint8Array | null = null;
  private filled = 0;
  private total = 0;

  constructor(private readonly partBytes: number) {}

  get size(): number {
    return this.total;
  }

  /** Bytes the buffer holds before it folds. */
  get capacity(): number {
    return this.partBytes;
  }

  /** The whole body so far while none of it has left the buffer; else null. */
  unfolded(): Uint8Array | null {
    if (this.parts.length > 0) return null;
    return this.buffer ? this.buffer.subarray(0, this.filled) : new Uint8Array();
  }

  append(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      this.buffer ??= new Uint8Array(this.partBytes);
      const piece = Math.min(chunk.length - at, this.buffer.length - this.filled);
      this.buffer.set(chunk.subarray(at, at + piece), this.filled);
      this.filled += piece;
      at += piece;
      if (this.filled === this.buffer.length) this.fold();
    }
    this.total += chunk.length;
  }

  /** The bytes waiting in the buffer become a part, and the buffer is let go (a paused transfer holds no buffer). */
  settle(): void {
    this.fold();
    this.buffer = null;
  }

  /** The whole body, typed; the parts are handed over. */
  takeBlob(type: string): Blob {
    this.settle();
    const blob = new Blob(this.parts, { type });
    this.parts = [];
    return blob;
  }

  drop(): void {
    this.parts = [];
    this.buffer = null;
    this.filled = 0;
    this.total = 0;
  }

  private fold(): void {
    if (!this.buffer || this.filled === 0) return;
    this.parts.push(new Blob([this.buffer.subarray(0, this.filled) as Uint8Array<ArrayBuffer>]));
    this.filled = 0;
  }
}
