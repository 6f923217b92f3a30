/**
 * sha-256 of a body as it streams. While the whole body so far sits in the first part buffer it is not hashed yet:
 * a body that ends there (most originals: under 4 MiB) is hashed once by WebCrypto, natively (about 5x the speed of
 * JS here). Once the buffer would fold into a part-Blob, its bytes and every later chunk go through @noble/hashes,
 * incrementally (WebCrypto has no incremental digest, and WASM would need `wasm-unsafe-eval` in our CSP).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { BodyParts } from './body-parts.ts';

type Hasher = ReturnType<typeof sha256.create>;

export class BodyHash {
  private incremental: Hasher | null = null;

  constructor(private readonly parts: BodyParts) {}

  /** Call before `chunk` is appended to the parts. */
  beforeAppend(chunk: Uint8Array): void {
    // `>=`: a chunk that fills the buffer exactly folds it, and its bytes must be hashed before they leave.
    if (!this.incremental && this.parts.size + chunk.length >= this.parts.capacity) this.goIncremental();
    this.incremental?.update(chunk);
  }

  /** Call before the buffered bytes leave the buffer other than through `beforeAppend` (a pause settles them). */
  goIncremental(): void {
    if (this.incremental) return;
    this.incremental = sha256.create();
    const buffered = this.parts.unfolded();
    if (buffered) this.incremental.update(buffered);
  }

  /** Lowercase hex of the whole body; call before the parts are taken. */
  async digest(): Promise<string> {
    if (this.incremental) return bytesToHex(this.incremental.digest());
    const buffered = this.parts.unfolded() ?? new Uint8Array();
    return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', buffered as Uint8Array<ArrayBuffer>)));
  }

  reset(): void {
    this.incremental = null;
  }
}
