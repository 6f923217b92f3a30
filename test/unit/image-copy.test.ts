import { describe, expect, it } from 'vitest';
import { imageForClipboard } from '../../src/background/image-copy.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
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
});
