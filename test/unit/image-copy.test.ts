import { describe, expect, it } from 'vitest';
import { makeJpeg, makePng } from '../../scripts/image-host.mjs';
import { imageForClipboard } from '../../src/background/image-copy.ts';

const PNG = new Uint8Array(makePng(8, 8, 1));
const JPEG = new Uint8Array(makeJpeg('copy me'));

/** A real small PNG whose header declares `width` × `height` pixels. */
function declaring(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(makePng(8, 8, 2));
  new DataView(bytes.buffer).setUint32(16, width);
  new DataView(bytes.buffer).setUint32(20, height);
  return bytes;
}
const answer = (body: Uint8Array | string, status = 200): Promise<Response> => Promise.resolve(new Response(body as BodyInit, { status }));

describe('"Copy image" in the worker (issue 19 item 6)', () => {
  it('fetches without credentials, checks the bytes are an image, and answers the PNG as a data: URL', async () => {
    const seen: RequestInit[] = [];
    const result = await imageForClipboard('https://images.example/a.jpg', {
      fetch: (_url, init) => {
        seen.push(init);
        return answer(JPEG);
      },
      toPng: async () => new Blob([PNG], { type: 'image/png' }),
    });
    expect(result).toEqual({ ok: true, dataUrl: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}` });
    expect(seen[0]?.credentials).toBe('omit');
  });

  it('refuses, in words, what is not an image, an error answer, and an address that is not a web image', async () => {
    const toPng = async (): Promise<Blob> => new Blob([PNG]);
    expect(await imageForClipboard('https://images.example/a.jpg', { fetch: () => answer('<!doctype html><p>blocked'), toPng })).toEqual({ ok: false, error: 'That address does not give an image: nothing was copied.' });
    expect(await imageForClipboard('https://images.example/a.jpg', { fetch: () => answer('gone', 404), toPng })).toEqual({ ok: false, error: 'The image’s host answered 404: nothing was copied.' });
    const refused = await imageForClipboard('file:///etc/passwd', { fetch: () => answer(JPEG), toPng });
    expect(refused.ok).toBe(false);
    const undecodable = await imageForClipboard('https://images.example/a.jpg', { fetch: () => answer(JPEG), toPng: () => Promise.reject(new Error('bad')) });
    expect(undecodable).toEqual({ ok: false, error: 'The image could not be read as a picture: nothing was copied.' });
  });

  it('decodes nothing that declares over 40 megapixels, whatever its file size', async () => {
    let decoded = 0;
    const toPng = async (): Promise<Blob> => {
      decoded += 1;
      return new Blob([PNG]);
    };
    expect(await imageForClipboard('https://images.example/bomb.png', { fetch: () => answer(declaring(30_000, 30_000)), toPng })).toEqual({ ok: false, error: 'The image is too large to copy (over 40 megapixels).' });
    expect(decoded).toBe(0);
    expect((await imageForClipboard('https://images.example/fine.png', { fetch: () => answer(declaring(6_000, 6_000)), toPng })).ok).toBe(true);
    expect(decoded).toBe(1);
  });
});
