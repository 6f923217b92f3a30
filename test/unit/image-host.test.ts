/**
 * The local image host's behaviours that the saga's tests and bench rely on (scripts/image-host.mjs): Range and
 * its switch, the address whose second answer differs, large originals streamed, counters, realistic mode.
 */
import { createHash } from 'node:crypto';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
import { afterEach, describe, expect, it } from 'vitest';
import { largeBytes, largeSha256, sizedJpeg, startImageHost, type ImageHost } from '../../scripts/image-host.mjs';
import { sniffImageType } from '../../src/domain/image-type.ts';

let host: ImageHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

const get = async (path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${host?.origin}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
};

describe('image host', () => {
  it('Range: 206 with Content-Range from byte N; If-Range that does not match, or ignoreRange: 200 and the whole', async () => {
    host = await startImageHost();
    const whole = host.images.get('dog.png')?.original as Buffer;
    const first = await get('/originals/dog.png');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    const rest = await get('/originals/dog.png', { range: 'bytes=100-', 'if-range': etag });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(`bytes 100-${whole.length - 1}/${whole.length}`);
    expect(Buffer.from(rest.body)).toEqual(whole.subarray(100));
    expect((await get('/originals/dog.png', { range: 'bytes=100-', 'if-range': '"other"' })).status).toBe(200);
    expect((await get('/originals/dog.png', { range: `bytes=${whole.length}-` })).status).toBe(416);
    host.ignoreRange = true;
    const ignored = await get('/originals/dog.png', { range: 'bytes=100-' });
    expect(ignored.status).toBe(200);
    expect(ignored.body.length).toBe(whole.length);
    expect(host.rangeRequests.map((r) => r.range)).toEqual(['bytes=100-', 'bytes=100-', `bytes=${whole.length}-`, 'bytes=100-']);
  });

  it('/fault/changes: the image first, then a web page labelled image/jpeg', async () => {
    host = await startImageHost();
    const first = await get('/fault/changes/cat.jpg');
    const second = await get('/fault/changes/cat.jpg');
    expect(sniffImageType(first.body)?.mimeType).toBe('image/jpeg');
    expect(second.headers.get('content-type')).toBe('image/jpeg');
    expect(new TextDecoder().decode(second.body)).toMatch(/^<!doctype html>/);
    expect(host.hits('/fault/changes/cat.jpg')).toBe(2);
  });

  it('/large/: a PNG of N MiB streamed under each kind, the sha-256 it announces, a Range into its middle; bytes counted', async () => {
    host = await startImageHost();
    const png = await get('/large/png/6/photo.png');
    expect(png.body.length).toBe(6 * 1_048_576);
    expect(sha(png.body)).toBe(largeSha256(6));
    expect(sniffImageType(png.body)?.mimeType).toBe('image/png');
    expect((await get('/large/lying/1/photo.jpg')).headers.get('content-type')).toBe('image/jpeg');
    expect((await get('/large/octet/1/photo.bin')).headers.get('content-type')).toBe('application/octet-stream');
    expect((await get('/large/referer/1/photo.png')).status).toBe(403);
    expect((await get('/large/referer/1/photo.png', { referer: 'https://example.org/page' })).status).toBe(200);
    const middle = await get('/large/png/6/photo.png', { range: 'bytes=3000000-3000099' });
    expect(sha(middle.body)).toBe(sha(largeBytes(6 * 1_048_576, 3_000_000, 3_000_100)));
    expect(host.bytesSent('/large/png/6/')).toBe(6 * 1_048_576 + 100);
    expect(host.bytesSent('/large/lying/')).toBe(1_048_576);
  });

  it('/sized/: a JPEG of exactly that many bytes, the same for the same name', async () => {
    host = await startImageHost();
    const one = await get('/sized/300000/a-1.jpg');
    expect(one.body.length).toBe(300_000);
    expect(sha(one.body)).toBe(sha(sizedJpeg('a-1.jpg', 300_000)));
    expect(sha(one.body)).not.toBe(sha(sizedJpeg('a-2.jpg', 300_000)));
  });

  it('realistic mode (its timing is measured by the bench, not asserted): the defaults, and the same bytes', async () => {
    host = await startImageHost({ realistic: true });
    expect(host.realistic).toEqual({ firstByteMs: 80, bytesPerSecond: 40_000_000 });
    host.realistic = { firstByteMs: 5, bytesPerSecond: 200_000_000 };
    const [a, b] = await Promise.all([get('/sized/2000000/a.jpg'), get('/large/png/2/b.png')]);
    expect(sha(a.body)).toBe(sha(sizedJpeg('a.jpg', 2_000_000)));
    expect(sha(b.body)).toBe(largeSha256(2));
  });
});
