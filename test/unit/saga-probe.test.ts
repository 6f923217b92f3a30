/** The source check's content hash (duplicates by content): whole bodies hashed, slow ones never waited for. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { probeImage } from '../../src/background/probe.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(2000).fill(7)]);

function respond(chunks: Uint8Array[], gapMs: number): typeof fetch {
  return async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const chunk of chunks) {
            controller.enqueue(chunk);
            await new Promise((resolve) => setTimeout(resolve, gapMs));
          }
          controller.close();
        },
      }),
      { headers: { 'content-type': 'image/png' } },
    );
}

describe('probe: content hash', () => {
  it('hashes a body read to its end', async () => {
    const result = await probeImage('https://images.example/a.png', { fetch: respond([PNG.subarray(0, 600), PNG.subarray(600)], 1), timeoutMs: 5000, maxBytes: 1e6 });
    expect(result).toMatchObject({ ok: true, type: { mimeType: 'image/png' }, contentHash: createHash('sha256').update(PNG).digest('hex') });
  });

  it('gives up the hash, not the check, when the rest of the body is slow', async () => {
    const started = Date.now();
    const result = await probeImage('https://images.example/a.png', {
      fetch: respond([PNG.subarray(0, 600), PNG.subarray(600, 1200), PNG.subarray(1200)], 400),
      timeoutMs: 5000,
      maxBytes: 1e6,
      hashBudgetMs: 100,
    });
    expect(result).toMatchObject({ ok: true, type: { mimeType: 'image/png' }, contentHash: null });
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('does not read past the limit for the hash', async () => {
    const result = await probeImage('https://images.example/a.png', { fetch: respond([PNG], 1), timeoutMs: 5000, maxBytes: 1e6, hashLimitBytes: 1000 });
    expect(result).toMatchObject({ ok: true, contentHash: null });
  });
});
