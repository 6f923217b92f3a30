/**
 * Sidecar metadata (docs/decisions/0048): with the setting on, a JSON file beside each saved image, made as a Blob by
 * the transfer side and saved through Chrome once the image is on disk, under the name Chrome gave the image; never
 * beside an image that failed; off by default.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../fakes/transfer.ts';
import { sagaHarness } from './saga-harness.ts';

describe('sidecar metadata', () => {
  it('is saved beside the image with its SHA-256, addresses, query, title, time and correlation id', async () => {
    const t = await sagaHarness({ settings: { sidecarMetadata: true } });
    const { streamId } = await t.request('cat.jpg', 7, {}, { query: 'cats', width: 640, height: 480 });
    const row = await t.settled(streamId);
    expect(row.phase).toBe('completed');
    const image = t.downloads.files.get('/downloads/Semantest/cat.png');
    const sidecar = t.downloads.files.get('/downloads/Semantest/cat.png.json');
    expect(image?.bytes && sidecar?.bytes).toBeTruthy();
    const json = JSON.parse(new TextDecoder().decode(sidecar?.bytes)) as Record<string, unknown>;
    expect(json).toMatchObject({
      file: 'cat.png',
      imageUrl: 'https://images.example/cat.jpg',
      sourcePage: 'https://www.example.org/page',
      query: 'cats',
      title: 'A cat',
      mimeType: 'image/png',
      sha256: sha256(image?.bytes as Uint8Array),
      correlationId: row.correlationId,
      downloadId: streamId,
    });
    expect(json.savedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    // Asked for after the image was complete, and the Blobs released after that.
    const [imageCall, sidecarCall] = t.downloads.calls;
    expect(imageCall?.filename).toBe('Semantest/cat.png');
    expect(sidecarCall?.filename).toBe('Semantest/cat.png.json');
    expect(t.transfers.holds(`${streamId}:v1`)).toBe(false);
  });

  it('takes the name Chrome gave the image when it had to rename it', async () => {
    const t = await sagaHarness({ settings: { sidecarMetadata: true } });
    await t.settled((await t.request('cat.jpg')).streamId);
    await t.settled((await t.request('cat.jpg', 7, {}, { imageUrl: 'https://other.example/cat.jpg' })).streamId);
    expect([...t.downloads.files.keys()].sort()).toEqual(['/downloads/Semantest/cat (1).png', '/downloads/Semantest/cat (1).png.json', '/downloads/Semantest/cat.png', '/downloads/Semantest/cat.png.json']);
    const json = JSON.parse(new TextDecoder().decode(t.downloads.files.get('/downloads/Semantest/cat (1).png.json')?.bytes)) as Record<string, unknown>;
    expect(json).toMatchObject({ file: 'cat (1).png', imageUrl: 'https://other.example/cat.jpg' });
  });

  it('is never written beside an image that failed', async () => {
    const t = await sagaHarness({ settings: { sidecarMetadata: true } });
    t.downloads.behaviour = () => ({ end: 'dangerous', danger: 'file' });
    const row = await t.settled((await t.request('cat.jpg')).streamId);
    expect(row.phase).toBe('failed');
    expect(t.downloads.calls.map((call) => call.filename)).toEqual(['Semantest/cat.png']);
    expect([...t.downloads.files.keys()].filter((path) => path.endsWith('.json'))).toEqual([]);
  });

  it('is off by default: only the image is saved', async () => {
    const t = await sagaHarness();
    const { streamId } = await t.request('dog.jpg', 7);
    await t.settled(streamId);
    expect([...t.downloads.files.keys()]).toEqual(['/downloads/Semantest/dog.png']);
  });
});
